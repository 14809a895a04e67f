import { seed, type RunOptions } from './api.ts'
import { PRODUCTION } from '../config/environment.ts'
import { settle } from './lifecycle.ts'
import type { RunResult } from '../contract/types.ts'

export interface StartupOptions extends Omit<RunOptions, 'envDir'> {
  /** Production is skipped unless this is set (its allow-list and secrets still apply). */
  allowProduction?: boolean | undefined
  /** Folder of `.env` / `.env.<env>` (default: the working directory); false to load none. */
  envDir?: string | false | undefined
}

export interface StartupOutcome {
  ran: boolean
  /** Why seeding was skipped, when it was. */
  reason?: string
  result?: RunResult
}

/**
 * For an application's start-up: seeds only when the environment's profile says so
 * (SEEDBED_ON_STARTUP=true), never in production unless `allowProduction`, and only the seeds
 * that changed since their last success (plus what depends on them). Safe when several replicas
 * start at once: the run lock lets one seed while the others wait, then find nothing changed.
 * Never exits the process; configuration errors are thrown as SeedbedError.
 */
export async function seedOnStartup(options: StartupOptions = {}): Promise<StartupOutcome> {
  const { allowProduction, envDir, ...runOptions } = options
  // The same profile and the same name rule as the CLI: `.env` files unless envDir is false.
  const dir = envDir === false ? undefined : (envDir ?? process.cwd())
  const { settings } = settle({ ...runOptions, ...(dir && { envDir: dir }) })
  const env = settings.env
  if (!settings.onStartup) return { ran: false, reason: `SEEDBED_ON_STARTUP is not true in ${env}` }
  if (env === PRODUCTION && !allowProduction)
    return { ran: false, reason: 'start-up seeding never runs in production unless allowProduction is set' }
  const result = await seed({
    ...runOptions,
    ...(dir && { envDir: dir }),
    env,
    changed: runOptions.changed ?? true,
    confirmed: env === PRODUCTION,
  })
  return { ran: true, result }
}
