/**
 * The order a seed's `fill` fills its tables in, and the order `generate` writes its seeds in: parents
 * first by the foreign keys among the tables, the given order kept otherwise. Pure: the tables and the
 * edges come in as data (lib/schema/fill.ts reads them from the catalog).
 */

/** `fill: { '*': n }`: every table of the database the fill does not name. */
export const FILL_ALL = '*'

/** A foreign key between two tables (by quoted identity, partitions through their root). */
export interface FillEdge {
  constraint: string
  /** The referencing table. */
  table: string
  /** The referenced table. */
  refTable: string
  /** The referencing columns. */
  columns: readonly string[]
  /** Every referencing column is NOT NULL: the key cannot be left NULL to break a cycle. */
  required: boolean
}

export interface FillOrder {
  /**
   * The tables in groups, parents first: a group of one table, or the tables of a cycle that no
   * nullable key breaks (none of them can be filled before the others).
   */
  groups: string[][]
  /** The nullable keys left out to break cycles: their columns are to be left NULL (the parent is filled later). */
  broken: FillEdge[]
}

/** What `start` reaches by `next`, start included. */
function reach(start: string, next: (n: string) => Iterable<string>): Set<string> {
  const seen = new Set([start])
  const stack = [start]
  while (stack.length) {
    for (const m of next(stack.pop()!)) {
      if (!seen.has(m)) {
        seen.add(m)
        stack.push(m)
      }
    }
  }
  return seen
}

/**
 * Orders `tables` parents first. A table is filled once the tables it refers to are (a self-reference
 * orders nothing: `ctx.fake` handles it inside the table). When every table left waits for another,
 * the cycle whose tables wait only on each other is broken: the first of its tables whose keys into the
 * cycle are all nullable goes first, those keys left NULL (`broken`); a cycle with no such table is one
 * group of its own.
 */
export function orderTables(tables: readonly string[], edges: readonly FillEdge[]): FillOrder {
  const remaining = new Set(tables)
  let live = edges.filter((e) => e.table !== e.refTable && remaining.has(e.table) && remaining.has(e.refTable))
  const depsOf = (t: string) => live.filter((e) => e.table === t && remaining.has(e.refTable))
  const groups: string[][] = []
  const broken: FillEdge[] = []
  const take = (group: string[]) => {
    groups.push(group)
    for (const t of group) remaining.delete(t)
  }
  while (remaining.size) {
    const left = tables.filter((t) => remaining.has(t))
    const ready = left.find((t) => !depsOf(t).length)
    if (ready) {
      take([ready])
      continue
    }
    // Every table waits: the first whose waits lead back to it alone (a cycle nothing outside holds up).
    const parents = (t: string) => depsOf(t).map((e) => e.refTable)
    const cycle = left.map((t) => reach(t, parents)).find((set) => [...set].every((m) => reach(m, parents).size === set.size))!
    const members = left.filter((t) => cycle.has(t))
    const first = members.find((t) => depsOf(t).every((e) => !e.required))
    if (!first) {
      take(members)
      continue
    }
    const cut = depsOf(first)
    broken.push(...cut)
    live = live.filter((e) => !cut.includes(e))
    take([first])
  }
  return { groups, broken }
}
