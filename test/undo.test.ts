import t from 'tap'
import { applySchema } from '../lib/db/schema.ts'
import { seed, status, undo } from '../lib/execution/api.ts'
import { formatStatus, formatUndo } from '../lib/output/summary.ts'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fixture, runCli, tempDir, testDatabase } from './helpers.ts'

// `undo [run]`: a real run keeps undo records in each seed's transaction; undo reverses a run in one
// transaction, or refuses by code with nothing changed.

const seedsDir = fixture('undo/seeds')
const db = await testDatabase(t)
await applySchema(db.sql, fixture('undo/schema'))

const MAIN = ['teams', 'people', 'notes']

async function withVariant<T>(variant: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.UNDO_VARIANT
  process.env.UNDO_VARIANT = variant
  try {
    return await fn()
  } finally {
    if (before === undefined) delete process.env.UNDO_VARIANT
    else process.env.UNDO_VARIANT = before
  }
}
const run = (variant: string, options: Record<string, unknown> = {}) =>
  withVariant(variant, () => seed({ databaseUrl: db.url, seedsDir, only: MAIN, ...options }))
const undoIt = (options: Record<string, unknown> = {}) => undo({ databaseUrl: db.url, seedsDir, ...options })

/** Every table's rows, ordered, as one digest (and the rows, for a readable failure). */
const digest = async () => {
  const [row] = await db.sql<[{ d: string }]>`SELECT
    (SELECT coalesce(string_agg(t::text, ',' ORDER BY slug), '') FROM teams t) || '|' ||
    (SELECT coalesce(string_agg(p::text, ',' ORDER BY email), '') FROM people p) || '|' ||
    (SELECT coalesce(string_agg(n::text, ',' ORDER BY id), '') FROM notes n) || '|' ||
    (SELECT coalesce(string_agg(a.what, ',' ORDER BY id), '') FROM audit a) AS d`
  return row.d
}
const lastRunId = async () => Number((await db.sql`SELECT max(id) AS id FROM seedbed.runs`)[0]!.id)

const empty = await digest()
let afterFirst = ''
let first = 0
let second = 0

t.test('seed, change, seed again, undo: the state after the first run; undo again: as before any seeding', async (t) => {
  t.ok((await run('1')).ok, 'the first run')
  first = await lastRunId()
  afterFirst = await digest()
  t.not(afterFirst, empty)
  const records = await db.sql`SELECT tbl, created::int, updated::int FROM seedbed.undo_tables WHERE run_id = ${first} ORDER BY tbl`
  t.same(records, [
    { tbl: 'public.people', created: 3, updated: 0 },
    { tbl: 'public.teams', created: 2, updated: 0 },
  ])

  const r2 = await run('2')
  t.ok(r2.ok, 'the second run')
  second = await lastRunId()
  t.not(await digest(), afterFirst, 'the second run changed rows')
  const saved = await db.sql`SELECT tbl, count(*)::int AS n FROM seedbed.undo_rows WHERE run_id = ${second} GROUP BY tbl ORDER BY tbl`
  t.same(
    saved,
    [
      { tbl: 'public.people', n: 2 },
      { tbl: 'public.teams', n: 1 },
    ],
    'old rows kept only for rows that existed and changed (p0 keeps its score 0)',
  )

  const shown = formatStatus(await status({ databaseUrl: db.url, seedsDir }))
  t.match(shown, new RegExp(`^ *${first} .* succeeded\\s+no: undo ${second} first$`, 'm'))
  t.match(shown, new RegExp(`^ *${second} .* succeeded\\s+yes$`, 'm'))

  const undone = await undoIt()
  t.equal(undone.run, second, 'the last successful run by default')
  t.same(
    undone.seeds.map((s) => [s.name, s.by]),
    [
      ['people', 'records'],
      ['notes', 'undo()'],
      ['teams', 'records'],
    ],
    'reverse level order',
  )
  t.same(undone.seeds[0]!.tables, [{ table: 'public.people', key: ['email'], restored: 2, deleted: 2 }])
  t.same(undone.seeds[2]!.tables, [{ table: 'public.teams', key: ['slug'], restored: 1, deleted: 1 }])
  t.equal(await digest(), afterFirst, 'the data equals the state after the first run')
  t.match(formatUndo(undone), new RegExp(`run ${second} undone by run ${undone.undoRun}`))

  const listed = await status({ databaseUrl: db.url, seedsDir })
  t.equal(listed.runs.find((r) => r.id === second)!.undo, `undone by ${undone.undoRun}`)
  t.equal(listed.runs.find((r) => r.id === undone.undoRun)!.undo, '-')
  t.equal(listed.runs.find((r) => r.id === first)!.undo, 'yes')
  t.ok(
    listed.seeds.find((s) => s.name === 'teams')!.lastSucceeded! < listed.runs.find((r) => r.id === second)!.startedAt,
    "an undone run is no seed's last success",
  )

  const again = await undoIt()
  t.equal(again.run, first)
  t.equal(await digest(), empty, 'the tables are as before any seeding')
  await t.rejects(undoIt(), { code: 'E_UNDO_NOTHING' }, 'nothing left to undo')
  await t.rejects(undoIt({ run: second }), { code: 'E_UNDO_NOTHING', message: /already undone by run/ })
})

