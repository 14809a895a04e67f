import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'dotenv'
import { codes, SeedbedError } from '../errors/errors.ts'

/** Environments seedbed knows without a `.env.<name>` file; any name with such a file is valid too. */
export const KNOWN_ENVIRONMENTS = ['development', 'test', 'staging', 'production'] as const
export const PRODUCTION = 'production'

/** Environment variables as a run reads them: `process.env`, or what a library caller hands over. */
export type Variables = Readonly<Record<string, string | undefined>>

/**
 * The one rule for the environment's name: the explicit one (`--env`, the API's `env`), else APP_ENV,
 * else NODE_ENV, looked up in each source in turn (the real environment, then the `.env` file), else
 * `development`.
 */
export function environmentName(explicit: string | undefined, ...sources: Variables[]): string {
  if (explicit) return explicit
  for (const vars of sources) {
    const name = vars.APP_ENV || vars.NODE_ENV
    if (name) return name
  }
  return 'development'
}

/** An environment's name and the variables its run reads. */
export interface Environment {
  name: string
  /** `.env`, then `.env.<name>` over it, and the given variables over both. */
  variables: Variables
}

/**
 * Picks the environment (`environmentName`) and reads its profile: `.env`, then `.env.<name>` over it,
 * and the real variables (`vars`) over both. Writes nothing: the CLI copies the profile into its own
 * process.env; a library caller's process.env is never touched.
 */
export function loadEnvironment(explicit: string | undefined, cwd = process.cwd(), vars: Variables = process.env): Environment {
  const read = (file: string) => (existsSync(file) ? parse(readFileSync(file)) : {})
  const base = read(path.join(cwd, '.env'))
  const name = environmentName(explicit, vars, base)
  const file = path.join(cwd, `.env.${name}`)
  if (!/^[a-z][a-z0-9_-]*$/.test(name) || (!(KNOWN_ENVIRONMENTS as readonly string[]).includes(name) && !existsSync(file))) {
    throw new SeedbedError(codes.ENV_UNKNOWN, `unknown environment '${name}'`, {
      hint: `use one of ${KNOWN_ENVIRONMENTS.join(', ')}, or create .env.${name} for a profile of your own`,
    })
  }
  const variables: Record<string, string | undefined> = { ...base, ...read(file) }
  for (const [key, value] of Object.entries(vars)) if (value !== undefined) variables[key] = value
  return { name, variables }
}

/** `30`, `30s`, `500ms`, `5m`, `1h` as milliseconds; `0` means none. */
export function parseDuration(name: string, raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(raw).trim())
  if (!m || typeof raw === 'boolean') {
    throw optionError(name, `${name} must be a duration such as 30s, 5m or 500ms, got '${String(raw)}'`, `for example ${name} 5m`)
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(m[1]) * unit)
}

/** `true/false/1/0/yes/no/on/off`. */
export function parseBoolean(name: string, raw: unknown): boolean | undefined {
  if (raw === undefined || raw === '') return undefined
  if (typeof raw === 'boolean') return raw
  const v = String(raw).trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  throw optionError(name, `${name} must be true or false, got '${String(raw)}'`, `for example ${name}=true`)
}

/**
 * A bad environment variable (an upper-case name) is E_BAD_ENV; a bad flag or API option is
 * E_BAD_OPTION. Both name it.
 */
export function optionError(name: string, message: string, hint: string): SeedbedError {
  return new SeedbedError(/^[A-Z][A-Z0-9_]*$/.test(name) ? codes.BAD_ENV : codes.BAD_OPTION, message, { hint })
}

/** Parses the scale setting (a positive number; 0.5 halves, 1000 multiplies). */
export function parseScale(name: string, raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined
  const n = typeof raw === 'number' ? raw : Number(String(raw).trim())
  if (typeof raw === 'boolean' || !Number.isFinite(n) || n <= 0 || n > 1_000_000) {
    throw new SeedbedError(codes.BAD_OPTION, `${name} must be a number above 0 (at most 1000000), got '${String(raw)}'`, {
      hint: `for example ${name} 10 for ten times the default rows`,
    })
  }
  return n
}
