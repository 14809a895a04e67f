import type postgres from 'postgres'
// Table names here come from the seed's fill and the catalog: unchecked against a project's Tables (AnyTable).
import { type AnyTable, entryOf, type Fill, type SeedContext } from '../contract/contract.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { FILL_ALL, type FillEdge, orderTables } from './fill-order.ts'
import { readForeignKeys, userSchema } from './foreign-keys.ts'
import { qualifiedNames } from './seed-tables.ts'

type Sql = postgres.Sql | postgres.TransactionSql

/** A table a fill or `generate` may fill: partitions are filled through their root. */
export interface CatalogTable {
  /** As `ctx.fake` takes it: `schema.table`, unquoted. */
  name: string
  /** Its quoted identity, `format('%I.%I')`: `public.orders`, `app."Accounts"`. */
  qualified: string
  schema: string
}

/** The tables (not partitions) outside the system schemas and seedbed's ledger, or of `schemas` only, and the foreign keys among every table, partitions through their root. */
export async function readCatalog(sql: Sql, schemas?: readonly string[]): Promise<{ tables: CatalogTable[]; edges: FillEdge[] }> {
  const [tables, roots, keys] = await Promise.all([
    sql<CatalogTable[]>`
      SELECT n.nspname || '.' || c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qualified, n.nspname AS schema
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${userSchema(sql, 'n.nspname')}
        ${schemas ? sql`AND n.nspname = ANY(${schemas as string[]})` : sql``}
      ORDER BY n.nspname, c.relname`,
    sql<{ oid: number; root: string }[]>`
      SELECT c.oid::int AS oid, format('%I.%I', n.nspname, r.relname) AS root
      FROM pg_class c JOIN pg_class r ON r.oid = pg_partition_root(c.oid) JOIN pg_namespace n ON n.oid = r.relnamespace
      WHERE c.relispartition`,
    readForeignKeys(sql),
  ])
  const root = new Map(roots.map((r) => [r.oid, r.root]))
  const edges = keys.map((k) => ({
    constraint: k.name,
    table: root.get(k.tableOid) ?? k.table,
    refTable: root.get(k.refOid) ?? k.refTable,
    columns: k.columns,
    required: k.required,
  }))
  return { tables, edges }
}

/** E_FILL_CYCLE: tables that refer to each other by NOT NULL keys, so none can be filled first. */
function cycleError(seed: string, group: readonly string[], edges: readonly FillEdge[]): SeedbedError {
  const inside = edges.filter((e) => e.table !== e.refTable && group.includes(e.table) && group.includes(e.refTable))
  const keys = inside.map((e) => `${e.table} -> ${e.refTable} (${e.constraint})`).join(', ')
  return new SeedbedError(
    codes.FILL_CYCLE,
    `seed '${seed}': fill's tables ${group.join(', ')} refer to each other by NOT NULL foreign keys (${keys}), so none can be filled first`,
    {
      seed,
      table: group[0],
      hint: 'give one of those tables an override of its key columns in its fill entry ({ count, overrides }), make one key nullable or DEFERRABLE and fill them in run, or leave one table out of the fill',
    },
  )
}

/**
 * A seed's `fill`: each table filled through `fake` (the context's, so counts, undo records, progress
 * and the diff are those of `ctx.fake`), parents first by the catalog's foreign keys among them. `'*'`
 * adds every table the fill does not name. A cycle is broken at a nullable key, left NULL in the table
 * filled first (the same rows on every run); a cycle of NOT NULL keys is E_FILL_CYCLE, nothing written.
 */
export async function fillTables(sql: Sql, seed: string, fill: Fill, fake: SeedContext['fake']): Promise<void> {
  const named = Object.keys(fill).filter((t) => t !== FILL_ALL)
  const all = fill[FILL_ALL]
  // One table (what `generate` writes): nothing to order, no catalog to read.
  if (named.length === 1 && all === undefined) {
    const { count, overrides } = entryOf(fill[named[0]!]!)
    await fake(named[0]! as AnyTable, count, overrides)
    return
  }
  const [qualified, catalog] = await Promise.all([qualifiedNames(sql, named), readCatalog(sql)])
  // A name that is no table keeps its own: `fake` says E_MISSING_TABLE for it when its turn comes.
  const entries = new Map(named.map((name) => [qualified.get(name) ?? name, { name, ...entryOf(fill[name]!) }]))
  if (all !== undefined) {
    for (const t of catalog.tables) if (!entries.has(t.qualified)) entries.set(t.qualified, { name: t.name, ...entryOf(all) })
  }
  // A key whose columns the entry overrides takes no parent rows: it orders nothing.
  const edges = catalog.edges.filter((e) => !e.columns.some((c) => c in (entries.get(e.table)?.overrides ?? {})))
  const order = orderTables([...entries.keys()], edges)
  const stuck = order.groups.find((g) => g.length > 1)
  if (stuck) throw cycleError(seed, stuck, edges)
  for (const [table] of order.groups) {
    const { name, count, overrides } = entries.get(table!)!
    const cut = order.broken.filter((e) => e.table === table).flatMap((e) => e.columns)
    await fake(name as AnyTable, count, { ...Object.fromEntries(cut.map((c) => [c, null])), ...overrides })
  }
}
