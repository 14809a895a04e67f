import type postgres from 'postgres'
import type { ColumnChange, CopyRow, RowChange, RowSource, SeedDiff, TableDiff } from '../contract/types.ts'
import { joinFragments, quotedName } from './fragments.ts'

type Sql = postgres.TransactionSql | postgres.Sql
type Row = Record<string, unknown>

/**
 * Columns whose values a diff never shows, whatever the seed declared: password hashes, tokens, keys.
 * Registered secrets (ctx.secret, connection passwords) are redacted as well, wherever they appear.
 */
const SENSITIVE = /pass(word|wd)?|secret|token|hash|salt|(^|_)key$|api_?key|private_?key/i
export const HIDDEN = '***'
/** The table name a diff gives rows that a hand-written statement returned to `tally()`. */
export const HAND_WRITTEN = '(hand-written statement)'

const hide = (row: Row): Row => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, SENSITIVE.test(k) ? HIDDEN : v]))
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Marks each table of the diffs that got created rows with whether its inserts draw from a sequence
 * (an identity column, a `nextval` default): a table that does not exist after the rollback (made by
 * the dry run) or rows of hand-written statements are left unmarked, as unknown.
 */
export async function markSequences(sql: Sql, diffs: readonly (SeedDiff | undefined)[]): Promise<void> {
  const tables = diffs.flatMap((d) => d?.tables ?? []).filter((t) => t.created > 0 && t.table !== HAND_WRITTEN)
  if (!tables.length) return
  const names = [...new Set(tables.map((t) => t.table))]
  const found = await sql<{ name: string; sequence: boolean }[]>`
    SELECT t.name, EXISTS (
      SELECT 1 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = to_regclass(t.quoted) AND a.attnum > 0 AND NOT a.attisdropped
        AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')) AS sequence
    FROM unnest(${names}::text[], ${names.map(quotedName)}::text[]) t(name, quoted)
    WHERE to_regclass(t.quoted) IS NOT NULL`
  const drawing = new Map(found.map((f) => [f.name, f.sequence]))
  for (const t of tables) if (drawing.has(t.table)) t.sequence = drawing.get(t.table)!
}

/**
 * What a dry run's seed would write, as `--diff` shows it: per table the rows it would create and,
 * for rows it would update, the key and each changed column as old -> new. Counts are exact; at
 * most `limit` rows of each kind are kept per table (0: all of them). Rows written by statements
 * seedbed does not build (`count()`, `query`, hand-written SQL without RETURNING rows) are counted
 * as unseen, so the diff says what it cannot show.
 */
export class DiffRecorder {
  private readonly tables = new Map<string, TableDiff>()
  private readonly unseen = { created: 0, updated: 0, skipped: 0, by: new Set<string>() }

  constructor(readonly limit: number) {}

  /** How many more rows of a kind `table` can keep (`null`: no limit), for a statement's LIMIT. */
  room(table: string, kind: 'created' | 'updated'): number | null {
    if (!this.limit) return null
    const t = this.tables.get(table)
    return Math.max(0, this.limit - (t ? (kind === 'created' ? t.createdRows.length : t.updatedRows.length) : 0))
  }

  private table(table: string, key: readonly string[]): TableDiff {
    let t = this.tables.get(table)
    if (!t) {
      t = { table, key: [...key], created: 0, updated: 0, createdRows: [], updatedRows: [] }
      this.tables.set(table, t)
    }
    return t
  }

  /** `count` rows created in `table`, of which `rows` (new values) are shown, up to the limit. */
  created(table: string, key: readonly string[], count: number, rows: readonly Row[]): void {
    const t = this.table(table, key)
    t.created += count
    for (const row of rows.slice(0, this.room(table, 'created') ?? rows.length)) t.createdRows.push(hide(row))
  }

  /**
   * `count` rows updated in `table`; `pairs` are [old, new] whole rows, shown as their key and the
   * columns that differ. A pair whose old row is unknown (`undefined`) shows its new values only.
   */
  updated(table: string, key: readonly string[], count: number, pairs: readonly [Row | undefined, Row][]): void {
    const t = this.table(table, key)
    t.updated += count
    for (const [old, now] of pairs.slice(0, this.room(table, 'updated') ?? pairs.length)) {
      const shownKey = hide(Object.fromEntries(key.map((k) => [k, now[k]])))
      let change: RowChange
      if (old === undefined) {
        change = { key: key.length ? shownKey : hide(now), changes: null }
      } else {
        const changes: Record<string, ColumnChange> = {}
        for (const [column, value] of Object.entries(now)) {
          if (key.includes(column) || same(old[column], value)) continue
          changes[column] = SENSITIVE.test(column) ? { old: HIDDEN, new: HIDDEN } : { old: old[column], new: value }
        }
        change = { key: shownKey, changes }
      }
      t.updatedRows.push(change)
    }
  }

