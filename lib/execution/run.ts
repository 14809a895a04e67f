import type postgres from 'postgres'
import pLimit from 'p-limit'
import { createCanceller, guard } from './cancel.ts'
import type { LoadedSeed } from '../contract/contract.ts'
import type { RunResult, SeedCounts, SeedReport } from '../contract/types.ts'
import { createContext } from './context.ts'
import { codes, formatError, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'
import { fromDriverError, type Target } from '../errors/pg-errors.ts'
import { explainDenied } from '../db/privileges.ts'
import { stackLocation } from '../errors/location.ts'
import type { ProgressReporter } from '../output/progress.ts'
import { retrying, transientReason } from './retry.ts'
import { endSeedSpan, startSpan } from '../output/tracing.ts'
import type { Span } from '@opentelemetry/api'
import { DiffRecorder } from '../sql/diff.ts'
import { warmUp } from '../db/connect.ts'
import { type UndoSetting, undoRecorder } from '../sql/undo-records.ts'

/** Where a run's seeds are recorded; `succeeded` is called inside the seed's transaction. */
export interface LedgerHooks {
  succeeded(tx: postgres.TransactionSql, seed: LoadedSeed, report: SeedReport): Promise<void>
  failed(seed: LoadedSeed, report: SeedReport): Promise<void>
}

export interface ExecuteOptions {
  sql: postgres.Sql
  levels: readonly (readonly LoadedSeed[])[]
  /** Seeds of one level running at once; never more than the pool has connections. */
  concurrency: number
  log: Logger
  env: string
  /**
   * `seed` commits each seed; `validate` runs only validate functions, read-only; `dry-run` runs
   * every seed for real in one transaction (a savepoint each, so later seeds see earlier ones'
   * rows) and rolls it all back.
   */
  mode?: 'seed' | 'validate' | 'dry-run'
  /** Where the connection goes, for error messages (never holds a password). */
  target?: Target
  /** Multiplier for `ctx.scaled()` (default 1). */
  scale?: number
  /** Shows rows per second of COPY loads while they run. */
  progress?: ProgressReporter
  /** Cancels the run (global timeout, interrupt): running seeds are cancelled and rolled back. */
  signal?: AbortSignal
  /** A seed's time limit in ms when it declares none (0: none). */
  seedTimeoutMs?: number
  /** Retries of a seed after a transient failure (default 0). */
  maxRetries?: number
  ledger?: LedgerHooks
  /**
   * The pool whose server settings cancels go to (default `sql`'s): a direct URL when `sql` is
   * behind a pooler, so that the cancel needs no free server connection of the pooler.
   */
  cancelVia?: postgres.Sql
  /** A dry run shows the rows each seed would write (`--diff`), at most `limit` of a kind per table (0: all). */
  diff?: { limit: number }
  /** A real run keeps undo records in each seed's transaction (lib/sql/undo-records.ts). */
  undo?: UndoSetting
}

/** Runs a seed's body in a transaction of some kind (own, read-only, or a savepoint). */
type Transact = (fn: (tx: postgres.TransactionSql) => Promise<Tried>) => Promise<Tried>

/** A successful try: its counts, and its duration from the seed's start (retries included) up to its commit. */
interface Tried {
  counts: SeedCounts
  durationMs: number
  diff?: DiffRecorder
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
function validationError(err: unknown, seed: LoadedSeed): unknown {
  const driverLike = typeof (err as { code?: unknown })?.code === 'string'
  if (err instanceof SeedbedError || driverLike) return err
  const message = err instanceof Error ? err.message : String(err)
  const location = stackLocation(err, seed.file)
  return new SeedbedError(
    codes.VALIDATION_FAILED,
    `seed '${seed.name}' failed validation: ${message}${location ? ` at ${location.where}` : ''}`,
    {
      seed: seed.name,
      ...(location && { file: seed.file, line: location.line, column: location.column }),
      ...(err instanceof Error && err.stack && { stack: err.stack }),
      hint: 'the seed was rolled back; fix the seed or its validate function',
      cause: err,
    },
  )
}

class DryRunRollback extends Error {}

/**
 * Runs the levels in order, the seeds of a level concurrently (bounded by `concurrency`), each in
 * its own transaction with its validate function before commit. After a failure the seeds
 * already running finish, nothing else starts, and what never ran is reported `not_executed`.
 * Transient failures are retried with backoff; a timeout or the run's signal cancels the running
 * queries and rolls back. Never throws for a seed's failure: the result says what happened.
 */
export async function executeLevels(options: ExecuteOptions): Promise<RunResult> {
  const { sql, levels, log, env, target, signal } = options
  const mode = options.mode ?? 'seed'
  const started = performance.now()
  const reports = new Map<string, SeedReport>()
  for (const [i, level] of levels.entries()) {
    for (const s of level) {
      reports.set(s.name, {
        name: s.name,
        level: i,
        status: 'not_executed',
        created: 0,
        updated: 0,
        skipped: 0,
        durationMs: 0,
        rowsPerSecond: 0,
        attempts: 0,
        error: null,
      })
    }
  }
  let failed = false
  const stopped = () => failed || signal?.aborted

  // One listener on the run's signal for the whole run (removed at its end), telling whatever
  // seeds are running at that moment; not one per try, which piled up on long runs.
  const running = new Set<(reason: SeedbedError) => void>()
  const onAbort = () => {
    const reason = signal!.reason instanceof SeedbedError ? signal!.reason : new SeedbedError(codes.INTERRUPTED, 'the run was stopped')
    for (const stop of running) stop(reason)
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  const canceller = createCanceller(options.cancelVia ?? sql)

  /** One try of a seed in `transact`, cancelled by its own time limit or the run's signal. */
  const attempt = async (seed: LoadedSeed, transact: Transact, seedLog: Logger, t0: number, progress?: (n: number) => void) => {
    const limitMs = seed.timeout ? seed.timeout * 1000 : (options.seedTimeoutMs ?? 0)
    return transact(async (rawTx) => {
      // The backend serving this transaction, so that another connection can cancel its statement.
      // Not awaited: it is pipelined ahead of the seed's first statement on the same connection, a
      // round trip less per seed; only a cancel needs it. Its failure is the transaction's.
      const pid = rawTx<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`.then(([row]) => row.pid)
      pid.catch(() => undefined)
      const { sql: tx, stop: refuse } = guard(rawTx)
      let reason: SeedbedError | undefined
      let cancelled: Promise<void> | undefined
      let rejectStop!: (e: SeedbedError) => void
      const halted = new Promise<never>((_, reject) => {
        rejectStop = reject
      })
      halted.catch(() => undefined)
      const stop = (e: SeedbedError) => {
        if (reason) return
        reason = e
        refuse(e)
        cancelled = pid.then(
          (id) => canceller.cancel(id),
          () => undefined,
        )
        rejectStop(e)
      }
      const timer = limitMs
        ? setTimeout(
            () =>
              stop(
                new SeedbedError(codes.TIMEOUT, `seed '${seed.name}' ran longer than ${limitMs / 1000} s; cancelled and rolled back`, {
                  seed: seed.name,
                  hint: "raise the seed's `timeout` or --seed-timeout (SEEDBED_SEED_TIMEOUT), or make it faster",
                }),
              ),
            limitMs,
          )
        : undefined
      running.add(stop)
      if (signal?.aborted) onAbort()
      const diff = mode === 'dry-run' && options.diff ? new DiffRecorder(options.diff.limit) : undefined
      // No fast path for load() in a dry run: its locks would last until the whole run rolls back.
      const fastLoad = mode === 'dry-run' ? 'off' : undefined
      const undo = mode === 'seed' && options.undo ? undoRecorder(options.undo, seed) : undefined
      await undo?.begin(rawTx)
      const body = async () => {
        const { ctx, counts } = createContext(tx, seedLog, {
          seed: seed.name,
          env,
          secrets: seed.secrets,
          scale: options.scale,
          progress,
          diff,
          fastLoad,
          undo,
        })
        if (mode === 'validate') {
          await seed.validate?.(ctx).catch((e) => Promise.reject(validationError(e, seed)))
          return counts
        }
        const returned = await seed.run(ctx)
        const result = returned === undefined ? counts : checkCounts(returned, seed.name)
        // Counts a seed returns beyond what its helpers counted were written where seedbed could not see.
        if (returned !== undefined && diff) {
          const beyond = (k: keyof SeedCounts) => Math.max(0, result[k] - counts[k])
          diff.cannotSee(
            { created: beyond('created'), updated: beyond('updated'), skipped: beyond('skipped') },
            'the counts run() returned',
          )
        }
        if (seed.validate) await seed.validate(ctx).catch((e) => Promise.reject(validationError(e, seed)))
        return result
      }
      try {
        const counts = await Promise.race([body(), halted])
        // Measured before the ledger row is written, so that the row and the report carry the same duration.
        const durationMs = elapsed(t0)
        if (options.ledger && mode === 'seed') {
          const irreversible = await undo?.flush(rawTx, reports.get(seed.name)!.level, typeof seed.undo === 'function')
          // Said when the seed's own writes make it so; a setting that turned the records off says it once for all.
          if (irreversible && undo?.active) seedLog.info(`this run of the seed cannot be undone: ${irreversible}`)
          await options.ledger.succeeded(rawTx, seed, { ...reports.get(seed.name)!, ...counts, status: 'succeeded', durationMs })
        }
        return { counts, durationMs, diff }
      } catch (err) {
        // Stopped: the statement cancelled under the seed fails too; the reason is what to report.
        throw reason ?? err
      } finally {
        clearTimeout(timer)
        running.delete(stop)
        // The transaction rolls back only once the server was told to cancel: a late cancel must not
        // hit the next transaction on this connection.
        await cancelled
      }
    })
  }

  const runOne = async (seed: LoadedSeed, transact: Transact, levelSpan: Span) => {
    if (stopped()) return // queued behind a failure (or the run was stopped): stays not_executed
    const report = reports.get(seed.name)!
    const span = startSpan(`seed ${seed.name}`, { 'seedbed.seed': seed.name, 'seedbed.level': report.level }, levelSpan)
    const seedLog = log.withTag(seed.name)
    const t0 = performance.now()
    report.startedMs = Math.round(t0 - started)
    const progress = options.progress?.start(seed.name)
    try {
      const { counts, durationMs, diff } = await retrying(
        (n) => {
          report.attempts = n + 1
          return attempt(seed, transact, seedLog, t0, progress?.tick)
        },
        {
          retries: mode === 'dry-run' ? 0 : (options.maxRetries ?? 0),
          signal,
          retryable: (err) => (stopped() ? undefined : transientReason(err)),
          onRetry: ({ n, waitMs, reason }) => seedLog.warn(`retry ${n}/${options.maxRetries} in ${waitMs} ms: ${reason}`),
        },
      )
      const rows = counts.created + counts.updated + counts.skipped
      Object.assign(report, counts, {
        status: 'succeeded',
        durationMs,
        rowsPerSecond: durationMs ? Math.round((rows * 1000) / durationMs) : 0,
        ...(diff && { diff: diff.toJSON() }),
      })
      seedLog.success(
        mode === 'validate'
          ? `valid (${report.durationMs} ms)`
          : `${mode === 'dry-run' ? 'would create' : 'created'} ${counts.created}, updated ${counts.updated}, skipped ${counts.skipped} (${report.durationMs} ms)`,
      )
    } catch (err) {
      failed = true
      const error = fromDriverError(await explainDenied(sql, err, seed.name), { seed: seed.name, file: seed.file, target })
      Object.assign(report, { status: 'failed', durationMs: elapsed(t0), error: error.toJSON() })
      seedLog.error(formatError(error))
      // The whole stack only under --verbose: the message already names the seed's line.
      if (error.seedStack) seedLog.debug(error.seedStack)
      if (options.ledger && mode === 'seed') await options.ledger.failed(seed, report).catch(() => undefined)
    } finally {
      progress?.end()
      endSeedSpan(span, report)
    }
  }

  const runSpan = startSpan('seedbed run', { 'seedbed.mode': mode, 'seedbed.env': env, 'seedbed.levels': levels.length })
  const runLevels = async (transact: Transact, concurrency: number) => {
    for (const [i, level] of levels.entries()) {
      if (stopped()) break
      const levelSpan = startSpan(`level ${i}`, { 'seedbed.level': i, 'seedbed.seeds': level.length }, runSpan)
      const limit = pLimit(Math.max(1, concurrency))
      await Promise.all(level.map((seed) => limit(() => runOne(seed, transact, levelSpan))))
      levelSpan.end()
    }
  }

  try {
    // Every connection the widest level can use, opened at once before the first level: opened
    // lazily, each of the first seeds waited for its own handshake (about 200 ms a seed on 50 seeds).
    if (mode !== 'dry-run') await warmUp(sql, Math.min(options.concurrency, Math.max(0, ...levels.map((l) => l.length))))
    if (mode === 'dry-run') {
      // One transaction, a savepoint per seed, one seed at a time; then everything is rolled back.
      await sql
        .begin(async (outer) => {
          await runLevels((fn) => outer.savepoint(fn) as Promise<Tried>, 1)
          throw new DryRunRollback()
        })
        .catch((e) => {
          if (!(e instanceof DryRunRollback)) throw e
        })
    } else if (mode === 'validate') {
      await runLevels((fn) => sql.begin('read only', fn) as Promise<Tried>, options.concurrency)
    } else {
      await runLevels((fn) => sql.begin(fn) as Promise<Tried>, options.concurrency)
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }

  const seeds = [...reports.values()]
  const ok = seeds.every((s) => s.status === 'succeeded')
  runSpan.setAttribute('seedbed.ok', ok)
  runSpan.end()
  return { ok, durationMs: elapsed(started), dryRun: mode === 'dry-run', seeds }
}
