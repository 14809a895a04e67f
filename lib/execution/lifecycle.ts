/**
 * The one lifecycle of every run that touches a database (`seed`, `fresh`, `validate`, `undo`,
 * `status` and a project's own tasks): settle the options, open the database, check it takes
 * writes, take the run lock (or the lease behind a transaction-mode pooler), make the ledger and
 * record the run, run the body, record how it ended, map errors, and release everything in reverse.
 * What differs between commands is data (`RunSpec`) and the body; nothing here knows about seeds.
 */
import { readFileSync } from 'node:fs'
import type postgres from 'postgres'
import { resolveSettings, SETTING_KEYS, type Settings } from '../config/config.ts'
import { loadEnvironment } from '../config/environment.ts'
import type { Seed } from '../contract/contract.ts'
import type { Loose, RunResult } from '../contract/types.ts'
import { createPool, openDatabase, parseDatabaseUrl } from '../db/connect.ts'
import { acquireLease } from '../db/lease.ts'
import { ensureLedger, finishRun, startRun } from '../db/ledger.ts'
import { acquireLock, type RunLock } from '../db/lock.ts'
import { detectPooler, type PoolerMode } from '../db/pooler.ts'
import { assertWritable } from '../db/read-only.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { fromDriverError, type Target } from '../errors/pg-errors.ts'
import { addSecret, redactUrl } from '../errors/redact.ts'
import { adaptLogger, createLogger, type Logger, type LoggerLike } from '../output/log.ts'
import { within } from '../util/retry.ts'
import { runStop } from './stop.ts'

/**
 * Options of the programmatic API. Anything not given comes from the environment variables
 * (DATABASE_URL, SEEDBED_*: `variables`, default `process.env`) and then the defaults, exactly as for
 * the CLI.
 */
export interface RunOptions extends Loose<Settings> {
  /** Use this postgres.js pool instead of opening one; it is left open. */
  sql?: postgres.Sql | undefined
  /** Where to log; the API is silent unless given one. */
  logger?: LoggerLike | Logger | undefined
  /**
   * Read the environment's profile, `.env` and `.env.<env>`, from this folder (as the CLI does from
   * the working directory). Default: none. Nothing is written into process.env.
   */
  envDir?: string | undefined
  /**
   * Apply the schema folder's `.sql` files (each once, recorded) or run the `migrate` command
   * before seeding. A new embedded database gets this without asking.
   */
  applySchema?: boolean | undefined
  /**
   * Progress of COPY loads, through the logger: `live` rewrites one terminal line, `lines` logs
   * every 2 s. Default: none.
   */
  progress?: 'live' | 'lines' | undefined
  /** A run that writes to production needs this (the CLI sets it with --yes)... */
  confirmed?: boolean | undefined
  /** ...or this to answer yes: asked once every other check has passed (the CLI's prompt). */
  confirm?: ((env: string) => Promise<boolean>) | undefined
  /** `fresh` in production needs this as well. */
  force?: boolean | undefined
  /** Stops the run: running seeds are cancelled and rolled back. */
  signal?: AbortSignal | undefined
  /** The command line, recorded in the ledger. */
  argv?: readonly string[] | undefined
  /**
   * The seeds themselves (`defineSeed(...)` values, each with a `name`), instead of the files of
   * `seedsDir`: for an application that bundles its seeds, as kysely's Migrator takes a provider.
   */
  seeds?: readonly Seed[] | undefined
  /** A seed that may run before the seed writing a table its foreign keys refer to is E_PLAN_FOREIGN_KEY, not a warning (`--strict`). */
  strict?: boolean | undefined
}

/** The options of RunOptions that are not settings. */
const RUN_KEYS = new Set([
  'sql',
  'logger',
  'envDir',
  'seeds',
  'applySchema',
  'progress',
  'confirmed',
  'confirm',
  'force',
  'signal',
  'argv',
  'strict',
])

/** Passwords a pgpass file holds (`host:port:db:user:password`, `\:` escaped): redacted like any other. */
function passFilePasswords(file: string): string[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) =>
      line
        .split(/(?<!\\):/)
        .slice(4)
        .join(':')
        .replace(/\\(.)/g, '$1'),
    )
}

/**
 * Options are checked exactly like flags (same ranges, same E_BAD_OPTION), then the variables fill
 * the rest. The passwords the settings hold are registered with the run's redactor.
 */
