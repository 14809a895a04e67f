import type postgres from 'postgres'
import type { LoadOptions, LoadResult, RowSource } from '../contract/types.ts'
import { copyRows } from './copy.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { conflictKeyError, duplicateKeyError, inputDuplicateError, MAX_KEYS_NAMED } from '../errors/load-errors.ts'
import { insertedFlag, type PartitionKey, partitionKey, partitionKeyError } from './partitions.ts'
import { comparisons, conflictAction, rowsDiffer } from './compare.ts'
import { columnList, joinFragments, quotedName } from './fragments.ts'
import { capturing, type DiffRecorder, diffReturning, diffSelect, recordDiff } from './diff.ts'
import { type FastLoad, prepareFastLoad } from './fast-load.ts'
import type { UndoRecorder } from './undo-records.ts'

let stageCount = 0

/** What the run around a load allows, beside the seed's own options. */
export interface LoadRun {
  /** A dry run's `--diff`: the rows the load would write are recorded here. */
  diff?: DiffRecorder
  /** `off`: no fast path, whatever the seed asks (a dry run, whose locks would last until it rolls back). */
  fastLoad?: 'off'
  /** A real run's undo records: the old rows the merge overwrites, and what the load wrote. */
  undo?: UndoRecorder
}

/**
 * Loads rows idempotently at COPY speed, inside the caller's transaction: a failure anywhere
 * (a bad row, a constraint, the source throwing) leaves the table as it was.
 *
 * The merge path stages rows in a temporary table (dropped at commit), then writes only the
 * rows that are new or differ: an anti-join drops unchanged rows before the INSERT, so an
 * all-skipped re-run never touches the target. Counts come from the statement itself. `run` says
 * what the run around it allows: see {@link LoadRun}.
 */
