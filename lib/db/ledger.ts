import os from 'node:os'
import { execFileSync } from 'node:child_process'
import type postgres from 'postgres'
import type { LoadedSeed } from '../contract/contract.ts'
import type { RecordedRun, RunRow, SeedReport } from '../contract/types.ts'

export type { RecordedRun, RunRow }
import { codes, SeedbedError } from '../errors/errors.ts'
import { redactValue } from '../errors/redact.ts'
import { osUser } from '../util/os-user.ts'
import { grantStatement, type MissingGrant, permissionError, quoteIdent } from '../errors/permission.ts'

/**
 * seedbed's own record, in a schema of its own: one row per run (the audit log) and one per
 * seed per run. A seed's row is written inside the seed's transaction, so the ledger and the
 * data never disagree: a seed that rolled back has no `succeeded` row.
 */
export const LEDGER_SCHEMA = 'seedbed'

/** One object of the ledger: the statement that creates it, and what a seeding role needs on it. */
interface LedgerObject {
  on: 'schema' | 'table'
  name: string
  create: string
  /** Granted by `ledgerSql(role)`. */
  privileges: readonly string[]
  /**
   * Columns added after the table's first release (`name type`, nullable): in `create` for a new
   * ledger, added by `ensureLedger` (and `ledger-sql`) to a table made by an earlier version.
   */
  added?: readonly string[]
}

/**
 * What the HTML report (lib/output/report-html.ts) reads back of a seed run: its level, its start in
 * ms from the run's start, its tries and its error (redacted, as the JSON report has it).
 */
const SEED_RUN_COLUMNS = ['level integer', 'started_ms integer', 'attempts integer', 'error jsonb'] as const

/** The columns of a table whose old values the undo records left out (they held a `ctx.secret` value): undo reports them. */
const UNDO_TABLE_COLUMNS = ['secret_columns text[]'] as const

/**
 * The ledger's objects in creation order: what `ledger-sql` prints for a DBA and what
 * ensureLedger / ensureSchemaRecord run for those that are missing (the one copy of the DDL).
 */