export function settle(options: RunOptions): { settings: Settings; log: Logger } {
  const given: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    if (RUN_KEYS.has(key)) continue
    if (!SETTING_KEYS.has(key)) {
      throw new SeedbedError(codes.BAD_OPTION, `unknown option '${key}'`, {
        hint: `check its spelling; the options are ${[...SETTING_KEYS, ...RUN_KEYS].join(', ')}`,
      })
    }
    given[key] = value
  }
  let variables = options.variables ?? process.env
  if (options.envDir) {
    const profile = loadEnvironment(options.env, options.envDir, variables)
    variables = profile.variables
    given.env = profile.name
  }
  const settings = resolveSettings({}, variables, process.cwd(), { ...(given as Partial<Settings>), variables })
  addSecret(settings.pgPassword)
  if (settings.pgPassFile) for (const password of passFilePasswords(settings.pgPassFile)) addSecret(password)
  if (settings.databaseUrl) parseDatabaseUrl(settings.databaseUrl)
  if (settings.directUrl) parseDatabaseUrl(settings.directUrl, undefined, 'DIRECT_DATABASE_URL')
  return { settings, log: options.logger ? adaptLogger(options.logger) : createLogger({ level: -999 }) }
}

/** What a command's run needs of the lifecycle. */
export interface RunSpec {
  /** Recorded in the ledger (when the body records the run) and named in messages. */
  command: 'seed' | 'validate' | 'fresh' | 'undo' | 'status' | 'report' | 'task'
  /** It writes: the database must take writes (a replica refuses before anything else). */
  writes: boolean
  /** It takes the run lock (or the lease behind a transaction-mode pooler) and makes the ledger. */
  lock: boolean
  /** Opens the pool one connection wider than `poolSize` (the seeds' pool: the lock holds one of its own). */
  poolSize?: number
  /** Reads what must be read before the run lock is awaited (a plain undo's target run). */
  beforeLock?: (sql: postgres.Sql) => Promise<void>
}

/** A run in progress, as its body sees it. */
export interface Run {
  sql: postgres.Sql
  settings: Settings
  log: Logger
  /** The run's one signal: the caller's (Ctrl-C in the CLI) and --timeout. */
  signal: AbortSignal
  /** Where the connection goes, for error messages (never holds a password). */
  target: Target
  /** The connection string, password included: for a migrate command, never for output. */
  url?: string
  /** seedbed's own embedded server (not a user's DATABASE_URL). */
  embedded: boolean
  pooler: PoolerMode
  /** DIRECT_DATABASE_URL's pool behind a transaction-mode pooler: the lock, the ledger's DDL, cancels. */
  direct?: postgres.Sql
  /** Held while the body runs, when the spec takes it. */
  lock?: RunLock
  /** Makes the ledger's tables if they are missing (once; on the direct pool when there is one). */
  ledger(): Promise<void>
  /** Records the run in the ledger (once, making the ledger first); its id. */
  record(): Promise<number>
  /** Starts the --timeout deadline (from when seeding starts, not while the lock was awaited). */
  startTimeout(): void
}

/** How a run that did not succeed ended, for the ledger. */
function ended(signal: AbortSignal): 'timeout' | 'interrupted' | 'failed' {
  const reason = signal.aborted ? (signal.reason as SeedbedError).code : undefined
  return reason === codes.TIMEOUT ? 'timeout' : reason === codes.INTERRUPTED ? 'interrupted' : 'failed'
}

/** Any failure around the seeds as a coded error: the driver's keep their SQLSTATE's meaning. */
function coded(err: unknown, target: Target): unknown {
  if (err instanceof SeedbedError || typeof (err as { code?: unknown })?.code !== 'string') return err
  return fromDriverError(err, { target })
}

/**
 * Records in the ledger how a recorded run ended. `bounded` (a failure, or a run a deadline or Ctrl-C
 * stopped): at most 2 s and never throws, as the server may be what stopped answering.
 */
async function recordEnd(sql: postgres.Sql, runId: number | undefined, status: Parameters<typeof finishRun>[2], bounded: boolean) {
  if (runId === undefined) return
  const finished = finishRun(sql, runId, status)
  await (bounded
    ? within(
        finished.catch(() => undefined),
        2000,
      )
    : finished)
}

type Opened = Pick<Run, 'sql' | 'target' | 'url' | 'embedded' | 'pooler'>

/**
 * Finishes the recorded run in the ledger. The seeds are done and what committed stays: a failure now
 * (the server going away) is reported beside their outcome, not instead of it.
 */
async function finished<T>(
  db: Pick<Opened, 'sql' | 'target'>,
  runId: number | undefined,
  status: Parameters<typeof finishRun>[2],
  value: T,
  stopped: boolean,
): Promise<T> {
  if (runId === undefined) return value
  // A run a deadline or Ctrl-C stopped: the server may be what stopped answering, so bounded, never throws.
  if (stopped) {
    await recordEnd(db.sql, runId, status, true)
    return value
  }
  const closing = await finishRun(db.sql, runId, status).then(
    () => undefined,
    (err: unknown) => coded(err, db.target),
  )
  return closing === undefined ? value : besideOutcome(value, closing)
}

