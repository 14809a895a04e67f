import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import { displayPath } from '../errors/location.ts'
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

/** An identifier as PostgreSQL folds it: quoted kept as written, unquoted lower-cased. */
const folded = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase())
const IDENT = String.raw`(?:"(?:[^"]|"")+"|[\w$]+)`
const CREATES = new RegExp(
  String.raw`\bcreate\s+(?:or\s+replace\s+)?(?:(?:global\s+|local\s+)?(?:temp|temporary|unlogged)\s+)?(?:table|(?:materialized\s+)?view)\s+(?:if\s+not\s+exists\s+)?(${IDENT}(?:\s*\.\s*${IDENT})?)`,
  'gi',
)

/**
 * The schema file (its name) whose `CREATE TABLE` / `CREATE VIEW` makes `table` (`name` or
 * `schema.name`, as a seed or PostgreSQL's message spells it), read, not run; undefined when none
 * does or the folder cannot be read.
 */
export async function schemaFileCreating(dir: string, table: string): Promise<string | undefined> {
  // Compared without case: a message spells the name as the query did, a file as its author did.
  const wanted = table.split('.').map((part) => folded(part).toLowerCase())
  const files = await readdir(dir).then(
    (names) => names.filter((f) => f.endsWith('.sql')).sort(),
    () => [],
  )
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8')
    for (const m of text.matchAll(CREATES)) {
      const parts = m[1]!.split(/\s*\.\s*/).map((part) => folded(part).toLowerCase())
      const sameSchema = wanted.length < 2 || parts.length < 2 || parts[0] === wanted[0]
      if (parts.at(-1) === wanted.at(-1) && sameSchema) return file
    }
  }
  return undefined
}

/**
 * What to do about `table`, which does not exist, in a project whose tables come from the schema
 * files of `schemaDir` or from `migrate`: apply the schema when one of its files makes the table
 * (never `fresh` alone, which drops the data), run the migrations, or create the table.
 */
export async function missingTableHint(table: string, project: { schemaDir: string; migrate?: string | undefined }): Promise<string> {
  if (project.migrate) {
    return `run the migrations first (${project.migrate}); if none creates table ${table}, add one that does, or fix the table name in the seed`
  }
  const file = await schemaFileCreating(project.schemaDir, table)
  if (file) {
    return `${file} creates table ${table} but is not applied to this database: \`seed --apply-schema\` applies it (\`fresh\` does too, after dropping the public schema and its data)`
  }
  return `no schema file creates table ${table}: create the table (a CREATE TABLE in a new file of ${displayPath(project.schemaDir)}/, or with your migration tool), or fix the table name in the seed (schema-qualify it when it is not on the search_path)`
}
