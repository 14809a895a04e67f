import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { codes } from '../lib/errors/errors.ts'
import { seed } from '../lib/execution/api.ts'
import { cloneDatabase } from '../lib/testing.ts'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

// A table a seed needs that does not exist: said as such, with what fits this project (its schema file,
// its migrations, or no file at all makes the table), and every error of a run names the seed's file.

const db = await testDatabase(t)

/** A project folder with these seed files (plain objects) and schema files. */
async function project(t: Test, seeds: Record<string, string>, schema: Record<string, string> = {}) {
  const root = await tempDir(t)
  await writeFile(path.join(root, 'package.json'), '{ "type": "module" }\n')
  await mkdir(path.join(root, 'seeds'))
  await mkdir(path.join(root, 'schema'))
  // The CLI runs under tsx, found through the project's node_modules.
  await symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'))
  for (const [name, text] of Object.entries(seeds)) await writeFile(path.join(root, 'seeds', `${name}.ts`), `export default ${text}\n`)
  for (const [name, text] of Object.entries(schema)) await writeFile(path.join(root, 'schema', name), text)
  return root
}

/** An empty database of its own for one case. */
async function emptyDatabase(t: Test, name: string) {
  const clone = await cloneDatabase(db.url, db.name, `${db.name}_${name}`)
  t.teardown(() => clone.drop())
  return clone.url
}

const SHELVES = 'CREATE TABLE IF NOT EXISTS shelves (name text PRIMARY KEY);\n'
const autoShelves = `{ name: 'shelves', dependsOn: 'auto', writes: ['shelves'], async run({ upsert }) { await upsert('shelves', [{ name: 'a' }], { conflict: ['name'] }) } }`

