/**
 * One try of one seed: the unit that owns its transaction's guard, its time limit and the cancel of
 * its running statement. Its AbortSignal is a child of the run's: Ctrl-C (the run's signal) and the
 * seed's own timeout both abort it, and aborting it does the same three things whatever the cause:
 *
 * 1. the guard refuses every later use of the transaction (a body that keeps going writes nothing),
 * 2. the server is asked to cancel the backend's running statement (pg_cancel_backend), and
 * 3. the try rejects at once with the abort's reason, which is what gets reported: whatever the
 *    driver throws after it (a cancelled statement, a ROLLBACK refused mid-COPY) is its echo.
 *
 * The transaction rolls back only once the cancel was sent, so a late cancel never hits the next
 * transaction on the connection. Everything it sets up (listener, timer) is removed when it ends.
 */
import type postgres from 'postgres'
import type { LoadedSeed } from '../contract/contract.ts'
import type { SeedCounts, SeedReport } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { stackLocation } from '../errors/location.ts'
import type { Logger } from '../output/log.ts'
import type { ProgressTick } from '../output/progress.ts'
import { DiffRecorder } from '../sql/diff.ts'
import { type UndoSetting, undoRecorder } from '../sql/undo-records.ts'
import { type Canceller, guard } from './cancel.ts'
import type { SeedTrap } from './trap.ts'
import { readSession, restoreSession, type SessionState } from '../db/session.ts'
import { within } from '../util/retry.ts'
import { createContext } from './context.ts'
import { recordTables } from '../schema/seed-tables.ts'
import { fillTables } from '../schema/fill.ts'

/** Runs a seed's body in a transaction of some kind (own, read-only, or a savepoint). */
export type Transact = (fn: (tx: postgres.TransactionSql) => Promise<Tried>) => Promise<Tried>

/** A successful try: its counts, and its duration from the seed's start (retries included) up to its commit. */
export interface Tried {
  counts: SeedCounts
  durationMs: number
  diff?: DiffRecorder
}

/** What every try of a run shares. */
export interface AttemptSettings {
  mode: 'seed' | 'validate' | 'dry-run'
  env: string
  scale?: number
  variables?: Readonly<Record<string, string | undefined>>
  bcryptCost?: number
  /** The run's signal: its abort stops every try in progress. */
  signal?: AbortSignal
  /** A seed's time limit in ms when it declares none (0: none). */
  seedTimeoutMs?: number
  canceller: Canceller
  diff?: { limit: number }
  undo?: UndoSetting
  /** Catches a seed's process.exit and unhandled errors (lib/execution/trap.ts). */
  trap?: SeedTrap
  /** Called inside the seed's transaction after it succeeded, before it commits (the ledger). */
  succeeded?: (tx: postgres.TransactionSql, seed: LoadedSeed, counts: SeedCounts, durationMs: number) => Promise<void>
}

/** One try's particulars. */
export interface Attempt {
  seed: LoadedSeed
  level: number
  log: Logger
  /** When the seed's first try started: durations count retries too. */
  startedAt: number
  progress?: ProgressTick
}

const elapsed = (since: number) => Math.round(performance.now() - since)
const noop = () => undefined
/** How long a stopped attempt waits for its body to end after the cancel, before it rolls back anyway. */
const BODY_SETTLE_MS = 3000

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

function timeoutError(seed: string, limitMs: number): SeedbedError {
  return new SeedbedError(codes.TIMEOUT, `seed '${seed}' ran longer than ${limitMs / 1000} s; cancelled and rolled back`, {
    seed,
    hint: "raise the seed's `timeout` or --seed-timeout (SEEDBED_SEED_TIMEOUT), or make it faster",
  })
}

/** The run's reason as a SeedbedError (a caller's plain abort is an interruption). */
function asStop(reason: unknown): SeedbedError {
  return reason instanceof SeedbedError ? reason : new SeedbedError(codes.INTERRUPTED, 'the run was stopped', { cause: reason })
}

/**
 * A child of the run's signal that the seed's own time limit aborts too, and `fail` (a failure from
 * outside its body: lib/execution/trap.ts); `dispose` lets go of both.
 */
