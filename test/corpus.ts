/**
 * Issue 29's corpus of real schemas (test/fixtures/schemas/*): loading one DDL-only, the order to fill
 * its tables in, a digest of their rows, and the rows whose foreign keys point nowhere. Shared by
 * test/real-schemas.test.ts, test/existing-database.test.ts, test/types-command.test.ts and bench/fake-corpus.ts.
 */
import { readFile } from 'node:fs/promises'
import postgres from 'postgres'

type Sql = postgres.Sql

/** Loads a schema file as psql would (one simple-protocol script) on a connection of its own: its SETs stay there. */
export async function loadDdl(url: string, file: string): Promise<void> {
  const ddl = await readFile(file, 'utf8')
  const one = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await one.unsafe(ddl).simple()
  } finally {
    await one.end({ timeout: 5 })
  }
}

/**
 * The tables to fill (partitions through their parent), parents before children (foreign keys on
 * partitions count for the parent). With `roots`, only those tables and the tables they refer to, transitively.
 */
export async function tablesInOrder(sql: Sql, roots?: readonly string[]): Promise<string[]> {
  const tables = await sql<{ name: string }[]>`
    SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'seedbed')
      AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1`
  const edges = await sql<{ child: string; parent: string }[]>`
    SELECT DISTINCT format('%I.%I', cn.nspname, cc.relname) AS child, format('%I.%I', pn.nspname, pc.relname) AS parent
    FROM pg_constraint k
    JOIN pg_class cc ON cc.oid = coalesce(pg_partition_root(k.conrelid), k.conrelid) JOIN pg_namespace cn ON cn.oid = cc.relnamespace
    JOIN pg_class pc ON pc.oid = coalesce(pg_partition_root(k.confrelid), k.confrelid) JOIN pg_namespace pn ON pn.oid = pc.relnamespace
    WHERE k.contype = 'f' AND cc.oid <> pc.oid`
  const order: string[] = []
  const done = new Set<string>()
  const visit = (name: string, path: Set<string>) => {
    if (done.has(name) || path.has(name)) return
    path.add(name)
    for (const e of edges) if (e.child === name) visit(e.parent, path)
    done.add(name)
    order.push(name)
  }
  for (const name of roots ?? tables.map((x) => x.name)) visit(name, new Set())
  return order
}

/** Row count and md5 of every table, over the columns the server does not fill with a volatile default (now(), random uuids). */
export async function digests(sql: Sql, tables: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of tables) {
    const [{ columns }] = await sql<[{ columns: string[] }]>`
      SELECT coalesce(array_agg(quote_ident(a.attname) ORDER BY a.attnum), '{}') AS columns FROM pg_attribute a
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ${table}::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND (d.oid IS NULL OR a.attgenerated <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')`
    const list = columns.length ? columns.join(', ') : 'NULL'
    const [row] = await sql.unsafe(
      `SELECT count(*)::int AS n, coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r::text)), '') AS d FROM (SELECT ROW(${list}) AS r FROM ${table}) x`,
    )
    out[table] = `${row!.n}:${row!.d}`
  }
  return out
}

/** Rows whose foreign key (MATCH SIMPLE: all columns set) has no parent row, per constraint. */
export async function orphans(sql: Sql) {
  const fks = await sql<{ name: string; child: string; parent: string; cols: string[]; refs: string[] }[]>`
    SELECT k.conname AS name, k.conrelid::regclass::text AS child, k.confrelid::regclass::text AS parent,
           ARRAY(SELECT quote_ident(attname) FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute ON attrelid = k.conrelid AND attnum = u.n ORDER BY u.i) AS cols,
           ARRAY(SELECT quote_ident(attname) FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute ON attrelid = k.confrelid AND attnum = u.n ORDER BY u.i) AS refs
    FROM pg_constraint k WHERE k.contype = 'f' AND k.conparentid = 0`
  const bad: Record<string, number> = {}
  for (const fk of fks) {
    const set = fk.cols.map((c) => `c.${c} IS NOT NULL`).join(' AND ')
    const match = fk.cols.map((c, i) => `p.${fk.refs[i]} = c.${c}`).join(' AND ')
    const [{ n }] = (await sql.unsafe(
      `SELECT count(*)::int AS n FROM ${fk.child} c WHERE ${set} AND NOT EXISTS (SELECT 1 FROM ${fk.parent} p WHERE ${match})`,
    )) as unknown as [{ n: number }]
    if (n) bad[`${fk.child} ${fk.name}`] = n
  }
  return bad
}
