import type postgres from 'postgres'
import type { SeedCounts, UpsertOptions, UpsertResult } from '../contract/types.ts'
import { conflictColumnError, conflictKeyError, duplicateKeyError, MAX_KEYS_NAMED, missingValueError } from '../errors/load-errors.ts'
import { encodeField } from './copy.ts'
import { comparisons, conflictAction } from './compare.ts'
import { columnList } from './fragments.ts'
import { insertedFlag, partitionKeyError, partitionKeyQuery } from './partitions.ts'
import { type DiffRecorder, diffJoin, diffReturning } from './diff.ts'
import type { UndoRecorder } from './undo-records.ts'

/** PostgreSQL's bind-parameter limit per statement (a 16-bit count in the wire protocol). */
export const MAX_PARAMETERS = 65_535
const MAX_BATCH_ROWS = 5_000

/** Created / updated / skipped from rows returned by `RETURNING (xmax = 0) AS inserted`. */
export function tallyRows(rows: readonly { inserted: boolean }[], attempted: number): SeedCounts {
  const created = rows.filter((r) => r.inserted).length
  return { created, updated: rows.length - created, skipped: attempted - rows.length }
}

/**
 * Idempotent multi-row upsert. Existing rows whose update columns already hold the given values
 * are not touched (the `WHERE ... IS DISTINCT FROM` clause), so they come back as skipped and a
 * re-run writes nothing. Rows are sent in batches that stay under the parameter limit. With `diff`
 * (a dry run's `--diff`), each statement also returns the rows it wrote with their old values.
 */
export async function upsertRows<Row extends Record<string, unknown>, Ret>(
  sql: postgres.TransactionSql,
  table: string,
  rows: readonly Row[],
  options: UpsertOptions<Row>,
  diff?: DiffRecorder,
  undo?: UndoRecorder,
): Promise<UpsertResult<Ret>> {
  // postgres.js's helper types cannot follow a generic row type; values are parameters all the same.
  // biome-ignore lint/suspicious/noExplicitAny: see the line above
  const loose = sql as any
  const result: UpsertResult<Ret> = { created: 0, updated: 0, skipped: 0, rows: [] }
  if (rows.length === 0) return result
  const columns = rowColumns(table, rows)
  const conflict = [...options.conflict]
  const absent = conflict.filter((c) => !columns.includes(c))
  if (conflict.length === 0 || absent.length) throw conflictColumnError(table, conflict, absent, columns)
  const repeated = repeatedKeys(rows, conflict)
  if (repeated.length) throw duplicateKeyError('upsert into', table, conflict, repeated)
  const update = options.update ? [...options.update] : columns.filter((c) => !conflict.includes(c))
  const action = conflictAction(sql, table, update, await comparisons(sql, table, update))
  const returning = options.returning?.length ? sql`, ${sql(options.returning as string[])}` : sql``
  const batchSize = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(MAX_PARAMETERS / columns.length)))
  // Before anything is written: a partitioned table needs its partition key in the conflict, and
  // another way to count (see insertedFlag).
  const [partitioning] = await partitionKeyQuery(sql, table)
  const partitionProblem = partitionKeyError('upsert into', table, conflict, partitioning)
  if (partitionProblem) throw partitionProblem
  const inserted = insertedFlag(sql, table, conflict, partitioning.partition_columns !== null)
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize)
    if (undo && !diff) for (const row of batch) undo.see(table, columns, row)
    // No `AS alias` before the rows: postgres.js would take it for a select list.
    const insert = loose`
      INSERT INTO ${sql(table)} ${loose(batch, columns)}
      ON CONFLICT (${columnList(sql, conflict)}) ${action}
      RETURNING ${inserted} AS inserted ${returning} ${diff ? diffReturning(sql, table, conflict) : undo ? undo.returning(sql, conflict) : sql``}`
    // The statement's subquery reads the table as it was before the INSERT: the old values. A
    // subquery rather than a join keeps the rows in the order RETURNING gave them.
    const statement = diff
      ? sql`WITH written AS (${insert})
          SELECT w.*, (SELECT to_json(o.*) FROM ${sql(table)} o WHERE ${diffJoin(sql, conflict)}) AS seedbed_old FROM written w`
      : undo
        ? sql`WITH written AS (${insert}), ${undo.saveOld(sql, table, conflict)} SELECT w.*, (SELECT count(*) FROM saved)::int AS seedbed_saved FROM written w`
        : insert
    const returned: ({ inserted: boolean } & Ret)[] = await statement.catch((err: { code?: string }) => {
      // 21000: keys equal to PostgreSQL though not as written (1 and 1.0, citext); 42P10: no such unique key.
      if (err.code === '21000') throw duplicateKeyError('upsert into', table, conflict, [], { sqlState: err.code, cause: err })
      if (err.code === '42P10') throw conflictKeyError('upsert into', table, conflict, err)
      throw err
    })
    const counts = tallyRows(returned, batch.length)
    result.created += counts.created
    result.updated += counts.updated
    result.skipped += counts.skipped
    if (diff) recordUpsert(diff, table, conflict, counts, returned as unknown as DiffRow[])
    undo?.wrote(
      table,
      conflict,
      counts.created,
      counts.updated,
      (returned[0] as { seedbed_saved?: number } | undefined)?.seedbed_saved ?? 0,
    )
    for (const row of returned) {
      const { inserted: _, ...rest } = row as Record<string, unknown>
      if (diff || undo) for (const k of Object.keys(rest)) if (k.startsWith('seedbed_')) delete rest[k]
      result.rows.push(rest as Ret)
    }
  }
  return result
}

/**
 * The columns of an upsert: every key any row has, in the order first seen. Each row must have a
 * value for each (see missingValueError): a key only later rows have was dropped, a key a later row
 * lacks failed in the driver without naming either.
 */
function rowColumns(table: string, rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>()
  for (const row of rows) for (const k of Object.keys(row)) seen.add(k)
  const columns = [...seen]
  for (const [index, row] of rows.entries()) {
    if (Object.keys(row).length === columns.length && !Object.values(row).includes(undefined)) continue
    const column = columns.find((c) => row[c] === undefined)!
    throw missingValueError('upsert into', table, index, column, columns)
  }
  return columns
}

/**
 * Keys that more than one row carries (the first few, as `(a, b)`). ON CONFLICT DO UPDATE
 * would fail on them without naming one, and DO NOTHING would drop the later rows unnoticed.
 * A key with a NULL never conflicts, as in a unique index.
 */
function repeatedKeys(rows: readonly Record<string, unknown>[], conflict: readonly string[]): string[] {
  const seen = new Set<string>()
  const repeated = new Set<string>()
  for (const row of rows) {
    const values = conflict.map((c) => row[c])
    if (values.some((v) => v === null || v === undefined)) continue
    const key = `(${values.map(encodeField).join(', ')})`
    if (seen.has(key)) repeated.add(key)
    else seen.add(key)
    if (repeated.size > MAX_KEYS_NAMED) break
  }
  return [...repeated]
}

type DiffRow = { inserted: boolean; seedbed_new: Record<string, unknown>; seedbed_old: Record<string, unknown> | null }

function recordUpsert(diff: DiffRecorder, table: string, key: readonly string[], counts: SeedCounts, rows: readonly DiffRow[]): void {
  diff.created(
    table,
    key,
    counts.created,
    rows.filter((r) => r.inserted).map((r) => r.seedbed_new),
  )
  diff.updated(
    table,
    key,
    counts.updated,
    rows.filter((r) => !r.inserted).map((r) => [r.seedbed_old ?? undefined, r.seedbed_new]),
  )
}
