import type postgres from 'postgres'
import { resolveSettings, SETTING_KEYS, type Settings } from '../config/config.ts'
import type { LoadedSeed } from '../contract/contract.ts'
import { createPool, openDatabase, parseDatabaseUrl } from '../db/connect.ts'
import { detectPooler, type PoolerMode } from '../db/pooler.ts'
import { acquireLease } from '../db/lease.ts'
import { redactUrl } from '../errors/redact.ts'
import { PRODUCTION } from '../config/environment.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import {
  ensureLedger,
  finishRun,
  lastRuns,
  lastSuccesses,
  readRun,
  recordSeed,
  startRun,
  type RecordedRun,
  type RunRow,
} from '../db/ledger.ts'
import { acquireLock } from '../db/lock.ts'
import { adaptLogger, createLogger, type Logger, type LoggerLike } from '../output/log.ts'
import { fromDriverError, type Target } from '../errors/pg-errors.ts'
import { planLevels } from '../planning/plan.ts'
import { createProgress } from '../output/progress.ts'
import type { RunResult } from '../contract/types.ts'
import { executeLevels, type LedgerHooks } from './run.ts'
import { within } from './retry.ts'
import { runStop } from './stop.ts'
import { applySchema, dropPublicSchema, isNewDatabase } from '../db/schema.ts'
import { runMigrate } from '../db/migrate.ts'
import { assertWritable } from '../db/read-only.ts'
import { dependantsOf } from '../planning/select.ts'
import { type Planned, planProject } from '../planning/project.ts'
import { type UndoResult, undoability, undoRun } from './undo.ts'

/**
 * Options of the programmatic API. Anything not given comes from the environment
 * (DATABASE_URL, SEEDBED_*) and then the defaults, exactly as for the CLI.
 */
export interface RunOptions extends Partial<Settings> {
  /** Use this postgres.js pool instead of opening one; it is left open. */
  sql?: postgres.Sql
  /** Where to log; the API is silent unless given one. */
  logger?: LoggerLike | Logger
  /**
   * Apply the schema folder's `.sql` files (each once, recorded) or run the `migrate` command
   * before seeding. A new embedded database gets this without asking.
   */
  applySchema?: boolean
  /**
   * Progress of COPY loads, through the logger: `live` rewrites one terminal line, `lines` logs
   * every 2 s. Default: none.
   */
  progress?: 'live' | 'lines'
  /** A run that writes to production needs this (the CLI sets it with --yes)... */
  confirmed?: boolean
  /** ...or this to answer yes: asked once every other check has passed (the CLI's prompt). */
  confirm?: (env: string) => Promise<boolean>
  /** `fresh` in production needs this as well. */
  force?: boolean
  /** Stops the run: running seeds are cancelled and rolled back. */
  signal?: AbortSignal
  /** The command line, recorded in the ledger. */
  argv?: readonly string[]
}

export type { Planned }

/** The options of RunOptions that are not settings. */
const RUN_KEYS = new Set(['sql', 'logger', 'applySchema', 'progress', 'confirmed', 'confirm', 'force', 'signal', 'argv'])

/** Options are checked exactly like flags (same ranges, same E_BAD_OPTION), then the environment fills the rest. */
function settle(options: RunOptions): { settings: Settings; log: Logger } {
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
  return {
    settings: resolveSettings({}, process.env, process.cwd(), given as Partial<Settings>),
    log: options.logger ? adaptLogger(options.logger) : createLogger({ level: -999 }),
  }
}

const planWith = planProject

/** Discovers the seeds and plans their levels for the environment. Touches no database. */
export const plan = (options: RunOptions = {}): Promise<Planned> => planWith(settle(options).settings)

/** The database of a run, as `run` needs it beyond the pool. */
interface Opened {
  target: Target
  /** The connection string, password included: for a migrate command, never for output. */
  url?: string
  /** seedbed's own embedded server (not a user's DATABASE_URL). */
  embedded: boolean
  pooler: PoolerMode
}

