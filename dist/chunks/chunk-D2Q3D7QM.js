import {
  SeedbedError,
  codes
} from "./chunk-K7UNPX46.js";
import {
  redactUrl
} from "./chunk-MHV4YG4X.js";

// lib/output/metrics.ts
import { rename, writeFile } from "node:fs/promises";
import { Counter, Gauge, Histogram, Pushgateway, Registry } from "prom-client";
function runMetrics(result, env, registry = new Registry()) {
  const labels = ["seed", "status", "env"];
  const duration = new Histogram({
    name: "seedbed_seed_duration_seconds",
    help: "Time a seed took, by seed and status",
    labelNames: labels,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [registry]
  });
  const records = (kind) => new Counter({ name: `seedbed_records_${kind}_total`, help: `Records ${kind} by seeds`, labelNames: labels, registers: [registry] });
  const created = records("created");
  const updated = records("updated");
  const skipped = records("skipped");
  const errors = new Counter({
    name: "seedbed_seed_errors_total",
    help: "Seeds that failed, by seed and error code",
    labelNames: ["seed", "status", "env", "code"],
    registers: [registry]
  });
  const ok = new Gauge({
    name: "seedbed_last_run_success",
    help: "1 if the last run succeeded, else 0",
    labelNames: ["env"],
    registers: [registry]
  });
  const at = new Gauge({
    name: "seedbed_last_run_timestamp_seconds",
    help: "When the last run ended (Unix time)",
    labelNames: ["env"],
    registers: [registry]
  });
  const runSeconds = new Gauge({
    name: "seedbed_last_run_duration_seconds",
    help: "How long the last run took",
    labelNames: ["env"],
    registers: [registry]
  });
  for (const s of result.seeds) {
    const l = { seed: s.name, status: s.status, env };
    if (s.status !== "not_executed") duration.observe(l, s.durationMs / 1e3);
    created.inc(l, s.created);
    updated.inc(l, s.updated);
    skipped.inc(l, s.skipped);
    if (s.error) errors.inc({ ...l, code: s.error.code });
  }
  ok.set({ env }, result.ok ? 1 : 0);
  at.set({ env }, Math.round(Date.now() / 1e3));
  runSeconds.set({ env }, result.durationMs / 1e3);
  return registry;
}
async function writeMetricsFile(registry, file) {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, await registry.metrics());
  await rename(tmp, file);
}
async function pushMetrics(registry, url, env) {
  try {
    await new Pushgateway(url, { timeout: 1e4 }, registry).pushAdd({ jobName: "seedbed", groupings: { env } });
  } catch (cause) {
    throw new SeedbedError(codes.METRICS_PUSH, `pushing metrics to ${redactUrl(url)} failed: ${cause.message}`, {
      hint: "check --pushgateway (SEEDBED_PUSHGATEWAY); the seeds themselves ran as reported",
      cause
    });
  }
}

export {
  runMetrics,
  writeMetricsFile,
  pushMetrics
};
//# sourceMappingURL=chunk-D2Q3D7QM.js.map
