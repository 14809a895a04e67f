import type { Span } from '@opentelemetry/api'
import pLimit from 'p-limit'
import type postgres from 'postgres'
import type { LoadedSeed } from '../contract/contract.ts'
import type { RunResult, SeedReport } from '../contract/types.ts'
import { warmUp } from '../db/connect.ts'
import { explainDenied } from '../db/privileges.ts'
import { missingTableHint } from '../db/schema.ts'
import { codes, formatError, SeedbedError } from '../errors/errors.ts'
import { displayPath } from '../errors/location.ts'
import { fromDriverError, type Target } from '../errors/pg-errors.ts'
import type { Logger } from '../output/log.ts'
import type { ProgressReporter } from '../output/progress.ts'
import { shownFile } from '../planning/project.ts'
import { endSeedSpan, loadTracing, startSpan } from '../output/tracing.ts'
import type { UndoSetting } from '../sql/undo-records.ts'
import { retrying, transientReason, within } from '../util/retry.ts'
import { type AttemptSettings, attemptSeed, pendingReport, type Transact, type Tried } from './attempt.ts'
import { createCanceller } from './cancel.ts'
import { trapSeeds } from './trap.ts'

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
  /** The variables `ctx.secret` reads (settings.variables; default none). */
  variables?: Readonly<Record<string, string | undefined>>
  /** bcrypt cost of `ctx.hashPassword` (default 10). */
  bcryptCost?: number
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
  /** Where the project's tables come from (a missing table's hint says what fits). */
  project?: { schemaDir: string; migrate?: string | undefined }
  /** A real run keeps undo records in each seed's transaction (lib/sql/undo-records.ts). */
  undo?: UndoSetting
  /**
   * After a failure, run every seed whose dependencies all succeeded (`--keep-going`); a seed below a
   * failure is `not_executed` with E_DEPENDENCY_FAILED, and the result lists every error (`errors`).
   */
  keepGoing?: boolean
}

const elapsed = (since: number) => Math.round(performance.now() - since)
/** How long a failed seed's ledger record may take (the seed's own transaction is gone already). */
const LEDGER_WAIT_MS = 5000

class DryRunRollback extends Error {}

/** What the seeds of one run share while its levels run. */
interface Levels {
  options: ExecuteOptions
  mode: NonNullable<ExecuteOptions['mode']>
  reports: Map<string, SeedReport>
  /** The ledger's hooks, in a real run only. */
  ledger?: LedgerHooks
  attempts: AttemptSettings
  /** A seed failed: nothing else starts (unless keepGoing). */
  failed: boolean
  /** With keepGoing: the failed seeds each seed that was not run waits on. */
  blockedBy: Map<string, string[]>
  span: Span
  /** When the run started (performance.now()): each seed's start is reported from it. */
  started: number
}

const stopped = (run: Levels) => run.failed || Boolean(run.options.signal?.aborted || run.attempts.trap?.runError)

/** What every try of the run shares (lib/execution/attempt.ts), the ledger's success hook included. */
function attemptSettings(options: ExecuteOptions, mode: Levels['mode'], reports: Map<string, SeedReport>): AttemptSettings {
  const ledger = mode === 'seed' ? options.ledger : undefined
  return {
    mode,
    env: options.env,
    scale: options.scale,
    variables: options.variables,
    bcryptCost: options.bcryptCost,
    signal: options.signal,
    seedTimeoutMs: options.seedTimeoutMs,
    canceller: createCanceller(options.cancelVia ?? options.sql),
    diff: options.diff,
    undo: options.undo,
    ...(ledger && {
      succeeded: (tx, seed, counts, durationMs) =>
        ledger.succeeded(tx, seed, { ...reports.get(seed.name)!, ...counts, status: 'succeeded', durationMs }),
    }),
  }
}

/** A seed that succeeded: its counts and rows per second in its report, and its line in the log. */
function succeeded(run: Levels, report: SeedReport, tried: Tried, log: Logger) {
  const { counts, durationMs, diff } = tried
  const rows = counts.created + counts.updated + counts.skipped
  Object.assign(report, counts, {
    status: 'succeeded',
    durationMs,
    rowsPerSecond: durationMs ? Math.round((rows * 1000) / durationMs) : 0,
    ...(diff && { diff: diff.toJSON() }),
  })
  // One tense a line: a dry run says what it would do.
  const what =
    run.mode === 'dry-run'
      ? `would create ${counts.created}, update ${counts.updated}, skip ${counts.skipped}`
      : `created ${counts.created}, updated ${counts.updated}, skipped ${counts.skipped}`
  log.success(run.mode === 'validate' ? `valid (${durationMs} ms)` : `${what} (${durationMs} ms)`)
}

