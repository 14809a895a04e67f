import type postgres from 'postgres'
import pLimit from 'p-limit'
import type { LoadedSeed, SeedCounts } from './contract.ts'
import { createContext } from './context.ts'
import { codes, formatError, SeedbedError, type SerializedError } from './errors.ts'
import type { Logger } from './log.ts'
import { fromDriverError, type Target } from './pg-errors.ts'
import type { ProgressReporter } from './progress.ts'

export type SeedStatus = 'succeeded' | 'failed' | 'not_executed'

/** One seed's line in a run's result (and in `seed --json`). */
export interface SeedReport extends SeedCounts {
  name: string
  level: number
  status: SeedStatus
  durationMs: number
  /** Rows handled (created + updated + skipped) per second of the seed's duration. */
  rowsPerSecond: number
  error: SerializedError | null
}

/** What a run returns, and what `seed --json` prints. */
export interface RunResult {
  ok: boolean
  durationMs: number
  seeds: SeedReport[]
}

export interface ExecuteOptions {
  sql: postgres.Sql
  levels: readonly (readonly LoadedSeed[])[]
  /** Seeds of one level running at once; never more than the pool has connections. */
  concurrency: number
  log: Logger
  env: string
  /** `validate` runs only validate functions, each in a read-only transaction. */
  mode?: 'seed' | 'validate'
  /** Where the connection goes, for error messages (never holds a password). */
  target?: Target
  /** Multiplier for `ctx.scaled()` (default 1). */
  scale?: number
  /** Shows rows per second of COPY loads while they run. */
  progress?: ProgressReporter
}

const elapsed = (since: number) => Math.round(performance.now() - since)

function checkCounts(value: unknown, seed: string): SeedCounts {
  const v = value as Partial<SeedCounts>
  const ok = (n: unknown) => Number.isInteger(n) && (n as number) >= 0
  if (!v || typeof v !== 'object' || !ok(v.created) || !ok(v.updated) || !ok(v.skipped)) {
    throw new SeedbedError(codes.SEED_RESULT, `seed '${seed}' returned ${JSON.stringify(value)}, not { created, updated, skipped }`, {
      seed,
      hint: 'return nothing (the upsert/tally helpers count for you) or counts as non-negative integers',
    })
  }
  return { created: v.created!, updated: v.updated!, skipped: v.skipped! }
}

/** A validate function's own failure (not a driver error inside it) becomes E_VALIDATION_FAILED. */
function validationError(err: unknown, seed: string): unknown {
  const driverLike = typeof (err as { code?: unknown })?.code === 'string'
  if (err instanceof SeedbedError || driverLike) return err
  const message = err instanceof Error ? err.message : String(err)
  return new SeedbedError(codes.VALIDATION_FAILED, `seed '${seed}' failed validation: ${message}`, {
    seed,
    hint: 'the seed was rolled back; fix the seed or its validate function',
    cause: err,
  })
}

/**
 * Runs the levels in order, the seeds of a level concurrently (bounded by `concurrency`), each in
 * its own transaction with its validate function before commit. After a failure the seeds
 * already running finish, nothing else starts, and what never ran is reported `not_executed`.
 * Never throws for a seed's failure: the result says what happened to each seed.
 */
export async function executeLevels(options: ExecuteOptions): Promise<RunResult> {
  const { sql, levels, log, env, target } = options
  const mode = options.mode ?? 'seed'
  const started = performance.now()
  const reports = new Map<string, SeedReport>()
  levels.forEach((level, i) =>
    level.forEach((s) =>
      reports.set(s.name, { name: s.name, level: i, status: 'not_executed', created: 0, updated: 0, skipped: 0, durationMs: 0, rowsPerSecond: 0, error: null }),
    ),
  )
  let failed = false

  const runOne = async (seed: LoadedSeed) => {
    if (failed) return // queued behind a failure in this level: stays not_executed
    const report = reports.get(seed.name)!
    const seedLog = log.withTag(seed.name)
    const t0 = performance.now()
    const progress = options.progress?.start(seed.name)
    try {
      const body = async (tx: postgres.TransactionSql) => {
        const { ctx, counts } = createContext(tx, seedLog, { seed: seed.name, env, scale: options.scale, progress: progress?.tick })
        if (mode === 'validate') {
          await seed.validate?.(ctx)
          return counts
        }
        const returned = await seed.run(ctx)
        const result = returned === undefined ? counts : checkCounts(returned, seed.name)
        if (seed.validate) await seed.validate(ctx).catch((e) => Promise.reject(validationError(e, seed.name)))
        return result
      }
      const counts = mode === 'validate'
        ? await sql.begin('read only', (tx) => body(tx).catch((e) => Promise.reject(validationError(e, seed.name))))
        : await sql.begin(body)
      const durationMs = elapsed(t0)
      const rows = counts.created + counts.updated + counts.skipped
      Object.assign(report, counts, { status: 'succeeded', durationMs, rowsPerSecond: durationMs ? Math.round((rows * 1000) / durationMs) : 0 })
      seedLog.success(
        mode === 'validate'
          ? `valid (${report.durationMs} ms)`
          : `created ${counts.created}, updated ${counts.updated}, skipped ${counts.skipped} (${report.durationMs} ms)`,
      )
    } catch (err) {
      failed = true
      const error = fromDriverError(err, { seed: seed.name, target })
      Object.assign(report, { status: 'failed', durationMs: elapsed(t0), error: error.toJSON() })
      seedLog.error(formatError(error))
    } finally {
      progress?.end()
    }
  }

  for (const level of levels) {
    if (failed) break
    const limit = pLimit(Math.max(1, options.concurrency))
    await Promise.all(level.map((seed) => limit(() => runOne(seed))))
  }

  const seeds = [...reports.values()]
  return { ok: seeds.every((s) => s.status === 'succeeded'), durationMs: elapsed(started), seeds }
}
