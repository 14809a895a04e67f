import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ensureLedger } from '../lib/db/ledger.ts'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

// The server goes away at the end of a run, after the seeds committed: the run's closing ledger
// update has every connection to the database terminated under it (a trigger on seedbed.runs, the
// server's own pg_terminate_backend). What committed stays in the output, text and --json, with the
// connection loss reported beside it, not instead of it.
const db = await testDatabase(t)
const dir = await tempDir(t, 'seedbed-connection-lost-')
const seeds = path.join(dir, 'seeds')
await mkdir(seeds)
await db.sql`CREATE TABLE lost_items (name text PRIMARY KEY)`
for (const name of ['alpha', 'beta']) {
  await writeFile(
    path.join(seeds, `${name}.ts`),
    `import { defineSeed } from ${JSON.stringify(path.join(ROOT, 'lib', 'contract', 'contract.ts'))}
export default defineSeed({ name: '${name}', async run({ upsert }) { await upsert('lost_items', [{ name: '${name}' }], { conflict: ['name'] }) } })
`,
  )
}
await ensureLedger(db.sql)
await db.sql.unsafe(`
  CREATE FUNCTION lost_connection_gone() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();
    PERFORM pg_terminate_backend(pg_backend_pid());
    RETURN NEW;
  END $$`)
await db.sql.unsafe(`
  CREATE TRIGGER server_gone BEFORE UPDATE ON seedbed.runs FOR EACH ROW
  WHEN (NEW.status <> 'running' AND NEW.status <> 'abandoned') EXECUTE FUNCTION lost_connection_gone()`)
// The test's own pool is among the terminated connections: postgres.js reconnects on the next query.

t.test('the connection lost after the seeds committed: the summary and the JSON keep them', async (t) => {
  const json = await runCli(['seed', '--seeds', seeds, '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(json.code, 1, 'the run is not a clean success')
  const doc = JSON.parse(json.stdout) as {
    ok: boolean
    seeds: { name: string; status: string }[]
    error?: { code: string; message: string }
  }
  t.same(
    doc.seeds.map((s) => [s.name, s.status]).sort(),
    [
      ['alpha', 'succeeded'],
      ['beta', 'succeeded'],
    ],
    '--json: the seeds that committed',
  )
  t.equal(doc.ok, false)
  t.equal(doc.error?.code, 'E_CONNECT', 'the connection loss beside them')
  t.match(doc.error?.message, /connection/)
  t.same(
    (await db.sql`SELECT name FROM lost_items ORDER BY name`).map((r) => r.name),
    ['alpha', 'beta'],
    'both rows committed',
  )

  const text = await runCli(['seed', '--seeds', seeds], { env: { DATABASE_URL: db.url } })
  t.equal(text.code, 1)
  t.match(text.stdout, /alpha[^\n]*(succeeded|skipped)/, 'the summary lists the seeds')
  t.match(text.stdout, /after the seeds: E_CONNECT: lost the connection/, 'the loss beside the summary, which says no seed was stopped')
  t.match(text.stdout, /hint: what committed before stays committed/)
})
