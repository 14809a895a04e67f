import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import { quotedName } from './fragments.ts'

type Sql = postgres.TransactionSql | postgres.Sql

/** A table's partitioning as `partitionKey` selects it; both NULL when the table is not partitioned (or missing). */
export interface PartitionKey {
  /** Every partition key column of the table and of its partitioned partitions, in order; `(expression)` for an expression. */
  partition_columns: string[] | null
  /** PostgreSQL's own words for the table's key: `RANGE (placed_on)`, `LIST (region)`. */
  partition_by: string | null
}

/**
 * Select-list items `partition_columns, partition_by` for `table` (see PartitionKey), to fold into
 * a query the caller makes anyway. Sub-partitions count: a unique index on the table is built on
 * each of them, so it must hold their keys as well.
 */
export function partitionKey(sql: Sql, table: string) {
  const name = quotedName(table)
  return sql`(SELECT array_agg(DISTINCT coalesce(a.attname::text, '(expression)'))
      FROM pg_partition_tree(to_regclass(${name})) tree
      JOIN pg_partitioned_table p ON p.partrelid = tree.relid
      CROSS JOIN unnest(p.partattrs::int2[]) k(attnum)
      LEFT JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = k.attnum
      WHERE to_regclass(${name}) IS NOT NULL) AS partition_columns,
    (SELECT pg_get_partkeydef(to_regclass(${name}))) AS partition_by`
}

/**
 * E_PARTITION_KEY when `table` is partitioned and `conflict` leaves out a partition key column:
 * no unique key can exist without them (PostgreSQL, and Citus for its distribution column), so
 * ON CONFLICT could never match. Undefined when the conflict is fine or the table not partitioned.
 */
export function partitionKeyError(
  verb: 'load into' | 'upsert into',
  table: string,
  conflict: readonly string[],
  key: PartitionKey,
): SeedbedError | undefined {
  const missing = (key.partition_columns ?? []).filter((c) => !conflict.includes(c))
  if (!missing.length) return undefined
  const expression = missing.includes('(expression)')
  return new SeedbedError(
    codes.PARTITION_KEY,
    `${verb} ${table}: ${table} is partitioned by ${key.partition_by ?? `(${key.partition_columns!.join(', ')})`} and conflict (${conflict.join(', ')}) leaves out ${missing.join(', ')}`,
    {
      table,
      hint: expression
        ? `a table partitioned by an expression has no unique key ON CONFLICT can use: load it with mode 'copy', or partition it by columns`
        : `a unique key of a partitioned table holds every partition key column: pass conflict (${[...conflict, ...missing].join(', ')}) and have a unique constraint on those columns`,
    },
  )
}

/** The same check on its own, for writers without a query to fold it into (upsert). */
export function partitionKeyQuery(sql: Sql, table: string) {
  return sql<[PartitionKey]>`SELECT ${partitionKey(sql, table)}`
}

/**
 * The RETURNING expression that tells an inserted row from an updated one. `xmax = 0` is the
 * cheap one, but PostgreSQL (15 at least) cannot read a system column of a row written through a
 * partitioned table; there the row is looked up in the statement's snapshot, which holds the row
 * as it was before the statement (absent: inserted). A key with a NULL is never found: inserted,
 * as it never conflicts.
 */
export function insertedFlag(sql: Sql, table: string, conflict: readonly string[], partitioned: boolean) {
  if (!partitioned) return sql`(xmax = 0)`
  const match = conflict.map((c) => sql`seedbed_before.${sql(c)} = ${sql(table)}.${sql(c)}`).reduce((acc, f) => sql`${acc} AND ${f}`)
  return sql`NOT EXISTS (SELECT 1 FROM ${sql(table)} seedbed_before WHERE ${match})`
}
