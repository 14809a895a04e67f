import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { seed } from '../lib/execution/api.ts'
import { trapSeeds } from '../lib/execution/trap.ts'
import { splitStatements, transactionControl } from '../lib/sql/statements.ts'
import { databaseUrl } from '../lib/testing.ts'
import { createLogger } from '../lib/output/log.ts'
import { fixture, runCli, tempDir, testDatabase } from './helpers.ts'
import { requirePgbouncer, startPgbouncer } from './pgbouncer-helpers.ts'

// Seeds that misbehave (test/fixtures/misbehaving/seeds), against this file's database (the service,
// or the embedded server when DATABASE_URL is empty) and through a real PgBouncer in transaction mode.
t.setTimeout(5 * 60_000)
const db = await testDatabase(t)
const seedsDir = path.join(fixture('misbehaving'), 'seeds')
const ROLE = 'seedbed_misbehaving_role'

await db.sql`CREATE TABLE items (id int PRIMARY KEY, note text)`
await db.sql`CREATE SCHEMA elsewhere`
await db.sql`CREATE TABLE elsewhere.items (id int PRIMARY KEY, note text)`
await db.sql.unsafe(`DO $$ BEGIN CREATE ROLE ${ROLE} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`)
await db.sql.unsafe(`GRANT ALL ON items TO ${ROLE}`)
t.teardown(async () => {
  await db.sql.unsafe(`REVOKE ALL ON items FROM ${ROLE}`)
  await db.sql.unsafe(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined)
})

const state = globalThis as { lateError?: { code?: string; message?: string }; lateDone?: Promise<void> }
const late = () => state.lateError
const ids = async (schema = 'public') => (await db.sql.unsafe(`SELECT id FROM ${schema}.items ORDER BY id`)).map((r) => r.id as number)
const clear = () => db.sql`TRUNCATE items, elsewhere.items`
const run = (only: string[], extra: Parameters<typeof seed>[0] = {}) =>
  seed({ databaseUrl: db.url, seedsDir, only, lockTimeoutMs: 5_000, ...extra })
const byName = (result: Awaited<ReturnType<typeof seed>>, name: string) => result.seeds.find((s) => s.name === name)!

/** The ledger's record of the last run and of its seeds. */
async function ledger() {
  const [last] = await db.sql<[{ id: number; status: string }]>`SELECT id, status FROM seedbed.runs ORDER BY id DESC LIMIT 1`
  const seeds = await db.sql<{ seed: string; status: string; error_code: string | null }[]>`
    SELECT seed, status, error_code FROM seedbed.seed_runs WHERE run_id = ${last.id} ORDER BY seed`
  return { status: last.status, seeds: seeds.map((s) => ({ ...s })) }
}

t.test('7: which statements are transaction control (lib/sql/statements.ts)', async (t) => {
  for (const text of [
    'BEGIN',
    'begin work',
    'START TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    'COMMIT AND CHAIN',
    "COMMIT PREPARED 'x'",
    'END TRANSACTION',
    'ABORT',
    'ROLLBACK',
    'ROLLBACK AND NO CHAIN',
    "ROLLBACK PREPARED 'x'",
    "PREPARE TRANSACTION 'x'",
    'SELECT 1; COMMIT',
    '/* a /* nested */ comment */ COMMIT',
    "SELECT 'it''s'; -- a comment ; COMMIT\nROLLBACK",
  ]) {
    t.ok(transactionControl(text), `refused: ${text}`)
  }
  for (const text of [
    'ROLLBACK TO SAVEPOINT a',
    'rollback work to a',
    'SAVEPOINT a',
    'RELEASE SAVEPOINT a',
    'PREPARE q AS SELECT 1',
    'DO $$ BEGIN COMMIT; END $$',
    'DO $x$ BEGIN NULL; END $x$; SELECT $1, a$b',
    "SELECT E'\\'; COMMIT'",
    'SELECT "commit;" FROM t',
    'SELECT 1 -- ; COMMIT',
    'UPDATE t SET begin = 1, "end" = 2',
  ]) {
    t.equal(transactionControl(text), undefined, `runs: ${text}`)
  }
  t.same(splitStatements("SELECT ';'; /* ; */ SELECT $a$;$a$ ;; "), ["SELECT ';'", 'SELECT $a$;$a$'])
})

