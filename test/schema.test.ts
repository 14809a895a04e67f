import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { startEmbedded } from '../lib/db/embedded.ts'
import { applySchema } from '../lib/db/schema.ts'
import { codes } from '../lib/errors/errors.ts'
import { fresh as freshRun, seed } from '../lib/execution/api.ts'
import { createLogger } from '../lib/output/log.ts'
import { formatSummary } from '../lib/output/summary.ts'
import { exampleCounts, fixture, ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

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

const migrationsProject = fixture('migrations-project')

/** A URL with a password, so that the test can prove it never reaches output. Trust servers ignore it. */
function withPassword(url: string): { url: string; password: string } {
  const u = new URL(url)
  if (!u.password) u.password = 'migrate-s3cret-pw'
  return { url: u.toString(), password: decodeURIComponent(u.password) }
}

t.test("SEEDBED_MIGRATE: seed --apply-schema and fresh run the project's migrations (node-pg-migrate), then seed", async (t) => {
  // node-pg-migrate is not a dependency of seedbed: installed for this test alone (from npm's cache).
  const tools = await tempDir(t, 'seedbed-npgm-')
  const install = spawnSync('npm', ['install', '--prefix', tools, 'node-pg-migrate@9.0.0', '--no-audit', '--no-fund'], {
    encoding: 'utf8',
  })
  t.equal(install.status, 0, install.stderr)
  const bin = path.join(tools, 'node_modules', '.bin', 'node-pg-migrate')

  const db = await testDatabase(t)
  const { url, password } = withPassword(db.url)
  const migrations = path.join(await tempDir(t, 'seedbed-migrations-'), 'migrations')
  await cp(path.join(migrationsProject, 'migrations'), migrations, { recursive: true })
  const env = { DATABASE_URL: url, SEEDBED_MIGRATE: `${bin} up -m ${migrations}`, SEEDBED_SEEDS_DIR: path.join(migrationsProject, 'seeds') }
  const counts = (r: { stdout: string }) => {
    const { created, updated, skipped } = JSON.parse(r.stdout).seeds[0]
    return { created, updated, skipped }
  }

  const first = await runCli(['seed', '--apply-schema', '--json'], { env })
  t.equal(first.code, 0, first.stderr)
  t.match(first.stderr, /running the migrate command: .*node-pg-migrate up -m/)
  t.same(counts(first), { created: 3, updated: 0, skipped: 0 }, 'seeded the tables the migrations made')
  t.same(
    (await db.sql`SELECT name FROM pgmigrations ORDER BY id`).map((r) => r.name),
    ['1700000000001_shelves', '1700000000002_books'],
    "the tool's own record",
  )
  t.same(await db.sql`SELECT to_regclass('seedbed.schema_files') IS NULL AS none`, [{ none: false }])
  t.same(await db.sql`SELECT count(*)::int AS n FROM seedbed.schema_files`, [{ n: 0 }], 'schema/*.sql was not applied')

  const again = await runCli(['seed', '--apply-schema', '--json'], { env })
  t.equal(again.code, 0, again.stderr)
  t.same(counts(again), { created: 0, updated: 0, skipped: 3 }, 'migrations already run: the tool skips them')

  const fresh = await runCli(['fresh', '--json'], { env })
  t.equal(fresh.code, 0, fresh.stderr)
  t.same(counts(fresh), { created: 3, updated: 0, skipped: 0 }, 'fresh dropped the tables, migrated again and seeded')
  for (const out of [first, again, fresh]) t.notOk(`${out.stdout}${out.stderr}`.includes(password), 'the password is never printed')
})

t.test('a failing migration is E_MIGRATE_FAILED with the command, exit code and output, redacted; no seed runs', async (t) => {
  const tools = await tempDir(t, 'seedbed-npgm-')
  t.equal(
    spawnSync('npm', ['install', '--prefix', tools, 'node-pg-migrate@9.0.0', '--no-audit', '--no-fund'], { encoding: 'utf8' }).status,
    0,
  )
  const bin = path.join(tools, 'node_modules', '.bin', 'node-pg-migrate')
  const db = await testDatabase(t)
  const { url, password } = withPassword(db.url)
  const migrations = path.join(await tempDir(t, 'seedbed-migrations-'), 'migrations')
  await cp(path.join(migrationsProject, 'migrations'), migrations, { recursive: true })
  // Prints the password it was given, as a careless migration might, then fails.
  await writeFile(
    path.join(migrations, '1700000000003_broken.js'),
    `export const up = (pgm) => {
  console.error('password is ' + decodeURIComponent(new URL(process.env.DATABASE_URL).password))
  pgm.sql('ALTER TABLE no_such_table ADD COLUMN x int')
}
`,
  )
  const env = { DATABASE_URL: url, SEEDBED_MIGRATE: `${bin} up -m ${migrations}`, SEEDBED_SEEDS_DIR: path.join(migrationsProject, 'seeds') }
  const r = await runCli(['seed', '--apply-schema', '--json'], { env })
  t.equal(r.code, 1)
  const report = JSON.parse(r.stdout)
  t.equal(report.error.code, codes.MIGRATE_FAILED)
  t.match(report.error.message, /^migrate command `.*node-pg-migrate up -m .*` exited with code 1:/)
  t.match(report.error.message, /no_such_table/, 'the tail of its output says why')
  t.match(report.error.message, /password is \*\*\*/, 'redacted')
  t.notOk(`${r.stdout}${r.stderr}`.includes(password), 'the password is never printed')
  t.same(report.seeds, [])
  t.same(await db.sql`SELECT count(*)::int AS n FROM seedbed.seed_runs`, [{ n: 0 }], 'no seed ran')
  t.same(await db.sql`SELECT status FROM seedbed.runs`, [{ status: 'failed' }])
})

t.test(
  'the first seed on a new embedded database applies the schema by itself; a user database without it is E_MISSING_TABLE',
  async (t) => {
    const dataDir = path.join(await tempDir(t, 'seedbed-first-'), 'data')
    const first = await runCli(['seed'], { env: { SEEDBED_DATA_DIR: dataDir } })
    t.equal(first.code, 0, first.stderr)
    t.match(first.stdout, /new embedded database: applying the schema before seeding/)
    t.match(first.stdout, /applied schema: 001_catalog\.sql, 002_orders\.sql/)

    const again = await runCli(['seed', '--only', 'roles'], { env: { SEEDBED_DATA_DIR: dataDir } })
    t.equal(again.code, 0, again.stderr)
    t.notMatch(again.stdout, /new embedded database|applied schema/, 'only the first run on it')

    const server = await startEmbedded({ dataDir, log: createLogger({ level: -999 }) })
    const sql = postgres(server.url, { max: 1, onnotice: () => {} })
    try {
      const counts = await exampleCounts(sql)
      t.same([counts.roles, counts.customers, counts.order_items], [3, 1000, 4913], 'the example project is seeded')
    } finally {
      await sql.end()
      await server.stop()
    }

    const db = await testDatabase(t)
    const user = await runCli(['seed', '--only', 'roles'], { env: { DATABASE_URL: db.url } })
    t.equal(user.code, 1)
    t.match(user.stderr, /E_MISSING_TABLE: seed 'roles': relation "roles" does not exist/)
    t.match(
      user.stderr,
      /\n\s+file: seeds\/roles\.ts\n\s+hint: 001_catalog\.sql creates table roles but is not applied to this database: `?seed --apply-schema`? applies it/,
    )
    t.same(
      await db.sql`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`,
      [{ n: 0 }],
      "a user's database is left alone",
    )
  },
)
