import type postgres from 'postgres'
import { quotedName } from '../sql/fragments.ts'
import { LEDGER_SCHEMA } from '../db/ledger.ts'

/**
 * Which tables each seed wrote, for the plan's foreign-key check (lib/planning/foreign-keys.ts):
 * `seedbed.seed_tables`, one row per seed and table, the table by its quoted identity
 * (`format('%I.%I')`: `public.orders`, `app."Accounts"`), which survives `fresh` where an oid would not.
 * Written inside the seed's transaction, so a seed that rolled back records nothing.
 */
export const SEED_TABLES = `${LEDGER_SCHEMA}.seed_tables`

/** `schema.table` (quoted where needed) of each name, as postgres.js quotes a name; null for a table that does not exist. */
export async function qualifiedNames(
  sql: postgres.Sql | postgres.TransactionSql,
  names: readonly string[],
): Promise<Map<string, string | null>> {
  if (!names.length) return new Map()
  const rows = await sql<{ name: string; qualified: string | null }[]>`
    SELECT t.name, CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', n.nspname, c.relname) END AS qualified
    FROM unnest(${names as string[]}::text[], ${names.map(quotedName)}::text[]) AS t(name, quoted)
    LEFT JOIN pg_class c ON c.oid = to_regclass(t.quoted) LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`
  return new Map(rows.map((r) => [r.name, r.qualified]))
}

/**
 * Records the tables a seed's successful run wrote through seedbed's helpers (names as the seed gave
 * them): they replace what earlier runs recorded, so a table the seed no longer writes stops counting.
 */
export async function recordTables(tx: postgres.TransactionSql, seed: string, names: Iterable<string>): Promise<void> {
  const list = [...new Set(names)]
  await tx`
    DELETE FROM seedbed.seed_tables WHERE seed = ${seed}
      AND tbl NOT IN (
        SELECT format('%I.%I', n.nspname, c.relname)
        FROM unnest(${list.map(quotedName)}::text[]) AS t(quoted)
        JOIN pg_class c ON c.oid = to_regclass(t.quoted) JOIN pg_namespace n ON n.oid = c.relnamespace)`
  if (!list.length) return
  await tx`
    INSERT INTO seedbed.seed_tables (seed, tbl)
    SELECT ${seed}, format('%I.%I', n.nspname, c.relname)
    FROM unnest(${list.map(quotedName)}::text[]) AS t(quoted)
    JOIN pg_class c ON c.oid = to_regclass(t.quoted) JOIN pg_namespace n ON n.oid = c.relnamespace
    ON CONFLICT (seed, tbl) DO UPDATE SET recorded_at = clock_timestamp()`
}

/** The tables each seed was seen writing, by seed; empty when the ledger does not exist yet. */
export async function recordedTables(sql: postgres.Sql | postgres.TransactionSql): Promise<Map<string, string[]>> {
  const [{ exists }] = await sql<[{ exists: boolean }]>`SELECT to_regclass(${SEED_TABLES}) IS NOT NULL AS exists`
  if (!exists) return new Map()
  const rows = await sql<{ seed: string; tables: string[] }[]>`
    SELECT seed, array_agg(tbl ORDER BY tbl) AS tables FROM seedbed.seed_tables GROUP BY seed`
  return new Map(rows.map((r) => [r.seed, r.tables]))
}
