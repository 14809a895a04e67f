import path from 'node:path'
import { codes, SeedbedError } from '../errors/errors.ts'
import { environmentName, optionError, parseBoolean, parseDuration, parseScale, type Variables } from './environment.ts'

/** What the SEEDBED_POOLER setting may say. */
export const POOLER_SETTINGS = ['auto', 'transaction', 'session', 'none'] as const
export type PoolerSetting = (typeof POOLER_SETTINGS)[number]

/** Every setting of a run, resolved from flags, then environment variables, then defaults. */
export interface Settings {
  /** Unset means the embedded PostgreSQL. */
  databaseUrl?: string
  seedsDir: string
  schemaDir: string
  dataDir: string
  embeddedPort?: number
  poolSize: number
  concurrency: number
  env: string
  only: string[]
  /** Multiplier for seeds' `ctx.scaled()` row counts. */
  scale: number
  /** The environment's profile (`.env.<env>`, SEEDBED_* variables, flags). */
  enabled: boolean
  onStartup: boolean
  /** Whole-run and per-seed time limits in ms; 0 means none. */
  timeoutMs: number
  seedTimeoutMs: number
  maxRetries: number
  dryRun: boolean
  /** Seeds allowed to run; empty means all (outside production, where it is required). */
  allow: string[]
  lockTimeoutMs: number
  /** Run only seeds whose file changed since their last success, and what depends on them. */
  changed: boolean
  /**
   * After a failure, keep running every seed whose dependencies all succeeded (`--keep-going`,
   * SEEDBED_KEEP_GOING): the seeds below a failure are not run, and every failure is reported at once.
   */
  keepGoing: boolean
  /**
   * The project's migrate command (SEEDBED_MIGRATE), run instead of the schema files by `fresh`,
   * `seed --apply-schema` and a new embedded database, with DATABASE_URL set to the run's database.
   */
  migrate?: string
  /**
   * What stands between seedbed and the server (SEEDBED_POOLER): `auto` (default) detects a
   * transaction-mode pooler; `transaction`, `session` or `none` say so.
   */
  pooler: PoolerSetting
  /**
   * A connection string that bypasses the pooler (DIRECT_DATABASE_URL, Prisma's convention): behind
   * a transaction-mode pooler the run lock and the ledger's DDL use it.
   */
  directUrl?: string
  /** Behind a transaction-mode pooler without directUrl: how long the run's lease lasts unless renewed (SEEDBED_LEASE). */
  leaseMs: number
  /** A dry run shows the rows it would create and the columns it would change (`--diff`). */
  diff: boolean
  /** Rows of a kind a diff keeps per seed and table (`--diff-limit`, default 20; 0: all). */
  diffLimit: number
  /** A real run keeps what `undo` needs to reverse it (default true; `--no-undo-records`, SEEDBED_UNDO_RECORDS=false). */
  undoRecords: boolean
  /** bcrypt cost of `ctx.hashPassword` (SEEDBED_BCRYPT_COST, 4 to 31, default 10). */
  bcryptCost: number
  /** The user and password libpq would take from PGUSER / PGPASSWORD when DATABASE_URL names none. */
  pgUser?: string
  pgPassword?: string
  /** PGPASSFILE: its passwords are redacted like any other. */
  pgPassFile?: string
  /** Prometheus metrics written to this file / pushed to this Pushgateway (SEEDBED_METRICS_FILE, SEEDBED_PUSHGATEWAY). */
  metricsFile?: string
  pushgateway?: string
  /** A file listing databases to run on, one URL per line (SEEDBED_DATABASES_FILE). */
  databasesFile?: string
  /**
   * The environment variables the run reads beyond these settings: the secrets seeds declare, and the
   * environment of the migrate command. Default `process.env` (with the `.env` profile under the CLI);
   * a library caller passes its own, or `{}` to read none.
   */
  variables: Variables
}

