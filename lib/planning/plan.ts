import { codes, SeedbedError } from '../errors/errors.ts'
import { didYouMean } from '../errors/suggest.ts'

/** What the planner needs to know of a seed. */
export interface PlanSeed {
  name: string
  dependsOn: readonly string[]
  priority: number
}

export interface PlanOptions {
  /** Run only these seeds, plus everything they depend on (transitively). */
  only?: readonly string[]
  /**
   * Run exactly these seeds, not what they depend on (`--changed`: the unchanged dependencies are
   * already applied). Levels stay those of the whole graph; empty ones are dropped.
   */
  exactly?: ReadonlySet<string>
}

const byPriority = (a: PlanSeed, b: PlanSeed) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

/** Finds a dependency cycle, returned in order with its first seed repeated at the end. */
export function findCycle(byName: ReadonlyMap<string, PlanSeed>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (name: string): string[] | undefined => {
    const seen = state.get(name)
    if (seen === 'done') return undefined
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(name)), name]
    state.set(name, 'visiting')
    stack.push(name)
    for (const dep of [...byName.get(name)!.dependsOn].sort()) {
      const cycle = visit(dep)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(name, 'done')
    return undefined
  }
  for (const name of [...byName.keys()].sort()) {
    const cycle = visit(name)
    if (cycle) return cycle
  }
  return undefined
}

/**
 * Groups seeds into dependency levels: a seed's level is one more than the highest level of
 * what it depends on, so every seed of a level can run at once. Within a level, lower priority
 * comes first, then name. Pure: no I/O, tested on in-memory lists.
 *
 * Throws `E_DEPENDENCY_MISSING`, `E_DEPENDENCY_CYCLE` (the cycle named in order) or
 * `E_ONLY_UNKNOWN`.
 */
export function planLevels<S extends PlanSeed>(seeds: readonly S[], options: PlanOptions = {}): S[][] {
  const byName = new Map(seeds.map((s) => [s.name, s]))

  for (const seed of [...seeds].sort(byPriority)) {
    const missing = seed.dependsOn.filter((d) => !byName.has(d))
    if (missing.length) {
      throw new SeedbedError(
        codes.DEPENDENCY_MISSING,
        `seed '${seed.name}' depends on ${missing.map((m) => `'${m}'`).join(', ')}, which no seed file defines${didYouMean(missing[0]!, byName.keys())}`,
        { seed: seed.name, hint: 'fix the name in dependsOn, or add the missing seed' },
      )
    }
  }

  const cycle = findCycle(byName)
  if (cycle) {
    throw new SeedbedError(codes.DEPENDENCY_CYCLE, `dependency cycle: ${cycle.join(' -> ')}`, {
      seed: cycle[0],
      hint: 'remove one of these dependencies; a seed cannot (even indirectly) need itself',
    })
  }

  let selected: Set<string>
  if (options.only?.length) {
    const unknown = options.only.filter((n) => !byName.has(n))
    if (unknown.length) {
      throw new SeedbedError(
        codes.ONLY_UNKNOWN,
        `--only names ${unknown.map((u) => `'${u}'`).join(', ')}, not a seed${didYouMean(unknown[0]!, byName.keys())}; known seeds: ${[...byName.keys()].sort().join(', ')}`,
        { seed: unknown[0], hint: 'run `plan` to list the seeds' },
      )
    }
    selected = new Set()
    const take = (name: string) => {
      if (selected.has(name)) return
      selected.add(name)
      byName.get(name)!.dependsOn.forEach(take)
    }
    options.only.forEach(take)
  } else {
    selected = new Set(byName.keys())
  }

  const level = new Map<string, number>()
  const levelOf = (name: string): number => {
    let l = level.get(name)
    if (l === undefined) {
      const deps = byName.get(name)!.dependsOn
      l = deps.length ? 1 + Math.max(...deps.map(levelOf)) : 0
      level.set(name, l)
    }
    return l
  }

  const levels: S[][] = []
  for (const name of selected) {
    const n = levelOf(name)
    if (!levels[n]) levels[n] = []
    levels[n].push(byName.get(name)!)
  }
  // With --only, levels are contiguous (a seed at level n brings its dependency at level n - 1);
  // with `exactly` they may not be.
  const exactly = options.exactly
  return levels.map((l) => (exactly ? l.filter((s) => exactly.has(s.name)) : l).sort(byPriority)).filter((l) => l.length > 0)
}
