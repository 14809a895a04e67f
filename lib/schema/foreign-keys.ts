import type postgres from 'postgres'
import { LEDGER_SCHEMA } from '../db/ledger.ts'

/** A foreign key from the catalog: both tables by oid and by quoted name, columns in key order. */
export interface ForeignKey {
  name: string
  /** The referencing table: the partition root for a key declared on its partitions. */
  tableOid: number
  /** `schema.table`, quoted where needed (`format('%I.%I')`). */
  table: string
  columns: string[]
  /** The referenced table, as declared (a partition when the key names one: its rows are the parents). */
  refOid: number
  refTable: string
  /** The referenced table's partition root (`refTable` itself when it is no partition): the table the plan compares. */
  refRoot: string
  refColumns: string[]
  /** `DEFERRABLE`: checked at commit when deferred, so rows may come before their parents in one transaction. */
  deferrable: boolean
  /** `INITIALLY DEFERRED` */
  deferred: boolean
  /** Every referencing column is NOT NULL (the reference cannot be left out): in one partition at least, for a key declared on partitions. */
  required: boolean
}

/** `schema` (a column or expression of a schema's name) is none of the system schemas nor seedbed's own. */
export function userSchema(sql: postgres.Sql | postgres.TransactionSql, schema: string): postgres.PendingQuery<postgres.Row[]> {
  return sql`${sql.unsafe(schema)} NOT IN ('pg_catalog', 'information_schema', ${LEDGER_SCHEMA}) AND ${sql.unsafe(schema)} NOT LIKE 'pg_toast%' AND ${sql.unsafe(schema)} NOT LIKE 'pg_temp%'`
}

/**
 * The foreign keys of one table (`oid`), or of every table outside the system schemas and seedbed's
 * own when `oid` is omitted: the edges the plan check and `dependsOn: 'auto'` compare with.
 *
 * A partitioned table's rows live in its partitions, so a key declared on a partition counts for the
 * table the rows are written through: its partition root (or, by `oid`, the table asked about, when the
 * key is declared on one of its partitions or on a table it is a partition of). The same key declared on
 * several partitions (columns, referenced table and columns) is one key. A key declared on only some
 * partitions counts all the same: rows routed to those partitions need a parent, and giving every row
 * one is never wrong for the others. Its name is the one declared on the table itself, else the first.
 */
export async function readForeignKeys(sql: postgres.Sql | postgres.TransactionSql, oid?: number): Promise<ForeignKey[]> {
  const keyColumns = (rel: string, keys: string) =>
    sql.unsafe(`ARRAY(SELECT a.attname::text FROM unnest(${keys}) WITH ORDINALITY k(attnum, n)
                JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum ORDER BY k.n)`)
  const owner = oid === undefined ? sql`coalesce(pg_partition_root(c.conrelid), c.conrelid)` : sql`${oid}::oid`
  const declared =
    oid === undefined
      ? sql`true`
      : sql`c.conrelid IN (SELECT ${oid}::oid UNION ALL SELECT relid FROM pg_partition_tree(${oid}::oid)
                           UNION ALL SELECT relid FROM pg_partition_ancestors(${oid}::oid))`
  const schemas = oid === undefined ? userSchema(sql, 'tn.nspname') : sql`true`
  return sql<ForeignKey[]>`
    WITH k AS (
      SELECT c.conname, c.conrelid, ${owner} AS owner, c.confrelid, c.condeferrable, c.condeferred,
             ${keyColumns('c.conrelid', 'c.conkey')} AS columns, ${keyColumns('c.confrelid', 'c.confkey')} AS "refColumns",
             (SELECT bool_and(a.attnotnull) FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)) AS required
      FROM pg_constraint c WHERE c.contype = 'f' AND c.conparentid = 0 AND ${declared})
    SELECT (array_agg(k.conname ORDER BY k.conrelid <> k.owner, k.conname))[1] AS name,
           k.owner::int AS "tableOid", format('%I.%I', tn.nspname, t.relname) AS table, k.columns,
           k.confrelid::int AS "refOid", format('%I.%I', rn.nspname, r.relname) AS "refTable",
           format('%I.%I', pn.nspname, p.relname) AS "refRoot", k."refColumns",
           bool_and(k.condeferrable) AS deferrable, bool_and(k.condeferred) AS deferred, bool_or(k.required) AS required
    FROM k
    JOIN pg_class t ON t.oid = k.owner JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
    JOIN pg_class p ON p.oid = coalesce(pg_partition_root(k.confrelid), k.confrelid) JOIN pg_namespace pn ON pn.oid = p.relnamespace
    WHERE ${schemas}
    GROUP BY k.owner, tn.nspname, t.relname, k.columns, k.confrelid, rn.nspname, r.relname, pn.nspname, p.relname, k."refColumns"
    ORDER BY t.relname, name`
}

/**
 * The partition root of each table (by quoted identity, `format('%I.%I')`), for those that are
 * partitions: the plan compares tables as the foreign keys above count them, so a seed writing a
 * partition writes its partitioned table.
 */
export async function partitionRoots(sql: postgres.Sql | postgres.TransactionSql, tables: readonly string[]): Promise<Map<string, string>> {
  if (!tables.length) return new Map()
  const rows = await sql<{ name: string; root: string }[]>`
    SELECT t.name, format('%I.%I', n.nspname, c.relname) AS root
    FROM unnest(${tables as string[]}::text[]) AS t(name)
    JOIN pg_class c ON c.oid = pg_partition_root(to_regclass(t.name)) JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid <> to_regclass(t.name)`
  return new Map(rows.map((r) => [r.name, r.root]))
}
