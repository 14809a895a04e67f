import { randomBytes } from 'node:crypto'
import { hash, verify } from '@node-rs/bcrypt'
import { codes, SeedbedError } from '../errors/errors.ts'
import { addSecret } from '../errors/redact.ts'

/** bcrypt cost: 10 by default (about 60 ms a hash); SEEDBED_BCRYPT_COST lowers it for tests. */
export function bcryptCost(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SEEDBED_BCRYPT_COST
  if (raw === undefined || raw === '') return 10
  const cost = Number(raw)
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) {
    throw new SeedbedError(codes.BAD_OPTION, `SEEDBED_BCRYPT_COST must be an integer from 4 to 31, got '${raw}'`, {
      hint: 'unset it for the default of 10',
    })
  }
  return cost
}

/** Keeps a stored hash that still matches, so re-seeding does not rewrite password rows. */
export async function hashPassword(plain: string, current?: string | null, cost = bcryptCost()): Promise<string> {
  addSecret(plain)
  if (current && (await verify(plain, current).catch(() => false))) return current
  return hash(plain, cost)
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/**
 * A secret from the environment, registered for redaction. Its development default applies only
 * in development; anywhere else a missing secret stops the run before anything is written.
 */
export function readSecret(name: string, env: string, devDefault?: string, source: NodeJS.ProcessEnv = process.env): string {
  const value = source[name] || (env === 'development' ? devDefault : undefined)
  if (!value) {
    throw new SeedbedError(codes.SECRET_MISSING, `the secret ${name} is not set (environment '${env}')`, {
      hint: `set ${name} in the environment or in .env.${env}; only development has a default`,
    })
  }
  addSecret(value)
  return value
}