async function withDatabase<T>(
  options: RunOptions,
  settings: Settings,
  log: Logger,
  fn: (sql: postgres.Sql, db: Opened) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (options.sql) {
    const pooler = settings.pooler !== 'auto' ? settings.pooler : await detectPooler(options.sql)
    if (pooler === 'transaction' && options.sql.options.prepare)
      log.warn('the given pool prepares statements behind a transaction-mode pooler: create it with prepare: false')
    return fn(options.sql, {
      target: settings.databaseUrl ? parseDatabaseUrl(settings.databaseUrl) : {},
      url: settings.databaseUrl,
      embedded: false,
      pooler,
    })
  }
  const db = await openDatabase({
    url: settings.databaseUrl,
    // One more than the seeds may use: the run lock holds a connection of its own.
    poolSize: settings.poolSize + 1,
    dataDir: settings.dataDir,
    embeddedPort: settings.embeddedPort,
    retries: settings.maxRetries,
    signal,
    log,
    // DIRECT_DATABASE_URL says there is a pooler in front of DATABASE_URL (the Prisma convention):
    // nothing to detect then.
    pooler: settings.directUrl && settings.pooler === 'auto' ? 'transaction' : settings.pooler,
  })
  const through = db.pooler === 'transaction' ? ' through a transaction-mode pooler' : ''
  log.info(`database ${db.display}${db.embedded ? ' (embedded)' : through}, environment ${settings.env}`)
  try {
    return await fn(db.sql, { target: db.target, url: db.url, embedded: db.embedded, pooler: db.pooler })
  } finally {
    await db.close()
  }
}

type Command = 'seed' | 'validate' | 'fresh'

/** The tables seeds need: the project's migrate command when set, else the schema files. */
async function prepareSchema(sql: postgres.Sql, url: string | undefined, settings: Settings, log: Logger, signal?: AbortSignal) {
  if (settings.migrate) {
    if (!url) {
      throw new SeedbedError(codes.BAD_OPTION, 'a migrate command needs the database URL to give it', {
        hint: 'pass databaseUrl along with sql, or unset SEEDBED_MIGRATE',
      })
    }
    log.info(`running the migrate command: ${settings.migrate}`)
    const output = await runMigrate(settings.migrate, { url, signal })
    if (output.trim()) log.debug(output.trimEnd())
    log.info('migrate command done')
    return
  }
  const { applied, skipped } = await applySchema(sql, settings.schemaDir)
  if (skipped.length) log.info(`schema already applied, skipped: ${skipped.join(', ')}`)
  log.info(`applied schema: ${applied.join(', ') || (skipped.length ? 'nothing new' : '(no .sql files)')}`)
}

/** Refusals that need no database: each says what would make the run acceptable. */
async function preflight(command: Command, settings: Settings, options: RunOptions, levels: LoadedSeed[][]): Promise<void> {
  const production = settings.env === PRODUCTION
  if (!settings.enabled) {
    throw new SeedbedError(codes.SEEDING_DISABLED, `seeding is disabled in ${settings.env} (SEEDBED_ENABLED=false)`, {
      hint: `set SEEDBED_ENABLED=true in .env.${settings.env} to seed this environment`,
    })
  }
  if (settings.diff && (command !== 'seed' || !settings.dryRun)) {
    throw new SeedbedError(codes.BAD_OPTION, `--diff shows what a dry run would change: it needs seed --dry-run`, {
      hint: 'run seed --dry-run --diff',
    })
  }
  if (command === 'fresh' && settings.dryRun) {
    throw new SeedbedError(codes.BAD_OPTION, 'fresh cannot be a dry run: it drops the schema', { hint: 'use seed --dry-run' })
  }
  if (command === 'fresh' && production && !options.force) {
    throw new SeedbedError(codes.FRESH_PRODUCTION, 'fresh drops every table: refused in production without --force', {
      hint: 'if you really mean to wipe production, add --force (and confirm)',
    })
  }
  if (command !== 'validate' && settings.env !== 'development') {
    const missing = [
      ...new Set(levels.flat().flatMap((s) => s.secrets.filter((name) => !process.env[name]).map((name) => `${name} (seed '${s.name}')`))),
    ]
    if (missing.length) {
      throw new SeedbedError(codes.SECRET_MISSING, `missing secrets in ${settings.env}: ${missing.join(', ')}`, {
        hint: `set them in the environment or in .env.${settings.env}; only development has defaults`,
      })
    }
  }
  // Asked last, once nothing else stands in the way.
  if (command !== 'validate' && !settings.dryRun && production && !options.confirmed && !(await options.confirm?.(settings.env))) {
    throw new SeedbedError(codes.CONFIRMATION_REQUIRED, 'writing to production needs confirmation', {
      hint: 'run it on a terminal and type the environment name, or pass --yes in a pipeline',
    })
  }
}

