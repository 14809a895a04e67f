import type { ChildProcess } from 'node:child_process'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { databaseUrl } from '../lib/testing.ts'
import { exampleCounts, exampleTemplate, runCli, testDatabase, type CliResult } from './helpers.ts'

// Fault tests of the example project, run as a user runs it (the CLI), against a real server.
t.setTimeout(15 * 60_000)
const home = await testDatabase(t)
const admin = postgres(databaseUrl(home.url, 'postgres'), { max: 1, onnotice: () => {} })
t.teardown(() => admin.end())
const SCALE = '2'
const template = await exampleTemplate(t, home)
let cases = 0
const freshDatabase = (t: Test) => template.copy(t, `${home.name}_c${++cases}`)

const seedCli = (url: string, extra: string[] = [], onSpawn?: (c: ChildProcess) => void): Promise<CliResult> =>
  runCli(['seed', '--json', '--log-format', 'json', '--scale', SCALE, '--max-retries', '5', ...extra], {
    env: { DATABASE_URL: url },
    onSpawn,
  })

/**
 * Moments of a run, found by what it does rather than by the clock, so that they do not drift
 * with the machine's load: a log line on stderr (`--log-format json`), or a COPY that has sent
 * some rows (pg_stat_progress_copy).
 */
type Moment =
  | { at: 'spawned' }
  | { at: 'line'; label: string; match: (line: { level?: string; tag?: string; message?: string }) => boolean }
  | { at: 'copy'; rows: number }

const label = (m: Moment) => (m.at === 'spawned' ? 'at spawn' : m.at === 'line' ? m.label : `a COPY has sent ${m.rows} rows`)

/** Resolves true when the moment comes, false if the child exits first. */
function momentOf(child: ChildProcess, m: Moment, database: string): Promise<boolean> {
  if (m.at === 'spawned') return Promise.resolve(true)
  return new Promise((resolve) => {
    let done = false
    const finish = (v: boolean) => {
      if (done) return
      done = true
      resolve(v)
    }
    child.once('exit', () => finish(false))
    if (m.at === 'line') {
      let buffer = ''
      child.stderr!.on('data', (d) => {
        buffer += d
        const lines = buffer.split('\n')
        buffer = lines.pop()!
        for (const l of lines) {
          try {
            if (m.match(JSON.parse(l))) finish(true)
          } catch {}
        }
      })
      return
    }
    const poll = async () => {
      while (!done) {
        const [row] = await admin`SELECT max(tuples_processed)::int AS n FROM pg_stat_progress_copy WHERE datname = ${database}`
        if ((row?.n ?? 0) >= m.rows) return finish(true)
        await new Promise((r) => setTimeout(r, 2))
      }
    }
    poll()
  })
}

/**
 * Terminates the COPY backend of `database` that has sent `rows` rows, in the statement that sees it:
 * a COPY that ends between a look and a separate terminate (1,000 rows take a few ms) cannot escape.
 * Resolves with the number terminated, 0 when the child exited first.
 */
function terminateCopy(child: ChildProcess, rows: number, database: string): Promise<number> {
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  return (async () => {
    while (!exited) {
      const killed = await admin`
        SELECT pg_terminate_backend(pid) FROM pg_stat_progress_copy WHERE datname = ${database} AND tuples_processed >= ${rows}`
      if (killed.length) return killed.length
      await new Promise((r) => setTimeout(r, 2))
    }
    return 0
  })()
}

const connected: Moment = { at: 'line', label: 'connected', match: (l) => l.level === 'info' && /^database /.test(l.message ?? '') }
const afterSeed = (seed: string): Moment => ({
  at: 'line',
  label: `${seed} committed`,
  match: (l) => l.level === 'success' && l.tag === seed,
})
const COPY_ROWS = [1, 200, 1000, 2500]

/** The tables each example seed fills (one table per seed). */
const SEED_TABLES = ['roles', 'permissions', 'role_permissions', 'users', 'categories', 'products', 'customers', 'orders', 'order_items']

// The complete result, from one uninterrupted run.
let expected: Record<string, number> = {}
t.test('reference run', async (t) => {
  const db = await freshDatabase(t)
  const r = await seedCli(db.url)
  t.equal(r.code, 0)
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

t.test('SIGKILL at each stage of a run: nothing half-applied, ledger agrees, the next run completes', async (t) => {
  const moments: Moment[] = [
    { at: 'spawned' },
    connected,
    ...SEED_TABLES.map(afterSeed),
    ...COPY_ROWS.map((rows): Moment => ({ at: 'copy', rows })),
  ]
  const outcomes = new Set<string>()
  for (const moment of moments) {
    const db = await freshDatabase(t)
    let reached: Promise<boolean> = Promise.resolve(false)
    let child: ChildProcess | undefined
    const done = seedCli(db.url, [], (c) => {
      child = c
      reached = momentOf(c, moment, new URL(db.url).pathname.slice(1))
    })
    const came = await reached
    child!.kill('SIGKILL')
    const r = await done
    t.ok(came, `${label(moment)}: the moment came before the run ended`)
    t.equal(r.code, null, `${label(moment)}: killed, not exited`)
    const applied = await checkWholeOrAbsent(t, db.sql, `kill ${label(moment)}`)
    outcomes.add(applied.join(','))
    const again = await seedCli(db.url)
    t.equal(again.code, 0, `after the kill ${label(moment)} the next run completes`)
    t.same(await exampleCounts(db.sql), expected)
  }
  t.comment(`distinct states found after the kills: ${outcomes.size}`)
  t.ok(outcomes.size >= 5, 'the kills landed at different stages of the run')
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

t.test('a seed backend terminated mid-COPY: the seed is retried, the run completes', async (t) => {
  for (const rows of [1, 1000]) {
    const db = await freshDatabase(t)
    const dbName = new URL(db.url).pathname.slice(1)
    let killed: Promise<number> = Promise.resolve(0)
    const done = seedCli(db.url, [], (c) => (killed = terminateCopy(c, rows, dbName)))
    t.equal(await killed, 1, `one COPY backend terminated after ${rows} rows`)
    const r = await done
    t.equal(r.code, 0, `terminated after ${rows} rows: exit 0`)
    const report = JSON.parse(r.stdout) as { seeds: { attempts: number }[] }
    t.ok(
      report.seeds.some((s) => s.attempts > 1),
      'a seed took more than one attempt',
    )
    t.same(await exampleCounts(db.sql), expected, 'retried to completion')
    await checkWholeOrAbsent(t, db.sql, `terminate after ${rows} rows`)
  }
})

t.test('every seedbed backend terminated mid-COPY, the lock too: E_LOCK_LOST, nothing half-applied', async (t) => {
  const db = await freshDatabase(t)
  const dbName = new URL(db.url).pathname.slice(1)
  let reached: Promise<boolean> = Promise.resolve(false)
  const done = seedCli(db.url, [], (c) => (reached = momentOf(c, { at: 'copy', rows: 200 }, dbName)))
  t.ok(await reached, 'a COPY is under way')
  await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${dbName} AND application_name = 'seedbed'`
  const r = await done
  t.equal(r.code, 1, 'exit 1')
  t.match(r.stderr, 'E_LOCK_LOST:')
  const applied = await checkWholeOrAbsent(t, db.sql, 'terminate all')
  t.ok(applied.length < SEED_TABLES.length, 'the run stopped before the end')
  t.equal((await seedCli(db.url)).code, 0, 'the next run completes')
  t.same(await exampleCounts(db.sql), expected)
})
