import type { ChildProcess } from 'node:child_process'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { detectPooler } from '../lib/db/pooler.ts'
import { databaseUrl } from '../lib/testing.ts'
import { exampleCounts, exampleTemplate, fixture, runCli, testDatabase, type CliResult } from './helpers.ts'
import { requirePgbouncer, startPgbouncer } from './pgbouncer-helpers.ts'

// seedbed behind a real PgBouncer in transaction mode, in front of the test server.
requirePgbouncer(t)
t.setTimeout(10 * 60_000)

const home = await testDatabase(t)
const admin = postgres(databaseUrl(home.url, 'postgres'), { max: 1, onnotice: () => {} })
t.teardown(() => admin.end())

const through = await startPgbouncer(t, home.url)

// A template with the example schema: each case seeds a copy of its own.
const template = await exampleTemplate(t, home)
let cases = 0
async function freshDatabase(t: Test) {
  const name = `${home.name}_p${++cases}`
  const { url, sql } = await template.copy(t, name)
  return { direct: url, pooled: through(name), sql }
}

const seedCli = (url: string, extra: string[] = [], env: Record<string, string> = {}, onSpawn?: (c: ChildProcess) => void) =>
  runCli(['seed', '--json', ...extra], { env: { DATABASE_URL: url, ...env }, onSpawn })

const totals = (r: CliResult) => {
  const seeds = JSON.parse(r.stdout).seeds as { created: number; updated: number }[]
  return { created: seeds.reduce((n, s) => n + s.created, 0), updated: seeds.reduce((n, s) => n + s.updated, 0) }
}

t.test('detection: PgBouncer in transaction mode is seen, a direct connection is not', async (t) => {
  const db = await freshDatabase(t)
  // A new database: PgBouncer has no server connection for it yet, then only one idle.
  for (const url of [db.pooled, db.pooled]) {
    const sql = postgres(url, { max: 2, prepare: false, onnotice: () => {} })
    t.equal(await detectPooler(sql), 'transaction', 'through PgBouncer')
    await sql.end()
  }
  t.equal(await detectPooler(db.sql), 'none', 'direct')
})

t.test('detection: a pooler lending its idle server connections in turn is seen too', async (t) => {
  // server_round_robin hands out idle server connections first in, first out. With two idle ones,
  // comparing which backend serves two client connections sees two different backends and one
  // stable one, as a direct connection shows: that guess said 'none' here.
  const inTurn = await startPgbouncer(t, home.url, 'server_round_robin = 1')
  const db = await freshDatabase(t)
  const url = inTurn(new URL(db.direct).pathname.slice(1))
  const warm = postgres(url, { max: 2, prepare: false, onnotice: () => {} })
  await Promise.all([1, 2].map(() => warm.begin((tx) => tx`SELECT pg_sleep(0.2)`)))
  await warm.end()
  for (let i = 0; i < 3; i++) {
    const sql = postgres(url, { max: 2, prepare: false, onnotice: () => {} })
    t.equal(await detectPooler(sql), 'transaction', `through PgBouncer, try ${i + 1}`)
    await sql.end()
  }
  const one = postgres(url, { max: 1, prepare: false, onnotice: () => {} })
  t.equal(await detectPooler(one), 'transaction', 'a pool of one connection is enough')
  await one.end()
})

