/**
 * Every refusal of a run, in one place, in the order they are decided: what needs only the settings
 * (before seeds are even discovered), what needs the seeds, and the production confirmation, asked
 * last once nothing else stands in the way. Each says what would make the run acceptable.
 */
import type { Settings } from '../config/config.ts'
import { PRODUCTION } from '../config/environment.ts'
import type { LoadedSeed } from '../contract/contract.ts'
import { codes, SeedbedError } from '../errors/errors.ts'

export type Refusable = 'seed' | 'validate' | 'fresh' | 'undo'

/** What the caller said beyond the settings. */
export interface Consent {
  confirmed?: boolean
  confirm?: (env: string) => Promise<boolean>
  force?: boolean
}

/** Refusals that need only the settings: nothing is discovered, nothing connects. */
export function refuseBySettings(command: Refusable, settings: Settings, consent: Consent): void {
  if (!settings.enabled) {
    throw new SeedbedError(
      codes.SEEDING_DISABLED,
      `seeding is disabled in ${settings.env} (SEEDBED_ENABLED=false)${command === 'undo' ? ': so is undo' : ''}`,
      { hint: `set SEEDBED_ENABLED=true in .env.${settings.env} to seed this environment` },
    )
  }
  if (settings.diff && !(settings.dryRun && (command === 'seed' || command === 'undo'))) {
    const which = command === 'undo' ? 'undo' : 'seed'
    throw new SeedbedError(codes.BAD_OPTION, `--diff shows what a dry run would change: it needs ${which} --dry-run`, {
      hint: `run ${which} --dry-run --diff`,
    })
  }
  if (command === 'fresh' && settings.dryRun) {
    throw new SeedbedError(codes.BAD_OPTION, 'fresh cannot be a dry run: it drops the schema', { hint: 'use seed --dry-run' })
  }
  // Before the seeds are selected for production: its allow-list must not hide this refusal.
  if (command === 'fresh' && settings.env === PRODUCTION && !consent.force) {
    throw new SeedbedError(codes.FRESH_PRODUCTION, 'fresh drops every table: refused in production without --force', {
      hint: 'if you really mean to wipe production, add --force (and confirm)',
    })
  }
}

/** Secrets the run's seeds declare must be set outside development, where they have no default. */
export function refuseMissingSecrets(command: Refusable, settings: Settings, seeds: readonly LoadedSeed[]): void {
  if (command === 'validate' || command === 'undo' || settings.env === 'development') return
  const missing = [
    ...new Set(seeds.flatMap((s) => s.secrets.filter((name) => !settings.variables[name]).map((name) => `${name} (seed '${s.name}')`))),
  ]
  if (missing.length) {
    throw new SeedbedError(codes.SECRET_MISSING, `missing secrets in ${settings.env}: ${missing.join(', ')}`, {
      hint: `set them in the environment or in .env.${settings.env}; only development has defaults`,
    })
  }
}

/** Undo in production reverses only seeds the allow-list names. */
export function refuseNotAllowed(settings: Settings, names: readonly string[]): void {
  if (settings.env !== PRODUCTION) return
  const denied = names.filter((n) => !settings.allow.includes(n))
  if (denied.length) {
    throw new SeedbedError(codes.SEED_NOT_ALLOWED, `undo in production reverses seeds the allow-list does not name: ${denied.join(', ')}`, {
      hint: 'add them to SEEDBED_ALLOW in .env.production, or undo elsewhere',
    })
  }
}

/** Asked last: a run that writes to production needs --yes or the environment's name typed back. */
export async function confirmProduction(command: Refusable, settings: Settings, consent: Consent): Promise<void> {
  if (command === 'validate' || settings.dryRun || settings.env !== PRODUCTION || consent.confirmed) return
  if (await consent.confirm?.(settings.env)) return
  throw new SeedbedError(
    codes.CONFIRMATION_REQUIRED,
    command === 'undo' ? 'undoing a run in production needs confirmation' : 'writing to production needs confirmation',
    { hint: 'run it on a terminal and type the environment name, or pass --yes in a pipeline' },
  )
}