t.test('7: transaction control in a seed is refused before it reaches the server, nothing stays', async (t) => {
  for (const [name, statement] of [
    ['half-commit', 'COMMIT'],
    ['unsafe-commit', 'commit work'],
    ['multi-commit', 'END'],
    ['query-rollback', 'ROLLBACK'],
    ['file-commit', 'COMMIT'],
  ] as const) {
    await clear()
    const result = await run([name])
    const report = byName(result, name)
    t.equal(report.status, 'failed', `${name}: failed`)
    t.equal(report.error?.code, 'E_TRANSACTION_CONTROL', `${name}: E_TRANSACTION_CONTROL, not ${report.error?.code}`)
    t.match(report.error?.message, new RegExp(`seed '${name}'.*${statement}`, 'i'), `${name}: the message names the seed and the statement`)
    t.same(await ids(), [], `${name}: no row stays`)
    t.same((await ledger()).seeds, [{ seed: name, status: 'failed', error_code: 'E_TRANSACTION_CONTROL' }], `${name}: the ledger says so`)
  }
})

t.test('7: SQL that only looks like transaction control runs (dollar quotes, comments, strings, savepoints)', async (t) => {
  await clear()
  const result = await run(['allowed-sql'])
  t.ok(result.ok, JSON.stringify(byName(result, 'allowed-sql').error))
  t.same(await ids(), [7])
})

t.test("8: a finished seed's late query is refused with a code naming the seed, not run in the next seed's transaction", async (t) => {
  await clear()
  state.lateError = undefined
  // One connection: later's transaction is on the very connection early's transaction used.
  const result = await run(['later'], { poolSize: 1, concurrency: 1 })
  await state.lateDone
  t.ok(result.ok, 'both seeds succeeded')
  t.equal(late()?.code, 'E_SEED_FINISHED', `the late query was refused (got ${JSON.stringify(late())})`)
  t.match(late()?.message, /seed 'early'/, 'naming the seed that started it')
  t.same(await ids(), [8], 'the late row was never written')
})

t.test("6: a seed's SET search_path and statement_timeout end with the seed (a pool of one connection)", async (t) => {
  await clear()
  const result = await run(['home'], { poolSize: 1, concurrency: 1 })
  t.ok(result.ok, JSON.stringify(result.seeds.map((s) => s.error)))
  t.same(await ids(), [10], 'home wrote public.items')
  t.same(await ids('elsewhere'), [], 'not elsewhere.items')
})

t.test("6: a seed's SET ROLE ends with the seed: the ledger and the next seed run as the run's user", async (t) => {
  await clear()
  const result = await run(['whoami'], { poolSize: 1, concurrency: 1 })
  t.ok(result.ok, JSON.stringify(result.seeds.map((s) => s.error)))
  const [row] = await db.sql<[{ note: string }]>`SELECT note FROM items WHERE id = 11`
  const [me] = await db.sql<[{ user: string }]>`SELECT current_user AS user`
  t.equal(row?.note, me.user, `whoami ran as ${me.user}`)
})

/** Seeds `only` in a CLI process; its exit code, its JSON report and the ledger's record. */
async function cli(only: string) {
  const r = await runCli(['seed', '--json', '--seeds', seedsDir, '--only', only], { env: { DATABASE_URL: db.url } })
  let report: { seeds?: { name: string; status: string; error?: { code: string; message: string } | null }[] } = {}
  try {
    report = JSON.parse(r.stdout)
  } catch {}
  return { ...r, report, ledger: await ledger() }
}

t.test('9: a seed calling process.exit(0) fails with a code; what depends on it does not run; the ledger says failed', async (t) => {
  await clear()
  const r = await cli('after-exit')
  t.equal(r.code, 1, `exit status 1, not 0 (stderr: ${r.stderr.slice(-500)})`)
  const exits = r.report.seeds?.find((s) => s.name === 'exits')
  t.equal(exits?.status, 'failed')
  t.equal(exits?.error?.code, 'E_SEED_EXIT')
  t.match(exits?.error?.message, /seed 'exits'.*process\.exit\(0\)/)
  t.equal(r.report.seeds?.find((s) => s.name === 'after-exit')?.status, 'not_executed')
  t.equal(r.ledger.status, 'failed', 'the run is not left running')
  t.same(r.ledger.seeds, [{ seed: 'exits', status: 'failed', error_code: 'E_SEED_EXIT' }])
  t.same(await ids(), [], 'exits was rolled back')
})

for (const [name, message] of [
  ['rejects', /nobody awaits this/],
  ['throws-later', /thrown from a timer/],
] as const) {
  t.test(`9: ${name}: an error nobody handles fails the seed with a code, no raw crash`, async (t) => {
    await clear()
    const r = await cli(name)
    t.equal(r.code, 1, r.stderr.slice(-500))
    const report = r.report.seeds?.find((s) => s.name === name)
    t.equal(report?.status, 'failed', `the JSON report says failed (stdout: ${r.stdout.slice(0, 300)})`)
    t.equal(report?.error?.code, 'E_SEED_UNHANDLED')
    t.match(report?.error?.message, message)
    t.match(report?.error?.message, new RegExp(`seed '${name}'`))
    t.equal(r.ledger.status, 'failed')
    t.same(r.ledger.seeds, [{ seed: name, status: 'failed', error_code: 'E_SEED_UNHANDLED' }])
    t.same(await ids(), [], 'rolled back')
  })
}

