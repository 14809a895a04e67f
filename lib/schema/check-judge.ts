import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import { copyRows } from '../sql/copy.ts'
import type { FakePlan } from './fake-rows.ts'
import type { TableInfo, UnreadCheck } from './table.ts'

/** Attempts per row before a CHECK is declared impossible to meet. */
export const CHECK_ATTEMPTS = 64
const BATCH = 1000
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
  await createStage(sql, info, plan)
  try {
    for (let start = 0; start < count; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => start + i)
      await judgeBatch(sql, info, plan, batch, attempts)
    }
  } finally {
    await sql`DROP TABLE IF EXISTS ${sql(STAGE)}`
  }
  return attempts
}

/** The stage: the written columns and those the CHECKs read, typed as the target's, with the DEFAULTs of the latter. */
async function createStage(sql: Sql, info: TableInfo, plan: FakePlan) {
  const read = new Set(plan.checks.flatMap((c) => c.columns))
  const columns = info.columns.filter((c) => plan.columns.includes(c.name) || read.has(c.name))
  const list = columns.map((c) => sql`${sql(c.name)}`).reduce((a, c) => sql`${a}, ${c}`)
  await sql`DROP TABLE IF EXISTS ${sql(STAGE)}`
  await sql`CREATE TEMPORARY TABLE ${sql(STAGE.split('.')[1]!)} AS SELECT 0 AS ${sql(ROW)}, ${list} FROM ${sql.unsafe(info.qualified)} WITH NO DATA`
  // A column the server fills (a DEFAULT now(), a constant): the CHECK sees the value the server would give.
  // A sequence is not drawn from for a candidate row: such a column is NULL (unknown) here.
  for (const c of columns) {
    if (plan.columns.includes(c.name) || !c.defaultExpr || /\bnextval\(/.test(c.defaultExpr)) continue
    await sql`ALTER TABLE ${sql(STAGE)} ALTER COLUMN ${sql(c.name)} SET DEFAULT ${sql.unsafe(c.defaultExpr)}`
  }
}

/** Judges rows `batch` until each meets every CHECK, counting their attempts in `attempts`. */
async function judgeBatch(sql: Sql, info: TableInfo, plan: FakePlan, batch: readonly number[], attempts: Map<number, number>) {
  let pending = batch
  for (let attempt = 0; pending.length; attempt++) {
    const rows = pending.map((i) => [i, ...plan.row(i, attempts.get(i) ?? 0)])
    await copyRows(sql, STAGE, [ROW, ...plan.columns], rows, { reportAs: info.name, verb: 'load into' })
    const failing = await failingRows(sql, plan.checks).catch((err: unknown) => {
      throw unevaluated(info, plan.checks, err)
    })
    await sql`DELETE FROM ${sql(STAGE)}`
    for (const { row, check } of failing) {
      const which = plan.checks[check]!
      if (attempt + 1 >= CHECK_ATTEMPTS || !which.remade) throw impossible(info, which, row, attempt + 1)
      attempts.set(row, (attempts.get(row) ?? 0) + 1)
    }
    pending = failing.map((f) => f.row)
  }
}

/**
 * The rows of the stage that break a CHECK (FALSE: NULL passes, as in the table), with the first CHECK each
 * breaks. In a savepoint: a CHECK that raises an error on a candidate row (a division by zero) leaves the
 * seed's transaction usable.
 */
async function failingRows(sql: Sql, checks: readonly UnreadCheck[]) {
  const broken = checks.map((c, i) => sql`WHEN (${sql.unsafe(c.definition)}) IS FALSE THEN ${i}::int`).reduce((a, w) => sql`${a} ${w}`)
  return sql.savepoint(
    (sp) => sp<{ row: number; check: number }[]>`
      SELECT ${sp(ROW)} AS row, c AS check FROM (SELECT ${sp(ROW)}, CASE ${broken} END AS c FROM ${sp(STAGE)}) s
      WHERE c IS NOT NULL ORDER BY 1`,
  )
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