export async function loadRows(
  sql: postgres.TransactionSql,
  table: string,
  rows: RowSource,
  options: LoadOptions,
  run: LoadRun = {},
): Promise<LoadResult> {
  const { diff, undo } = run
  const { columns } = options
  const conflict = options.conflict ?? []
  const requested = options.mode ?? 'auto'
  const problem =
    columns.length === 0
      ? '`columns` is empty'
      : requested !== 'copy' && conflict.length === 0
        ? '`conflict` is required to merge'
        : conflict.find((c) => !columns.includes(c))
          ? `conflict column '${conflict.find((c) => !columns.includes(c))}' is not in columns`
          : undefined
  if (problem) {
    throw new SeedbedError(codes.LOAD_OPTIONS, `load into ${table}: ${problem}`, {
      table,
      hint: 'pass columns (in row order) and conflict (a unique key among them)',
    })
  }

  let mode: 'copy' | 'merge' = requested === 'auto' ? 'merge' : requested
  let partitioned = false
  if (requested !== 'copy') {
    // One round trip, whichever path follows: both must refuse a conflict key ON CONFLICT cannot use.
    const [row] = await sql<[{ empty: boolean; keyed: boolean | null } & PartitionKey]>`
      SELECT ${requested === 'auto' ? sql`NOT EXISTS (SELECT 1 FROM ${sql(table)})` : sql`false`} AS empty,
             ${isUniqueKey(sql, table, conflict)} AS keyed, ${partitionKey(sql, table)}`
    // A partitioned table's unique keys all hold its partition key: say that rather than "no such key".
    const partition = partitionKeyError('load into', table, conflict, row)
    if (partition) throw partition
    if (row.keyed === false) throw conflictKeyError('load into', table, conflict)
    if (row.empty) mode = 'copy'
    partitioned = row.partition_columns !== null
  }
  // An empty table seedbed may lock: indexes and foreign keys built after the rows, COPY FREEZE
  // when it could be truncated (lib/sql/fast-load.ts has the exact rule). Partitioned tables never.
  let fast: FastLoad | undefined
  if (mode === 'copy' && requested === 'auto' && !partitioned && options.fastLoad !== false && run.fastLoad !== 'off') {
    const prepared = await prepareFastLoad(sql, table, conflict, options.fastLoad !== 'indexes')
    // Rows committed between the check and the lock: merge, as for any table with rows.
    if (prepared === 'not-empty') mode = 'merge'
    else fast = prepared
  }
  if (mode === 'copy') {
    try {
      // Straight in: every row sent is a row created, so the diff shows the first ones sent.
      const shown: Record<string, unknown>[] = []
      const source = diff ? capturing(rows, columns, diff.room(table, 'created'), shown) : rows
      const created = await copyRows(sql, table, columns, source, {
        onProgress: options.onProgress,
        freeze: fast?.freeze,
        verb: 'load into',
      })
      await fast?.finish()
      diff?.created(table, conflict, created, shown)
      undo?.wrote(table, conflict, created, 0, 0)
      return { mode, created, updated: 0, skipped: 0 }
    } catch (err) {
      // The table was empty: a unique violation on the key can only be the input repeating it.
      throw (requested === 'auto' && inputDuplicateError(err, table, conflict)) || err
    }
  }

  const stage = `seedbed_stage_${++stageCount}`
  await sql`CREATE TEMP TABLE ${sql(stage)} ON COMMIT DROP AS SELECT ${columnList(sql, columns)} FROM ${sql(table)} WITH NO DATA`
  const source = undo ? undo.seeing(table, columns, rows) : rows
  const staged = await copyRows(sql, stage, columns, source, { onProgress: options.onProgress, reportAs: table, verb: 'load into' })
  // ON CONFLICT would merge a repeated key silently (DO NOTHING) or fail without naming it (DO UPDATE).
  // NULL keys never conflict in a unique index, so they are no repeat.
  const repeated = await sql<{ key: string }[]>`
    SELECT '(' || concat_ws(', ', ${joinFragments(
      sql,
      conflict.map((c) => sql`${sql(c)}::text`),
    )}) || ')' AS key
    FROM ${sql(stage)}
    WHERE ${joinFragments(
      sql,
      conflict.map((c) => sql`${sql(c)} IS NOT NULL`),
      'and',
    )}
    GROUP BY ${columnList(sql, conflict)} HAVING count(*) > 1 LIMIT ${MAX_KEYS_NAMED + 1}`
  if (repeated.length) {
    throw duplicateKeyError(
      'load into',
      table,
      conflict,
      repeated.map((r) => r.key),
    )
  }
  await sql`ANALYZE ${sql(stage)}`

  const update = options.update ? [...options.update] : columns.filter((c) => !conflict.includes(c))
  const join = joinFragments(
    sql,
    conflict.map((c) => sql`t.${sql(c)} = s.${sql(c)}`),
    'and',
  )
  const firstKey = sql`t.${sql(conflict[0]!)}`
  const how = await comparisons(sql, table, update)
  const changed = update.length ? sql`OR ${rowsDiffer(sql, update, 't', 's', how)}` : sql``
  const action = conflictAction(sql, table, update, how)
  const [counts] = await sql<[{ created: number; updated: number; saved?: number }]>`
    WITH written AS (
      INSERT INTO ${sql(table)} (${columnList(sql, columns)}) OVERRIDING SYSTEM VALUE
      SELECT ${columnList(sql, columns, 's')}
      FROM ${sql(stage)} s LEFT JOIN ${sql(table)} t ON ${join}
      WHERE ${firstKey} IS NULL ${changed}
      ON CONFLICT (${columnList(sql, conflict)}) ${action}
      RETURNING ${insertedFlag(sql, table, conflict, partitioned)} AS inserted ${diff ? diffReturning(sql, table, conflict) : undo ? undo.returning(sql, conflict) : sql``}
    ) ${undo ? sql`, ${undo.saveOld(sql, table, conflict)}` : sql``}
    ${
      diff
        ? diffSelect(sql, table, conflict, { created: diff.room(table, 'created'), updated: diff.room(table, 'updated') })
        : sql`SELECT count(*) FILTER (WHERE inserted)::int AS created, count(*) FILTER (WHERE NOT inserted)::int AS updated
            ${undo ? sql`, (SELECT count(*) FROM saved)::int AS saved` : sql``} FROM written`
    }`
  if (diff) recordDiff(diff, table, conflict, counts as Parameters<typeof recordDiff>[3])
  undo?.wrote(table, conflict, counts.created, counts.updated, counts.saved ?? 0)
  return { mode, created: counts.created, updated: counts.updated, skipped: staged - counts.created - counts.updated }
}

/**
 * Whether a unique index ON CONFLICT can infer is on exactly `conflict` (any order): valid,
 * not deferred, not partial, on columns rather than expressions. NULL when the table does not
 * exist, so the statements that follow report it as a missing table.
 */
function isUniqueKey(sql: postgres.TransactionSql, table: string, conflict: readonly string[]) {
  const name = quotedName(table)
  return sql`CASE WHEN to_regclass(${name}) IS NOT NULL THEN EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = to_regclass(${name}) AND i.indisunique AND i.indisvalid AND i.indimmediate
      AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = ${new Set(conflict).size}
      AND (SELECT array_agg(a.attname::text) FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE k.n <= i.indnkeyatts) @> ${sql.array([...conflict])}::text[]) END`
}
