import type postgres from 'postgres'
import type { LoadResult } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { fakerFor } from '../helpers/fake.ts'
import type { Logger } from '../output/log.ts'
import { type LoadRun, loadRows } from '../sql/load.ts'
import type { FakeOverrides } from '../contract/types.ts'
import { judgeChecks } from './check-judge.ts'
import { childCounts, countOf, perParentOf } from './fake-per-parent.ts'
import { type ParentKeys, planFakeRows } from './fake-rows.ts'
import type { ForeignKey } from './foreign-keys.ts'
import { readTable, type TableInfo } from './table.ts'
import { wordsOf } from './words.ts'

export interface FakeTableOptions {
  /** The seed's name: with the table, it keys the rows' sequence. */
  seed: string
  log: Logger
  onProgress?: (rows: number) => void
  run?: LoadRun
}

/**
 * The keys a reference may take: the parent's existing rows, each key once, in key order so the same
 * parent gives the same choices on every run. Read once per table, before any row is made.
 */
async function parentKeys(sql: postgres.TransactionSql, fk: ForeignKey): Promise<ParentKeys> {
  const columns = fk.refColumns.map((c) => sql`${sql(c)}`)
  const list = columns.reduce((a, c) => sql`${a}, ${c}`)
  const asText = fk.refColumns.map((c) => sql`${sql(c)}::text`).reduce((a, c) => sql`${a}, ${c}`)
  const notNull = fk.refColumns.map((c) => sql`${sql(c)} IS NOT NULL`).reduce((a, c) => sql`${a} AND ${c}`)
  const rows = await sql<{ k: string[] }[]>`
    SELECT ARRAY[${asText}] AS k FROM ${sql.unsafe(fk.refTable)} WHERE ${notNull} GROUP BY ${list} ORDER BY ${list}`
  return rows.map((r) => r.k)
}

function overridesOf(table: string, overrides: unknown): FakeOverrides {
  if (overrides === undefined) return {}
  if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new SeedbedError(codes.FAKE_OVERRIDE, `fake ${table}: overrides must be an object of column: value`, {
      table,
      hint: "for example fake('users', 100, { role: 'member', nickname: (i, faker) => faker.word.noun() })",
    })
  }
  return overrides as FakeOverrides
}

/**
 * `ctx.fake`: `count` rows for `table` made from its catalog (lib/schema/fake-rows.ts), or `count.min` to
 * `count.max` rows per row of a parent (lib/schema/fake-per-parent.ts), loaded through `load`'s
 * idempotent path keyed on the first primary or unique key seedbed fills. The same seed, table, count
 * and schema give the same rows, so a second run is all skipped.
 */
export async function fakeTable(
  sql: postgres.TransactionSql,
  table: string,
  asked: unknown,
  overrides: unknown,
  options: FakeTableOptions,
): Promise<LoadResult> {
  const wanted = countOf(table, asked)
  const given = overridesOf(table, overrides)
  const info = await readTable(sql, table)
  const per = typeof wanted === 'number' ? undefined : await perParentOf(sql, info, wanted, given)
  const parents = new Map<string, ParentKeys>()
  for (const fk of info.foreignKeys) {
    if (fk.columns.some((c) => c in given)) continue
    parents.set(fk.name, await parentKeys(sql, fk))
  }
  const key = `fake:${options.seed}:${info.qualified}`
  const faker = fakerFor(key)
  // Per parent: each parent's rows, in key order; the rows made are their sum.
  const counts = per && childCounts(key, parents.get(per.fk.name)!, per.min, per.max)
  const perParent = per && counts && { fk: per.fk.name, counts, min: per.min, max: per.max }
  const count = counts ? counts.reduce((a, b) => a + b, 0) : (wanted as number)
  const plan = planFakeRows({
    table: info,
    parents,
    overrides: given,
    key,
    faker,
    words: wordsOf(faker),
    ...(perParent ? { perParent } : {}),
  })
  for (const note of plan.notes) options.log.warn(`fake ${table}: ${note}`)
  // The CHECKs seedbed does not read: the server judges the rows first, and says which need another attempt.
  const rows = plan.rows(count, await judgeChecks(sql, info, plan, count))
  const result = await loadRows(
    sql,
    table,
    rows,
    { columns: plan.columns, conflict: plan.conflict, onProgress: options.onProgress },
    options.run,
  )
  // setval is not transactional: a dry run (which rolls back) leaves the sequence alone.
  if (options.run?.fastLoad !== 'off') await moveSequences(sql, info, plan.columns)
  return result
}

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint'])

/**
 * Moves each sequence that feeds a column seedbed wrote (an identity or serial key it filled, or an
 * override of one) past the largest value in the table, so the application's next plain INSERT does
 * not take a value seedbed wrote. A sequence already past it (a re-run) is left as it is.
 */
async function moveSequences(sql: postgres.TransactionSql, info: TableInfo, written: readonly string[]): Promise<void> {
  const names = new Set(written)
  for (const c of info.columns) {
    if (!c.sequence || !names.has(c.name) || !INTEGER_TYPES.has(c.typeName)) continue
    await sql`
      SELECT setval(${c.sequence}::regclass, m.top)
      FROM (SELECT max(${sql(c.name)}) AS top FROM ${sql.unsafe(info.qualified)}) m,
           (SELECT last_value, increment_by FROM pg_sequences
            WHERE format('%I.%I', schemaname, sequencename)::regclass = ${c.sequence}::regclass) s
      WHERE m.top IS NOT NULL AND s.increment_by > 0 AND (s.last_value IS NULL OR m.top > s.last_value)`
  }
}