/** A run's result with the error that came after its seeds were done; any other value cannot carry one: the error is thrown. */
function besideOutcome<T>(value: T, err: unknown): T {
  const result = value as Partial<RunResult> | undefined
  if (!(err instanceof SeedbedError) || !Array.isArray(result?.seeds) || typeof result.ok !== 'boolean') throw err
  return { ...value, ok: false, error: err.toJSON() }
}

/** The caller's pool, or the run's own (DATABASE_URL or the embedded server), closed at the end. */
async function withDatabase<T>(
  options: RunOptions,
  spec: RunSpec,
  settings: Settings,
  log: Logger,
  signal: AbortSignal,
  fn: (db: Opened) => Promise<T>,
): Promise<T> {
  if (options.sql) {
    const pooler = settings.pooler !== 'auto' ? settings.pooler : await detectPooler(options.sql)
    if (pooler === 'transaction' && options.sql.options.prepare)
      log.warn('the given pool prepares statements behind a transaction-mode pooler: create it with prepare: false')
    const target = settings.databaseUrl ? parseDatabaseUrl(settings.databaseUrl, settings.pgUser) : {}
    return fn({ sql: options.sql, target, url: settings.databaseUrl, embedded: false, pooler })
  }
  const db = await openDatabase({
    url: settings.databaseUrl,
    poolSize: spec.poolSize ?? settings.poolSize + 1,
    dataDir: settings.dataDir,
    embeddedPort: settings.embeddedPort,
    retries: settings.maxRetries,
    signal,
    log,
    password: settings.pgPassword,
    user: settings.pgUser,
    // DIRECT_DATABASE_URL says there is a pooler in front of DATABASE_URL (the Prisma convention):
    // nothing to detect then.
    pooler: settings.directUrl && settings.pooler === 'auto' ? 'transaction' : settings.pooler,
  })
  const through = db.pooler === 'transaction' ? ' through a transaction-mode pooler' : ''
  const line = `database ${db.display}${db.embedded ? ' (embedded)' : through}, environment ${settings.env}`
  if (spec.command === 'task' || spec.command === 'status') log.debug(line)
  else log.info(line)
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

/**
 * Runs `body` through the lifecycle `spec` describes. Everything it opens is closed, and the lock
 * released, whatever happens; a run the body recorded is finished in the ledger as succeeded (when
 * `succeeded` says so of the body's value), failed, interrupted or timed out.
 */
export async function withRun<T>(
  options: RunOptions,
  spec: RunSpec,
  context: { settings: Settings; log: Logger },
  body: (run: Run) => Promise<T>,
  succeeded: (value: T) => boolean = () => true,
): Promise<T> {
  const { settings, log } = context
  const stop = runStop(options.signal)
  try {
    return await withDatabase(options, spec, settings, log, stop.signal, async (db) => {
      if (spec.writes) await assertWritable(db.sql, db.target)
      const behindPooler = spec.lock && db.pooler === 'transaction'
      let direct: postgres.Sql | undefined
      let lock: RunLock | undefined
      let runId: number | undefined
      try {
        if (behindPooler && settings.directUrl) {
          direct = createPool(settings.directUrl, 2)
          await direct`select 1`.catch((err) => {
            throw fromDriverError(err, { target: parseDatabaseUrl(settings.directUrl!) })
          })
        }
        if (behindPooler) {
          log.info(
            direct
              ? `transaction-mode pooler: prepared statements off, run lock and ledger DDL on ${redactUrl(settings.directUrl!)}`
              : `transaction-mode pooler: prepared statements off, run lock is a lease of ${settings.leaseMs / 1000} s renewed while the run lives`,
          )
        }
        await spec.beforeLock?.(db.sql)
        // Inside the try: a role refused on the lease table gets E_PERMISSION like the ledger's.
        if (spec.lock) {
          lock =
            db.pooler !== 'transaction' || direct
              ? await acquireLock(direct ?? db.sql, settings.lockTimeoutMs, log, stop.signal)
              : await acquireLease(db.sql, { leaseMs: settings.leaseMs, timeoutMs: settings.lockTimeoutMs, log, signal: stop.signal })
        }
        let ledger: Promise<void> | undefined
        const run: Run = {
          ...db,
          settings,
          log,
          signal: stop.signal,
          direct,
          lock,
          ledger: () => (ledger ??= ensureLedger(direct ?? db.sql)),
          async record() {
            await run.ledger()
            runId ??= await startRun(db.sql, spec.command, settings.env, options.argv ?? [])
            return runId
          },
          startTimeout: () => stop.startTimeout(settings.timeoutMs),
        }
        const value = await body(run)
        return await finished(db, runId, succeeded(value) ? 'succeeded' : ended(stop.signal), value, stop.signal.aborted)
      } catch (err) {
        await recordEnd(db.sql, runId, ended(stop.signal), true)
        throw coded(err, db.target)
      } finally {
        await lock?.release()
        await direct?.end({ timeout: 5 })
      }
    })
  } finally {
    stop.dispose()
  }
}
