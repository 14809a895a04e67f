import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import { ensureSchemaRecord } from './ledger.ts'
import { projectMigrationTool } from './migrate.ts'

/** What `applySchema` did: files applied now, and files applied by an earlier run (unchanged). */
export interface SchemaResult {
  applied: string[]
  skipped: string[]
}

// SQLSTATEs of "it is already there": duplicate table, object, schema, function, database.
const ALREADY_EXISTS = new Set(['42P07', '42710', '42P06', '42723', '42P04'])

/**
 * The example project's schema: plain `.sql` files applied in name order, each once. Each file
 * runs in one transaction with its row in `seedbed.schema_files` (name and sha256), so a re-run
 * skips it, and a file changed after it was applied is `E_SCHEMA_CHANGED` before anything runs.
 * seedbed is not a migration tool; this is just enough to give seeds their tables.
 */
export async function applySchema(sql: postgres.Sql, dir: string): Promise<SchemaResult> {
  let files: string[]
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  } catch (cause) {
    // A project with a migration tool has no schema folder: what it lacks is SEEDBED_MIGRATE.
    const tool = projectMigrationTool()
    throw new SeedbedError(codes.SCHEMA_FAILED, `cannot read the schema folder ${dir}`, {
      file: dir,
      hint: tool
        ? `this project uses ${tool.name}: set SEEDBED_MIGRATE=${tool.command} in .env (or pass --migrate), and seedbed runs your migrations instead of schema files`
        : 'point --schema (SEEDBED_SCHEMA_DIR) at the folder of .sql files, or set SEEDBED_MIGRATE to your migration command',
      cause,
    })
  }
  const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')))
  const checksums = texts.map((text) => createHash('sha256').update(text).digest('hex'))

  await ensureSchemaRecord(sql)
  const recorded = new Map(
    (await sql<{ file: string; checksum: string }[]>`SELECT file, checksum FROM seedbed.schema_files`).map((r) => [r.file, r.checksum]),
  )
  // Every file is checked before any is applied: a changed file stops the run with nothing changed.
  const changed = files.filter((f, i) => recorded.has(f) && recorded.get(f) !== checksums[i])
  if (changed.length) {
    throw new SeedbedError(
      codes.SCHEMA_CHANGED,
      `schema file${changed.length > 1 ? 's' : ''} ${changed.join(', ')} changed since ${changed.length > 1 ? 'they were' : 'it was'} applied to this database`,
      {
        file: path.join(dir, changed[0]!),
        hint: 'seedbed applies a schema file once and never alters it: run `fresh` to drop and re-apply the schema (its data is lost), or restore the file and put the change in a new one',
      },
    )
  }

  const result: SchemaResult = { applied: [], skipped: [] }
  for (const [i, file] of files.entries()) {
    if (recorded.has(file)) {
      result.skipped.push(file)
      continue
    }
    try {
      const applied = await sql.begin(async (tx) => {
        // The row first: a concurrent run applying the same file waits on it, then skips the file.
        const [row] = await tx`
          INSERT INTO seedbed.schema_files (file, checksum) VALUES (${file}, ${checksums[i]!})
          ON CONFLICT (file) DO NOTHING RETURNING file`
        if (!row) return false
        await tx.unsafe(texts[i]!)
        return true
      })
      result[applied ? 'applied' : 'skipped'].push(file)
    } catch (cause) {
      const e = cause as { message?: string; code?: string }
      throw new SeedbedError(codes.SCHEMA_FAILED, `schema file ${file} failed: ${e.message ?? String(cause)}`, {
        file: path.join(dir, file),
        sqlState: e.code,
        hint: ALREADY_EXISTS.has(e.code ?? '')
          ? 'the database already has what this file creates, but no record that seedbed applied it: make the file idempotent (CREATE ... IF NOT EXISTS), or run `fresh` to drop and re-apply the schema'
          : 'fix the SQL in that file; it was rolled back',
        cause,
      })
    }
  }
  return result
}

/**
 * Drops everything in the `public` schema (what `fresh` starts from), and with it the record of
 * applied schema files, whose tables are gone: they are applied again.
 */
export async function dropPublicSchema(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`DROP SCHEMA IF EXISTS public CASCADE`
    await tx`CREATE SCHEMA public`
    const [{ recorded }] = await tx<[{ recorded: boolean }]>`SELECT to_regclass('seedbed.schema_files') IS NOT NULL AS recorded`
    if (recorded) await tx`DELETE FROM seedbed.schema_files`
  })
}

/**
 * A database with nothing in it yet: no relation in `public`, and no sign that seedbed ever prepared
 * it (no applied schema file, no seed that succeeded). A first run that failed (a missing migrate
 * command, a broken schema file) leaves the ledger behind but nothing else, so the next run still
 * counts as the first and prepares the schema. Asked of the embedded server only.
 */
export async function isNewDatabase(sql: postgres.Sql): Promise<boolean> {
  const [state] = await sql<[{ tables: boolean; files: boolean; seeds: boolean }]>`
    SELECT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = to_regnamespace('public')) AS tables,
           to_regclass('seedbed.schema_files') IS NOT NULL AS files,
           to_regclass('seedbed.seed_runs') IS NOT NULL AS seeds`
  if (!state || state.tables) return false
  // Separate statements: a query naming a table that does not exist fails to parse.
  if (state.files && (await sql`SELECT 1 FROM seedbed.schema_files LIMIT 1`).length > 0) return false
  if (state.seeds && (await sql`SELECT 1 FROM seedbed.seed_runs WHERE status = 'succeeded' LIMIT 1`).length > 0) return false
  return true
}
