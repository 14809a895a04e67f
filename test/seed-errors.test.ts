import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { newSeedFile } from '../lib/cli/scaffold.ts'
import { applySchema } from '../lib/db/schema.ts'
import { codes } from '../lib/errors/errors.ts'
import { seed } from '../lib/execution/api.ts'
import { discoverSeeds } from '../lib/planning/discover.ts'
import { exampleCounts, fixture, ROOT, runCli, testDatabase } from './helpers.ts'

const db = await testDatabase(t)
const env = { DATABASE_URL: db.url }
const json = (stdout: string) => JSON.parse(stdout)

t.test('a syntax error in a seed says file:line:column and the parser’s reason, in text and in --json', async (t) => {
  const seeds = fixture('broken-syntax/seeds')
  const expected = /oops\.ts failed to load: Expected "\)" but found end of file at test\/fixtures\/broken-syntax\/seeds\/oops\.ts:5:1/
  // The file ends on line 4 with a newline: the parser gives up at line 5, column 1.
  t.equal((await readFile(path.join(seeds, 'oops.ts'), 'utf8')).split('\n').length, 5)

  const text = await runCli(['seed', '--seeds', seeds, '--verbose'])
  t.equal(text.code, 2)
  t.match(text.stderr, /E_SEED_LOAD: /)
  t.match(text.stderr, expected)
  t.notMatch(text.stderr, /Transform failed/)

  const report = await runCli(['seed', '--seeds', seeds, '--json'])
  t.equal(report.code, 2)
  const { error } = json(report.stdout)
  t.equal(error.code, codes.SEED_LOAD)
  t.match(error.message, expected)
  t.equal(error.file, path.join(seeds, 'oops.ts'))
  t.equal(error.line, 5)
  t.equal(error.column, 1)

  // In process, under the test runner's TypeScript loader (TypeScript's own diagnostics), the same place.
  await t.rejects(discoverSeeds(seeds), {
    code: codes.SEED_LOAD,
    line: 5,
    column: 1,
    message: /oops\.ts failed to load: '\)' expected\. \(TS1005\) at test\/fixtures\/broken-syntax\/seeds\/oops\.ts:5:1$/,
  })
})

t.test('an error thrown inside a seed names its real line; the stack is in --json and under --verbose', async (t) => {
  const seeds = fixture('failing-throw/seeds')
  const source = (await readFile(path.join(seeds, 'oops.ts'), 'utf8')).split('\n')
  // The line and column where `.slug` is read in the .ts source (source maps make them match).
  const line = source.findIndex((l) => l.includes('teams[0]!.slug')) + 1
  const column = source[line - 1]!.indexOf('slug') + 1
  t.equal(line, 12)
  const where = `test/fixtures/failing-throw/seeds/oops.ts:${line}:${column}`

  const quiet = await runCli(['seed', '--seeds', seeds, '--only', 'oops'], { env })
  t.equal(quiet.code, 1)
  t.match(quiet.stderr, `E_SEED_FAILED: seed 'oops': Cannot read properties of undefined (reading 'slug') at ${where}`)
  t.notMatch(quiet.stdout + quiet.stderr, /^\s+at .*oops\.ts/m, 'no stack without --verbose')

  const verbose = await runCli(['seed', '--seeds', seeds, '--only', 'oops', '--verbose'], { env })
  t.equal(verbose.code, 1)
  t.match(
    verbose.stdout + verbose.stderr,
    new RegExp(`TypeError: Cannot read properties of undefined \\(reading 'slug'\\)\\n\\s+at .*oops\\.ts:${line}:${column}`),
  )

  const report = await runCli(['seed', '--seeds', seeds, '--only', 'oops', '--json'], { env })
  t.equal(report.code, 1)
  const { error } = json(report.stdout).seeds[0]
  t.equal(error.code, codes.SEED_FAILED)
  t.equal(error.seed, 'oops')
  t.equal(error.file, 'test/fixtures/failing-throw/seeds/oops.ts', 'relative to the working folder, as in the message')
  t.equal(error.line, line)
  t.equal(error.column, column)
  t.match(
    error.stack,
    new RegExp(`^TypeError: Cannot read properties of undefined \\(reading 'slug'\\)\\n\\s+at .*oops\\.ts:${line}:${column}`),
  )
})