t.test('9: in-process, the same seeds fail; process.exit and the listeners are as before the run', async (t) => {
  const exit = process.exit
  const listeners = (['unhandledRejection', 'uncaughtException'] as const).map((e) => process.listenerCount(e))
  for (const name of ['after-exit', 'rejects']) {
    await clear()
    const result = await run([name])
    t.notOk(result.ok, `${name}: the run failed`)
  }
  // Runs of several databases overlap in one process (lib/execution/many.ts): the first one out is not the last.
  const [first, second] = [trapSeeds(), trapSeeds()]
  first.dispose()
  t.not(process.exit, exit, 'still trapped while the second run goes on')
  second.dispose()
  t.equal(process.exit, exit, 'process.exit restored')
  t.same(
    (['unhandledRejection', 'uncaughtException'] as const).map((e) => process.listenerCount(e)),
    listeners,
    'no listener left',
  )
})

/** Stops (SIGSTOP) the backend running the stall seed's statement as soon as it shows; CONT at teardown. */
function stopStalledBackend(t: Test, sql: postgres.Sql, database: string): Promise<number> {
  return (async () => {
    for (let i = 0; i < 400; i++) {
      const [row] = await sql<[{ pid: number }?]>`
        SELECT pid FROM pg_stat_activity WHERE datname = ${database} AND state = 'active' AND query LIKE 'SELECT pg_sleep(60) AS stalled%'`
      if (row) {
        process.kill(row.pid, 'SIGSTOP')
        t.teardown(() => process.kill(row.pid, 'SIGCONT'))
        return row.pid
      }
      await sleep(25)
    }
    throw new Error('the stall seed never ran its statement')
  })()
}

// The stalled backend never answers until the test CONTs it: well under this bound means it was not waited for.
const BOUND_MS = 40_000
async function stalledRun(t: Test, options: Parameters<typeof seed>[0], database = db.name) {
  const stopped = stopStalledBackend(t, db.sql, database)
  const started = performance.now()
  const outcome = await Promise.race([
    seed({ seedsDir, only: ['stall'], lockTimeoutMs: 5_000, ...options }),
    sleep(BOUND_MS).then(() => null),
  ])
  await stopped
  const ms = Math.round(performance.now() - started)
  t.comment(`the run ended after ${ms} ms`)
  t.ok(outcome, `the run ended (not still waiting after ${BOUND_MS / 1000} s)`)
  return outcome
}

t.test('5: --seed-timeout ends a seed whose backend stopped answering (SIGSTOP)', async (t) => {
  await clear()
  const result = await stalledRun(t, { databaseUrl: db.url, seedTimeoutMs: 1000 })
  if (!result) return
  t.notOk(result.ok)
  t.equal(byName(result, 'stall').error?.code, 'E_TIMEOUT')
  t.equal(byName(result, 'stall').status, 'failed')
})

t.test('5: --timeout ends the run whose seed backend stopped answering; the CLI exits with its code', async (t) => {
  await clear()
  const result = await stalledRun(t, { databaseUrl: db.url, timeoutMs: 1000 })
  if (!result) return
  t.notOk(result.ok)
  t.equal(result.error?.code, 'E_TIMEOUT')
  t.equal(byName(result, 'stall').status, 'interrupted')
  t.equal((await ledger()).status, 'timeout')
})

t.test('5: the CLI with --timeout ends with E_TIMEOUT and exit 1 when the backend stopped answering', async (t) => {
  await clear()
  const stopped = stopStalledBackend(t, db.sql, db.name)
  const started = performance.now()
  const r = await Promise.race([
    runCli(['seed', '--json', '--seeds', seedsDir, '--only', 'stall', '--timeout', '1s'], { env: { DATABASE_URL: db.url } }),
    sleep(BOUND_MS).then(() => null),
  ])
  await stopped
  t.comment(`the CLI ended after ${Math.round(performance.now() - started)} ms`)
  t.ok(r, 'the CLI ended')
  if (!r) return
  t.equal(r.code, 1, r.stderr.slice(-500))
  t.match(r.stdout + r.stderr, /E_TIMEOUT/)
})

/** The parent pid of a process (/proc/<pid>/stat, field 4). */
const parentOf = (pid: number) =>
  Number(
    readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ')[1],
  )

