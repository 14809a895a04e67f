import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { writeTypes } from '../lib/execution/api.ts'
import { parseTypesHeader } from '../lib/schema/types-file.ts'
import { loadDdl } from './corpus.ts'
import { fixture, ROOT, runCli, tempDir, testDatabase, typeCheck } from './helpers.ts'

// Issue 29 item 12: `seedbed types` on the real public schemas of the corpus, loaded DDL-only into one
// database: pagila, northwind and chinook each in public, the first two then renamed to a schema of their
// own (so their same-named tables stay apart), adventureworks in its own schemas. One generated file, one
// tsc run over a seed using the right columns and one with misspellings.

const db = await testDatabase(t)
for (const name of ['pagila', 'northwind', 'chinook', 'adventureworks']) {
  await loadDdl(db.url, path.join(fixture('schemas'), name, 'schema.sql'))
  if (name === 'pagila' || name === 'northwind') await db.sql.unsafe(`ALTER SCHEMA public RENAME TO ${name}; CREATE SCHEMA public`)
}

const dir = await tempDir(t, 'seedbed-types-')
const seeds = path.join(dir, 'seeds')
await mkdir(seeds)
// The CLI's tsx and the type-checker's @types/node come from this repository, as a project's own would.
await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
// A seed plan can import (no `seedbed` import: this folder has no seedbed package); the typed ones live in src/.
await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }))
await writeFile(path.join(seeds, 'noop.ts'), "export default { name: 'noop', async run() {} }\n")
const env = { DATABASE_URL: db.url }

const GOOD = `import { type AnyTable, defineSeed } from 'seedbed'

export default defineSeed({
  name: 'good',
  async run({ upsert, load, fake }) {
    await fake('pagila.film', 10, { rating: ['PG', 'R'], special_features: [['Trailers']], title: (i, faker) => \`\${faker.word.noun()} \${i}\` })
    await load('northwind.customers', [{ customer_id: 'ALFKI', company_name: 'Alfreds' }, ['BONAP', 'Bon app']], {
      columns: ['customer_id', 'company_name'],
      conflict: ['customer_id'],
    })
    await upsert('artist', [{ artist_id: 1, name: 'AC/DC' }], { conflict: ['artist_id'] })
    await upsert('public.artist', [{ artist_id: 2, name: null }], { conflict: ['artist_id'] })
    const people = [{ businessentityid: 1, persontype: 'EM', firstname: 'Ken', lastname: 'Sánchez', namestyle: false }]
    await upsert('person.person', people, { conflict: ['businessentityid'] })
    await fake('sales.customer', 5, { modifieddate: new Date('2024-01-01') })
    await upsert('scratch' as AnyTable, [{ anything: 1 }], { conflict: ['anything'] })
    // Type arguments given by hand (a typed result): the row is taken as given.
    const added = await upsert<{ artist_id: number; name: string }, { artist_id: number }>('artist', [{ artist_id: 3, name: 'X' }], {
      conflict: ['artist_id'],
      returning: ['artist_id'],
    })
    const first: number | undefined = added.rows[0]?.artist_id
    void first
  },
})
`

const BAD = `import { defineSeed } from 'seedbed'

export default defineSeed({
  name: 'bad',
  async run({ upsert, load, fake }) {
    await upsert('artist', [{ artist_id: 1, nmae: 'AC/DC' }], { conflict: ['artist_id'] })
    const people = [{ businessentityid: 1, persontype: 'EM', firstname: 'Ken', lastname: 'S', middel: 'J' }]
    await upsert('person.person', people, { conflict: ['businessentityid'] })
    await fake('pagila.film', 10, { titel: 'x' })
    await fake('pagila.film', 10, { rating: 'XXX' })
    await load('northwind.customers', [], { columns: ['customer_id', 'compny_name'] })
    await upsert('artits', [{ artist_id: 1 }], { conflict: ['artist_id'] })
  },
})
`

