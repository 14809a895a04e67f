import type { LoadedSeed } from '../contract/contract.ts'
import { PRODUCTION } from '../config/environment.ts'
import { codes, SeedbedError } from '../errors/errors.ts'

export interface Excluded {
  name: string
  reason: string
}

/**
 * The seeds that may run in an environment. Without `environments`, a seed runs everywhere but in
 * production. In production a seed must list `production` and be on the allow-list; elsewhere a
 * non-empty allow-list narrows the set. A kept seed that depends on an excluded one, or `--only`
 * naming an excluded seed, is E_SEED_NOT_ALLOWED. Pure: no I/O.
 */
export function selectForEnvironment(
  seeds: readonly LoadedSeed[],
  env: string,
  allow: readonly string[],
  only: readonly string[] = [],
): { kept: LoadedSeed[]; excluded: Excluded[] } {
  if (env === PRODUCTION && allow.length === 0) {
    throw new SeedbedError(codes.SEED_NOT_ALLOWED, 'production has no allow-list: no seed may run there', {
      hint: 'set SEEDBED_ALLOW in .env.production to the seeds production needs (each must also list production in environments)',
    })
  }
  const excluded: Excluded[] = []
  const kept = seeds.filter((s) => {
    const declared = s.environments ?? []
    const reason =
      env === PRODUCTION && !declared.includes(PRODUCTION)
        ? 'not declared for production'
        : env !== PRODUCTION && s.environments && !declared.includes(env)
          ? `declared for ${declared.join(', ')} only`
          : allow.length && !allow.includes(s.name)
            ? `not on the allow-list (SEEDBED_ALLOW)`
            : undefined
    if (reason) excluded.push({ name: s.name, reason })
    return !reason
  })
  const out = new Map(excluded.map((e) => [e.name, e.reason]))
  for (const name of only) {
    if (out.has(name)) {
      throw new SeedbedError(codes.SEED_NOT_ALLOWED, `seed '${name}' does not run in ${env}: ${out.get(name)}`, {
        seed: name,
        hint: `declare it for ${env} (environments) and add it to SEEDBED_ALLOW, or choose another seed`,
      })
    }
  }
  for (const seed of kept) {
    const missing = seed.dependsOn.find((d) => out.has(d))
    if (missing) {
      throw new SeedbedError(
        codes.SEED_NOT_ALLOWED,
        `seed '${seed.name}' runs in ${env} but depends on '${missing}', which does not (${out.get(missing)})`,
        {
          seed: seed.name,
          hint: `allow '${missing}' in ${env} too, or keep '${seed.name}' out of it`,
        },
      )
    }
  }
  return { kept, excluded }
}

/** Seeds that need any of `names`, directly or not: what must re-run when those change. */
export function dependantsOf(seeds: readonly LoadedSeed[], names: Iterable<string>): Set<string> {
  const found = new Set(names)
  for (let grew = true; grew; ) {
    grew = false
    for (const s of seeds) {
      if (!found.has(s.name) && s.dependsOn.some((d) => found.has(d))) {
        found.add(s.name)
        grew = true
      }
    }
  }
  return found
}