t.test('refusals, each by its code, nothing changed', async (t) => {
  t.ok((await run('1')).ok)
  const r1 = await lastRunId()
  t.ok((await run('2')).ok)
  const r2 = await lastRunId()
  const before = await digest()

  await t.rejects(undoIt({ run: r1 }), {
    code: 'E_UNDO_LATER_RUN',
    message: new RegExp(`run ${r2} ran seeds .* again after run ${r1}`),
    hint: new RegExp(`undo run ${r2} first`),
  })
  t.equal(await digest(), before)

  // Someone changes a row the run wrote: undo would overwrite it.
  await db.sql`UPDATE people SET score = 99 WHERE email = 'p4@x.io'`
  const changed = await digest()
  await t.rejects(undoIt(), {
    code: 'E_UNDO_CHANGED',
    message: /1 of the 4 row\(s\) seed 'people' wrote in public\.people were changed or deleted since/,
    table: 'public.people',
  })
  t.equal(await digest(), changed, 'nothing changed')
  await db.sql`UPDATE people SET score = 8 WHERE email = 'p4@x.io'`
  await t.rejects(undoIt(), { code: 'E_UNDO_CHANGED' }, 'a row put back by hand is still not the row the run wrote: its xmin differs')
  await db.sql`DELETE FROM people WHERE email = 'p4@x.io'`
  await t.rejects(undoIt(), { code: 'E_UNDO_CHANGED' }, 'a deleted row too')
})

t.test('a foreign key from data the run did not write', async (t) => {
  const db2 = await testDatabase(t)
  await applySchema(db2.sql, fixture('undo/schema'))
  const opts = { databaseUrl: db2.url, seedsDir }
  t.ok((await withVariant('1', () => seed({ ...opts, only: ['teams'] }))).ok)
  await db2.sql`INSERT INTO people (email, team) VALUES ('outsider@x.io', 'core')`
  const before = await db2.sql`SELECT * FROM teams ORDER BY slug`
  await t.rejects(undo(opts), {
    code: 'E_UNDO_FOREIGN_KEY',
    constraint: 'people_team_fkey',
    table: 'public.people',
    message: /would break foreign key people_team_fkey: 1 row\(s\) of public\.people that run \d+ did not write refer to them/,
  })
  t.same(await db2.sql`SELECT * FROM teams ORDER BY slug`, before, 'nothing changed')
  await db2.sql`DELETE FROM people`
  t.ok((await undo(opts)).ok, 'once the row is gone, undo goes through')
  t.same(await db2.sql`SELECT * FROM teams`, [])
})