/** Flags as cac hands them over (numbers may arrive as numbers or strings). */
export interface SettingFlags {
  migrate?: string
  seeds?: string
  schema?: string
  concurrency?: unknown
  poolSize?: unknown
  only?: unknown
  scale?: unknown
  env?: string
  timeout?: unknown
  seedTimeout?: unknown
  maxRetries?: unknown
  dryRun?: boolean
  keepGoing?: boolean
  lockTimeout?: unknown
  changed?: boolean
  pooler?: string
  diff?: boolean
  diffLimit?: unknown
  /** False with `--no-undo-records` (cac sets true otherwise). */
  undoRecords?: boolean
  metricsFile?: string
  pushgateway?: string
  databasesFile?: string
}

export const DEFAULT_POOL_SIZE = 10

/** The keys of Settings: what the API accepts as already-typed values. */
export const SETTING_KEYS: ReadonlySet<string> = new Set<keyof Settings>([
  'databaseUrl',
  'seedsDir',
  'schemaDir',
  'dataDir',
  'embeddedPort',
  'poolSize',
  'concurrency',
  'env',
  'only',
  'scale',
  'enabled',
  'onStartup',
  'timeoutMs',
  'seedTimeoutMs',
  'maxRetries',
  'dryRun',
  'keepGoing',
  'allow',
  'lockTimeoutMs',
  'changed',
  'migrate',
  'pooler',
  'directUrl',
  'leaseMs',
  'diff',
  'diffLimit',
  'undoRecords',
  'bcryptCost',
  'pgUser',
  'pgPassword',
  'pgPassFile',
  'metricsFile',
  'pushgateway',
  'databasesFile',
  'variables',
])

function poolerOption(name: string, raw: unknown): PoolerSetting | undefined {
  if (raw === undefined || raw === '') return undefined
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() : raw
  if (!(POOLER_SETTINGS as readonly unknown[]).includes(v)) {
    throw optionError(name, `${name} must be one of ${POOLER_SETTINGS.join(', ')}, got '${String(raw)}'`, `for example ${name}=transaction`)
  }
  return v as PoolerSetting
}

/** The lease: at least 5 s (a heartbeat renews it every third of it; shorter ones miss it on a loaded machine). */
function leaseOption(name: string, ms: number | undefined): number | undefined {
  if (ms !== undefined && (ms < 5000 || ms > 2_147_483_647)) {
    throw optionError(name, `${name} must be from 5s to 24d, got ${ms} ms`, `for example ${name}=30s`)
  }
  return ms
}

/** A time limit given in ms (an API option): an integer from 0 (none) to what a timer can hold. */
function msOption(name: string, raw: unknown): number | undefined {
  return intOption(name, raw, 0, 2_147_483_647)
}

function stringOption(name: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined
  if (typeof raw !== 'string') throw optionError(name, `${name} must be a string, got ${JSON.stringify(raw)}`, `fix the value of ${name}`)
  return raw
}

function listGiven(name: string, raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined
  if (typeof raw === 'string') return listOption(raw)
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
    throw optionError(name, `${name} must be a list of seed names, got ${JSON.stringify(raw)}`, `for example ${name}: ['users']`)
  }
  return listOption(raw)
}

/** An integer option, or E_BAD_OPTION naming the flag or variable it came from. */
export function intOption(name: string, raw: unknown, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined
  if (typeof raw === 'boolean') throw optionError(name, `${name} needs a value`, `for example ${name} 4`)
  const n = typeof raw === 'number' ? raw : Number(String(raw).trim())
  if (!Number.isInteger(n) || n < min || n > max) {
    throw optionError(name, `${name} must be an integer from ${min} to ${max}, got '${String(raw)}'`, `fix the value of ${name}`)
  }
  return n
}

/** `--only a,b --only c` and `--only a b` forms, as a flat list of names. */
export function listOption(raw: unknown): string[] {
  const values = Array.isArray(raw) ? raw : raw === undefined || raw === true ? [] : [raw]
  return values
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean)
}

