// lib/output/summary.ts
function table(rows, rightAligned = /* @__PURE__ */ new Set()) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map(
    (r) => r.map((cell, i) => rightAligned.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])).join("  ").trimEnd()
  ).join("\n");
}
function formatSummary(result) {
  const rows = [["seed", "level", "status", "created", "updated", "skipped", "rows/s", "ms"]];
  for (const s of result.seeds) {
    rows.push([
      s.name,
      String(s.level),
      s.status,
      String(s.created),
      String(s.updated),
      String(s.skipped),
      String(s.rowsPerSecond),
      String(s.durationMs)
    ]);
  }
  const total = (k) => result.seeds.reduce((n, s) => n + s[k], 0);
  const all = total("created") + total("updated") + total("skipped");
  const perSecond = result.durationMs ? Math.round(all * 1e3 / result.durationMs) : 0;
  rows.push([
    "total",
    "",
    result.ok ? "ok" : "FAILED",
    String(total("created")),
    String(total("updated")),
    String(total("skipped")),
    String(perSecond),
    String(result.durationMs)
  ]);
  return table(rows, /* @__PURE__ */ new Set([1, 3, 4, 5, 6, 7]));
}
function formatStatus(status) {
  const when = (d) => d ? d.toISOString().replace("T", " ").slice(0, 19) : "-";
  const runs = [["run", "command", "env", "user@host", "started", "ended", "status"]];
  for (const r of status.runs)
    runs.push([String(r.id), r.command, r.environment, `${r.os_user}@${r.host}`, when(r.started_at), when(r.ended_at), r.status]);
  const seeds = [["seed", "last succeeded", "file since"]];
  for (const s of status.seeds) seeds.push([s.name, when(s.lastSucceeded), s.file]);
  return `${status.runs.length ? table(runs, /* @__PURE__ */ new Set([0])) : "no runs recorded yet"}

${table(seeds)}`;
}

export {
  table,
  formatSummary,
  formatStatus
};
//# sourceMappingURL=chunk-SZTEK7KO.js.map