async function run(options: RunOptions, command: Command): Promise<RunResult> {
  const { settings, log } = settle(options)
  const planned = await planWith(settings)
  for (const e of planned.excluded) log.debug(`${e.name}: not in this run (${e.reason})`)
  let levels = command === 'validate' ? planned.levels.map((l) => l.filter((s) => s.validate)).filter((l) => l.length) : planned.levels
  await preflight(command, settings, options, levels)
  const writes = command !== 'validate' && !settings.dryRun

  // The run's one signal: the caller's (Ctrl-C in the CLI) and --timeout, for every wait below.
  const stop = runStop(options.signal)
  try {
    return await withDatabase(options, settings, log, (sql, db) => runOn(sql, db), stop.signal)
  } finally {
    stop.dispose()
  }

  /** How a run that did not succeed ended, for the ledger. */
  function ended(): 'timeout' | 'interrupted' | 'failed' {
    const reason = stop.signal.aborted ? (stop.signal.reason as SeedbedError).code : undefined
    return reason === codes.TIMEOUT ? 'timeout' : reason === codes.INTERRUPTED ? 'interrupted' : 'failed'
  }

  /**
   * Behind a transaction-mode pooler, a run that writes takes its lock, the ledger's DDL and its
   * cancels to DIRECT_DATABASE_URL when there is one; else it holds a lease through the pooler.
   */
  async function runOn(sql: postgres.Sql, db: Opened): Promise<RunResult> {
    if (!writes || db.pooler !== 'transaction') return runWith(sql, db)
    if (!settings.directUrl) {
      log.info(
        `transaction-mode pooler: prepared statements off, run lock is a lease of ${settings.leaseMs / 1000} s renewed while the run lives`,
      )
      return runWith(sql, db)
    }
    const directTarget = parseDatabaseUrl(settings.directUrl)
    const direct = createPool(settings.directUrl, 2)
    try {
      await direct`select 1`.catch((err) => {
        throw fromDriverError(err, { target: directTarget })
      })
      log.info(`transaction-mode pooler: prepared statements off, run lock and ledger DDL on ${redactUrl(settings.directUrl)}`)
      return await runWith(sql, db, direct)
    } finally {
      await direct.end({ timeout: 5 })
    }
  }

  function takeLock(sql: postgres.Sql, pooler: PoolerMode, direct?: postgres.Sql) {
    if (pooler !== 'transaction' || direct) return acquireLock(direct ?? sql, settings.lockTimeoutMs, log, stop.signal)
    return acquireLease(sql, { leaseMs: settings.leaseMs, timeoutMs: settings.lockTimeoutMs, log, signal: stop.signal })
  }

  async function runWith(sql: postgres.Sql, { target, url, embedded, pooler }: Opened, direct?: postgres.Sql): Promise<RunResult> {
    // A replica fails every write: say so before the lock, the ledger or any seed. Dry runs write too.
    if (command !== 'validate') await assertWritable(sql, target)
    let lock: Awaited<ReturnType<typeof takeLock>> | undefined
    let runId: number | undefined
    try {
      // Inside the try: a role refused on the lease table gets E_PERMISSION like the ledger's.
      lock = writes ? await takeLock(sql, pooler, direct) : undefined
      stop.startTimeout(settings.timeoutMs)
      // The first run on an embedded database seedbed just created prepares its tables by itself;
      // decided before the ledger exists, as it is part of what tells a new database. A user's
      // DATABASE_URL is never changed without --apply-schema.
      const firstRun = command === 'seed' && writes && !options.applySchema && embedded && (await isNewDatabase(sql))
      if (writes) {
        await ensureLedger(direct ?? sql)
        runId = await startRun(sql, command, settings.env, options.argv ?? [])
      }
      if (command === 'fresh') {
        await dropPublicSchema(sql)
        log.info('dropped and recreated the public schema')
      }
      if (firstRun) log.info(`new embedded database: ${settings.migrate ? 'running the migrations' : 'applying the schema'} before seeding`)
      if (command === 'fresh' || (options.applySchema && !settings.dryRun) || firstRun) {
        await prepareSchema(sql, url, settings, log, stop.signal)
      }
      if (settings.changed && command === 'seed') {
        const done = await lastSuccesses(sql)
        const kept = levels.flat()
        const changed = kept.filter((s) => done.get(s.name)?.checksum !== s.checksum).map((s) => s.name)
        const rerun = dependantsOf(kept, changed)
        log.info(
          changed.length
            ? `changed since their last success: ${changed.join(', ')}; with what depends on them: ${rerun.size} seed(s)`
            : 'no seed changed since its last success',
        )
        levels = planLevels(kept, { exactly: rerun })
      }
      const ledger: LedgerHooks | undefined =
        runId === undefined
          ? undefined
          : {
              succeeded: async (tx, seed, report) => {
                await lock!.assertHeld(tx)
                await recordSeed(tx, runId!, seed, report)
              },
              failed: (seed, report) => recordSeed(sql, runId!, seed, report),
            }
      const result = await executeLevels({
        sql,
        levels,
        concurrency: settings.concurrency,
        log,
        env: settings.env,
        mode: command === 'validate' ? 'validate' : settings.dryRun ? 'dry-run' : 'seed',
        target,
        scale: settings.scale,
        progress: options.progress ? createProgress({ log, live: options.progress === 'live' }) : undefined,
        signal: stop.signal,
        seedTimeoutMs: settings.seedTimeoutMs,
        maxRetries: settings.maxRetries,
        ledger,
        cancelVia: direct,
        ...(settings.diff && { diff: { limit: settings.diffLimit } }),
        ...(runId !== undefined && { undo: { runId, records: settings.undoRecords } }),
      })
      if (runId !== undefined) await finishRun(sql, runId, result.ok ? 'succeeded' : ended())
      // Stopped as a whole (timeout, interrupt): say so even when no seed was running at that moment.
      if (!result.ok && stop.signal.aborted && stop.signal.reason instanceof SeedbedError) result.error = stop.signal.reason.toJSON()
      return result
    } catch (err) {
      if (runId !== undefined)
        await within(
          finishRun(sql, runId, ended()).catch(() => undefined),
          2000,
        )
      // Refused outside a seed (the ledger, the schema files): coded, naming the GRANT.
      throw (err as { code?: unknown })?.code === '42501' ? fromDriverError(err, { target }) : err
    } finally {
      await lock?.release()
    }
  }
}