let expected: Record<string, number> = {}
t.test('the example project seeds through PgBouncer, twice: the second run changes nothing', async (t) => {
  const db = await freshDatabase(t)
  const first = await seedCli(db.pooled)
  t.equal(first.code, 0, first.stderr)
  t.notMatch(first.stdout + first.stderr, /26000|prepared statement "/)
  expected = await exampleCounts(db.sql)
  t.ok(expected.order_items! > 0, 'rows written')
  t.ok(totals(first).created > 0)
  const second = await seedCli(db.pooled)
  t.equal(second.code, 0, second.stderr)
  t.same(totals(second), { created: 0, updated: 0 }, 'second run: 0 created, 0 updated')
  t.same(await exampleCounts(db.sql), expected)
  const [lease] = await db.sql`SELECT count(*)::int AS n FROM seedbed.lease`
  t.equal(lease!.n, 0, 'the lease was released at the end')
  const stranded = await admin`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
    WHERE l.locktype = 'advisory' AND l.objid = ${0x5eedbed} AND d.datname = ${new URL(db.direct).pathname.slice(1)}`
  t.equal(stranded[0]!.n, 0, 'no advisory lock stranded on a pooled backend')
})

t.test('four runs at once through PgBouncer serialise, with no duplicate rows', async (t) => {
  const db = await freshDatabase(t)
  const results = await Promise.all([1, 2, 3, 4].map(() => seedCli(db.pooled, ['--lock-timeout', '90s'])))
  t.same(
    results.map((r) => r.code),
    [0, 0, 0, 0],
    results.map((r) => r.stderr).join('\n'),
  )
  const created = results.map((r) => totals(r).created)
  t.equal(created.filter((n) => n > 0).length, 1, 'exactly one run created rows')
  t.same(await exampleCounts(db.sql), expected, 'no row duplicated')
  const runs = await db.sql<{ started_at: Date; ended_at: Date }[]>`
    SELECT started_at, ended_at FROM seedbed.runs WHERE status = 'succeeded' ORDER BY started_at`
  t.equal(runs.length, 4)
  for (let i = 1; i < runs.length; i++)
    t.ok(runs[i]!.started_at >= runs[i - 1]!.ended_at, `run ${i + 1} started after run ${i} ended (the lease)`)
})

t.test('a run killed with SIGKILL through PgBouncer blocks the next one no longer than its lease', async (t) => {
  const db = await freshDatabase(t)
  const LEASE_S = 8
  const env = { SEEDBED_LEASE: `${LEASE_S}s` }
  let child: ChildProcess | undefined
  const killed = seedCli(db.pooled, ['--scale', '20'], env, (c) => (child = c))
  // Killed while it seeds: it holds the lease and has a run row.
  for (let i = 0; i < 600; i++) {
    const running = await db.sql`SELECT 1 FROM seedbed.runs WHERE status = 'running'`.catch(() => [])
    if (running.length) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const [held] = await db.sql`SELECT expires_at > clock_timestamp() AS live FROM seedbed.lease`
  t.ok(held?.live, 'the killed run held a live lease')
  // The next run starts now and waits for the lease; the kill then lets the lease run out.
  let waiting: () => void = () => {}
  const told = new Promise<void>((resolve) => (waiting = resolve))
  // The same scale: the killed run may have committed orders at scale 20 already, and the example's
  // order_items validation checks every order in the table.
  const nextDone = seedCli(db.pooled, ['--scale', '20'], env, (c) => {
    const watch = (d: Buffer) => String(d).includes('waiting for another seedbed run') && waiting()
    c.stdout?.on('data', watch)
    c.stderr?.on('data', watch)
  })
  await Promise.race([
    told,
    killed.then((r) => Promise.reject(new Error(`the first run ended (exit ${r.code}) before the next waited: ${r.stderr}`))),
    nextDone.then((r) => Promise.reject(new Error(`the next run ended (exit ${r.code}) without waiting: ${r.stderr}`))),
  ])
  child!.kill('SIGKILL')
  const killedAt = Date.now()
  await killed
  const next = await nextDone
  t.equal(next.code, 0, next.stderr)
  const [run] = await db.sql<[{ started_at: Date }]>`SELECT started_at FROM seedbed.runs ORDER BY id DESC LIMIT 1`
  const waitedMs = run.started_at.getTime() - killedAt
  t.ok(waitedMs <= (LEASE_S + 2) * 1000, `the next run started ${waitedMs} ms after the kill (lease ${LEASE_S} s)`)
  t.equal(JSON.parse(next.stdout).ok, true, 'the next run completed')
  const [last] = await db.sql`SELECT count(*)::int AS n FROM seedbed.seed_runs WHERE status = 'succeeded'
    AND run_id = (SELECT max(id) FROM seedbed.runs)`
  t.equal(last!.n, 9, 'every example seed succeeded in the next run')
  const [abandoned] = await db.sql`SELECT count(*)::int AS n FROM seedbed.runs WHERE status = 'abandoned'`
  t.equal(abandoned!.n, 1, 'the killed run is recorded as abandoned')
})

t.test('a bulk seed with a bad row through PgBouncer fails fast and leaves nothing behind', async (t) => {
  const db = await freshDatabase(t)
  await db.sql`CREATE TABLE bulk (id int PRIMARY KEY, label text)`
  const t0 = Date.now()
  const r = await seedCli(db.pooled, ['--seeds', fixture('bulk-bad/seeds')])
  const ms = Date.now() - t0
  t.equal(r.code, 1)
  const report = JSON.parse(r.stdout).seeds[0]
  t.equal(report.error.code, 'E_UNIQUE_VIOLATION', 'a raw COPY of a repeated key: the unique violation, named')
  t.notMatch(r.stdout + r.stderr, /26000|prepared statement "/)
  t.ok(ms < 30_000, `failed in ${ms} ms`)
  t.equal((await db.sql`SELECT count(*)::int AS n FROM bulk`)[0]!.n, 0, 'none of the 5,000 rows remain')
  const stuck = await admin`SELECT state FROM pg_stat_activity WHERE datname = ${new URL(db.direct).pathname.slice(1)}
    AND state LIKE 'idle in transaction%'`
  t.same(stuck, [], 'no server connection left idle in a transaction')
})

t.test('a seed timeout through PgBouncer cancels the statement on the server', async (t) => {
  const db = await freshDatabase(t)
  await db.sql`CREATE TABLE items (name text PRIMARY KEY)`
  const t0 = Date.now()
  const r = await seedCli(db.pooled, ['--seeds', fixture('slow/seeds'), '--seed-timeout', '500ms'])
  t.equal(r.code, 1)
  t.equal(JSON.parse(r.stdout).seeds[0].error.code, 'E_TIMEOUT')
  t.ok(Date.now() - t0 < 20_000)
  t.equal((await db.sql`SELECT count(*)::int AS n FROM items`)[0]!.n, 0, 'rolled back')
})

t.test('with DIRECT_DATABASE_URL the lock and the ledger use the direct connection', async (t) => {
  const db = await freshDatabase(t)
  const results = await Promise.all([1, 2].map(() => seedCli(db.pooled, [], { DIRECT_DATABASE_URL: db.direct })))
  t.same(
    results.map((r) => r.code),
    [0, 0],
    results.map((r) => r.stderr).join('\n'),
  )
  t.same(await exampleCounts(db.sql), expected, 'no row duplicated')
  t.equal((await db.sql`SELECT to_regclass('seedbed.lease') IS NULL AS none`)[0]!.none, true, 'no lease table: the advisory lock was used')
  const runs = await db.sql<{ started_at: Date; ended_at: Date }[]>`
    SELECT started_at, ended_at FROM seedbed.runs WHERE status = 'succeeded' ORDER BY started_at`
  t.equal(runs.length, 2)
  t.ok(runs[1]!.started_at >= runs[0]!.ended_at, 'the second run started after the first ended')
})

t.test('undo through PgBouncer holds the lease, as seed does, and releases it', async (t) => {
  const db = await freshDatabase(t)
  await db.sql`CREATE TABLE teams (slug text PRIMARY KEY, name text NOT NULL, api_token text)`
  const undoSeeds = fixture('undo/seeds')
  const seeded = await seedCli(db.pooled, ['--seeds', undoSeeds, '--only', 'teams'], { UNDO_VARIANT: '1' })
  t.equal(seeded.code, 0, seeded.stderr)
  const undone = await runCli(['undo', '--json', '--seeds', undoSeeds], { env: { DATABASE_URL: db.pooled } })
  t.equal(undone.code, 0, undone.stderr)
  t.match(undone.stderr, /run lock is a lease/)
  t.same(JSON.parse(undone.stdout).seeds[0].tables[0], { table: 'public.teams', key: ['slug'], restored: 0, deleted: 2 })
  t.same(await db.sql`SELECT count(*)::int AS n FROM teams`, [{ n: 0 }])
  t.same(await db.sql`SELECT command, status FROM seedbed.runs ORDER BY id`, [
    { command: 'seed', status: 'succeeded' },
    { command: 'undo', status: 'succeeded' },
  ])
  t.same(await db.sql`SELECT count(*)::int AS n FROM seedbed.lease`, [{ n: 0 }], 'the lease was released at the end')
})