/** PostgreSQL's 42P01 message names the relation as the query spelled it (in English; else none is read). */
const MISSING_RELATION = /relation "([^"]+)" does not exist/

/**
 * A seed's error as the run reports it: the seed's file, as the user would type it (a seed given in
 * memory has none), and for a missing table the hint that fits the project: its schema file, its
 * migrations, or no file makes the table.
 */
async function inSeed(error: SeedbedError, seed: LoadedSeed, project: ExecuteOptions['project']): Promise<SeedbedError> {
  const file = error.file ? displayPath(error.file) : shownFile(seed)
  const table = error.table ?? MISSING_RELATION.exec(error.message)?.[1]
  const hint = error.code === codes.MISSING_TABLE && table && project ? await missingTableHint(table, project) : undefined
  return Object.assign(error, { ...(file && { file }), ...(hint && { hint }) })
}

/** A seed's report in the ledger once it failed or was not run. Bounded: a server that stopped answering (a paused cluster) must not hold the end of the run. */
async function recordNotDone(run: Levels, seed: LoadedSeed, report: SeedReport): Promise<void> {
  await within(run.ledger?.failed(seed, report).catch(() => undefined) ?? Promise.resolve(), LEDGER_WAIT_MS)
}

/**
 * With keepGoing: a seed one of whose dependencies (in this run) did not succeed is not run. Its
 * report says why, naming the failed seeds it waits on, directly or through seeds not run either.
 */
async function belowFailure(run: Levels, seed: LoadedSeed): Promise<boolean> {
  const waits = seed.dependsOn.filter((d) => (run.reports.get(d)?.status ?? 'succeeded') !== 'succeeded')
  if (!waits.length) return false
  const roots = [...new Set(waits.flatMap((d) => run.blockedBy.get(d) ?? [d]))]
  run.blockedBy.set(seed.name, roots)
  const why = waits.map((d) => {
    const through = run.blockedBy.get(d)
    return through
      ? `its dependency '${d}' was not run (${through.map((r) => `'${r}'`).join(', ')} failed)`
      : `its dependency '${d}' failed`
  })
  const file = shownFile(seed)
  const error = new SeedbedError(codes.DEPENDENCY_FAILED, `seed '${seed.name}' was not run: ${why.join('; ')}`, {
    seed: seed.name,
    ...(file && { file }),
    hint: `fix ${roots.map((r) => `'${r}'`).join(', ')} (its error is reported), then run again`,
  })
  const report = run.reports.get(seed.name)!
  report.error = error.toJSON()
  run.options.log.withTag(seed.name).warn(`not run: ${why.join('; ')}`)
  await recordNotDone(run, seed, report)
  return true
}

/** A seed's tries until one succeeds, a failure is not transient, or the run stops; then its report. */
async function runSeed(run: Levels, seed: LoadedSeed, transact: Transact, levelSpan: Span): Promise<void> {
  if (stopped(run)) return // queued behind a failure (or the run was stopped): stays not_executed
  if (run.options.keepGoing && (await belowFailure(run, seed))) return
  const { options } = run
  const report = run.reports.get(seed.name)!
  const span = startSpan(`seed ${seed.name}`, { 'seedbed.seed': seed.name, 'seedbed.level': report.level }, levelSpan)
  const log = options.log.withTag(seed.name)
  const startedAt = performance.now()
  report.startedMs = Math.round(startedAt - run.started)
  const progress = options.progress?.start(seed.name)
  const attempt = { seed, level: report.level, log, startedAt, progress: progress?.tick }
  try {
    const tried = await retrying(
      (n) => {
        report.attempts = n + 1
        return attemptSeed(attempt, transact, run.attempts)
      },
      {
        retries: run.mode === 'dry-run' ? 0 : (options.maxRetries ?? 0),
        signal: options.signal,
        retryable: (err) => (stopped(run) ? undefined : transientReason(err)),
        // Without a badge: consola sets a badge off with a blank line above and below, and retries come in runs.
        onRetry: ({ n, waitMs, reason }) =>
          log.warn({ message: `retry ${n}/${options.maxRetries} in ${waitMs} ms: ${reason}`, badge: false }),
      },
    )
    succeeded(run, report, tried, log)
  } catch (err) {
    if (!options.keepGoing) run.failed = true
    if (options.signal?.aborted && err === options.signal.reason) {
      // Stopped with the whole run: its reason is said once, by whoever stopped it (the CLI on Ctrl-C).
      const reason = err as SeedbedError
      Object.assign(report, { status: 'interrupted', durationMs: elapsed(startedAt), error: reason.toJSON() })
      log.info(`stopped (${reason.code}): rolled back`)
    } else {
      const raw = fromDriverError(await explainDenied(options.sql, err, seed.name), {
        seed: seed.name,
        file: seed.file,
        target: options.target,
      })
      const error = await inSeed(raw, seed, options.project)
      Object.assign(report, { status: 'failed', durationMs: elapsed(startedAt), error: error.toJSON() })
      log.error(formatError(error, { file: true }))
      // The whole stack only under --verbose: the message already names the seed's line.
      if (error.seedStack) log.debug(error.seedStack)
    }
    await recordNotDone(run, seed, report)
  } finally {
    progress?.end()
    endSeedSpan(span, report)
  }
}

