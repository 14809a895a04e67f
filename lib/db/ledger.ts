import os from 'node:os'
import { execFileSync } from 'node:child_process'
import type postgres from 'postgres'
import type { LoadedSeed } from '../contract/contract.ts'
import type { SeedReport } from '../contract/types.ts'

/**
 * seedbed's own record, in a schema of its own: one row per run (the audit log) and one per
 * seed per run. A seed's row is written inside the seed's transaction, so the ledger and the
 * data never disagree: a seed that rolled back has no `succeeded` row.
 */
export const LEDGER_SCHEMA = 'seedbed'

/**
 * The record of applied schema files: a file is applied once, in the transaction that adds its
 * row, and skipped after. It lives in `seedbed`, so it survives `DROP SCHEMA public`: `fresh`
 * empties it when it drops the tables the files made.
 */
export async function ensureSchemaRecord(sql: postgres.Sql | postgres.TransactionSql): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS seedbed`
  await sql`CREATE TABLE IF NOT EXISTS seedbed.schema_files (
    file       text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`
}

export async function ensureLedger(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await ensureSchemaRecord(tx)
    await tx`CREATE TABLE IF NOT EXISTS seedbed.runs (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      command     text NOT NULL,
      environment text NOT NULL,
      os_user     text NOT NULL,
      host        text NOT NULL,
      git_commit  text,
      arguments   jsonb NOT NULL,
      started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
      ended_at    timestamptz,
      status      text NOT NULL DEFAULT 'running'
    )`
    await tx`CREATE TABLE IF NOT EXISTS seedbed.seed_runs (
      run_id      bigint NOT NULL REFERENCES seedbed.runs (id) ON DELETE CASCADE,
      seed        text NOT NULL,
      checksum    text NOT NULL,
      status      text NOT NULL,
      created     integer NOT NULL,
      updated     integer NOT NULL,
      skipped     integer NOT NULL,
      duration_ms integer NOT NULL,
      error_code  text,
      finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (run_id, seed)
    )`
  })
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null
  } catch {
    return null
  }
}

/**
 * Opens a run. Runs still `running` are from processes that died (this one holds the lock, so
 * no other is running): they are closed as `abandoned` first.
 */
export async function startRun(sql: postgres.Sql, command: string, environment: string, args: readonly string[]): Promise<number> {
  await sql`UPDATE seedbed.runs SET status = 'abandoned', ended_at = clock_timestamp() WHERE status = 'running'`
  const [row] = await sql<[{ id: string }]>`
    INSERT INTO seedbed.runs (command, environment, os_user, host, git_commit, arguments)
    VALUES (${command}, ${environment}, ${os.userInfo().username}, ${os.hostname()}, ${gitCommit()}, ${sql.json(args as string[])})
    RETURNING id`
  return Number(row.id)
}

export async function finishRun(sql: postgres.Sql, runId: number, status: string): Promise<void> {
  await sql`UPDATE seedbed.runs SET status = ${status}, ended_at = clock_timestamp() WHERE id = ${runId}`
}

/** The seed's ledger row; call it inside the seed's transaction (or after a failure, outside). */
export async function recordSeed(
  sql: postgres.Sql | postgres.TransactionSql,
  runId: number,
  seed: LoadedSeed,
  report: Omit<SeedReport, 'name' | 'level' | 'rowsPerSecond' | 'attempts'>,
): Promise<void> {
  await sql`
    INSERT INTO seedbed.seed_runs (run_id, seed, checksum, status, created, updated, skipped, duration_ms, error_code)
    VALUES (${runId}, ${seed.name}, ${seed.checksum}, ${report.status}, ${report.created}, ${report.updated}, ${report.skipped}, ${report.durationMs}, ${report.error?.code ?? null})
    ON CONFLICT (run_id, seed) DO UPDATE SET status = excluded.status, error_code = excluded.error_code`
}

export interface SeedState {
  seed: string
  checksum: string
  finishedAt: Date
}

/**
 * Each seed's last success since the last `fresh` (which dropped the data the earlier ones wrote).
 * Returns an empty map when the ledger does not exist yet.
 */
export async function lastSuccesses(sql: postgres.Sql): Promise<Map<string, SeedState>> {
  const [{ exists }] = await sql<[{ exists: boolean }]>`SELECT to_regclass('seedbed.seed_runs') IS NOT NULL AS exists`
  if (!exists) return new Map()
  const rows = await sql<{ seed: string; checksum: string; finished_at: Date }[]>`
    SELECT DISTINCT ON (sr.seed) sr.seed, sr.checksum, sr.finished_at
    FROM seedbed.seed_runs sr JOIN seedbed.runs r ON r.id = sr.run_id
    WHERE sr.status = 'succeeded' AND r.command <> 'validate'
      AND r.id >= coalesce((SELECT max(id) FROM seedbed.runs WHERE command = 'fresh' AND status = 'succeeded'), 0)
    ORDER BY sr.seed, sr.finished_at DESC`
  return new Map(rows.map((r) => [r.seed, { seed: r.seed, checksum: r.checksum, finishedAt: r.finished_at }]))
}

export interface RunRow {
  id: number
  command: string
  environment: string
  os_user: string
  host: string
  git_commit: string | null
  started_at: Date
  ended_at: Date | null
  status: string
}

export async function lastRuns(sql: postgres.Sql, limit = 10): Promise<RunRow[]> {
  const [{ exists }] = await sql<[{ exists: boolean }]>`SELECT to_regclass('seedbed.runs') IS NOT NULL AS exists`
  if (!exists) return []
  return (
    await sql<
      RunRow[]
    >`SELECT id::int AS id, command, environment, os_user, host, git_commit, started_at, ended_at, status FROM seedbed.runs ORDER BY id DESC LIMIT ${limit}`
  ).map((r) => ({ ...r }))
}