t.test(
  "a seed with dependsOn: 'auto' whose declared table does not exist yet: says so, naming the table, with --apply-schema",
  async (t) => {
    const root = await project(t, { shelves: autoShelves }, { '001_shelves.sql': SHELVES })
    const url = await emptyDatabase(t, 'auto')
    const options = { databaseUrl: url, seedsDir: path.join(root, 'seeds'), schemaDir: path.join(root, 'schema') }
    const err = await seed(options).then(
      () => undefined,
      (e) => e,
    )
    t.equal(
      err?.code,
      codes.MISSING_TABLE,
      `E_MISSING_TABLE (was E_SEED_INVALID: "which tables it writes is not known yet"): ${err?.message}`,
    )
    t.notMatch(err?.message, /not known yet/)
    t.match(err?.message, /seed 'shelves'.*table shelves does not exist/)
    t.equal(err?.table, 'shelves')
    t.match(err?.hint, /`seed --apply-schema`/)
    t.match(err?.hint, /001_shelves\.sql/)
    t.notMatch(err?.hint, /declare them|writes: \[/)

    // With the schema applied, the same seed runs.
    t.ok((await seed({ ...options, applySchema: true })).ok)
  },
)

const orphan = `{ name: 'orphan', async run({ upsert }) { await upsert('children', [{ name: 'lost' }], { conflict: ['name'] }) } }`

t.test('a missing table: the hint fits the project, and the error names the seed file in text, --json and the report', async (t) => {
  const children = 'CREATE TABLE children (name text PRIMARY KEY);\n'
  const cases: { name: string; schema: Record<string, string>; env: Record<string, string>; expect: RegExp; refuse: RegExp }[] = [
    {
      name: 'none',
      schema: {},
      env: {},
      expect: /no schema file creates table children: create the table/,
      refuse: /fresh|--apply-schema/,
    },
    {
      name: 'file',
      schema: { '002_children.sql': children },
      env: {},
      expect: /002_children\.sql.*`seed --apply-schema`/,
      refuse: /make fresh/,
    },
    {
      name: 'migrate',
      schema: {},
      env: { SEEDBED_MIGRATE: 'npx node-pg-migrate up' },
      expect: /run the migrations first \(npx node-pg-migrate up\)/,
      refuse: /fresh|--apply-schema/,
    },
  ]
  for (const c of cases) {
    const root = await project(t, { orphan }, c.schema)
    const url = await emptyDatabase(t, c.name)
    const report = path.join(root, 'run.html')
    const r = await runCli(['seed', '--json', '--report', report], { cwd: root, env: { DATABASE_URL: url, ...c.env } })
    t.equal(r.code, 1, c.name)
    const { error } = JSON.parse(r.stdout).seeds[0]
    t.equal(error.code, codes.MISSING_TABLE, c.name)
    t.equal(error.file, 'seeds/orphan.ts', `${c.name}: the seed's file, relative, in --json`)
    t.match(error.hint, c.expect, `${c.name}: ${error.hint}`)
    t.notMatch(error.hint, c.refuse, `${c.name}: ${error.hint}`)
    t.match(await readFile(report, 'utf8'), /\(seeds\/orphan\.ts\)/, `${c.name}: the file in the HTML report`)

    const text = await runCli(['seed'], { cwd: root, env: { DATABASE_URL: url, ...c.env } })
    t.match(
      text.stderr,
      /E_MISSING_TABLE: seed 'orphan': relation "children" does not exist\n\s+file: seeds\/orphan\.ts\n\s+hint: /,
      c.name,
    )
  }
})

t.test('any error of a seed during a run names its file: a unique violation', async (t) => {
  const dup = `{ name: 'dup', async run({ sql }) { await sql\`INSERT INTO twice (name) VALUES ('a'), ('a')\` } }`
  const root = await project(t, { dup }, { '001_twice.sql': 'CREATE TABLE twice (name text PRIMARY KEY);\n' })
  const url = await emptyDatabase(t, 'dup')
  const r = await runCli(['seed', '--json', '--apply-schema'], { cwd: root, env: { DATABASE_URL: url } })
  const { error } = JSON.parse(r.stdout).seeds[0]
  t.equal(error.code, codes.UNIQUE_VIOLATION)
  t.equal(error.file, 'seeds/dup.ts')
})

t.test('the default hints of a missing table or column (outside a seed run) do not send the user to `make fresh`', async (t) => {
  const { fromDriverError } = await import('../lib/errors/pg-errors.ts')
  // A clone of its own: a connection left on the test database would stop later clones of it.
  const sql = postgres(await emptyDatabase(t, 'hints'), { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end())
  await sql`CREATE TABLE kept (name text)`
  const table = await sql`SELECT * FROM no_such_table`.catch((e) => fromDriverError(e))
  const column = await sql`SELECT no_such_column FROM kept`.catch((e) => fromDriverError(e))
  t.equal((table as { code?: string }).code, codes.MISSING_TABLE)
  t.equal((column as { code?: string }).code, codes.MISSING_COLUMN)
  for (const [what, err] of [
    ['table', table],
    ['column', column],
  ] as const) {
    const hint = String((err as { hint?: string }).hint)
    t.notMatch(hint, /make fresh/, `${what}: ${hint}`)
    t.match(hint, /`seed --apply-schema`/, `${what}: ${hint}`)
    t.match(hint, /migrations/, `${what}: ${hint}`)
  }
  const { errorCodes } = await import('../lib/errors/errors.ts')
  t.notMatch(JSON.stringify(errorCodes), /make fresh/, 'no code of the catalogue says `make fresh`')
})

t.test(
  "a declared `writes` table that does not exist: the error's file is shown as a run error's is (relative; none in memory)",
  async (t) => {
    const root = await project(t, { shelves: autoShelves })
    const url = await emptyDatabase(t, 'declared')
    const before = process.cwd()
    process.chdir(root)
    t.teardown(() => process.chdir(before))
    const fromFile = await seed({ databaseUrl: url, seedsDir: path.join(root, 'seeds'), schemaDir: path.join(root, 'schema') }).then(
      () => undefined,
      (e) => e,
    )
    t.equal(fromFile?.code, codes.MISSING_TABLE)
    t.equal(fromFile?.file, 'seeds/shelves.ts', 'relative to the folder it runs in, as run errors name it')
    const inMemory = await seed({
      databaseUrl: url,
      schemaDir: path.join(root, 'schema'),
      seeds: [
        {
          name: 'shelves',
          dependsOn: 'auto',
          writes: ['shelves'],
          async run() {},
        },
      ],
    }).then(
      () => undefined,
      (e) => e,
    )
    t.equal(inMemory?.code, codes.MISSING_TABLE)
    t.equal(inMemory?.file, undefined, 'a seed given in memory has no file')
  },
)