t.test('the stack in the report is redacted', async (t) => {
  const token = 'tok-very-secret-4711'
  const r = await runCli(['seed', '--seeds', fixture('failing-throw/seeds'), '--only', 'leaky', '--json', '--verbose'], {
    env: { ...env, SEED_LEAKY_TOKEN: token },
  })
  t.equal(r.code, 1)
  const { error } = json(r.stdout).seeds[0]
  t.match(error.stack, /^Error: the API rejected token \*\*\*\n\s+at .*leaky\.ts:8:/)
  t.match(error.message, /leaky\.ts:8:\d+$/)
  t.notMatch(r.stdout + r.stderr, token)
})

t.test('reading a secret the seed does not declare is E_SECRET_UNDECLARED, in development too', async (t) => {
  await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
  t.teardown(() => db.sql`DROP TABLE items`)
  const r = await runCli(['seed', '--seeds', fixture('failing-secret/seeds')], {
    env: { ...env, SEED_SNEAKY_UNDECLARED: 'set-but-undeclared' },
  })
  t.equal(r.code, 1)
  t.match(r.stderr, "E_SECRET_UNDECLARED: seed 'sneaky' reads the secret SEED_SNEAKY_UNDECLARED but does not declare it")
  t.match(r.stderr, /hint: add it to `?secrets`? .*'SEED_SNEAKY_DECLARED', 'SEED_SNEAKY_UNDECLARED'/)
  t.notMatch(r.stdout + r.stderr, 'set-but-undeclared')
  t.same(await db.sql`SELECT name FROM items`, [], 'the row written before the read was rolled back')
})

t.test('staging `--only users` without SEED_DEMO_PASSWORD is refused before anything is written', async (t) => {
  await applySchema(db.sql, path.join(ROOT, 'schema'))
  const r = await runCli(['seed', '--env', 'staging', '--only', 'users'], { env: { ...env, SEED_ADMIN_PASSWORD: 'staging-admin-pw' } })
  t.equal(r.code, 2)
  t.match(r.stderr, "E_SECRET_MISSING: missing secrets in staging: SEED_DEMO_PASSWORD (seed 'users')")
  const counts = await exampleCounts(db.sql)
  t.equal(counts.roles, 0, 'roles were not committed')
  t.equal(counts.users, 0)
})

t.test('`new` writes a seed of one real row that fails on a missing table, then creates and skips', async (t) => {
  // Inside the repository, so the seed file is an ES module of this package.
  const dir = await mkdtemp(path.join(ROOT, 'test', '.scaffold-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const seedsDir = path.join(dir, 'seeds')
  await mkdir(seedsDir)
  const file = await newSeedFile(seedsDir, 'widgets')
  const source = await readFile(file, 'utf8')
  t.match(source, /^import \{ defineSeed \} from 'seedbed'\n/)
  t.match(source, "upsert('widgets', [{ name: 'example' }], { conflict: ['name'] })")
  // The package may not resolve by its own name yet: point the import at the contract.
  await writeFile(file, source.replace("from 'seedbed'", `from '${path.join(ROOT, 'lib', 'contract', 'contract.ts')}'`))

  const options = { databaseUrl: db.url, seedsDir, only: [] }
  const missing = await seed(options)
  t.equal(missing.ok, false)
  t.equal(missing.seeds[0]!.error?.code, codes.MISSING_TABLE)
  t.match(missing.seeds[0]!.error?.message, /seed 'widgets': relation "widgets" does not exist/)

  await db.sql`CREATE TABLE widgets (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
  const first = await seed(options)
  t.ok(first.ok)
  t.match(first.seeds[0], { created: 1, updated: 0, skipped: 0 })
  const second = await seed(options)
  t.match(second.seeds[0], { created: 0, updated: 0, skipped: 1 })
  t.same(await db.sql`SELECT name FROM widgets`, [{ name: 'example' }])
})
