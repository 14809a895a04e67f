import {
  table
} from "./chunk-SZTEK7KO.js";
import {
  SeedbedError,
  codes
} from "./chunk-K7UNPX46.js";
import "./chunk-MHV4YG4X.js";

// lib/planning/plan-format.ts
import path from "node:path";
var PLAN_FORMATS = ["text", "json", "mermaid", "dot"];
function planToJson(levels) {
  return {
    levels: levels.map((level, i) => ({
      level: i,
      seeds: level.map((s) => ({
        name: s.name,
        priority: s.priority,
        dependsOn: [...s.dependsOn],
        description: s.description,
        file: path.relative(process.cwd(), s.file)
      }))
    }))
  };
}
function formatPlan(levels) {
  const count = levels.reduce((n, l) => n + l.length, 0);
  const rows = [["level", "seed", "priority", "depends on", "description"]];
  for (const [i, level] of levels.entries()) {
    for (const [j, s] of level.entries()) {
      rows.push([j === 0 ? String(i) : "", s.name, String(s.priority), s.dependsOn.join(", ") || "-", s.description]);
    }
  }
  return `${count} seed${count === 1 ? "" : "s"} in ${levels.length} level${levels.length === 1 ? "" : "s"} (seeds of a level run concurrently)

` + table(rows, /* @__PURE__ */ new Set([0, 2]));
}
function planToMermaid(levels) {
  const lines = ["flowchart LR"];
  levels.forEach((level, i) => {
    lines.push(`  subgraph level${i}["level ${i}"]`);
    for (const s of level) lines.push(`    ${s.name}`);
    lines.push("  end");
  });
  for (const s of levels.flat()) for (const d of s.dependsOn) lines.push(`  ${d} --> ${s.name}`);
  return lines.join("\n");
}
function planToDot(levels) {
  const lines = ["digraph seeds {", "  rankdir=LR;", "  node [shape=box];"];
  levels.forEach((level, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label="level ${i}";`);
    for (const s of level) lines.push(`    "${s.name}";`);
    lines.push("  }");
  });
  for (const s of levels.flat()) for (const d of s.dependsOn) lines.push(`  "${d}" -> "${s.name}";`);
  lines.push("}");
  return lines.join("\n");
}
function renderPlan(levels, format) {
  switch (format) {
    case "text":
      return formatPlan(levels);
    case "json":
      return JSON.stringify(planToJson(levels));
    case "mermaid":
      return planToMermaid(levels);
    case "dot":
      return planToDot(levels);
  }
  throw new SeedbedError(codes.BAD_OPTION, `--format must be one of ${PLAN_FORMATS.join(", ")}, got '${format}'`, {
    hint: "for example: plan --format mermaid"
  });
}
export {
  PLAN_FORMATS,
  formatPlan,
  planToDot,
  planToJson,
  planToMermaid,
  renderPlan
};
//# sourceMappingURL=plan-format-P7VXUMNT.js.map
