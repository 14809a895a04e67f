import type postgres from 'postgres'
import { joinFragments, quotedName } from './fragments.ts'

type Sql = postgres.TransactionSql | postgres.Sql
type Fragment = postgres.PendingQuery<postgres.Row[]>

/** How a column's old and new values are compared: as they are, as jsonb (json), or by their text form. */
export type Comparison = 'equal' | 'jsonb' | 'text'

/**
 * How to compare each of `columns` of `table` for "did this row change": a type with its own `=`
 * (`int = int`, `jsonb = jsonb`) as it is; json as jsonb; any other type (xml, point, arrays,
 * composites, enums, domains over those: `ROW() IS DISTINCT FROM` needs an equality operator they may
 * not have, 42883 `operator does not exist: xml = xml`) by its text form, which every type has.
 * A table that does not exist gives an empty map (the statement that follows names it).
 */
export async function comparisons(sql: Sql, table: string, columns: readonly string[]): Promise<Map<string, Comparison>> {
  if (!columns.length) return new Map()
  const rows = await sql<{ name: string; compare: Comparison }[]>`
    SELECT a.attname AS name,
           CASE WHEN b.typ = 'json'::regtype THEN 'jsonb'
                WHEN EXISTS (SELECT 1 FROM pg_operator o WHERE o.oprname = '=' AND o.oprleft = b.typ
                             AND o.oprright = b.typ AND o.oprresult = 'bool'::regtype) THEN 'equal'
                ELSE 'text' END AS compare
    FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
    CROSS JOIN LATERAL (SELECT CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END AS typ) b
    WHERE a.attrelid = to_regclass(${quotedName(table)}) AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname = ANY(${columns as string[]}::text[])`
  return new Map(rows.map((r) => [r.name, r.compare]))
}

/** `q.a, q.b::text, q.c::jsonb`: the columns as `comparisons` says to compare them. */
function compared(sql: Sql, columns: readonly string[], qualifier: string, how: ReadonlyMap<string, Comparison>): Fragment {
  return joinFragments(
    sql,
    columns.map((c) => {
      const value = sql`${sql(qualifier)}.${sql(c)}`
      const kind = how.get(c) ?? 'equal'
      return kind === 'equal' ? value : kind === 'jsonb' ? sql`${value}::jsonb` : sql`${value}::text`
    }),
  )
}

/** `ROW(a.x, ...) IS DISTINCT FROM ROW(b.x, ...)`, each column compared as `how` says. */
export function rowsDiffer(sql: Sql, columns: readonly string[], a: string, b: string, how: ReadonlyMap<string, Comparison>): Fragment {
  return sql`ROW(${compared(sql, columns, a, how)}) IS DISTINCT FROM ROW(${compared(sql, columns, b, how)})`
}

/**
 * The `ON CONFLICT` action of an idempotent write: update the `update` columns only where they differ
 * (an unchanged row is left alone and counts as skipped), or `DO NOTHING` when there is nothing to update.
 */
export function conflictAction(sql: Sql, table: string, update: readonly string[], how: ReadonlyMap<string, Comparison>): Fragment {
  if (!update.length) return sql`DO NOTHING`
  return sql`DO UPDATE SET ${joinFragments(
    sql,
    update.map((c) => sql`${sql(c)} = excluded.${sql(c)}`),
  )}
          WHERE ${rowsDiffer(sql, update, table, 'excluded', how)}`
}
