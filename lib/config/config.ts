import path from 'node:path'
import { codes, SeedbedError } from '../errors/errors.ts'
import { parseScale } from '../helpers/fake.ts'
import { optionError, parseBoolean, parseDuration } from './environment.ts'

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
   * The project's migrate command (SEEDBED_MIGRATE), run instead of the schema files by `fresh`,
   * `seed --apply-schema` and a new embedded database, with DATABASE_URL set to the run's database.
   */
  migrate?: string
}

/** Flags as cac hands them over (numbers may arrive as numbers or strings). */
export interface SettingFlags {
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
  lockTimeout?: unknown
  changed?: boolean
}

export const DEFAULT_POOL_SIZE = 10

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

export function resolveSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  if (flags.only === true || (Array.isArray(flags.only) && flags.only.includes(true))) {
    throw new SeedbedError(codes.BAD_OPTION, '--only needs seed names, as in --only users,products', {
      hint: 'run `plan` to list the seeds',
    })
  }
  const poolSize =
    intOption('--pool-size', flags.poolSize, 1, 1000) ?? intOption('SEEDBED_POOL_SIZE', env.SEEDBED_POOL_SIZE, 1, 1000) ?? DEFAULT_POOL_SIZE
  const concurrency =
    intOption('--concurrency', flags.concurrency, 1, 1000) ?? intOption('SEEDBED_CONCURRENCY', env.SEEDBED_CONCURRENCY, 1, 1000) ?? poolSize
  if (concurrency > poolSize) {
    throw new SeedbedError(codes.BAD_OPTION, `--concurrency ${concurrency} exceeds the connection pool size ${poolSize}`, {
      hint: 'each running seed holds one connection: raise --pool-size (SEEDBED_POOL_SIZE) or lower --concurrency',
    })
  }
  const dir = (value: string | undefined, fallback: string) => path.resolve(cwd, value || fallback)
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    seedsDir: dir(flags.seeds ?? env.SEEDBED_SEEDS_DIR, 'seeds'),
    schemaDir: dir(flags.schema ?? env.SEEDBED_SCHEMA_DIR, 'schema'),
    dataDir: dir(env.SEEDBED_DATA_DIR, '.seedbed'),
    embeddedPort: intOption('SEEDBED_EMBEDDED_PORT', env.SEEDBED_EMBEDDED_PORT, 1, 65535),
    poolSize,
    concurrency,
    env: flags.env || env.APP_ENV || 'development',
    only: listOption(flags.only),
    scale: parseScale('--scale', flags.scale) ?? parseScale('SEEDBED_SCALE', env.SEEDBED_SCALE) ?? 1,
    enabled: parseBoolean('SEEDBED_ENABLED', env.SEEDBED_ENABLED) ?? true,
    onStartup: parseBoolean('SEEDBED_ON_STARTUP', env.SEEDBED_ON_STARTUP) ?? false,
    timeoutMs: parseDuration('--timeout', flags.timeout) ?? parseDuration('SEEDBED_TIMEOUT', env.SEEDBED_TIMEOUT) ?? 0,
    seedTimeoutMs:
      parseDuration('--seed-timeout', flags.seedTimeout) ?? parseDuration('SEEDBED_SEED_TIMEOUT', env.SEEDBED_SEED_TIMEOUT) ?? 0,
    maxRetries:
      intOption('--max-retries', flags.maxRetries, 0, 20) ?? intOption('SEEDBED_MAX_RETRIES', env.SEEDBED_MAX_RETRIES, 0, 20) ?? 3,
    dryRun: flags.dryRun || (parseBoolean('SEEDBED_DRY_RUN', env.SEEDBED_DRY_RUN) ?? false),
    allow: listOption(env.SEEDBED_ALLOW),
    lockTimeoutMs:
      parseDuration('--lock-timeout', flags.lockTimeout) ?? parseDuration('SEEDBED_LOCK_TIMEOUT', env.SEEDBED_LOCK_TIMEOUT) ?? 180_000,
    changed: Boolean(flags.changed),
    migrate: env.SEEDBED_MIGRATE?.trim() || undefined,
  }
}
