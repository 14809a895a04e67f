/**
 * What `seedbed generate` writes, read from the connected database: one seed per table (the tables of a
 * cycle of NOT NULL keys together), in dependency order, each filling its table with a count its keys
 * can hold. The counts come from the planner `ctx.fake` itself uses (lib/schema/fake-rows.ts), given as
 * many parent rows as the parents' seeds make, so a count that fits here fits when the seed runs.
 */
import type postgres from 'postgres'
import { SEED_NAME } from '../contract/contract.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { fakerFor } from '../helpers/fake.ts'
import { type ParentKeys, planFakeRows } from './fake-rows.ts'
import { type CatalogTable, readCatalog } from './fill.ts'
import { type FillEdge, orderTables } from './fill-order.ts'
import { readTable } from './table.ts'
import { wordsOf } from './words.ts'

type Sql = postgres.Sql | postgres.TransactionSql

/** One table of a generated seed. */
export interface GeneratedTable {
  /** As `fill` takes it: `schema.table`. */
  name: string
  qualified: string
  count: number
  /** Why the count is below --rows: the key that holds no more. */
  capped?: string
  /** Columns left NULL: nullable keys into a cycle, whose parent is filled later. */
  nulls: { column: string; refTable: string }[]
  /** Why `ctx.fake` cannot fill it as it is (the seed is written all the same, for the user to give overrides). */
  problem?: string
}

export interface GeneratedSeed {
  name: string
  tables: GeneratedTable[]
  dependsOn: string[]
}

/** `<schema>_<table>` as a seed name: lower case, other characters `_`; a name taken gets `_2`, `_3`... */
function seedNamer(): (table: CatalogTable) => string {
  const taken = new Set<string>()
  return (table) => {
    const base =
      `${table.schema}_${table.name.slice(table.schema.length + 1)}`
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '_')
        .replace(/^[^a-z0-9]+/, '') || 'table'
    let name = base
    for (let i = 2; taken.has(name) || !SEED_NAME.test(name); i++) name = `${base}_${i}`
    taken.add(name)
    return name
  }
}

/** Rows a parent outside the generated seeds holds already (a table of another schema). */
async function rowsOf(sql: Sql, qualified: string): Promise<number> {
  const [{ n }] = await sql.unsafe<[{ n: number }]>(`SELECT count(*)::int AS n FROM ${qualified}`)
  return n
}

/**
 * The most rows (up to `rows`) `ctx.fake` can make for `table` given `counts` rows in each parent: the
 * largest count its unique keys hold (a boolean key 2, an enum key its labels, a smallint or varchar(n)
 * what fits, a join table the product of its parents, a 1:1 child its parent's rows).
 */
async function countFor(sql: Sql, table: GeneratedTable, rows: number, counts: ReadonlyMap<string, number>): Promise<void> {
  const info = await readTable(sql, table.name)
  const overrides = Object.fromEntries(table.nulls.map((n) => [n.column, null]))
  const parents = new Map<string, ParentKeys>()
  for (const fk of info.foreignKeys) {
    if (fk.refOid === info.oid || fk.columns.some((c) => c in overrides)) continue
    const n = counts.get(fk.refTable) ?? (await rowsOf(sql, fk.refTable))
    parents.set(
      fk.name,
      Array.from({ length: n }, (_, i) => fk.refColumns.map(() => String(i))),
    )
  }
  const key = `generate:${info.qualified}`
  const faker = fakerFor(key)
  try {
    const plan = planFakeRows({ table: info, parents, overrides, key, faker, words: wordsOf(faker) })
    const fits = (n: number) => {
      try {
        plan.rows(n)
        return true
      } catch (err) {
        if (err instanceof SeedbedError && err.code === codes.FAKE_DOMAIN) return false
        throw err
      }
    }
    if (fits(rows)) return
    let low = 0
    let high = rows
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2)
      if (fits(mid)) low = mid
      else high = mid
    }
    table.count = low
    try {
      plan.rows(rows)
    } catch (err) {
      table.capped = (err as Error).message.replace(/^fake [^:]+: \d+ rows asked, but /, '')
    }
  } catch (err) {
    if (!(err instanceof SeedbedError)) throw err
    table.problem = `${err.code}: ${err.message}`
  }
}

/**
 * The seeds to write for the tables of `schemas` (default: every schema but the system ones and
 * seedbed's own), parents first, `rows` rows a table where its keys hold them. A cycle is broken at a
 * nullable key, left NULL; the tables of a cycle of NOT NULL keys go into one seed (its fill then says
 * E_FILL_CYCLE until the user gives one of them an override).
 */
export async function planGenerate(sql: Sql, options: { schemas?: readonly string[]; rows: number }): Promise<GeneratedSeed[]> {
  const { tables, edges } = await readCatalog(sql, options.schemas)
  if (!tables.length) {
    throw new SeedbedError(
      codes.BAD_OPTION,
      options.schemas ? `no tables in schema ${options.schemas.join(', ')}` : 'the database has no tables to seed',
      {
        hint: options.schemas
          ? 'check the names given to --schema (comma-separated)'
          : 'create the schema first (migrations, schema files)',
      },
    )
  }
  const byQualified = new Map(tables.map((t) => [t.qualified, t]))
  const among = edges.filter((e) => byQualified.has(e.table) && byQualified.has(e.refTable))
  const order = orderTables([...byQualified.keys()], among)
  const nameOf = seedNamer()
  const seedOf = new Map<string, string>()
  const counts = new Map<string, number>()
  const seeds: GeneratedSeed[] = []
  for (const group of order.groups) {
    const name = nameOf(byQualified.get(group[0]!)!)
    const seed: GeneratedSeed = { name, tables: [], dependsOn: [] }
    // A cycle's tables refer to each other's rows: --rows each until counted.
    for (const qualified of group) counts.set(qualified, options.rows)
    for (const qualified of group) {
      const nulls = order.broken
        .filter((e) => e.table === qualified)
        .flatMap((e) => e.columns.map((column) => ({ column, refTable: e.refTable })))
      const table: GeneratedTable = { name: byQualified.get(qualified)!.name, qualified, count: options.rows, nulls }
      await countFor(sql, table, options.rows, counts)
      counts.set(qualified, table.count)
      seedOf.set(qualified, name)
      seed.tables.push(table)
    }
    seed.dependsOn = dependencies(seed, among, order.broken, seedOf)
    seeds.push(seed)
  }
  return seeds
}

/** The seeds writing the tables a seed's tables refer to (not the keys left NULL, not its own tables). */
function dependencies(
  seed: GeneratedSeed,
  edges: readonly FillEdge[],
  broken: readonly FillEdge[],
  seedOf: ReadonlyMap<string, string>,
): string[] {
  const mine = new Set(seed.tables.map((t) => t.qualified))
  const deps = edges.filter((e) => mine.has(e.table) && !mine.has(e.refTable) && !broken.includes(e)).map((e) => seedOf.get(e.refTable)!)
  return [...new Set(deps)].sort()
}