const LEDGER: readonly LedgerObject[] = [
  { on: 'schema', name: LEDGER_SCHEMA, create: `CREATE SCHEMA IF NOT EXISTS ${LEDGER_SCHEMA}`, privileges: ['USAGE'] },
  /**
   * The record of applied schema files: a file is applied once, in the transaction that adds its
   * row, and skipped after. It lives in `seedbed`, so it survives `DROP SCHEMA public`: `fresh`
   * empties it when it drops the tables the files made.
   */
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.schema_files`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.schema_files (
  file       text PRIMARY KEY,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`,
    privileges: ['SELECT', 'INSERT', 'DELETE'],
  },
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.runs`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.runs (
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
)`,
    privileges: ['SELECT', 'INSERT', 'UPDATE'],
  },
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.seed_runs`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.seed_runs (
  run_id      bigint NOT NULL REFERENCES ${LEDGER_SCHEMA}.runs (id) ON DELETE CASCADE,
  seed        text NOT NULL,
  checksum    text NOT NULL,
  status      text NOT NULL,
  created     integer NOT NULL,
  updated     integer NOT NULL,
  skipped     integer NOT NULL,
  duration_ms integer NOT NULL,
  error_code  text,
  finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  ${SEED_RUN_COLUMNS.join(',\n  ')},
  PRIMARY KEY (run_id, seed)
)`,
    privileges: ['SELECT', 'INSERT', 'UPDATE'],
    added: SEED_RUN_COLUMNS,
  },
  /**
   * Undo records (lib/sql/undo-records.ts), written in each seed's own transaction: per seed run
   * whether it can be undone and why not, and its level (undo goes in reverse level order)...
   */
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.undo_seeds`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.undo_seeds (
  run_id     bigint NOT NULL REFERENCES ${LEDGER_SCHEMA}.runs (id) ON DELETE CASCADE,
  seed       text NOT NULL,
  level      integer NOT NULL,
  reversible boolean NOT NULL,
  reason     text,
  PRIMARY KEY (run_id, seed)
)`,
    privileges: ['SELECT', 'INSERT'],
  },
  /**
   * ...per seed run and table written, the transaction's id (every row it created or updated has it
   * as xmin until anyone changes it again), the key, and the rows it left with that xmin...
   */
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.undo_tables`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.undo_tables (
  run_id  bigint NOT NULL REFERENCES ${LEDGER_SCHEMA}.runs (id) ON DELETE CASCADE,
  seed    text NOT NULL,
  tbl     text NOT NULL,
  ord     integer NOT NULL,
  xid     xid8 NOT NULL,
  key     text[] NOT NULL,
  created bigint NOT NULL,
  updated bigint NOT NULL,
  ${UNDO_TABLE_COLUMNS.join(',\n  ')},
  PRIMARY KEY (run_id, seed, tbl)
)`,
    privileges: ['SELECT', 'INSERT', 'UPDATE'],
    added: UNDO_TABLE_COLUMNS,
  },
  /**
   * ...and the old values of the rows it updated that existed before it, with their xmin then (an undo
   * that restores a row gives it its own xmin: `was` tells whose row it stands for). Never shown: they may hold secrets.
   */
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.undo_rows`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.undo_rows (
  run_id bigint NOT NULL REFERENCES ${LEDGER_SCHEMA}.runs (id) ON DELETE CASCADE,
  seed   text NOT NULL,
  tbl    text NOT NULL,
  was    xid NOT NULL,
  old    jsonb NOT NULL
)`,
    privileges: ['SELECT', 'INSERT'],
  },
  /** Which run undid which, in which transaction: an undone run no longer counts as a seed's last success. */
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.undos`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.undos (
  run_id    bigint PRIMARY KEY REFERENCES ${LEDGER_SCHEMA}.runs (id) ON DELETE CASCADE,
  undone_by bigint NOT NULL REFERENCES ${LEDGER_SCHEMA}.runs (id) ON DELETE CASCADE,
  xid       xid8 NOT NULL
)`,
    privileges: ['SELECT', 'INSERT'],
  },
  /**
   * The tables each seed wrote (lib/db/seed-tables.ts), by quoted identity: what the plan's
   * foreign-key check compares with the catalog.
   */
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.seed_tables`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.seed_tables (
  seed        text NOT NULL,
  tbl         text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (seed, tbl)
)`,
    // DELETE: a successful run's tables replace those of earlier runs.
    privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  },
  /**
   * The run lock behind a transaction-mode pooler (lib/db/lease.ts): one row, the run holding it
   * and until when. Part of the ledger so that `ledger-sql` creates and grants it too.
   */
  {
    on: 'table',
    name: `${LEDGER_SCHEMA}.lease`,
    create: `CREATE TABLE IF NOT EXISTS ${LEDGER_SCHEMA}.lease (
  id          int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  holder      text NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at  timestamptz NOT NULL
)`,
    privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  },
]

/**
 * The ledger's DDL as a script for a DBA to run once, as a role that may create schemas: the
 * schema and its tables, then, given `role`, the GRANTs that role needs to seed (no CREATE, no
 * ownership). The identity column of `runs` needs no grant on its sequence.
 */
export function ledgerSql(role?: string): string {
  const lines = LEDGER.flatMap((o) => [`${o.create};`, ...addColumns(o)])
  if (role) {
    for (const o of LEDGER) lines.push(`${grantStatement({ on: o.on, name: o.name, privileges: o.privileges }, role)};`)
  }
  return `${lines.join('\n')}\n`
}

/** `ALTER TABLE ... ADD COLUMN IF NOT EXISTS` for each column added since the table's first release. */
function addColumns(o: LedgerObject): string[] {
  return (o.added ?? []).map((c) => `ALTER TABLE ${o.name} ADD COLUMN IF NOT EXISTS ${c};`)
}

