import type { LoadedSeed } from '../contract/contract.ts'
import type { PlanCheck } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { findCycle } from './plan.ts'

/**
 * The plan against the schema's foreign keys: `dependsOn: 'auto'` inferred from them, and the check
 * that every seed runs after the seeds that write the tables its tables refer to. Pure: the catalog's
 * edges and the tables each seed writes come in as data (lib/schema/plan-catalog.ts reads them).
 */

/** A foreign key as the planner sees it: tables by quoted identity (`public.orders`, `app."Accounts"`). */
export interface TableEdge {
  constraint: string
  table: string
  refTable: string
  deferrable: boolean
}

/** A dependency `dependsOn: 'auto'` found: `seed` needs `on` because `table` refers to `refTable`. */
export type Inferred = PlanCheck['inferred'][number]

/** A seed that may run before (or beside) a seed whose rows its table refers to (PlanCheck's problem, before its message). */
export type PlanProblem = Omit<PlanCheck['problems'][number], 'message'>

/** What the check saw that needs no change, said so: self-references, tables written by one seed, tables no seed writes. */
export type PlanNote = PlanCheck['notes'][number]

export interface ForeignKeyPlan {
  seeds: LoadedSeed[]
  inferred: Inferred[]
  problems: PlanProblem[]
  notes: PlanNote[]
}

/** The seeds that write each table. */
function writersOf(writes: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const by = new Map<string, string[]>()
  for (const [seed, tables] of writes) {
    for (const t of tables) {
      const list = by.get(t) ?? []
      list.push(seed)
      by.set(t, list)
    }
  }
  for (const list of by.values()) list.sort()
  return by
}

/** Every seed `name` depends on, directly or not. */
function closure(byName: ReadonlyMap<string, LoadedSeed>, name: string): Set<string> {
  const seen = new Set<string>()
  const visit = (n: string) => {
    for (const d of byName.get(n)?.dependsOn ?? []) {
      if (!seen.has(d)) {
        seen.add(d)
        visit(d)
      }
    }
  }
  visit(name)
  return seen
}

/**
 * Fills the `dependsOn` of `'auto'` seeds from the foreign keys of the tables they write (`writes`:
 * seed -> tables, by quoted identity), then checks every seed against the same edges. A reference to a
 * table of the seed itself (a self-reference, or two tables one seed writes) orders nothing between
 * seeds; a table no seed writes must hold its rows already (migration data): both are notes. A
 * deferrable constraint is checked at the end of the writing seed's transaction, when the rows of a
 * seed running beside it may not be committed yet: it needs the dependency all the same.
 *
 * Throws E_DEPENDENCY_CYCLE when the inferred dependencies close a cycle, naming each seed and the
 * constraint that made each inferred step.
 */
export function planForeignKeys(
  seeds: readonly LoadedSeed[],
  writes: ReadonlyMap<string, readonly string[]>,
  edges: readonly TableEdge[],
): ForeignKeyPlan {
  const writers = writersOf(writes)
  const inferred: Inferred[] = []
  const notes: PlanNote[] = []
  const noted = new Set<string>()
  const note = (n: PlanNote) => {
    const key = `${n.seed}\0${n.constraint}\0${n.table}`
    if (!noted.has(key)) {
      noted.add(key)
      notes.push(n)
    }
  }
  const known = new Set(seeds.map((s) => s.name))
  const resolved = seeds.map((seed) => {
    if (!seed.autoDepends) return seed
    const deps = new Set<string>()
    for (const table of writes.get(seed.name) ?? []) {
      for (const edge of edges) {
        if (edge.table !== table) continue
        for (const on of writers.get(edge.refTable) ?? []) {
          if (on === seed.name || !known.has(on) || deps.has(on)) continue
          deps.add(on)
          inferred.push({ seed: seed.name, on, table, refTable: edge.refTable, constraint: edge.constraint })
        }
      }
    }
    return { ...seed, dependsOn: [...deps].sort() }
  })
  const byName = new Map(resolved.map((s) => [s.name, s]))

  const cycle = findCycle(byName)
  if (cycle && inferred.length) {
    const steps = cycle.slice(1).map((to, i) => {
      const from = cycle[i]!
      const why = inferred.find((x) => x.seed === from && x.on === to)
      return `${to}${why ? ` (${why.table} -> ${why.refTable}, ${why.constraint})` : ''}`
    })
    throw new SeedbedError(codes.DEPENDENCY_CYCLE, `dependency cycle through foreign keys: ${cycle[0]} -> ${steps.join(' -> ')}`, {
      seed: cycle[0],
      hint: "seeds cannot each wait for the other: write the tables of the cycle in one seed (a DEFERRABLE constraint lets its rows come in any order inside it), or give one seed a hand-written dependsOn instead of 'auto' and leave that reference NULL",
    })
  }

  const problems: PlanProblem[] = []
  for (const seed of resolved) {
    const before = closure(byName, seed.name)
    for (const table of writes.get(seed.name) ?? []) {
      for (const edge of edges) {
        if (edge.table !== table) continue
        const base = { seed: seed.name, table, constraint: edge.constraint }
        if (edge.refTable === table) {
          note({ ...base, text: `${table} refers to itself (${edge.constraint}): ordered inside the seed, nothing to depend on` })
          continue
        }
        const others = (writers.get(edge.refTable) ?? []).filter((w) => w !== seed.name)
        if (!others.length) {
          note({
            ...base,
            text: (writers.get(edge.refTable) ?? []).includes(seed.name)
              ? `${table} refers to ${edge.refTable} (${edge.constraint}), which this seed writes too: it orders its own writes${edge.deferrable ? ' (the constraint is DEFERRABLE: any order inside its transaction)' : ''}`
              : `${table} refers to ${edge.refTable} (${edge.constraint}), which no seed writes: its rows must exist before seeding (migration data)`,
          })
          continue
        }
        const missing = others.filter((w) => !before.has(w))
        if (!missing.length) continue
        problems.push({
          ...base,
          refTable: edge.refTable,
          writers: missing,
          deferrable: edge.deferrable,
          dependsOn: [...new Set([...seed.dependsOn, ...missing])].sort(),
        })
      }
    }
  }
  return { seeds: resolved, inferred, problems, notes }
}

/** One line per problem: seed, table, constraint and the dependsOn to add. */
export function problemText(p: PlanProblem): string {
  const by = p.writers.map((w) => `'${w}'`).join(', ')
  return `seed '${p.seed}' writes ${p.table}, whose foreign key ${p.constraint} refers to ${p.refTable}, written by ${by}, which '${p.seed}' does not depend on${p.deferrable ? ' (the constraint is DEFERRABLE, but it is checked when this seed commits, which may be before those rows are)' : ''}: set dependsOn: [${p.dependsOn.map((d) => `'${d}'`).join(', ')}] (or dependsOn: 'auto')`
}

/** The problems as one E_PLAN_FOREIGN_KEY error (about the first; the message lists them all). */
export function planError(problems: readonly PlanProblem[]): SeedbedError {
  const first = problems[0]!
  const rest =
    problems.length > 1
      ? `\n${problems
          .slice(1)
          .map((p) => `  also: ${problemText(p)}`)
          .join('\n')}`
      : ''
  return new SeedbedError(codes.PLAN_FOREIGN_KEY, `${problemText(first)}${rest}`, {
    seed: first.seed,
    table: first.table,
    constraint: first.constraint,
    hint: `add the dependsOn shown${problems.length > 1 ? ' for each seed' : ''}, so the seeds that write the referenced tables run in earlier levels`,
  })
}
