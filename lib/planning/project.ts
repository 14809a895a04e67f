import type { Settings } from '../config/config.ts'
import type { LoadedSeed } from '../contract/contract.ts'
import { discoverSeeds } from './discover.ts'
import { planLevels } from './plan.ts'
import { type Excluded, selectForEnvironment } from './select.ts'

/** A project's seeds for one run: what was found, what the environment leaves out, and the levels. */
export interface Planned {
  settings: Settings
  seeds: LoadedSeed[]
  /** Seeds left out by the environment or the allow-list, with why. */
  excluded: Excluded[]
  levels: LoadedSeed[][]
}

/**
 * Discovers the seeds and plans their levels for the environment. Needs nothing of the runner or the
 * database, so `plan` loads only this.
 */
export async function planProject(settings: Settings): Promise<Planned> {
  const seeds = await discoverSeeds(settings.seedsDir)
  const { kept, excluded } = selectForEnvironment(seeds, settings.env, settings.allow, settings.only)
  return { settings, seeds, excluded, levels: planLevels(kept, { only: settings.only }) }
}
