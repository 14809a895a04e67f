import type postgres from 'postgres'
import { resolveSettings, type Settings } from './config.ts'
import type { LoadedSeed } from './contract.ts'
import { discoverSeeds } from './discover.ts'
import { openDatabase, parseDatabaseUrl } from './connect.ts'
import { createLogger, type Logger } from './log.ts'
import type { Target } from './pg-errors.ts'
import { planLevels } from './plan.ts'
import { createProgress } from './progress.ts'
import { executeLevels, type RunResult } from './run.ts'
import { applySchema, dropPublicSchema } from './schema.ts'

/**
 * Options of the programmatic API. Anything not given comes from the environment
 * (DATABASE_URL, SEEDBED_*) and then the defaults, exactly as for the CLI.
 */
export interface RunOptions extends Partial<Settings> {
  /** Use this postgres.js pool instead of opening one; it is left open. */
  sql?: postgres.Sql
  /** Where to log; the API is silent unless given one. */
  logger?: Logger
  /** Apply the schema folder's `.sql` files before seeding (they must be idempotent). */
  applySchema?: boolean
  /**
   * Progress of COPY loads, through the logger: `live` rewrites one terminal line, `lines` logs
   * every 2 s. Default: none.
   */
  progress?: 'live' | 'lines'
}

export interface Planned {
  settings: Settings
  seeds: LoadedSeed[]
  levels: LoadedSeed[][]
}

function settle(options: RunOptions): { settings: Settings; log: Logger } {
  const { sql: _sql, logger, applySchema: _apply, progress: _progress, ...given } = options
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))
  const settings = { ...resolveSettings({}), ...defined } as Settings
  return { settings, log: logger ?? createLogger({ level: -999 }) }
}

async function planWith(settings: Settings): Promise<Planned> {
  const seeds = await discoverSeeds(settings.seedsDir)
  return { settings, seeds, levels: planLevels(seeds, { only: settings.only }) }
}

/** Discovers the seeds and plans their levels. Touches no database. */
export const plan = (options: RunOptions = {}): Promise<Planned> => planWith(settle(options).settings)

async function withDatabase<T>(options: RunOptions, settings: Settings, log: Logger, fn: (sql: postgres.Sql, target: Target) => Promise<T>): Promise<T> {
  if (options.sql) return fn(options.sql, settings.databaseUrl ? parseDatabaseUrl(settings.databaseUrl) : {})
  const db = await openDatabase({
    url: settings.databaseUrl,
    poolSize: settings.poolSize,
    dataDir: settings.dataDir,
    embeddedPort: settings.embeddedPort,
    log,
  })
  log.info(`database ${db.display}${db.embedded ? ' (embedded)' : ''}`)
  try {
    return await fn(db.sql, db.target)
  } finally {
    await db.close()
  }
}

async function run(options: RunOptions, mode: 'seed' | 'validate' | 'fresh'): Promise<RunResult> {
  const { settings, log } = settle(options)
  const planned = await planWith(settings)
  const levels = mode === 'validate' ? planned.levels.map((l) => l.filter((s) => s.validate)).filter((l) => l.length) : planned.levels
  return withDatabase(options, settings, log, async (sql, target) => {
    if (mode === 'fresh') {
      await dropPublicSchema(sql)
      log.info('dropped and recreated the public schema')
    }
    if (mode === 'fresh' || options.applySchema) {
      const files = await applySchema(sql, settings.schemaDir)
      log.info(`applied schema: ${files.join(', ') || '(no .sql files)'}`)
    }
    return executeLevels({
      sql,
      levels,
      concurrency: settings.concurrency,
      log,
      env: settings.env,
      mode: mode === 'validate' ? 'validate' : 'seed',
      target,
      scale: settings.scale,
      progress: options.progress ? createProgress({ log, live: options.progress === 'live' }) : undefined,
    })
  })
}

/** Runs the seeds (all, or `only` and their dependencies). Seed failures are in the result. */
export const seed = (options: RunOptions = {}) => run(options, 'seed')
/** Runs only the validate functions, each in a read-only transaction. */
export const validate = (options: RunOptions = {}) => run(options, 'validate')
/** Drops the public schema, applies the schema files, then seeds. */
export const fresh = (options: RunOptions = {}) => run(options, 'fresh')
