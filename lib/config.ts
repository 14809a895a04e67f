import path from 'node:path'
import { config as loadDotenv } from 'dotenv'
import { codes, SeedbedError } from './errors.ts'
import { parseScale } from './fake.ts'

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
}

/** Flags as cac hands them over (numbers may arrive as numbers or strings). */
export interface SettingFlags {
  seeds?: string
  schema?: string
  concurrency?: unknown
  poolSize?: unknown
  only?: unknown
  scale?: unknown
}

export const DEFAULT_POOL_SIZE = 10

/** Loads `.env` from the project folder; real environment variables win over it. */
export function loadEnvFiles(cwd = process.cwd()): void {
  loadDotenv({ path: path.join(cwd, '.env'), quiet: true })
}

/** An integer option, or E_BAD_OPTION naming the flag or variable it came from. */
export function intOption(name: string, raw: unknown, min: number, max: number): number | undefined {
  if (raw === undefined || raw === '') return undefined
  if (typeof raw === 'boolean') throw new SeedbedError(codes.BAD_OPTION, `${name} needs a value`, { hint: `for example ${name} 4` })
  const n = typeof raw === 'number' ? raw : Number(String(raw).trim())
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SeedbedError(codes.BAD_OPTION, `${name} must be an integer from ${min} to ${max}, got '${String(raw)}'`, {
      hint: `fix the value of ${name}`,
    })
  }
  return n
}

/** `--only a,b --only c` and `--only a b` forms, as a flat list of names. */
export function listOption(raw: unknown): string[] {
  const values = Array.isArray(raw) ? raw : raw === undefined || raw === true ? [] : [raw]
  return values.flatMap((v) => String(v).split(',')).map((s) => s.trim()).filter(Boolean)
}

export function resolveSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  if (flags.only === true || (Array.isArray(flags.only) && flags.only.includes(true))) {
    throw new SeedbedError(codes.BAD_OPTION, '--only needs seed names, as in --only users,products', { hint: 'run `plan` to list the seeds' })
  }
  const poolSize = intOption('--pool-size', flags.poolSize, 1, 1000) ?? intOption('SEEDBED_POOL_SIZE', env.SEEDBED_POOL_SIZE, 1, 1000) ?? DEFAULT_POOL_SIZE
  const concurrency = intOption('--concurrency', flags.concurrency, 1, 1000) ?? intOption('SEEDBED_CONCURRENCY', env.SEEDBED_CONCURRENCY, 1, 1000) ?? poolSize
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
    env: env.APP_ENV || 'development',
    only: listOption(flags.only),
    scale: parseScale('--scale', flags.scale) ?? parseScale('SEEDBED_SCALE', env.SEEDBED_SCALE) ?? 1,
  }
}