/** The level loop: a level's seeds together (at most `concurrency`), the next level once all are done. */
async function runLevels(run: Levels, transact: Transact, concurrency: number): Promise<void> {
  for (const [i, level] of run.options.levels.entries()) {
    if (stopped(run)) break
    const levelSpan = startSpan(`level ${i}`, { 'seedbed.level': i, 'seedbed.seeds': level.length }, run.span)
    const limit = pLimit(Math.max(1, concurrency))
    await Promise.all(level.map((seed) => limit(() => runSeed(run, seed, transact, levelSpan))))
    levelSpan.end()
  }
}

/** The levels in one transaction with a savepoint each (a dry run), or each seed in its own. */
async function runModes(run: Levels, sql: postgres.Sql, levels: ExecuteOptions['levels']): Promise<void> {
  const { mode, options } = run
  if (mode === 'dry-run') {
    // One transaction, a savepoint per seed, one seed at a time; then everything is rolled back.
    await sql
      .begin(async (outer) => {
        await runLevels(run, (fn) => outer.savepoint(fn) as Promise<Tried>, 1)
        throw new DryRunRollback()
      })
      .catch((e) => {
        if (!(e instanceof DryRunRollback)) throw e
      })
  } else {
    // Every connection the widest level can use, opened at once before the first level: opened
    // lazily, each of the first seeds waited for its own handshake (about 200 ms a seed on 50 seeds).
    await warmUp(sql, Math.min(options.concurrency, Math.max(0, ...levels.map((l) => l.length))))
    const read = mode === 'validate'
    await runLevels(run, (fn) => (read ? sql.begin('read only', fn) : sql.begin(fn)) as Promise<Tried>, options.concurrency)
  }
}

/**
 * Runs the levels in order, the seeds of a level concurrently (bounded by `concurrency`), each in
 * its own transaction with its validate function before commit (lib/execution/attempt.ts). After a
 * failure the seeds already running finish, nothing else starts, and what never ran is reported
 * `not_executed`; with `keepGoing` every seed whose dependencies succeeded still runs. Transient failures are retried with backoff. Never throws for a seed's failure:
 * the result says what happened.
 */
export async function executeLevels(options: ExecuteOptions): Promise<RunResult> {
  const { sql, levels } = options
  const mode = options.mode ?? 'seed'
  const started = performance.now()
  const reports = new Map<string, SeedReport>()
  for (const [i, level] of levels.entries()) for (const s of level) reports.set(s.name, pendingReport(s.name, i))
  await loadTracing()
  const span = startSpan('seedbed run', { 'seedbed.mode': mode, 'seedbed.env': options.env, 'seedbed.levels': levels.length })
  const ledger = mode === 'seed' ? options.ledger : undefined
  // While the seeds run: their process.exit and unhandled errors fail them (lib/execution/trap.ts).
  const trap = trapSeeds()
  const attempts = { ...attemptSettings(options, mode, reports), trap }
  const run: Levels = { options, mode, reports, ledger, attempts, failed: false, blockedBy: new Map(), span, started }
  try {
    await runModes(run, sql, levels)
  } finally {
    trap.dispose()
  }
  const seeds = [...reports.values()]
  const ok = seeds.every((s) => s.status === 'succeeded') && !trap.runError
  span.setAttribute('seedbed.ok', ok)
  span.end()
  return {
    ok,
    durationMs: elapsed(started),
    dryRun: mode === 'dry-run',
    seeds,
    ...(trap.runError && { error: trap.runError.toJSON() }),
    // Every failure at once: the seeds that failed, and those not run below them.
    ...(options.keepGoing && { errors: seeds.flatMap((s) => (s.error && s.status !== 'interrupted' ? [s.error] : [])) }),
  }
}
