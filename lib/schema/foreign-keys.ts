import type postgres from 'postgres'
import { LEDGER_SCHEMA } from '../db/ledger.ts'

/** A foreign key from the catalog: both tables by oid and by quoted name, columns in key order. */
export interface ForeignKey {
  name: string
  /** The referencing table. */
  tableOid: number
  /** `schema.table`, quoted where needed (`format('%I.%I')`). */
  table: string
  columns: string[]
  /** The referenced table. */
  refOid: number
  refTable: string
  refColumns: string[]
  /** `DEFERRABLE`: checked at commit when deferred, so rows may come before their parents in one transaction. */
  deferrable: boolean
  /** `INITIALLY DEFERRED` */
  deferred: boolean
  /** Every referencing column is NOT NULL (the reference cannot be left out). */
  required: boolean
}

/** `schema` (a column or expression of a schema's name) is none of the system schemas nor seedbed's own. */
export function userSchema(sql: postgres.Sql | postgres.TransactionSql, schema: string): postgres.PendingQuery<postgres.Row[]> {
  return sql`${sql.unsafe(schema)} NOT IN ('pg_catalog', 'information_schema', ${LEDGER_SCHEMA}) AND ${sql.unsafe(schema)} NOT LIKE 'pg_toast%' AND ${sql.unsafe(schema)} NOT LIKE 'pg_temp%'`
}

/**
 * The foreign keys of one table (`oid`), or of every table outside the system schemas and seedbed's
 * own when `oid` is omitted: the edges the plan check and `dependsOn: 'auto'` compare with.
 */
export async function readForeignKeys(sql: postgres.Sql | postgres.TransactionSql, oid?: number): Promise<ForeignKey[]> {
  const keyColumns = (rel: string, keys: string) =>
    sql.unsafe(`ARRAY(SELECT a.attname::text FROM unnest(${keys}) WITH ORDINALITY k(attnum, n)
                JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = k.attnum ORDER BY k.n)`)
  return sql<ForeignKey[]>`
    SELECT c.conname AS name, c.conrelid::int AS "tableOid", format('%I.%I', tn.nspname, t.relname) AS table,
           ${keyColumns('c.conrelid', 'c.conkey')} AS columns,
           c.confrelid::int AS "refOid", format('%I.%I', rn.nspname, r.relname) AS "refTable",
           ${keyColumns('c.confrelid', 'c.confkey')} AS "refColumns",
           c.condeferrable AS deferrable, c.condeferred AS deferred,
           (SELECT bool_and(a.attnotnull) FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)) AS required
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
    WHERE c.contype = 'f' AND c.conparentid = 0
      AND ${oid === undefined ? userSchema(sql, 'tn.nspname') : sql`c.conrelid = ${oid}`}
    ORDER BY t.relname, c.conname`
}