function attemptSignal(
  run: AbortSignal | undefined,
  seed: string,
  limitMs: number,
): { signal: AbortSignal; fail(err: Error): void; dispose(): void } {
  const controller = new AbortController()
  const onRun = () => controller.abort(asStop(run!.reason))
  if (run?.aborted) onRun()
  else run?.addEventListener('abort', onRun, { once: true })
  const timer = limitMs ? setTimeout(() => controller.abort(timeoutError(seed, limitMs)), limitMs) : undefined
  return {
    signal: controller.signal,
    fail: (err) => controller.abort(err),
    dispose() {
      clearTimeout(timer)
      run?.removeEventListener('abort', onRun)
    },
  }
}

/** What the seed's body does in its transaction: run (or validate), check, record. */
async function seedBody(
  tx: postgres.TransactionSql,
  rawTx: postgres.TransactionSql,
  session: Promise<SessionState>,
  attempt: Attempt,
  run: AttemptSettings,
) {
  const { seed, log } = attempt
  const diff = run.mode === 'dry-run' && run.diff ? new DiffRecorder(run.diff.limit) : undefined
  const undo = run.mode === 'seed' && run.undo ? undoRecorder(run.undo, seed) : undefined
  await undo?.begin(rawTx)
  const { ctx, counts, tables } = createContext(tx, log, {
    seed: seed.name,
    env: run.env,
    secrets: seed.secrets,
    scale: run.scale,
    variables: run.variables,
    bcryptCost: run.bcryptCost,
    progress: attempt.progress,
    diff,
    // No fast path for load() in a dry run: its locks would last until the whole run rolls back.
    fastLoad: run.mode === 'dry-run' ? 'off' : undefined,
    undo,
  })
  let result = counts
  if (run.mode === 'validate') {
    await seed.validate?.(ctx).catch((e) => Promise.reject(validationError(e, seed)))
  } else {
    // The fill first, through the context's fake: its tables are there when run starts.
    if (seed.fill) await fillTables(tx, seed.name, seed.fill, ctx.fake)
    const returned = seed.run ? await seed.run(ctx) : undefined
    if (returned !== undefined) result = checkCounts(returned, seed.name)
    // Counts a seed returns beyond what its helpers counted were written where seedbed could not see.
    if (returned !== undefined && diff) {
      const beyond = (k: keyof SeedCounts) => Math.max(0, result[k] - counts[k])
      diff.cannotSee({ created: beyond('created'), updated: beyond('updated'), skipped: beyond('skipped') }, 'the counts run() returned')
    }
    if (seed.validate) await seed.validate(ctx).catch((e) => Promise.reject(validationError(e, seed)))
  }
  // Before the ledger is written as the run's role, and before the commit makes them last.
  await restoreSession(rawTx, await session)
  // Measured before the ledger row is written, so that the row and the report carry the same duration.
  const durationMs = elapsed(attempt.startedAt)
  if (run.succeeded && run.mode === 'seed') {
    const irreversible = await undo?.flush(rawTx, attempt.level, typeof seed.undo === 'function')
    // Said when the seed's own writes make it so; a setting that turned the records off says it once for all.
    if (irreversible && undo?.active) log.info(`this run of the seed cannot be undone: ${irreversible}`)
    await run.succeeded(rawTx, seed, result, durationMs)
    await recordTables(rawTx, seed.name, tables)
  }
  return { counts: result, durationMs, diff }
}

/** How long a stopped try may take to end (its body, then its ROLLBACK) before its connection is closed. */
const WIND_DOWN_MS = BODY_SETTLE_MS + 2000

/**
 * Rejects with the abort's reason WIND_DOWN_MS after `signal` aborts: a server that stopped answering
 * (a stopped backend, a paused cluster) answers neither the cancel nor the ROLLBACK, and a deadline
 * must still end the run. `close` closes the connection then; the server rolls back a transaction
 * whose connection is gone.
 */
