import { randomBytes } from 'node:crypto'
import { codes, SeedbedError } from '../errors/errors.ts'
import { addSecret, addSeedSecret } from '../errors/redact.ts'

/**
 * Keeps a stored hash that still matches, so re-seeding does not rewrite password rows. Cost 10 by
 * default (about 60 ms a hash); SEEDBED_BCRYPT_COST (the `bcryptCost` setting) lowers it for tests.
 */
export async function hashPassword(plain: string, current?: string | null, cost = 10): Promise<string> {
  addSecret(plain)
  // Loaded here: a run that hashes nothing never loads the native addon.
  const { hash, verify } = await import('@node-rs/bcrypt')
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
export function readSecret(
  name: string,
  env: string,
  devDefault: string | undefined,
  source: Readonly<Record<string, string | undefined>>,
): string {
  const value = source[name] || (env === 'development' ? devDefault : undefined)
  if (!value) {
    throw new SeedbedError(codes.SECRET_MISSING, `the secret ${name} is not set (environment '${env}')`, {
      hint: `set ${name} in the environment or in .env.${env}; only development has a default`,
    })
  }
  // Redacted everywhere, and the columns a seed writes it into are left out of the undo records.
  addSeedSecret(value)
  return value
}
