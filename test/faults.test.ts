import type { ChildProcess } from 'node:child_process'
import path from 'node:path'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { applySchema } from '../lib/db/schema.ts'
import { cloneDatabase, databaseUrl } from '../lib/testing.ts'
import { exampleCounts, ROOT, runCli, testDatabase, type CliResult } from './helpers.ts'

// Fault tests of the example project, run as a user runs it (the CLI), against a real server.
t.setTimeout(15 * 60_000)
const home = await testDatabase(t)
const admin = postgres(databaseUrl(home.url, 'postgres'), { max: 1, onnotice: () => {} })
t.teardown(() => admin.end())
const SCALE = '2'
const TEMPLATE = `${home.name}_tpl`

// A template with the schema applied: each case gets a fresh copy in milliseconds.
await admin.unsafe(`CREATE DATABASE "${TEMPLATE}"`)
{
  const tpl = postgres(databaseUrl(home.url, TEMPLATE), { max: 1, onnotice: () => {} })
  await applySchema(tpl, path.join(ROOT, 'schema'))
  await tpl.end()
}
t.teardown(() => admin.unsafe(`DROP DATABASE IF EXISTS "${TEMPLATE}" WITH (FORCE)`))

let cases = 0
async function freshDatabase(t: Test) {
  const copy = await cloneDatabase(home.url, TEMPLATE, `${home.name}_c${++cases}`)
  const sql = postgres(copy.url, { max: 2, onnotice: () => {} })
  t.teardown(async () => {
    await sql.end()
    await copy.drop()
  })
  return { url: copy.url, sql }
}

const seedCli = (url: string, extra: string[] = [], onSpawn?: (c: ChildProcess) => void): Promise<CliResult> =>
  runCli(['seed', '--json', '--scale', SCALE, '--max-retries', '5', ...extra], { env: { DATABASE_URL: url }, onSpawn })

/** The tables each example seed fills (one table per seed). */
const SEED_TABLES = ['roles', 'permissions', 'role_permissions', 'users', 'categories', 'products', 'customers', 'orders', 'order_items']

// The complete result, from one uninterrupted run.
let expected: Record<string, number> = {}
let fullRunMs = 0
let seedingMs = 0 // of which seeding itself (the rest is start-up and connecting)
t.test('reference run', async (t) => {
  const db = await freshDatabase(t)
  const t0 = Date.now()
  const r = await seedCli(db.url)
  fullRunMs = Date.now() - t0
  t.equal(r.code, 0)
  seedingMs = JSON.parse(r.stdout).durationMs
  expected = await exampleCounts(db.sql)
  t.ok(expected.order_items! > 0)
})

/** Every seed wholly applied or absent, and the ledger saying the same. Returns the applied seeds. */
async function checkWholeOrAbsent(t: Test, sql: postgres.Sql, label: string): Promise<string[]> {
  const counts = await exampleCounts(sql)
  const hasLedger = (await sql`SELECT to_regclass('seedbed.seed_runs') IS NOT NULL AS x`)[0]!.x
  const recorded = new Set(
    hasLedger ? (await sql`SELECT DISTINCT seed FROM seedbed.seed_runs WHERE status = 'succeeded'`).map((r) => r.seed as string) : [],
  )
  const applied: string[] = []
  let ok = true
  for (const table of SEED_TABLES) {
    const whole = counts[table] === expected[table]
    if (!(whole || counts[table] === 0)) ok = false
    if (whole !== recorded.has(table)) ok = false
    if (whole) applied.push(table)
  }
  t.ok(ok, `${label}: every seed whole or absent, ledger agrees (${applied.length} applied)`, { counts, recorded: [...recorded] })
  return applied
}

t.test('SIGKILL at 20 moments: nothing half-applied, ledger agrees, the next run completes', async (t) => {
  const outcomes = new Set<string>()
  for (let i = 1; i <= 20; i++) {
    const db = await freshDatabase(t)
    // Two kills during start-up and connecting, eighteen spread over the seeding itself: each
    // level and inside the COPY loads.
    const startup = fullRunMs - seedingMs
    const at = i <= 2 ? Math.round((startup * i) / 3) : Math.round(startup + (seedingMs * (i - 2)) / 19)
    let child: ChildProcess | undefined
    const done = seedCli(db.url, [], (c) => (child = c))
    await new Promise((r) => setTimeout(r, at))
    child!.kill('SIGKILL')
    await done
    const applied = await checkWholeOrAbsent(t, db.sql, `kill at ${at} ms`)
    outcomes.add(applied.join(','))
    const again = await seedCli(db.url)
    t.equal(again.code, 0, `after kill at ${at} ms the next run completes`)
    t.same(await exampleCounts(db.sql), expected)
  }
  t.comment(`distinct states found after the kills: ${outcomes.size}`)
  t.ok(outcomes.size >= 3, 'the kills landed at different stages of the run')
})

t.test('four runs at once: one seeds, the others wait and then find nothing to do', async (t) => {
  const db = await freshDatabase(t)
  const results = await Promise.all([1, 2, 3, 4].map(() => seedCli(db.url)))
  t.same(
    results.map((r) => r.code),
    [0, 0, 0, 0],
  )
  const created = results.map((r) => (JSON.parse(r.stdout).seeds as { created: number }[]).reduce((n, s) => n + s.created, 0))
  t.equal(created.filter((n) => n > 0).length, 1, 'exactly one run created rows')
  t.equal(created.filter((n) => n === 0).length, 3, 'the other three found nothing to do')
  t.same(await exampleCounts(db.sql), expected, 'no row duplicated')
  const runs = await db.sql<
    { started_at: Date; ended_at: Date }[]
  >`SELECT started_at, ended_at FROM seedbed.runs WHERE status = 'succeeded' ORDER BY started_at`
  t.equal(runs.length, 4)
  for (let i = 1; i < runs.length; i++)
    t.ok(runs[i]!.started_at >= runs[i - 1]!.ended_at, `run ${i + 1} started after run ${i} ended (the lock)`)
})

t.test('backends terminated mid-run: retried or failed cleanly, never half-applied', async (t) => {
  for (const at of [0.3, 0.5, 0.7]) {
    const db = await freshDatabase(t)
    const dbName = new URL(db.url).pathname.slice(1)
    const done = seedCli(db.url)
    await new Promise((r) => setTimeout(r, Math.round(fullRunMs * at)))
    const killed =
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${dbName} AND application_name = 'seedbed'`
    const r = await done
    t.ok(r.code === 0 || r.code === 1, `terminated ${killed.length} backend(s) at ${Math.round(at * 100)}%: exit ${r.code}`)
    if (r.code === 0) t.same(await exampleCounts(db.sql), expected, 'retried to completion')
    await checkWholeOrAbsent(t, db.sql, `terminate at ${Math.round(at * 100)}%`)
    t.equal((await seedCli(db.url)).code, 0, 'the next run completes')
    t.same(await exampleCounts(db.sql), expected)
  }
})
