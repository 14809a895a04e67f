import type postgres from 'postgres'

type Sql = postgres.TransactionSql | postgres.Sql
type Fragment = postgres.PendingQuery<postgres.Row[]>

/** Joins tagged-template fragments with a separator (postgres.js nests fragments but has no join). */
export function joinFragments(sql: Sql, fragments: Fragment[], separator: 'comma' | 'and' = 'comma'): Fragment {
  return fragments.reduce((acc, f) => (separator === 'and' ? sql`${acc} AND ${f}` : sql`${acc}, ${f}`))
}

/**
 * `"a", "b"` or, with a qualifier, `q."a", q."b"`. Built from single identifiers because
 * postgres.js reads `sql(array)` by the keyword before it: after INSERT it would take the names
 * for rows of values.
 */
export function columnList(sql: Sql, columns: readonly string[], qualifier?: string): Fragment {
  return joinFragments(
    sql,
    columns.map((c) => (qualifier ? sql`${sql(qualifier)}.${sql(c)}` : sql`${sql(c)}`)),
  )
}

/** `schema.table` as postgres.js quotes an identifier (a dot separates schema and table), for to_regclass. */
export function quotedName(table: string): string {
  return `"${table.replace(/"/g, '""').replace(/\./g, '"."')}"`
}