function windDown(signal: AbortSignal, close: () => void): { expired: Promise<never>; dispose(): void } {
  let timer: NodeJS.Timeout | undefined
  let onAbort = noop
  const expired = new Promise<never>((_, reject) => {
    onAbort = () => {
      timer = setTimeout(() => {
        close()
        reject(signal.reason)
      }, WIND_DOWN_MS)
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  expired.catch(noop)
  return {
    expired,
    dispose() {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    },
  }
}

/** E_SEED_FINISHED, made when a seed's transaction is used after the seed ended. */
const finished = (seed: string) => () =>
  new SeedbedError(
    codes.SEED_FINISHED,
    `seed '${seed}' started a query after it ended (from a timer or a promise run() did not await): refused, it would run in another seed's transaction`,
    { seed, hint: 'await every query before run() returns' },
  )

/** The seed's body in `rawTx`, guarded, with the cancel of its statement when `signal` aborts. */
async function guardedBody(
  rawTx: postgres.TransactionSql,
  backend: Promise<[{ pid: number }]>,
  attempt: Attempt,
  run: AttemptSettings,
  signal: AbortSignal,
): Promise<Tried> {
  // The backend serving this transaction, so that another connection can cancel its statement, and
  // the session's state, put back before the commit. Not awaited: pipelined ahead of the seed's first
  // statement on the same connection, a round trip less per seed. Their failure is the transaction's.
  const pid = backend.then(([row]) => row.pid)
  pid.catch(noop)
  const session = readSession(rawTx)
  session.catch(noop)
  const { sql: tx, stop: refuse } = guard(rawTx, attempt.seed.name)
  let cancelled: Promise<void> | undefined
  let onAbort!: () => void
  const halted = new Promise<never>((_, reject) => {
    onAbort = () => {
      refuse(signal.reason)
      cancelled = pid.then(
        (id) => run.canceller.cancel(id),
        () => undefined,
      )
      reject(signal.reason)
    }
  })
  halted.catch(noop)
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  const work = seedBody(tx, rawTx, session, attempt, run)
  work.catch(noop)
  try {
    return await Promise.race([work, halted])
  } catch (err) {
    // Stopped: the body's statement was cancelled, so it ends in a moment. The transaction ends
    // only after it: a ROLLBACK sent while a COPY still streams is refused (COPY_IN_PROGRESS) and
    // would leave the connection idle in an aborted transaction. A body that ignores the cancel
    // (a loop of its own) is not waited for longer than BODY_SETTLE_MS.
    if (signal.aborted) await within(work.then(noop, noop), BODY_SETTLE_MS)
    throw err
  } finally {
    // From here the transaction commits or rolls back: a query the seed starts later is refused.
    refuse(finished(attempt.seed.name))
    signal.removeEventListener('abort', onAbort)
    await cancelled
  }
}

/** One try of `attempt.seed` in `transact`; rejects with the abort's reason when it was stopped. */
export async function attemptSeed(attempt: Attempt, transact: Transact, run: AttemptSettings): Promise<Tried> {
  const limitMs = attempt.seed.timeout ? attempt.seed.timeout * 1000 : (run.seedTimeoutMs ?? 0)
  const { signal, fail, dispose } = attemptSignal(run.signal, attempt.seed.name, limitMs)
  const leave = run.trap?.enter(attempt.seed, fail)
  // The transaction's first query: once sent, the patched postgres.js keeps its connection's `destroy` on it.
  let first: unknown
  const deadline = windDown(signal, () => {
    const destroy = (first as { state?: { destroy?: () => void } } | undefined)?.state?.destroy
    attempt.log.warn(
      `the server did not answer the cancel and the rollback within ${WIND_DOWN_MS / 1000} s${destroy ? ': its connection was closed' : ''}`,
    )
    destroy?.()
  })
  try {
    const transaction = transact((rawTx) => {
      const backend = rawTx<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`
      first = backend
      return guardedBody(rawTx, backend, attempt, run, signal)
    })
    transaction.catch(noop)
    return await Promise.race([transaction, deadline.expired])
  } catch (err) {
    // Stopped: whatever the driver threw after the abort is its echo; the reason is what to report.
    throw signal.aborted ? signal.reason : err
  } finally {
    deadline.dispose()
    leave?.()
    dispose()
  }
}

/** A report for a seed that has not run (yet). */
export function pendingReport(name: string, level: number): SeedReport {
  return {
    name,
    level,
    status: 'not_executed',
    created: 0,
    updated: 0,
    skipped: 0,
    durationMs: 0,
    rowsPerSecond: 0,
    attempts: 0,
    error: null,
  }
}
