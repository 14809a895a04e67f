import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

// A seed writes a `ctx.secret` into a column, then the secret is rotated and the seed runs again: the
// update's undo record must not keep the old secret in plain text (a secret never lands in seedbed's
// tables), and undo still puts the row back: every other column as it was, the secret column as it
// is now (the environment's secret; seedbed never held the old one).
const db = await testDatabase(t)
const dir = await tempDir(t, 'seedbed-undo-secret-')
const seeds = path.join(dir, 'seeds')
await mkdir(seeds)
await db.sql`CREATE TABLE api_keys (name text PRIMARY KEY, token text NOT NULL, note text)`
await db.sql`CREATE TABLE api_keys_loaded (name text PRIMARY KEY, token text NOT NULL, note text)`
await writeFile(
  path.join(seeds, 'keys.ts'),
  `import { defineSeed } from ${JSON.stringify(path.join(ROOT, 'lib', 'contract', 'contract.ts'))}
export default defineSeed({
  name: 'keys',
  secrets: ['API_KEY'],
  async run(ctx) {
    const row = { name: 'svc', token: \`Bearer \${ctx.secret('API_KEY')}\`, note: process.env.NOTE }
    await ctx.upsert('api_keys', [row], { conflict: ['name'] })
    // load merges through a staging table when the table has rows: the same records.
    await ctx.load('api_keys_loaded', [row, { name: 'other', token: 'public', note: process.env.NOTE }], { columns: ['name', 'token', 'note'], conflict: ['name'] })
  },
})
`,
)
const OLD = 'old-Rotated-secret-7Qx'
const NEW = 'new-Rotated-secret-9Kz'
const run = (key: string, note: string) => runCli(['seed', '--seeds', seeds], { env: { DATABASE_URL: db.url, API_KEY: key, NOTE: note } })

/** Every row of every table in schema seedbed, as text. */
async function ledgerText(): Promise<string> {
  const tables = await db.sql<{ name: string }[]>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'seedbed'`
  const out: string[] = []
  for (const { name } of tables) {
    for (const row of await db.sql.unsafe(`SELECT t::text AS row FROM seedbed."${name}" t`)) out.push(`${name}: ${row.row}`)
  }
  return out.join('\n')
}

t.test('a rotated ctx.secret: not in the undo records, and undo restores the rest of the row', async (t) => {
  const first = await run(OLD, 'first')
  t.equal(first.code, 0, first.stdout + first.stderr)
  const second = await run(NEW, 'second')
  t.equal(second.code, 0, second.stdout + second.stderr)
  const ledger = await ledgerText()
  t.notMatch(ledger, 'Rotated-secret', 'neither secret is anywhere in seedbed.*')
  t.match(ledger, 'undo_rows', 'the updates were recorded')

  const undo = await runCli(['undo', '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(undo.code, 0, undo.stdout + undo.stderr)
  const report = JSON.parse(undo.stdout) as { seeds: { tables: { table: string; unrestored?: string[] }[] }[] }
  t.same(
    report.seeds.flatMap((s) => s.tables.map((x) => [x.table, x.unrestored])),
    [
      ['public.api_keys_loaded', ['token']],
      ['public.api_keys', ['token']],
    ],
    '--json says which columns were not restored because they hold a secret',
  )
  for (const table of ['api_keys', 'api_keys_loaded']) {
    t.same(
      await db.sql.unsafe(`SELECT name, token, note FROM ${table} ORDER BY name`),
      [
        ...(table === 'api_keys_loaded' ? [{ name: 'other', token: 'public', note: 'first' }] : []),
        { name: 'svc', token: `Bearer ${NEW}`, note: 'first' },
      ],
      `${table}: the note is back, the secret column keeps the secret as it is now`,
    )
  }
})

/** A seeds folder of its own holding one seed `name`, its object's members given as text. */
async function seedFolder(name: string, members: string): Promise<string> {
  const own = path.join(dir, name)
  await mkdir(own)
  const contract = JSON.stringify(path.join(ROOT, 'lib', 'contract', 'contract.ts'))
  await writeFile(
    path.join(own, `${name}.ts`),
    `import { defineSeed } from ${contract}\nexport default defineSeed({ name: '${name}', ${members} })\n`,
  )
  return own
}

t.test('the database password inside ordinary values: undo restores them (only ctx.secret values are left out)', async (t) => {
  // The service trusts local connections: a password in the URL is then only what seedbed registers.
  const url = new URL(db.url)
  if (!url.password) url.password = 'postgres'
  const password = decodeURIComponent(url.password)
  await db.sql`CREATE TABLE notes (name text PRIMARY KEY, body text NOT NULL)`
  await db.sql`INSERT INTO notes VALUES ('a', 'as it was')`
  const own = await seedFolder(
    'notes',
    `async run(ctx) { await ctx.upsert('notes', [{ name: 'a', body: ${JSON.stringify(`runs on ${password} every day`)} }], { conflict: ['name'] }) }`,
  )
  const env = { DATABASE_URL: url.toString() }
  const seeded = await runCli(['seed', '--seeds', own], { env })
  t.equal(seeded.code, 0, seeded.stdout + seeded.stderr)
  t.same(await db.sql`SELECT body FROM notes`, [{ body: `runs on ${password} every day` }])
  // A ledger from before undo_tables.secret_columns: a dry run (which adds no column) reads it too.
  await db.sql`ALTER TABLE seedbed.undo_tables DROP COLUMN secret_columns`
  const dry = await runCli(['undo', '--dry-run', '--seeds', own], { env })
  t.equal(dry.code, 0, dry.stdout + dry.stderr)
  const undo = await runCli(['undo', '--json', '--seeds', own], { env })
  t.equal(undo.code, 0, undo.stdout + undo.stderr)
  t.same(await db.sql`SELECT body FROM notes`, [{ body: 'as it was' }], 'the column holding the password as a word is restored')
  const report = JSON.parse(undo.stdout) as { seeds: { tables: { unrestored?: string[] }[] }[] }
  t.same(
    report.seeds.flatMap((s) => s.tables.map((x) => x.unrestored ?? [])),
    [[]],
    'no column said to be left as it is',
  )
})

t.test('a table whose only column besides the key holds the ctx.secret: undo keeps it, says so, and does not fail', async (t) => {
  await db.sql`CREATE TABLE only_tokens (name text PRIMARY KEY, token text NOT NULL)`
  await db.sql`INSERT INTO only_tokens VALUES ('svc', 'before')`
  const own = await seedFolder(
    'only',
    `secrets: ['API_KEY'], async run(ctx) { await ctx.upsert('only_tokens', [{ name: 'svc', token: ctx.secret('API_KEY') }], { conflict: ['name'] }) }`,
  )
  const env = { DATABASE_URL: db.url, API_KEY: NEW }
  const seeded = await runCli(['seed', '--seeds', own], { env })
  t.equal(seeded.code, 0, seeded.stdout + seeded.stderr)
  for (const args of [['undo', '--dry-run', '--diff'], ['undo']]) {
    const undo = await runCli([...args, '--seeds', own], { env })
    t.equal(undo.code, 0, `${args.join(' ')}: ${undo.stdout}${undo.stderr}`)
    t.match(undo.stdout + undo.stderr, /public\.only_tokens: column\(s\) token (would )?not (be )?restored/, args.join(' '))
  }
  t.same(await db.sql`SELECT name, token FROM only_tokens`, [{ name: 'svc', token: NEW }], 'the secret column keeps its value')
})