t.test('types declares every table of the corpus; right columns type-check, misspelled ones are errors naming them', async (t) => {
  const written = await runCli(['types', '--seeds', seeds], { cwd: dir, env })
  t.equal(written.code, 0, written.stderr)
  t.match(written.stdout, /wrote the types of \d+ tables to .*_tables\.ts/)
  const file = path.join(seeds, '_tables.ts')
  const text = await readFile(file, 'utf8')
  t.ok(parseTypesHeader(text), 'the header says where it came from and the catalog')
  t.notMatch(text.split('\n')[0], /password|postgres:\/\//, 'the header names the database, no URL')
  t.match(text, /\n {4}'pagila\.film': \{\n {6}film_id\?: number\n {6}title: string\n/, 'a serial key is optional, NOT NULL text required')
  t.match(text, /rating\?: 'G' \| 'PG' \| 'PG-13' \| 'R' \| 'NC-17' \| null/, 'an enum is the union of its labels')
  t.match(text, /\n {4}artist: Tables\['public\.artist'\]\n/, 'a table of the search path has its bare name too')
  t.notMatch(text, /\n {4}film: /, 'a table outside the search path has none')
  t.match(
    text,
    /'person\.person': \{\n {6}businessentityid: number\n {6}persontype: string\n {6}namestyle\?: boolean\n/,
    'domains are their base type',
  )

  await mkdir(path.join(dir, 'src'))
  await writeFile(path.join(dir, 'src', 'good.ts'), GOOD)
  await writeFile(path.join(dir, 'src', 'bad.ts'), BAD)
  // This repository's compiler options, with 'seedbed' mapped to its source.
  const tsconfig = {
    extends: path.join(ROOT, 'tsconfig.json'),
    compilerOptions: { paths: { seedbed: [path.join(ROOT, 'lib', 'index.ts')] } },
    include: [],
    files: ['seeds/_tables.ts', 'src/good.ts', 'src/bad.ts'],
  }
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
  const checked = await typeCheck(dir)
  t.equal(checked.code, 2, 'tsc finds errors')
  const errors = checked.out.split('\n').filter((l) => /error TS\d+/.test(l))
  t.same(
    errors.filter((l) => !l.startsWith('src/bad.ts')),
    [],
    'no error outside the file with the mistakes: the generated file and the right columns type-check',
  )
  const lines = (n: number) => errors.filter((l) => l.startsWith(`src/bad.ts(${n},`)).join('\n')
  t.match(lines(6), /"nmae is not a column of artist"/, 'a misspelled column of upsert, named with its table')
  t.match(checked.out, /"middel is not a column of person\.person"/, 'also in rows built before the call')
  t.match(lines(9), /'titel' does not exist/, "a misspelled column of fake's overrides")
  t.match(lines(10), /'"XXX"' is not assignable/, 'an override outside the enum')
  t.match(lines(11), /"compny_name"/, "a misspelled column in load's columns")
  t.match(lines(12), /'"artits"' is not assignable/, 'a misspelled table')
})

t.test('the catalog hash is stable; --schema limits the tables; errors for an unknown schema and an unwritable --out', async (t) => {
  const first = await writeTypes({ databaseUrl: db.url, out: path.join(dir, 'again', 'a.ts') })
  const second = await writeTypes({ databaseUrl: db.url, out: path.join(dir, 'again', 'b.ts') })
  t.equal(first.catalog, second.catalog)
  t.equal(await readFile(path.join(dir, 'again', 'a.ts'), 'utf8'), await readFile(path.join(dir, 'again', 'b.ts'), 'utf8'))
  t.equal(first.catalog, parseTypesHeader(await readFile(path.join(seeds, '_tables.ts'), 'utf8'))?.catalog, 'the same as the CLI wrote')

  const only = await writeTypes({ databaseUrl: db.url, out: path.join(dir, 'again', 'chinook.ts'), schemas: ['public'] })
  t.equal(only.tables, 11)
  t.match(await readFile(path.join(dir, 'again', 'chinook.ts'), 'utf8'), /^[^\n]*\n\/\/ schemas: public\n/)

  const unknown = await runCli(['types', '--schema', 'public,sale', '--json'], { cwd: dir, env })
  t.equal(unknown.code, 2)
  const error = JSON.parse(unknown.stdout).error
  t.equal(error.code, 'E_TYPES_SCHEMA')
  t.match(error.message, /--schema sale: there is no schema sale/)
  t.match(error.hint, /the schemas there are: hr, humanresources, northwind, pagila, pe, person, .*, sales;/)

  const folder = await runCli(['types', '--out', seeds], { cwd: dir, env })
  t.equal(folder.code, 1)
  t.match(folder.stderr, /E_TYPES_WRITE.*cannot write the table types to .*seeds \(EISDIR\)/)
})

t.test('plan --check says when the types file no longer matches the catalog, and not before', async (t) => {
  const fresh = await runCli(['plan', '--check', '--seeds', seeds], { cwd: dir, env })
  t.equal(fresh.code, 0, fresh.stderr)
  t.notMatch(fresh.stdout + fresh.stderr, /E_TYPES_STALE/)

  await db.sql`ALTER TABLE public.artist ADD COLUMN born date`
  const stale = await runCli(['plan', '--check', '--seeds', seeds], { cwd: dir, env })
  t.equal(stale.code, 2)
  t.match(stale.stdout, /types: E_TYPES_STALE seeds\/_tables\.ts was generated from another catalog .*run `seedbed types`/)
  t.match(stale.stderr, /E_TYPES_STALE/)
  const json = await runCli(['plan', '--check', '--json', '--seeds', seeds], { cwd: dir, env })
  t.equal(json.code, 2)
  const listed = JSON.parse(json.stdout).staleTypes as { file: string; recorded: string; current: string }[]
  const entry = listed.find((s) => s.file === path.join('seeds', '_tables.ts'))
  t.match(entry, { recorded: /^[0-9a-f]{64}$/, current: /^[0-9a-f]{64}$/ }, 'the file and both hashes')
  t.not(entry?.recorded, entry?.current)

  // Written again, it matches; a file for one schema is compared on that schema alone.
  t.equal((await runCli(['types', '--seeds', seeds], { cwd: dir, env })).code, 0)
  const again = await runCli(['plan', '--check', '--seeds', seeds], { cwd: dir, env })
  t.equal(again.code, 2, 'again/chinook.ts still describes public before the new column')
  t.match(again.stdout, /E_TYPES_STALE again\/chinook\.ts/)
  t.notMatch(again.stdout, /seeds\/_tables\.ts was generated/)
})
