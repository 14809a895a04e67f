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
