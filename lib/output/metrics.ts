import { rename, writeFile } from 'node:fs/promises'
import { Counter, Gauge, Histogram, Pushgateway, Registry } from 'prom-client'
import { codes, SeedbedError } from '../errors/errors.ts'
import { redactUrl } from '../errors/redact.ts'
import type { RunResult } from '../contract/types.ts'

/** The metric of that name already in the registry (an earlier database's), else a new one. */
function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make()
}

/**
 * Prometheus metrics of a run, in a registry of their own (nothing global, so an application's
 * own metrics are untouched): seed duration histogram, records created / updated / skipped
 * counters and an errors counter, labelled by seed and status; plus the run's outcome and time.
 * With `database` (a many-database run: host/db, never a password) every metric has a `database`
 * label too, and each database's run is added to the same registry.
 */
export function runMetrics(result: RunResult, env: string, registry = new Registry(), database?: string): Registry {
  const extra = database === undefined ? [] : (['database'] as const)
  const labels = ['seed', 'status', 'env', ...extra]
  const runLabels = ['env', ...extra]
  const duration = metric(
    registry,
    'seedbed_seed_duration_seconds',
    () =>
      new Histogram({
        name: 'seedbed_seed_duration_seconds',
        help: 'Time a seed took, by seed and status',
        labelNames: labels,
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
        registers: [registry],
      }),
  )
  const records = (kind: string) =>
    metric(
      registry,
      `seedbed_records_${kind}_total`,
      () =>
        new Counter({ name: `seedbed_records_${kind}_total`, help: `Records ${kind} by seeds`, labelNames: labels, registers: [registry] }),
    )
  const created = records('created')
  const updated = records('updated')
  const skipped = records('skipped')
  const errors = metric(
    registry,
    'seedbed_seed_errors_total',
    () =>
      new Counter({
        name: 'seedbed_seed_errors_total',
        help: 'Seeds that failed, by seed and error code',
        labelNames: [...labels, 'code'],
        registers: [registry],
      }),
  )
  const gauge = (name: string, help: string) =>
    metric(registry, name, () => new Gauge({ name, help, labelNames: runLabels, registers: [registry] }))
  const ok = gauge('seedbed_last_run_success', '1 if the last run succeeded, else 0')
  const at = gauge('seedbed_last_run_timestamp_seconds', 'When the last run ended (Unix time)')
  const runSeconds = gauge('seedbed_last_run_duration_seconds', 'How long the last run took')
  const run = database === undefined ? { env } : { env, database }
  for (const s of result.seeds) {
    const l = { seed: s.name, status: s.status, ...run }
    if (s.status !== 'not_executed') duration.observe(l, s.durationMs / 1000)
    created.inc(l, s.created)
    updated.inc(l, s.updated)
    skipped.inc(l, s.skipped)
    if (s.error) errors.inc({ ...l, code: s.error.code })
  }
  ok.set(run, result.ok ? 1 : 0)
  at.set(run, Math.round(Date.now() / 1000))
  runSeconds.set(run, result.durationMs / 1000)
  return registry
}

/** Writes the text format atomically (temp file, then rename), as node_exporter's textfile collector wants. */
export async function writeMetricsFile(registry: Registry, file: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, await registry.metrics())
  await rename(tmp, file)
}

/** Pushes to a Pushgateway under job `seedbed` (POST: adds to what is there). */
export async function pushMetrics(registry: Registry, url: string, env: string): Promise<void> {
  try {
    await new Pushgateway(url, { timeout: 10_000 }, registry).pushAdd({ jobName: 'seedbed', groupings: { env } })
  } catch (cause) {
    throw new SeedbedError(codes.METRICS_PUSH, `pushing metrics to ${redactUrl(url)} failed: ${(cause as Error).message}`, {
      hint: 'check --pushgateway (SEEDBED_PUSHGATEWAY); the seeds themselves ran as reported',
      cause,
    })
  }
}