  /**
   * Rows a hand-written statement returned to `tally()`: shown with the columns it returned besides
   * `inserted` (no old values: seedbed did not read them); with no other column, only counted.
   */
  tallied(rows: readonly { inserted: boolean }[], counts: { created: number; updated: number; skipped: number }): void {
    const shown = rows.map(({ inserted, ...rest }) => [inserted, rest as Row] as const)
    if (!shown.some(([, rest]) => Object.keys(rest).length)) {
      this.cannotSee(counts, 'tally()')
      return
    }
    const table = HAND_WRITTEN
    this.created(
      table,
      [],
      counts.created,
      shown.filter(([inserted]) => inserted).map(([, r]) => r),
    )
    this.updated(
      table,
      [],
      counts.updated,
      shown.filter(([inserted]) => !inserted).map(([, r]) => [undefined, r]),
    )
    if (counts.skipped) this.cannotSee({ skipped: counts.skipped }, 'tally()')
  }

  /** Counts the diff cannot show rows for, and how they were written (`count()`, `query`...). */
  cannotSee(counts: { created?: number; updated?: number; skipped?: number }, by: string): void {
    this.unseen.created += counts.created ?? 0
    this.unseen.updated += counts.updated ?? 0
    this.unseen.skipped += counts.skipped ?? 0
    this.unseen.by.add(by)
  }

  toJSON(): SeedDiff {
    const { by, ...counts } = this.unseen
    return { limit: this.limit, tables: [...this.tables.values()], unseen: { ...counts, by: [...by] } }
  }
}

/** `, to_json(t.*) AS seedbed_new, "k" AS seedbed_k0, ...`: what an INSERT returns for a diff. */
export function diffReturning(sql: Sql, table: string, key: readonly string[]) {
  const keys = key.map((c, i) => sql`, ${sql(c)} AS ${sql(`seedbed_k${i}`)}`)
  return sql`, to_json(${sql(table)}.*) AS seedbed_new ${keys.reduce((a, k) => sql`${a}${k}`, sql``)}`
}

/** `o."k" = w.seedbed_k0 AND ...`: the old row `o` of a written row `w`. */
export function diffJoin(sql: Sql, key: readonly string[]) {
  return key.length
    ? joinFragments(
        sql,
        key.map((c, i) => sql`o.${sql(c)} = w.${sql(`seedbed_k${i}`)}`),
        'and',
      )
    : sql`false`
}

/**
 * A query over an INSERT's `written` rows (a CTE returning `inserted` and {@link diffReturning}) with
 * their old rows: created and updated counts, then at most `limits` created rows and [old, new]
 * pairs, in key order. It runs in the INSERT's own statement, whose other parts see the table as it
 * was before it (PostgreSQL's data-modifying CTEs), so joining the target gives the old values.
 */
export function diffSelect(sql: Sql, table: string, key: readonly string[], limits: { created: number | null; updated: number | null }) {
  const order = key.length
    ? sql`ORDER BY ${joinFragments(
        sql,
        key.map((_, i) => sql`w.${sql(`seedbed_k${i}`)}`),
      )}`
    : sql``
  return sql`
    SELECT count(*) FILTER (WHERE inserted)::int AS created, count(*) FILTER (WHERE NOT inserted)::int AS updated,
      (SELECT coalesce(json_agg(w.seedbed_new ${order}), '[]'::json) FROM
        (SELECT w.* FROM written w WHERE w.inserted ${order} LIMIT ${limits.created}) w) AS created_rows,
      (SELECT coalesce(json_agg(json_build_array(to_json(o.*), w.seedbed_new) ${order}), '[]'::json) FROM
        (SELECT w.* FROM written w WHERE NOT w.inserted ${order} LIMIT ${limits.updated}) w
        JOIN ${sql(table)} o ON ${diffJoin(sql, key)}) AS updated_pairs
    FROM written`
}

/** The row of a {@link diffSelect}, handed to the recorder. */
export function recordDiff(
  diff: DiffRecorder,
  table: string,
  key: readonly string[],
  row: { created: number; updated: number; created_rows: Row[]; updated_pairs: [Row, Row][] },
): void {
  diff.created(table, key, row.created, row.created_rows)
  diff.updated(table, key, row.updated, row.updated_pairs)
}

/**
 * The same rows as `rows`, keeping the first `limit` (`null`: all) in `into` as objects keyed by
 * column: what a COPY straight into a table creates. Sync stays sync (copyRows walks it without a
 * microtask per row).
 */
export function capturing(rows: RowSource, columns: readonly string[], limit: number | null, into: Row[]): RowSource {
  const keep = (row: CopyRow) => {
    if (limit === null || into.length < limit)
      into.push(Object.fromEntries(columns.map((c, i) => [c, Array.isArray(row) ? row[i] : (row as Row)[c]])))
    return row
  }
  if (Symbol.iterator in rows) {
    const sync = rows as Iterable<CopyRow>
    return (function* () {
      for (const row of sync) yield keep(row)
    })()
  }
  const source = rows as AsyncIterable<CopyRow>
  return (async function* () {
    for await (const row of source) yield keep(row)
  })()
}