/**
 * Adds the columns a ledger made by an earlier version lacks. Altering needs the table's owner: a
 * role that is not gets E_PERMISSION naming the statements for the owner (`ledger-sql` prints them too).
 */
async function addMissingColumns(sql: postgres.TransactionSql): Promise<void> {
  for (const o of LEDGER.filter((l) => l.added)) {
    const names = o.added!.map((c) => c.split(' ')[0]!)
    const [{ missing }] = await sql<[{ missing: string[] }]>`
      SELECT ARRAY(SELECT n FROM unnest(${names}::text[]) n WHERE NOT EXISTS (
        SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(${o.name}) AND attname = n AND NOT attisdropped)) AS missing`
    if (!missing.length) continue
    const statements = addColumns(o).filter((_, i) => missing.includes(names[i]!))
    await sql
      .savepoint((sp) => sp.unsafe(statements.join('\n')))
      .catch((err) => {
        if ((err as { code?: unknown }).code !== '42501') throw err
        throw new SeedbedError(
          codes.PERMISSION,
          `the ledger table ${o.name} lacks the column(s) ${missing.join(', ')} and this role may not add them`,
          {
            table: o.name,
            hint: `have its owner run once: ${statements.join(' ')} (\`seedbed ledger-sql\` prints them with the rest of the ledger)`,
          },
        )
      })
  }
}

interface ObjectState {
  name: string
  exists: boolean
  missing: string[]
  role: string
  database: string
  create_db: boolean
}

/**
 * Creates the ledger objects named in `needs` that are missing, after checking, in one query,
 * that the role can: CREATE on the database for a missing schema, CREATE on the schema for a
 * missing table, and on what exists the privileges `needs` gives. Nothing is created in a schema
 * made beforehand that already has it (`CREATE SCHEMA IF NOT EXISTS` would check CREATE on the
 * database first), and what the role lacks is E_PERMISSION naming every GRANT, before any seed runs.
 */
async function ensureObjects(sql: postgres.Sql | postgres.TransactionSql, needs: Record<string, readonly string[]>): Promise<void> {
  const wanted = LEDGER.filter((o) => o.name in needs)
  const objects = wanted.map((o) => ({
    kind: o.on,
    name: o.name,
    // CREATE on the schema is asked too: it matters only if a table is missing.
    privileges: [...needs[o.name]!, ...(o.on === 'schema' ? ['CREATE'] : [])].join(','),
  }))
  const states = await sql<ObjectState[]>`
    SELECT o.name, o.oid IS NOT NULL AS exists,
      CASE WHEN o.oid IS NULL THEN '{}'::text[] ELSE ARRAY(
        SELECT p FROM unnest(string_to_array(o.privileges, ',')) p
        WHERE NOT CASE WHEN o.kind = 'schema' THEN has_schema_privilege(o.oid, p) ELSE has_table_privilege(o.oid, p) END) END AS missing,
      current_user AS role, current_database() AS database, has_database_privilege(current_database(), 'CREATE') AS create_db
    FROM (SELECT k.kind, k.name, k.privileges,
            -- to_regclass raises 42501 in a schema the role may not use: the schema's row says so instead.
            CASE WHEN k.kind = 'schema' THEN to_regnamespace(k.name)::oid
                 WHEN has_schema_privilege(to_regnamespace(${LEDGER_SCHEMA}::text)::oid, 'USAGE') THEN to_regclass(k.name)::oid END AS oid
          FROM jsonb_to_recordset(${JSON.stringify(objects)}::text::jsonb) AS k(kind text, name text, privileges text)) o`
  const by = new Map(states.map((s) => [s.name, s]))
  const schema = by.get(LEDGER_SCHEMA)!
  const missingTables = wanted.filter((o) => o.on === 'table' && !by.get(o.name)!.exists)
  const grants: MissingGrant[] = []
  if (!schema.exists && !schema.create_db) grants.push({ on: 'database', name: quoteIdent(schema.database), privileges: ['CREATE'] })
  // Without USAGE nothing inside the schema can be looked at: that GRANT comes first.
  if (schema.missing.includes('USAGE')) grants.push({ on: 'schema', name: LEDGER_SCHEMA, privileges: ['USAGE'] })
  else if (schema.exists) {
    const lacks = schema.missing.filter((p) => p !== 'CREATE' || missingTables.length)
    if (lacks.length) grants.push({ on: 'schema', name: LEDGER_SCHEMA, privileges: lacks })
  }
  for (const o of wanted) {
    const state = by.get(o.name)!
    if (o.on === 'table' && state.missing.length) grants.push({ on: 'table', name: o.name, privileges: state.missing })
  }
  if (grants.length) {
    throw permissionError(schema.role, grants, {
      reason: schema.exists
        ? 'seedbed keeps its ledger in the schema seedbed'
        : `the ledger's schema seedbed does not exist and the role may not create schemas in database ${schema.database}`,
      alternative: `Or have a DBA create the ledger once for this role: \`seedbed ledger-sql --role ${quoteIdent(schema.role)}\` prints its SQL.`,
    })
  }
  for (const o of wanted) if (!by.get(o.name)!.exists) await sql.unsafe(o.create)
}