t.test('5: a paused cluster (the postmaster and every backend stopped): --timeout still ends the run', async (t) => {
  // A server of this test's own: pausing the shared service would stall every other test.
  const { startEmbedded } = await import('../lib/db/embedded.ts')
  const server = await startEmbedded({ dataDir: path.join(await tempDir(t, 'seedbed-pg-'), 'data'), log: createLogger({ level: -999 }) })
  t.teardown(() => server.stop())
  const admin = postgres(server.url, { max: 1, onnotice: () => {} })
  await admin`CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, note text)`
  let paused: number[] = []
  const resume = () => {
    for (const pid of paused) process.kill(pid, 'SIGCONT')
    paused = []
  }
  t.teardown(resume)
  const pause = (async () => {
    for (let i = 0; i < 400; i++) {
      const [row] = await admin<[{ pid: number }?]>`
        SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(60) AS stalled%'`
      if (row) {
        const postmaster = parentOf(row.pid)
        const children = readdirSync('/proc')
          .filter((d) => /^\d+$/.test(d))
          .map(Number)
          .filter((pid) => {
            try {
              return parentOf(pid) === postmaster
            } catch {
              return false
            }
          })
        paused = [postmaster, ...children]
        for (const pid of paused) process.kill(pid, 'SIGSTOP')
        return
      }
      await sleep(25)
    }
  })()
  const started = performance.now()
  const result = await Promise.race([
    seed({ databaseUrl: server.url, seedsDir, only: ['stall'], lockTimeoutMs: 5_000, timeoutMs: 1000 }),
    sleep(60_000).then(() => null),
  ])
  await pause
  t.comment(`the run ended after ${Math.round(performance.now() - started)} ms (${paused.length} processes paused)`)
  resume()
  await admin.end({ timeout: 5 })
  t.ok(result, 'the run ended (not still waiting after 60 s)')
  t.equal(result?.error?.code, 'E_TIMEOUT')
})

t.test('through PgBouncer (transaction mode, one server connection)', async (t) => {
  requirePgbouncer(t)
  const server = new URL(db.url)
  const through = await startPgbouncer(t, databaseUrl(db.url, 'postgres'), 'default_pool_size = 1')
  const pooled = through(server.pathname.slice(1))
  const client = postgres(pooled, { max: 1, prepare: false, onnotice: () => {} })
  t.teardown(() => client.end({ timeout: 1 }))

  /** What a later client of the pooler finds on its (the only) server connection. */
  const later = async () =>
    (
      await client<[{ path: string; timeout: string; user: string }]>`
        SELECT current_setting('search_path') AS path, current_setting('statement_timeout') AS timeout, current_user::text AS user`
    )[0]

  t.test("6: a seed's SET search_path and statement_timeout do not reach the pooler's later clients", async (t) => {
    await clear()
    const result = await run(['home'], { databaseUrl: pooled, poolSize: 1, concurrency: 1 })
    t.ok(result.ok, JSON.stringify(result.seeds.map((s) => s.error)))
    t.same(await ids(), [10], 'home wrote public.items')
    const after = await later()
    t.not(after.path, 'elsewhere, public', `search_path is ${after.path}`)
    t.not(after.timeout, '1234s', `statement_timeout is ${after.timeout}`)
  })

  t.test("6: a seed's SET ROLE does not reach the pooler's later clients", async (t) => {
    await clear()
    const result = await run(['whoami'], { databaseUrl: pooled, poolSize: 1, concurrency: 1 })
    t.ok(result.ok, JSON.stringify(result.seeds.map((s) => s.error)))
    t.same(await ids(), [11])
    t.not((await later()).user, ROLE, 'current_user is not the role become set')
  })

  t.test('7: transaction control is refused through the pooler too', async (t) => {
    await clear()
    const result = await run(['half-commit'], { databaseUrl: pooled })
    t.equal(byName(result, 'half-commit').error?.code, 'E_TRANSACTION_CONTROL')
    t.same(await ids(), [])
  })

  t.test('8: the late query is refused through the pooler', async (t) => {
    await clear()
    state.lateError = undefined
    const result = await run(['later'], { databaseUrl: pooled, poolSize: 1, concurrency: 1 })
    await state.lateDone
    t.ok(result.ok)
    t.equal(late()?.code, 'E_SEED_FINISHED')
    t.same(await ids(), [8])
  })

  t.test('5: --seed-timeout ends a seed whose server backend stopped answering behind the pooler', async (t) => {
    await clear()
    // A pooler of its own: the one above has a single server connection, which the stalled backend holds.
    const wide = await startPgbouncer(t, databaseUrl(db.url, 'postgres'))
    const result = await stalledRun(t, { databaseUrl: wide(server.pathname.slice(1)), seedTimeoutMs: 1000 })
    if (!result) return
    t.equal(byName(result, 'stall').error?.code, 'E_TIMEOUT')
  })
})
