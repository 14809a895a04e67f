import { createHash } from 'node:crypto'
import type { Settings } from '../config/config.ts'
import type { LoadedSeed, Seed } from '../contract/contract.ts'
import type { PlanResult } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { displayPath } from '../errors/location.ts'
import { discoverSeeds, toSeed } from './discover.ts'
import { planLevels } from './plan.ts'
import { planToJson } from './plan-format.ts'
import { type Excluded, selectForEnvironment } from './select.ts'

/** A project's seeds for one run: what was found, what the environment leaves out, and the levels. */
export interface Planned {
  settings: Settings
  seeds: LoadedSeed[]
  /** Seeds left out by the environment or the allow-list, with why. */
  excluded: Excluded[]
  levels: LoadedSeed[][]
}

/** Where a seed given in memory says it comes from, in messages and `plan`. */
export const IN_MEMORY = '<memory>'

/** A seed's file as its errors name it: as the user would type it (displayPath); none for a seed given in memory. */
export const shownFile = (seed: { file: string }): string | undefined =>
  seed.file.startsWith(IN_MEMORY) ? undefined : displayPath(seed.file)

/**
 * Seeds given as values (`seeds: [defineSeed(...)]`) checked exactly as a file's export is, each
 * named, no name twice. Its checksum (for `--changed` and `status`) is over what it declares and the
 * source of its functions.
 */
export function inMemorySeeds(given: readonly Seed[]): LoadedSeed[] {
  const seen = new Set<string>()
  return given.map((seed, i) => {
    const name = (seed as { name?: unknown })?.name
    if (typeof name !== 'string') {
      throw new SeedbedError(codes.SEED_INVALID, `seeds[${i}] has no name`, {
        hint: 'a seed given in memory needs `name`: defineSeed({ name: "users", ... })',
      })
    }
    if (seen.has(name)) {
      throw new SeedbedError(codes.SEED_DUPLICATE, `seed name '${name}' is given twice in seeds`, {
        seed: name,
        hint: 'give each seed a unique name',
      })
    }
    seen.add(name)
    const declared = JSON.stringify(seed, (_, v) => (typeof v === 'function' ? String(v) : v))
    return toSeed({ default: seed }, `${IN_MEMORY}/${name}`, createHash('sha256').update(declared).digest('hex'))
  })
}

/**
 * Discovers the seeds (or takes those given) and plans their levels for the environment. Needs
 * nothing of the runner or the database, so `plan` loads only this.
 */
export async function planProject(settings: Settings, given?: readonly Seed[]): Promise<Planned> {
  const seeds = given ? inMemorySeeds(given) : await discoverSeeds(settings.seedsDir)
  const { kept, excluded } = selectForEnvironment(seeds, settings.env, settings.allow, settings.only)
  return { settings, seeds, excluded, levels: planLevels(kept, { only: settings.only }) }
}

/** The plan as public data: what each seed declares, no functions, no settings. */
export function publicPlan(planned: Planned): PlanResult {
  return { env: planned.settings.env, ...planToJson(planned.levels), excluded: planned.excluded.map((e) => ({ ...e })) }
}