/** Runs the seeds (all, or `only` and their dependencies). Seed failures are in the result. */
export const seed = (options: RunOptions = {}) => run(options, 'seed')
/** Runs only the validate functions, each in a read-only transaction. */
export const validate = (options: RunOptions = {}) => run(options, 'validate')
/** Drops the public schema, applies the schema files, then seeds. */
export const fresh = (options: RunOptions = {}) => run(options, 'fresh')

export interface Status {
  /** Each run with whether it can be undone: `yes`, `undone by N`, `no: <reason>`, `-` (not a seed run). */
  runs: (RunRow & { undo?: string })[]
  seeds: { name: string; lastSucceeded: Date | null; file: 'changed' | 'unchanged' | 'never run' }[]
}

/** The last runs, and per seed when it last succeeded and whether its file changed since. */
export async function status(options: RunOptions = {}): Promise<Status> {
  const { settings, log } = settle(options)
  const planned = await planWith(settings)
  return withDatabase(options, settings, log, async (sql) => {
    const done = await lastSuccesses(sql)
    const runs = await lastRuns(sql)
    const seeds = new Map(planned.levels.flat().map((s) => [s.name, s]))
    const undoable = await undoability(sql, runs, seeds)
    return {
      runs: runs.map((r) => ({ ...r, undo: undoable.get(r.id)! })),
      seeds: planned.levels.flat().map((s) => {
        const last = done.get(s.name)
        return {
          name: s.name,
          lastSucceeded: last?.finishedAt ?? null,
          file: !last ? 'never run' : last.checksum === s.checksum ? 'unchanged' : 'changed',
        }
      }),
    }
  })
}

export type { UndoResult }

/**
 * Undoes a seed run (`run`, default the last successful one not undone) in one transaction under the
 * run lock, recorded in the ledger as a run of its own (command `undo`); refuses with a coded error,
 * nothing changed, when it cannot (lib/execution/undo.ts). `dryRun` does it all and rolls it back;
 * with `diff` it lists the rows too. Production needs the same allow-list and confirmation as `seed`.
 */