/** The lease table (`seedbed.lease`), created if missing, with what a run through a pooler writes checked. */
export async function ensureLeaseRecord(sql: postgres.Sql | postgres.TransactionSql): Promise<void> {
  await ensureObjects(sql, { [LEDGER_SCHEMA]: ['USAGE'], [`${LEDGER_SCHEMA}.lease`]: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] })
}

/** The schema-file record (`seedbed.schema_files`), created if missing. */
export async function ensureSchemaRecord(sql: postgres.Sql | postgres.TransactionSql): Promise<void> {
  await ensureObjects(sql, { [LEDGER_SCHEMA]: ['USAGE'], [`${LEDGER_SCHEMA}.schema_files`]: ['SELECT', 'INSERT'] })
}

/** The whole ledger, created where missing, with what a seeding run writes checked up front. */
export async function ensureLedger(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await ensureObjects(tx, {
      [LEDGER_SCHEMA]: ['USAGE'],
      // Created with the rest, but only `apply-schema` and `fresh` write to it.
      [`${LEDGER_SCHEMA}.schema_files`]: [],
      [`${LEDGER_SCHEMA}.runs`]: ['SELECT', 'INSERT', 'UPDATE'],
      [`${LEDGER_SCHEMA}.seed_runs`]: ['SELECT', 'INSERT', 'UPDATE'],
      [`${LEDGER_SCHEMA}.undo_seeds`]: ['SELECT', 'INSERT'],
      [`${LEDGER_SCHEMA}.undo_tables`]: ['SELECT', 'INSERT', 'UPDATE'],
      [`${LEDGER_SCHEMA}.undo_rows`]: ['SELECT', 'INSERT'],
      [`${LEDGER_SCHEMA}.undos`]: ['SELECT', 'INSERT'],
      [`${LEDGER_SCHEMA}.seed_tables`]: ['SELECT', 'INSERT', 'UPDATE'],
    })
    await addMissingColumns(tx)
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
    VALUES (${command}, ${environment}, ${osUser()}, ${os.hostname()}, ${gitCommit()}, ${sql.json(args as string[])})
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
  report: Omit<SeedReport, 'name' | 'rowsPerSecond'>,
): Promise<void> {
  const error = report.error ? sql.json(redactValue(report.error) as unknown as postgres.JSONValue) : null
  await sql`
    INSERT INTO seedbed.seed_runs (run_id, seed, checksum, status, created, updated, skipped, duration_ms, error_code, level, started_ms, attempts, error)
    VALUES (${runId}, ${seed.name}, ${seed.checksum}, ${report.status}, ${report.created}, ${report.updated}, ${report.skipped}, ${report.durationMs}, ${report.error?.code ?? null},
      ${report.level}, ${report.startedMs ?? null}, ${report.attempts}, ${error})
    ON CONFLICT (run_id, seed) DO UPDATE SET status = excluded.status, error_code = excluded.error_code, error = excluded.error`
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
  const [{ exists, undos }] = await sql<[{ exists: boolean; undos: boolean }]>`
    SELECT to_regclass('seedbed.seed_runs') IS NOT NULL AS exists, to_regclass('seedbed.undos') IS NOT NULL AS undos`
  if (!exists) return new Map()
  const rows = await sql<{ seed: string; checksum: string; finished_at: Date }[]>`
    SELECT DISTINCT ON (sr.seed) sr.seed, sr.checksum, sr.finished_at
    FROM seedbed.seed_runs sr JOIN seedbed.runs r ON r.id = sr.run_id
    WHERE sr.status = 'succeeded' AND r.command <> 'validate'
      ${undos ? sql`AND NOT EXISTS (SELECT 1 FROM seedbed.undos u WHERE u.run_id = r.id)` : sql``}
      AND r.id >= coalesce((SELECT max(id) FROM seedbed.runs WHERE command = 'fresh' AND status = 'succeeded'), 0)
    ORDER BY sr.seed, sr.finished_at DESC`
  return new Map(rows.map((r) => [r.seed, { seed: r.seed, checksum: r.checksum, finishedAt: r.finished_at }]))
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

/** A run as the ledger holds it, for `seedbed report <run>`: its row and its seeds' rows as SeedReports. */

/** Run `id` from the ledger, or null when the ledger has no such run. */
export async function readRun(sql: postgres.Sql, id: number): Promise<RecordedRun | null> {
  const [{ exists, undos }] = await sql<[{ exists: boolean; undos: boolean }]>`
    SELECT to_regclass('seedbed.seed_runs') IS NOT NULL AS exists, to_regclass('seedbed.undos') IS NOT NULL AS undos`
  if (!exists) return null
  const [run] = await sql<(RunRow & { arguments: string[] })[]>`
    SELECT id::int AS id, command, environment, os_user, host, git_commit, arguments, started_at, ended_at, status FROM seedbed.runs WHERE id = ${id}`
  if (!run) return null
  const [undid] = undos ? await sql<{ run_id: number }[]>`SELECT run_id::int AS run_id FROM seedbed.undos WHERE undone_by = ${id}` : []
  // Rows of a ledger from before the report columns have no level, start or tries: 0, unknown, 1.
  const rows = await sql<
    {
      seed: string
      status: SeedReport['status']
      created: number
      updated: number
      skipped: number
      duration_ms: number
      error_code: string | null
      level: number | null
      started_ms: number | null
      attempts: number | null
      error: SeedReport['error']
    }[]
  >`SELECT seed, status, created, updated, skipped, duration_ms, error_code, level, started_ms, attempts, error
    FROM seedbed.seed_runs WHERE run_id = ${id} ORDER BY level NULLS FIRST, started_ms NULLS FIRST, seed`
  const seeds = rows.map(
    (r): SeedReport => ({
      name: r.seed,
      level: r.level ?? 0,
      status: r.status,
      created: r.created,
      updated: r.updated,
      skipped: r.skipped,
      durationMs: r.duration_ms,
      ...(r.started_ms !== null && { startedMs: r.started_ms }),
      rowsPerSecond: r.duration_ms ? Math.round(((r.created + r.updated + r.skipped) * 1000) / r.duration_ms) : 0,
      attempts: r.attempts ?? 1,
      error:
        r.error ??
        (r.error_code ? ({ code: r.error_code, message: '(not recorded by this ledger version)' } as SeedReport['error']) : null),
    }),
  )
  return { run: { ...run }, seeds, undid: undid?.run_id ?? null }
}
