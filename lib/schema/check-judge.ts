import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import { copyRows } from '../sql/copy.ts'
import type { FakePlan } from './fake-rows.ts'
import type { TableInfo, UnreadCheck } from './table.ts'

/** Attempts per row before a CHECK is declared impossible to meet. */
export const CHECK_ATTEMPTS = 64
const BATCH = 10000
const STAGE = 'pg_temp.seedbed_check_rows'
const ROW = 'seedbed row'

type Sql = postgres.TransactionSql

/**
 * Lets the server judge the CHECKs seedbed does not read (column against column, `length()`, `now()`,
 * NOT, any expression): the candidate rows are copied, in batches, into a temporary table typed like
 * the target (in the seed's transaction, dropped after), each CHECK's own expression is evaluated on
 * them, and a failing row is made again with its next attempt (the units holding that CHECK's columns
 * draw again; the rest of the row, its unique keys and overrides, stay). Deterministic: the same inputs
 * give the same attempts. Resolves with the attempt of each row that needed another than the first; a
 * CHECK still failing after CHECK_ATTEMPTS (or one no attempt can change) is E_FAKE_UNSUPPORTED.
 */
export async function judgeChecks(sql: Sql, info: TableInfo, plan: FakePlan, count: number): Promise<Map<number, number>> {
  const attempts = new Map<number, number>()
  if (!plan.checks.length) return attempts
  plan.rows(count) // checks the keys' capacity before any row is made
  // One savepoint around all of it: a CHECK that raises an error on a candidate row (a division by zero) rolls
  // back to it and leaves the seed's transaction usable. postgres.js never releases a savepoint, so one per
  // batch would nest thousands of subtransactions, which every later statement of the transaction walks.
  return sql.savepoint(async (sp) => {
    const judged = await createStage(sp, info, plan)
    for (let start = 0; start < count; start += BATCH) {
      const end = Math.min(start + BATCH, count)
      await judgeBatch(sp, info, plan, judged, { start, end }, attempts)
    }
    await sp`DROP TABLE ${sp(STAGE)}`
    return attempts
  })
}

/**
 * The stage: the columns the CHECKs read, typed as the target's, with the DEFAULTs of those seedbed does not
 * write. Resolves with the written ones among them (what each candidate row sends), as positions in a row.
 */
async function createStage(sql: Sql, info: TableInfo, plan: FakePlan): Promise<Judged> {
  const read = new Set(plan.checks.flatMap((c) => c.columns))
  const columns = info.columns.filter((c) => read.has(c.name))
  const list = columns.map((c) => sql`${sql(c.name)}`).reduce((a, c) => sql`${a}, ${c}`)
  await sql`DROP TABLE IF EXISTS ${sql(STAGE)}`
  await sql`CREATE TEMPORARY TABLE ${sql(STAGE.split('.')[1]!)} AS SELECT 0 AS ${sql(ROW)}, ${list} FROM ${sql.unsafe(info.qualified)} WITH NO DATA`
  // A column the server fills (a DEFAULT now(), a constant): the CHECK sees the value the server would give.
  // A sequence is not drawn from for a candidate row: such a column is NULL (unknown) here.
  for (const c of columns) {
    if (plan.columns.includes(c.name) || !c.defaultExpr || /\bnextval\(/.test(c.defaultExpr)) continue
    await sql`ALTER TABLE ${sql(STAGE)} ALTER COLUMN ${sql(c.name)} SET DEFAULT ${sql.unsafe(c.defaultExpr)}`
  }
  const names = plan.columns.filter((c) => read.has(c))
  return { names, at: names.map((c) => plan.columns.indexOf(c)) }
}

/** The written columns the CHECKs read: their names and their positions in a row. */
interface Judged {
  names: string[]
  at: number[]
}

/** Judges rows [start, end) until each meets every CHECK, counting their attempts in `attempts`. */
async function judgeBatch(
  sql: Sql,
  info: TableInfo,
  plan: FakePlan,
  judged: Judged,
  batch: { start: number; end: number },
  attempts: Map<number, number>,
) {
  let pending: Iterable<number> = range(batch.start, batch.end)
  for (let attempt = 0; ; attempt++) {
    const rows = candidates(plan, judged, pending, attempts)
    await copyRows(sql, STAGE, [ROW, ...judged.names], rows, { reportAs: info.name, verb: 'load into' })
    const failing = await failingRows(sql, plan.checks).catch((err: unknown) => {
      throw unevaluated(info, plan.checks, err)
    })
    // TRUNCATE, not DELETE: the stage was made in this subtransaction, so it is emptied in place, and no
    // dead rows pile up for the next batches' scans to read.
    await sql`TRUNCATE ${sql(STAGE)}`
    if (!failing.length) return
    for (const { row, check } of failing) {
      const which = plan.checks[check]!
      if (attempt + 1 >= CHECK_ATTEMPTS || !which.remade) throw impossible(info, which, row, attempt + 1)
      attempts.set(row, (attempts.get(row) ?? 0) + 1)
    }
    pending = failing.map((f) => f.row)
  }
}

function* range(start: number, end: number): Generator<number> {
  for (let i = start; i < end; i++) yield i
}

/** The candidate rows, made as they are sent: the row number, then the judged columns' values at the row's current attempt. */
function* candidates(plan: FakePlan, judged: Judged, rows: Iterable<number>, attempts: ReadonlyMap<number, number>) {
  const { names, at } = judged
  for (const i of rows) {
    const row = plan.row(i, attempts.get(i) ?? 0, names)
    const out: unknown[] = [i]
    for (const j of at) out.push(row[j])
    yield out
  }
}

/**
 * The rows of the stage that break a CHECK (FALSE: NULL passes, as in the table), with the first CHECK each
 * breaks. An error here (a CHECK raising one on a candidate row) rolls back to judgeChecks's savepoint.
 */
function failingRows(sql: Sql, checks: readonly UnreadCheck[]) {
  const broken = checks.map((c, i) => sql`WHEN (${sql.unsafe(c.definition)}) IS FALSE THEN ${i}::int`).reduce((a, w) => sql`${a} ${w}`)
  return sql<{ row: number; check: number }[]>`
    SELECT ${sql(ROW)} AS row, c AS check FROM (SELECT ${sql(ROW)}, CASE ${broken} END AS c FROM ${sql(STAGE)}) s
    WHERE c IS NOT NULL ORDER BY 1`
}

function unevaluated(info: TableInfo, checks: readonly UnreadCheck[], err: unknown) {
  const message = err instanceof Error ? err.message : String(err)
  return new SeedbedError(
    codes.FAKE_UNSUPPORTED,
    `fake ${info.name}: the server could not evaluate the CHECKs of ${info.qualified} (${checks.map((c) => c.name).join(', ')}) on the rows seedbed made: ${message}`,
    {
      table: info.name,
      ...(checks.length === 1 ? { constraint: checks[0]!.name } : {}),
      hint: `override ${[...new Set(checks.flatMap((c) => c.columns))].join(', ')} with values that satisfy the CHECKs`,
    },
  )
}

function impossible(info: TableInfo, check: FakePlan['checks'][number], row: number, tries: number) {
  const why = check.remade ? `after ${tries} attempts` : '(no other values to try: its columns seedbed makes are a unique key)'
  return new SeedbedError(
    codes.FAKE_UNSUPPORTED,
    `fake ${info.name}: CHECK constraint ${check.name} on ${info.qualified} is not met by row ${row + 1} ${why}: ${check.definition}`,
    {
      table: info.name,
      constraint: check.name,
      hint: `override ${check.columns.join(', ')} with values that satisfy it`,
    },
  )
}