export async function undo(options: RunOptions & { run?: number } = {}): Promise<UndoResult> {
  const { run: which, ...rest } = options
  if (which !== undefined && !(Number.isInteger(which) && which > 0)) {
    throw new SeedbedError(codes.BAD_OPTION, `undo: the run must be a run id (a positive integer), got ${JSON.stringify(which)}`, {
      hint: '`status` lists the runs',
    })
  }
  const { settings, log } = settle(rest)
  const planned = await planWith(settings)
  // Every seed file, selected or not: a run's seeds are undone whatever --only says now.
  const seeds = new Map(planned.seeds.map((s) => [s.name, s]))
  if (settings.diff && !settings.dryRun) {
    throw new SeedbedError(codes.BAD_OPTION, '--diff shows what a dry run would change: it needs undo --dry-run', {
      hint: 'run undo --dry-run --diff',
    })
  }
  const production = settings.env === PRODUCTION
  if (!settings.enabled) {
    throw new SeedbedError(codes.SEEDING_DISABLED, `seeding is disabled in ${settings.env} (SEEDBED_ENABLED=false): so is undo`, {
      hint: `set SEEDBED_ENABLED=true in .env.${settings.env}`,
    })
  }
  /** Production: every seed of the run allowed by SEEDBED_ALLOW, then the confirmation, asked last. */
  const before = async (names: readonly string[]) => {
    if (!production) return
    const denied = names.filter((n) => !settings.allow.includes(n))
    if (denied.length) {
      throw new SeedbedError(
        codes.SEED_NOT_ALLOWED,
        `undo in production reverses seeds the allow-list does not name: ${denied.join(', ')}`,
        {
          hint: 'add them to SEEDBED_ALLOW in .env.production, or undo elsewhere',
        },
      )
    }
    if (!settings.dryRun && !options.confirmed && !(await options.confirm?.(settings.env))) {
      throw new SeedbedError(codes.CONFIRMATION_REQUIRED, 'undoing a run in production needs confirmation', {
        hint: 'run it on a terminal and type the environment name, or pass --yes in a pipeline',
      })
    }
  }
  const stop = runStop(options.signal)
  try {
    return await withDatabase(
      rest,
      settings,
      log,
      async (sql, { target, pooler }) => {
        await assertWritable(sql, target)
        const direct = !settings.dryRun && pooler === 'transaction' && settings.directUrl ? createPool(settings.directUrl, 2) : undefined
        let lock: Awaited<ReturnType<typeof acquireLock>> | undefined
        let runId: number | undefined
        try {
          if (!settings.dryRun) {
            if (pooler === 'transaction') {
              log.info(
                direct
                  ? `transaction-mode pooler: run lock and ledger DDL on ${redactUrl(settings.directUrl!)}`
                  : `transaction-mode pooler: run lock is a lease of ${settings.leaseMs / 1000} s renewed while the run lives`,
              )
            }
            lock =
              pooler !== 'transaction' || direct
                ? await acquireLock(direct ?? sql, settings.lockTimeoutMs, log, stop.signal)
                : await acquireLease(sql, { leaseMs: settings.leaseMs, timeoutMs: settings.lockTimeoutMs, log, signal: stop.signal })
            await ensureLedger(direct ?? sql)
          }
          const result = await undoRun({
            sql,
            run: which,
            seeds,
            log,
            env: settings.env,
            dryRun: settings.dryRun,
            ...(settings.diff && { diffLimit: settings.diffLimit }),
            before,
            start: async () => {
              runId = await startRun(sql, 'undo', settings.env, options.argv ?? [])
              return runId
            },
            assertHeld: (tx) => lock!.assertHeld(tx),
          })
          if (runId !== undefined) await finishRun(sql, runId, 'succeeded')
          return result
        } catch (err) {
          if (runId !== undefined)
            await within(
              finishRun(sql, runId, stop.signal.aborted ? 'interrupted' : 'failed').catch(() => undefined),
              2000,
            )
          if (err instanceof SeedbedError) throw err
          throw fromDriverError(err, { target })
        } finally {
          await lock?.release()
          await direct?.end({ timeout: 5 })
        }
      },
      stop.signal,
    )
  } finally {
    stop.dispose()
  }
}

/**
 * A run (`run`, default the last one) as the ledger holds it, for `seedbed report`: its row, its seeds
 * as SeedReports (the HTML report of lib/output/report-html.ts reads the same fields as a live run's).
 * A run the ledger does not have is E_REPORT_RUN.
 */
export async function recordedRun(options: RunOptions & { run?: number } = {}): Promise<RecordedRun> {
  const { run: which, ...rest } = options
  const { settings, log } = settle(rest)
  return withDatabase(rest, settings, log, async (sql) => {
    const id = which ?? (await lastRuns(sql, 1))[0]?.id
    const found = id === undefined ? null : await readRun(sql, id)
    if (!found) {
      throw new SeedbedError(
        codes.REPORT_RUN,
        id === undefined ? 'the ledger holds no run yet' : `run ${id} does not exist in the ledger`,
        {
          hint: '`status` lists the runs; for example `report 12`',
        },
      )
    }
    return found
  })
}
