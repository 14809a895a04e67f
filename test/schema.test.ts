import { createHash } from 'node:crypto'
import { cp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { applySchema } from '../lib/db/schema.ts'
import { codes } from '../lib/errors/errors.ts'
import { fresh as freshRun, seed } from '../lib/execution/api.ts'
import { createLogger } from '../lib/output/log.ts'
import { formatSummary } from '../lib/output/summary.ts'
import { fixture, ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

const schemaDir = path.join(ROOT, 'schema')
const seedsDir = path.join(ROOT, 'seeds')

t.test('a dry run says so: in the summary table and as dryRun in JSON, which real runs report as false', async (t) => {
  const db = await testDatabase(t)
  await applySchema(db.sql, schemaDir)
  const env = { DATABASE_URL: db.url }

  const dry = await runCli(['seed', '--only', 'roles', '--dry-run'], { env })
  t.equal(dry.code, 0, dry.stderr)
  t.match(dry.stdout, /^total \(dry run\)\s+ok\s+3\s+0\s+0/m, 'the total line names the dry run')
  t.match(dry.stdout, /^dry run: nothing was committed$/m)
  t.same(await db.sql`SELECT count(*)::int AS n FROM roles`, [{ n: 0 }], 'and nothing was')

  const dryJson = JSON.parse((await runCli(['seed', '--only', 'roles', '--dry-run', '--json'], { env })).stdout)
  t.equal(dryJson.dryRun, true)

  const real = await runCli(['seed', '--only', 'roles', '--json'], { env })
  t.equal(real.code, 0, real.stderr)
  const report = JSON.parse(real.stdout)
  t.equal(report.dryRun, false, 'a real run reports dryRun: false, not nothing')
  t.equal(report.seeds[0].created, 3)
  const summary = formatSummary(report)
  t.match(summary, /^total\s+ok/m)
  t.notMatch(summary, /dry run/, 'a real run does not claim to be a dry run')

  const api = await seed({ databaseUrl: db.url, seedsDir, only: ['roles'] })
  t.equal(api.dryRun, false, 'the API result has it too')
})

const project = fixture('schema-project')

/** The fixture's schema folder, copied so that a test may change a file. */
async function schemaCopy(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t, 'seedbed-schema-')
  await cp(path.join(project, 'schema'), dir, { recursive: true })
  return dir
}

function collector(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = []
  return { lines, logger: createLogger({ reporters: [{ log: (o) => lines.push(o.args.join(' ')) }] }) }
}

t.test('--apply-schema twice with plain CREATE TABLE files: the second run skips the applied files', async (t) => {
  const db = await testDatabase(t)
  const dir = await schemaCopy(t)
  const options = { databaseUrl: db.url, seedsDir: path.join(project, 'seeds'), schemaDir: dir, only: [], applySchema: true }

  const first = collector()
  const r1 = await seed({ ...options, logger: first.logger })
  t.ok(r1.ok)
  t.ok(first.lines.includes('applied schema: 001_shelves.sql, 002_books.sql'), first.lines.join('\n'))
  const recorded = await db.sql`SELECT file, checksum FROM seedbed.schema_files ORDER BY file`
  t.same(
    recorded.map((r) => r.file),
    ['001_shelves.sql', '002_books.sql'],
  )
  const sha = createHash('sha256')
    .update(await readFile(path.join(dir, '001_shelves.sql'), 'utf8'))
    .digest('hex')
  t.equal(recorded[0]!.checksum, sha, 'the record holds the sha256 of the file')

  const second = collector()
  const r2 = await seed({ ...options, logger: second.logger })
  t.ok(r2.ok, 'no E_SCHEMA_FAILED "already exists"')
  t.ok(second.lines.includes('schema already applied, skipped: 001_shelves.sql, 002_books.sql'), second.lines.join('\n'))
  t.ok(second.lines.includes('applied schema: nothing new'))
  t.same(await db.sql`SELECT count(*)::int AS n FROM books`, [{ n: 1 }])

  // A new file is applied on its own; the others stay skipped.
  await writeFile(path.join(dir, '003_authors.sql'), 'CREATE TABLE authors (name text PRIMARY KEY);\n')
  t.same(await applySchema(db.sql, dir), { applied: ['003_authors.sql'], skipped: ['001_shelves.sql', '002_books.sql'] })
})

t.test('a schema file changed after it was applied is E_SCHEMA_CHANGED, nothing changed; fresh re-applies', async (t) => {
  const db = await testDatabase(t)
  const dir = await schemaCopy(t)
  const options = { databaseUrl: db.url, seedsDir: path.join(project, 'seeds'), schemaDir: dir, only: [] }
  t.ok((await seed({ ...options, applySchema: true })).ok)
  const before = await db.sql`SELECT file, checksum, applied_at FROM seedbed.schema_files ORDER BY file`

  await writeFile(path.join(dir, '002_books.sql'), 'CREATE TABLE books (title text PRIMARY KEY, shelf text, pages int);\n')
  await writeFile(path.join(dir, '003_authors.sql'), 'CREATE TABLE authors (name text PRIMARY KEY);\n')
  const err = await seed({ ...options, applySchema: true }).catch((e) => e)
  t.equal(err.code, codes.SCHEMA_CHANGED)
  t.match(err.message, /schema file 002_books\.sql changed since it was applied/)
  t.equal(err.file, path.join(dir, '002_books.sql'))
  t.match(err.hint, /run `fresh`/)
  t.same(await db.sql`SELECT file, checksum, applied_at FROM seedbed.schema_files ORDER BY file`, before, 'the record is unchanged')
  t.same(await db.sql`SELECT to_regclass('authors') AS t`, [{ t: null }], 'the new file was not applied either')
  t.same(
    await db.sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'books' ORDER BY ordinal_position`,
    [{ column_name: 'title' }, { column_name: 'shelf' }],
    'books as it was',
  )

  const fresh = collector()
  const r = await freshRun({ ...options, logger: fresh.logger })
  t.ok(r.ok)
  t.ok(fresh.lines.includes('applied schema: 001_shelves.sql, 002_books.sql, 003_authors.sql'), fresh.lines.join('\n'))
  t.same(
    await db.sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'books' ORDER BY ordinal_position`,
    [{ column_name: 'title' }, { column_name: 'shelf' }, { column_name: 'pages' }],
    'fresh applied the changed file',
  )
  const after = await db.sql`SELECT file, checksum FROM seedbed.schema_files ORDER BY file`
  t.equal(after.length, 3)
  t.not(after[1]!.checksum, before[1]!.checksum, 'and recorded its new checksum')
  t.ok((await seed({ ...options, applySchema: true })).ok, 'after which --apply-schema skips again')
})

t.test('a database made before the record: IF NOT EXISTS files apply again; plain ones say what to do', async (t) => {
  const db = await testDatabase(t)
  // The example schema applied the old way: tables, no record.
  for (const file of ['001_catalog.sql', '002_orders.sql']) await db.sql.unsafe(await readFile(path.join(schemaDir, file), 'utf8'))
  t.same(await applySchema(db.sql, schemaDir), { applied: ['001_catalog.sql', '002_orders.sql'], skipped: [] })
  t.same(await applySchema(db.sql, schemaDir), { applied: [], skipped: ['001_catalog.sql', '002_orders.sql'] })

  const plain = await testDatabase(t)
  await plain.sql.unsafe(await readFile(path.join(project, 'schema', '001_shelves.sql'), 'utf8'))
  const err = await applySchema(plain.sql, path.join(project, 'schema')).catch((e) => e)
  t.equal(err.code, codes.SCHEMA_FAILED)
  t.equal(err.sqlState, '42P07')
  t.match(err.hint, /no record that seedbed applied it/)
  t.same(await plain.sql`SELECT count(*)::int AS n FROM seedbed.schema_files`, [{ n: 0 }], 'the failed file is not recorded')
})