/** `--schema a,b` of `generate` and `types` (database schemas, not the schema folder): the names, or undefined when not given. */
export function schemaNames(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined
  const names = listOption(raw)
  if (!names.length) throw optionError('--schema', '--schema needs schema names, comma-separated', 'for example --schema public,app')
  return names
}

/**
 * Every setting: `given` (already-typed values, the API's options, named by their key in errors),
 * then `flags` (the CLI's, named --flag), then environment variables, then defaults. Each is
 * checked the same way wherever it came from.
 */
export function resolveSettings(
  flags: SettingFlags = {},
  env: Variables = process.env,
  cwd = process.cwd(),
  given: Partial<Settings> = {},
): Settings {
  if (flags.only === true || (Array.isArray(flags.only) && flags.only.includes(true))) {
    throw new SeedbedError(codes.BAD_OPTION, '--only needs seed names, as in --only users,products', {
      hint: 'run `plan` to list the seeds',
    })
  }
  const g = given as Record<keyof Settings, unknown>
  const poolSize =
    intOption('poolSize', g.poolSize, 1, 1000) ??
    intOption('--pool-size', flags.poolSize, 1, 1000) ??
    intOption('SEEDBED_POOL_SIZE', env.SEEDBED_POOL_SIZE, 1, 1000) ??
    DEFAULT_POOL_SIZE
  const givenConcurrency = intOption('concurrency', g.concurrency, 1, 1000)
  const concurrency =
    givenConcurrency ??
    intOption('--concurrency', flags.concurrency, 1, 1000) ??
    intOption('SEEDBED_CONCURRENCY', env.SEEDBED_CONCURRENCY, 1, 1000) ??
    poolSize
  if (concurrency > poolSize) {
    const name = givenConcurrency === undefined ? '--concurrency' : 'concurrency'
    throw new SeedbedError(codes.BAD_OPTION, `${name} ${concurrency} exceeds the connection pool size ${poolSize}`, {
      hint: 'each running seed holds one connection: raise --pool-size (SEEDBED_POOL_SIZE) or lower --concurrency',
    })
  }
  const dir = (value: string | undefined, fallback: string) => path.resolve(cwd, value || fallback)
  const flag = <T>(value: T | undefined, fallback: () => T): T => (value === undefined ? fallback() : value)
  return {
    databaseUrl: stringOption('databaseUrl', g.databaseUrl) || env.DATABASE_URL || undefined,
    seedsDir: dir(stringOption('seedsDir', g.seedsDir) ?? flags.seeds ?? env.SEEDBED_SEEDS_DIR, 'seeds'),
    schemaDir: dir(stringOption('schemaDir', g.schemaDir) ?? flags.schema ?? env.SEEDBED_SCHEMA_DIR, 'schema'),
    dataDir: dir(stringOption('dataDir', g.dataDir) ?? env.SEEDBED_DATA_DIR, '.seedbed'),
    embeddedPort:
      intOption('embeddedPort', g.embeddedPort, 1, 65535) ?? intOption('SEEDBED_EMBEDDED_PORT', env.SEEDBED_EMBEDDED_PORT, 1, 65535),
    poolSize,
    concurrency,
    env: environmentName(stringOption('env', g.env) || flags.env, env),
    only: flag(listGiven('only', g.only), () => listOption(flags.only)),
    scale: parseScale('scale', g.scale) ?? parseScale('--scale', flags.scale) ?? parseScale('SEEDBED_SCALE', env.SEEDBED_SCALE) ?? 1,
    enabled: parseBoolean('enabled', g.enabled) ?? parseBoolean('SEEDBED_ENABLED', env.SEEDBED_ENABLED) ?? true,
    onStartup: parseBoolean('onStartup', g.onStartup) ?? parseBoolean('SEEDBED_ON_STARTUP', env.SEEDBED_ON_STARTUP) ?? false,
    timeoutMs:
      msOption('timeoutMs', g.timeoutMs) ??
      parseDuration('--timeout', flags.timeout) ??
      parseDuration('SEEDBED_TIMEOUT', env.SEEDBED_TIMEOUT) ??
      0,
    seedTimeoutMs:
      msOption('seedTimeoutMs', g.seedTimeoutMs) ??
      parseDuration('--seed-timeout', flags.seedTimeout) ??
      parseDuration('SEEDBED_SEED_TIMEOUT', env.SEEDBED_SEED_TIMEOUT) ??
      0,
    maxRetries:
      intOption('maxRetries', g.maxRetries, 0, 20) ??
      intOption('--max-retries', flags.maxRetries, 0, 20) ??
      intOption('SEEDBED_MAX_RETRIES', env.SEEDBED_MAX_RETRIES, 0, 20) ??
      3,
    dryRun: parseBoolean('dryRun', g.dryRun) ?? (flags.dryRun || (parseBoolean('SEEDBED_DRY_RUN', env.SEEDBED_DRY_RUN) ?? false)),
    keepGoing:
      parseBoolean('keepGoing', g.keepGoing) ?? (flags.keepGoing || (parseBoolean('SEEDBED_KEEP_GOING', env.SEEDBED_KEEP_GOING) ?? false)),
    allow: listGiven('allow', g.allow) ?? listOption(env.SEEDBED_ALLOW),
    lockTimeoutMs:
      msOption('lockTimeoutMs', g.lockTimeoutMs) ??
      parseDuration('--lock-timeout', flags.lockTimeout) ??
      parseDuration('SEEDBED_LOCK_TIMEOUT', env.SEEDBED_LOCK_TIMEOUT) ??
      180_000,
    changed: parseBoolean('changed', g.changed) ?? Boolean(flags.changed),
    migrate: (g.migrate as string | undefined)?.trim() || flags.migrate?.trim() || env.SEEDBED_MIGRATE?.trim() || undefined,
    pooler:
      poolerOption('pooler', g.pooler) ??
      poolerOption('--pooler', flags.pooler) ??
      poolerOption('SEEDBED_POOLER', env.SEEDBED_POOLER) ??
      'auto',
    directUrl: stringOption('directUrl', g.directUrl) || env.DIRECT_DATABASE_URL || undefined,
    leaseMs:
      leaseOption('leaseMs', msOption('leaseMs', g.leaseMs)) ??
      leaseOption('SEEDBED_LEASE', parseDuration('SEEDBED_LEASE', env.SEEDBED_LEASE)) ??
      30_000,
    diff: parseBoolean('diff', g.diff) ?? Boolean(flags.diff),
    diffLimit: intOption('diffLimit', g.diffLimit, 0, 1_000_000) ?? intOption('--diff-limit', flags.diffLimit, 0, 1_000_000) ?? 20,
    undoRecords:
      parseBoolean('undoRecords', g.undoRecords) ??
      (flags.undoRecords === false ? false : parseBoolean('SEEDBED_UNDO_RECORDS', env.SEEDBED_UNDO_RECORDS)) ??
      true,
    bcryptCost: intOption('bcryptCost', g.bcryptCost, 4, 31) ?? intOption('SEEDBED_BCRYPT_COST', env.SEEDBED_BCRYPT_COST, 4, 31) ?? 10,
    pgUser: stringOption('pgUser', g.pgUser) || env.PGUSER || undefined,
    pgPassword: stringOption('pgPassword', g.pgPassword) || env.PGPASSWORD || undefined,
    pgPassFile: stringOption('pgPassFile', g.pgPassFile) || env.PGPASSFILE || undefined,
    metricsFile: stringOption('metricsFile', g.metricsFile) || flags.metricsFile || env.SEEDBED_METRICS_FILE || undefined,
    pushgateway: stringOption('pushgateway', g.pushgateway) || flags.pushgateway || env.SEEDBED_PUSHGATEWAY || undefined,
    databasesFile: stringOption('databasesFile', g.databasesFile) || flags.databasesFile || env.SEEDBED_DATABASES_FILE || undefined,
    variables: (g.variables as Variables | undefined) ?? env,
  }
}