t.test('irreversible seeds: hand-written SQL, undo: false, --no-undo-records', async (t) => {
  const db3 = await testDatabase(t)
  await applySchema(db3.sql, fixture('undo/schema'))
  const opts = { databaseUrl: db3.url, seedsDir }
  t.ok((await seed({ ...opts, only: ['audit'] })).ok)
  await t.rejects(undo(opts), {
    code: 'E_UNDO_IRREVERSIBLE',
    seed: 'audit',
    message:
      /seed 'audit' is irreversible \(it wrote rows seedbed could not record: audit \(1 written by hand-written SQL or a trigger\)\)/,
  })
  t.ok((await seed({ ...opts, only: ['flags'] })).ok)
  await t.rejects(undo(opts), { code: 'E_UNDO_IRREVERSIBLE', message: /the seed says undo: false/ })
  t.ok((await seed({ ...opts, only: ['teams'], undoRecords: false })).ok)
  await t.rejects(undo(opts), { code: 'E_UNDO_IRREVERSIBLE', message: /undo records were off for the run/ })
  const shown = await status(opts)
  t.match(shown.runs[0]!.undo, /^no: seed 'teams' is irreversible \(undo records were off/)
  t.same((await db3.sql`SELECT count(*)::int AS n FROM audit`)[0], { n: 1 }, 'nothing changed')
})

t.test('--dry-run changes nothing and reports; --diff lists the rows, secrets hidden', async (t) => {
  const db4 = await testDatabase(t)
  await applySchema(db4.sql, fixture('undo/schema'))
  const opts = { databaseUrl: db4.url, seedsDir, only: MAIN }
  await withVariant('1', () => seed(opts))
  await withVariant('2', () => seed(opts))
  const [{ d: before }] = await db4.sql<[{ d: string }]>`SELECT md5(string_agg(t::text, ',' ORDER BY slug)) AS d FROM teams t`
  const dry = await undo({ databaseUrl: db4.url, seedsDir, dryRun: true, diff: true })
  t.equal(dry.dryRun, true)
  t.equal(dry.undoRun, null)
  const teams = dry.seeds.find((s) => s.name === 'teams')!.tables[0]!
  t.same(teams.deletedRows, [{ slug: 'data', name: 'Data', api_token: '***' }])
  t.same(teams.restoredRows, [
    { key: { slug: 'core' }, changes: { name: { old: 'Kernel', new: 'Core' }, api_token: { old: '***', new: '***' } } },
  ])
  const text = formatUndo(dry)
  t.match(
    text,
    /public\.teams: would restore 1, delete 1\n {4}- slug="data" name="Data" api_token="\*\*\*"\n {4}~ \(slug="core"\) name: "Kernel" -> "Core"/,
  )
  t.notMatch(text, /tok-/)
  const [{ d: after }] = await db4.sql<[{ d: string }]>`SELECT md5(string_agg(t::text, ',' ORDER BY slug)) AS d FROM teams t`
  t.equal(after, before, 'nothing changed')
  t.same((await db4.sql`SELECT count(*)::int AS n FROM seedbed.undos`)[0], { n: 0 }, 'nothing recorded')
})

t.test('the CLI: undo --json, a bad run id, production needs the allow-list and --yes', async (t) => {
  const db5 = await testDatabase(t)
  await applySchema(db5.sql, fixture('undo/schema'))
  const env = { DATABASE_URL: db5.url, UNDO_VARIANT: '1' }
  const seeded = await runCli(['seed', '--seeds', seedsDir, '--only', 'teams', '--json'], { env })
  t.equal(seeded.code, 0, seeded.stderr)
  const bad = await runCli(['undo', 'abc', '--seeds', seedsDir, '--json'], { env })
  t.equal(bad.code, 2)
  t.equal(JSON.parse(bad.stdout).error.code, 'E_BAD_OPTION')
  const prod = { ...env, SEEDBED_ALLOW: 'people' }
  const denied = await runCli(['undo', '--seeds', seedsDir, '--env', 'production', '--yes', '--json'], { env: prod })
  t.equal(denied.code, 2)
  t.equal(JSON.parse(denied.stdout).error.code, 'E_SEED_NOT_ALLOWED')
  const unconfirmed = await runCli(['undo', '--seeds', seedsDir, '--env', 'production', '--json'], {
    env: { ...env, SEEDBED_ALLOW: 'teams' },
  })
  t.equal(unconfirmed.code, 2)
  t.equal(JSON.parse(unconfirmed.stdout).error.code, 'E_CONFIRMATION_REQUIRED')
  t.same((await db5.sql`SELECT count(*)::int AS n FROM teams`)[0], { n: 2 }, 'nothing changed')
  const ok = await runCli(['undo', '--seeds', seedsDir, '--env', 'production', '--yes', '--json'], {
    env: { ...env, SEEDBED_ALLOW: 'teams' },
  })
  t.equal(ok.code, 0, ok.stderr)
  t.same(JSON.parse(ok.stdout).seeds[0].tables[0], { table: 'public.teams', key: ['slug'], restored: 0, deleted: 2 })
  t.same((await db5.sql`SELECT count(*)::int AS n FROM teams`)[0], { n: 0 })
  const off = await runCli(['seed', '--seeds', seedsDir, '--only', 'teams', '--no-undo-records'], { env })
  t.equal(off.code, 0, off.stderr)
  const offEnv = await runCli(['seed', '--seeds', seedsDir, '--only', 'teams'], { env: { ...env, SEEDBED_UNDO_RECORDS: 'false' } })
  t.equal(offEnv.code, 0, offEnv.stderr)
  const reasons = await db5.sql`SELECT reason FROM seedbed.undo_seeds WHERE seed = 'teams' AND NOT reversible ORDER BY run_id`
  t.same(
    reasons.map((r) => r.reason),
    ['undo records were off for the run (--no-undo-records)', 'undo records were off for the run (--no-undo-records)'],
    'the flag and the variable',
  )
  const irreversible = await runCli(['undo', '--seeds', seedsDir, '--json'], { env })
  t.equal(irreversible.code, 1)
  t.match(JSON.parse(irreversible.stdout).error, { code: 'E_UNDO_IRREVERSIBLE', message: /undo records were off for the run/ })
  const audit = await runCli(['seed', '--seeds', seedsDir, '--only', 'audit'], { env })
  t.match(audit.stdout, /\[audit\] .*this run of the seed cannot be undone: it wrote rows seedbed could not record: audit/)
  const listed = await runCli(['status', '--seeds', seedsDir], { env })
  t.match(listed.stdout, /\bundo\b/)
  t.match(listed.stdout, /undone by \d+/)
})

t.test('SIGKILL during undo leaves the data as before it; the next undo works', async (t) => {
  const db6 = await testDatabase(t)
  await applySchema(db6.sql, fixture('undo/schema'))
  await withVariant('1', () => seed({ databaseUrl: db6.url, seedsDir, only: MAIN }))
  const rows = async () =>
    (await db6.sql`SELECT (SELECT count(*) FROM teams) + (SELECT count(*) FROM people) + (SELECT count(*) FROM notes) AS n`)[0]!.n
  const before = await rows()
  t.equal(Number(before), 6)
  const killed = await runCli(['undo', '--seeds', seedsDir], {
    env: { DATABASE_URL: db6.url, UNDO_SLEEP: '4' },
    onSpawn: (child) => {
      const poll = setInterval(async () => {
        const sleeping =
          await db6.sql`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`
        if (sleeping.length) {
          clearInterval(poll)
          child.kill('SIGKILL')
        }
      }, 100)
      child.on('close', () => clearInterval(poll))
    },
  })
  t.equal(killed.code, null, 'killed')
  // The server notices the dead connection and rolls back; wait for the backend to go.
  for (let i = 0; i < 150; i++) {
    const left =
      await db6.sql`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`
    if (!left.length) break
    await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(Number(await rows()), 6, 'the data is as before the undo (people were undone first, in the same transaction)')
  const ok = await undo({ databaseUrl: db6.url, seedsDir })
  t.ok(ok.ok)
  t.equal(Number(await rows()), 0, 'the next undo works')
})

t.test('a column added since keeps its values; a table rewrite since (new xmin everywhere) is refused', async (t) => {
  const db7 = await testDatabase(t)
  await applySchema(db7.sql, fixture('undo/schema'))
  const opts = { databaseUrl: db7.url, seedsDir, only: ['teams'] }
  await withVariant('1', () => seed(opts))
  await withVariant('2', () => seed(opts))
  // A constant default needs no rewrite: the rows keep their xmin.
  await db7.sql`ALTER TABLE teams ADD COLUMN extra text NOT NULL DEFAULT 'kept'`
  await db7.sql`UPDATE teams SET extra = 'mine' WHERE slug = 'ops'`
  await t.rejects(undo({ databaseUrl: db7.url, seedsDir, run: 1 }), { code: 'E_UNDO_LATER_RUN' })
  const done = await undo({ databaseUrl: db7.url, seedsDir })
  t.same(done.seeds[0]!.tables[0], { table: 'public.teams', key: ['slug'], restored: 1, deleted: 1 })
  t.same(await db7.sql`SELECT slug, name, api_token, extra FROM teams ORDER BY slug`, [
    { slug: 'core', name: 'Core', api_token: 'tok-old', extra: 'kept' },
    { slug: 'ops', name: 'Operations', api_token: 'tok-ops', extra: 'mine' },
  ])
  // A stored generated column rewrites the table: every row gets the ALTER's xmin.
  await db7.sql`ALTER TABLE teams ADD COLUMN shout text GENERATED ALWAYS AS (upper(name)) STORED`
  await t.rejects(undo({ databaseUrl: db7.url, seedsDir }), { code: 'E_UNDO_CHANGED', table: 'public.teams' })
})

t.test('a partitioned table: xmin reads through the partitions, the statistics add up per partition tree', async (t) => {
  const db8 = await testDatabase(t)
  await db8.sql.unsafe(`CREATE TABLE events (region text, id int, v text, PRIMARY KEY (region, id)) PARTITION BY LIST (region);
    CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
    CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us')`)
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await writeFile(
    path.join(dir, 'events.ts'),
    `export default {
      async run({ load, upsert }) {
        const v = process.env.UNDO_VARIANT
        const rows = [['eu', 1, 'a' + v], ['us', 2, 'b'], ...(v === '2' ? [['us', 3, 'c']] : [])]
        await load('events', rows, { columns: ['region', 'id', 'v'], conflict: ['region', 'id'] })
        await upsert('events', [{ region: 'eu', id: 10, v: 'x' + v }], { conflict: ['region', 'id'] })
      },
    }\n`,
  )
  const opts = { databaseUrl: db8.url, seedsDir: dir }
  const rows = () => db8.sql`SELECT region, id, v FROM events ORDER BY region, id`
  t.ok((await withVariant('1', () => seed(opts))).ok)
  const first = await rows()
  t.ok((await withVariant('2', () => seed(opts))).ok)
  t.same((await status(opts)).runs[0]!.undo, 'yes', 'writes to the partitions count as writes to events')
  const done = await undo(opts)
  t.same(done.seeds[0]!.tables, [{ table: 'public.events', key: ['region', 'id'], restored: 2, deleted: 1 }])
  t.same(await rows(), first)
  await undo(opts)
  t.same(await rows(), [])
})
