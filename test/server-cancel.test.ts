import t, { type Test } from 'tap'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { seed } from '../lib/execution/api.ts'
import { seedsFolder, testDatabase } from './helpers.ts'

// A statement the server ends on its own (statement_timeout, lock_timeout,
// idle_in_transaction_session_timeout) or at another session's request (pg_cancel_backend) while a
// seed COPYs: the seed fails at once with a code naming the cause, its transaction rolls back, and the
// run lock is free for the next run. Before the fix, a COPY cancelled mid-stream waited forever (its
// backend idle in transaction (aborted)), and --seed-timeout then reported the wrong cause (E_TIMEOUT).

const db = await testDatabase(t)
const seedsDir = await seedsFolder(t)

// Rows that come slowly (50 ms per 200), as from a generator that computes them: the COPY lasts
// long enough for any limit below to end it, small as the data is. Uncancelled it would take minutes.
const slowRows = `async function* rows() {
  for (let i = 1; i < 1_000_000; i++) {
    if (i % 200 === 0) await new Promise((r) => setTimeout(r, 50))
    yield [i, 'v' + i]
  }
}`
const seeds: Record<string, string> = {
  // The table has a row: load stages the rows (COPY into a temporary table), then merges.
  merge: `await load('merged', rows(), { columns: ['id', 'v'], conflict: ['id'] })`,
  // The table is empty: load's fast path drops the indexes, COPYs into the table, rebuilds.
  fast: `await load('fresh', rows(), { columns: ['id', 'v'], conflict: ['id'] })`,
  copy: `await copy('copied', rows(), { columns: ['id', 'v'] })`,
  // A statement first, then a pause in the seed's own code longer than the idle limit.
  idle: `await sql\`SELECT 1\`; await new Promise((r) => setTimeout(r, 1500)); await copy('copied', rows(), { columns: ['id', 'v'] })`,
}
for (const [name, body] of Object.entries(seeds)) {
  await writeFile(path.join(seedsDir, `${name}.ts`), `${slowRows}\nexport default { async run({ load, copy, sql }) { ${body} } }\n`)
}
await db.sql`CREATE TABLE merged (id int PRIMARY KEY, v text)`
await db.sql`INSERT INTO merged VALUES (0, 'before')`
await db.sql`CREATE TABLE fresh (id int PRIMARY KEY, v text)`
await db.sql`CREATE INDEX fresh_v ON fresh (v)`
await db.sql`CREATE TABLE copied (id int PRIMARY KEY, v text)`

/** Sets (or, with null, resets) a setting for the test database's new connections: what `seed` opens. */
const setting = (name: string, value: string | null) =>
  db.sql.unsafe(`ALTER DATABASE "${db.name}" ${value === null ? `RESET ${name}` : `SET ${name} = '${value}'`}`)

// --seed-timeout well above the server's limits: a hang would end as E_TIMEOUT, which each test refuses.
const run = (only: string) => seed({ databaseUrl: db.url, seedsDir, only: [only], seedTimeoutMs: 30_000, lockTimeoutMs: 2_000 })

/** What the test database's other backends are doing: none may be left in a transaction. */
const leftOver = () =>
  db.sql<
    { state: string }[]
  >`SELECT state FROM pg_stat_activity WHERE datname = ${db.name} AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`

const table = async (name: string) => ({
  rows: (await db.sql.unsafe(`SELECT id, v FROM ${name} ORDER BY id`)).map((r) => ({ ...r })),
  indexes: (await db.sql`SELECT indexname::text FROM pg_indexes WHERE tablename = ${name} ORDER BY 1`).map((r) => r.indexname),
})

async function expectStopped(t: Test, only: string, code: string, setting: RegExp, tableName: string) {
  const before = await table(tableName)
  const result = await run(only)
  t.notOk(result.ok, 'the run failed')
  const error = result.seeds.find((s) => s.name === only)!.error!
  t.equal(error.code, code, `${only}: ${code}, not E_TIMEOUT`)
  t.match(error.message, setting, 'the message names the setting')
  t.match(error.hint ?? '', setting, 'so does the hint')
  t.same(await table(tableName), before, 'rolled back: rows and indexes as before')
  t.same(await leftOver(), [], 'no backend left in a transaction')
}

t.test('statement_timeout cancels the COPY of load, staging path: E_STATEMENT_TIMEOUT', async (t) => {
  await setting('statement_timeout', '400ms')
  t.teardown(() => setting('statement_timeout', null))
  await expectStopped(t, 'merge', 'E_STATEMENT_TIMEOUT', /statement_timeout/, 'merged')
})

t.test("statement_timeout cancels the COPY of load's fast path (empty table)", async (t) => {
  await setting('statement_timeout', '400ms')
  t.teardown(() => setting('statement_timeout', null))
  await expectStopped(t, 'fast', 'E_STATEMENT_TIMEOUT', /statement_timeout/, 'fresh')
  t.same((await table('fresh')).indexes, ['fresh_pkey', 'fresh_v'], 'the dropped indexes are back')
})

t.test('statement_timeout cancels the COPY of copy()', async (t) => {
  await setting('statement_timeout', '400ms')
  t.teardown(() => setting('statement_timeout', null))
  await expectStopped(t, 'copy', 'E_STATEMENT_TIMEOUT', /statement_timeout/, 'copied')
})

t.test('the run lock was released: the next run takes it at once and succeeds', async (t) => {
  await writeFile(
    path.join(seedsDir, 'quick.ts'),
    `export default { async run({ upsert }) { await upsert('copied', [{ id: 1, v: 'q' }], { conflict: ['id'] }) } }\n`,
  )
  const result = await run('quick')
  t.ok(result.ok, 'no E_LOCK_TIMEOUT after 2 s')
  await db.sql`TRUNCATE copied`
})

t.test('pg_cancel_backend from another session during the COPY: E_STATEMENT_CANCELLED', async (t) => {
  let cancelled = 0
  const watcher = (async () => {
    for (let i = 0; i < 200 && !cancelled; i++) {
      await new Promise((r) => setTimeout(r, 50))
      const [row] = await db.sql<[{ n: number }]>`
        SELECT count(pg_cancel_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = ${db.name} AND query LIKE 'COPY%' AND state = 'active'`
      cancelled = row.n
    }
  })()
  await expectStopped(t, 'copy', 'E_STATEMENT_CANCELLED', /pg_cancel_backend/, 'copied')
  await watcher
  t.equal(cancelled, 1, 'the test cancelled one COPY')
})

t.test('lock_timeout while the COPY waits for a lock another session holds: E_SERVER_LOCK_TIMEOUT', async (t) => {
  await setting('lock_timeout', '300ms')
  t.teardown(() => setting('lock_timeout', null))
  const holder = await db.sql.reserve()
  t.teardown(() => holder.release())
  await holder`BEGIN`
  await holder`LOCK TABLE copied IN ACCESS EXCLUSIVE MODE`
  const result = await run('copy')
  await holder`ROLLBACK`
  const error = result.seeds[0]!.error!
  t.equal(error.code, 'E_SERVER_LOCK_TIMEOUT')
  t.match(error.message, /lock_timeout/)
  t.match(error.hint, /lock_timeout/)
  t.same(await leftOver(), [])
})

t.test('idle_in_transaction_session_timeout ends the connection of a seed that pauses: E_SERVER_IDLE_TIMEOUT', async (t) => {
  await setting('idle_in_transaction_session_timeout', '300ms')
  t.teardown(() => setting('idle_in_transaction_session_timeout', null))
  const result = await run('idle')
  const error = result.seeds[0]!.error!
  t.equal(error.code, 'E_SERVER_IDLE_TIMEOUT', "the server's reason, not CONNECTION_CLOSED (which was retried 4 times)")
  t.match(error.message, /idle_in_transaction_session_timeout/)
  t.match(error.hint, /idle_in_transaction_session_timeout/)
  t.same(await table('copied'), { rows: [], indexes: ['copied_pkey'] })
  t.same(await leftOver(), [])
})

const [{ version }] = await db.sql<[{ version: number }]>`SELECT current_setting('server_version_num')::int AS version`
t.test(
  'transaction_timeout (PostgreSQL 17+) ends the connection during the COPY: E_TRANSACTION_TIMEOUT',
  { skip: version < 170000 && `server ${version}: transaction_timeout is PostgreSQL 17+` },
  async (t) => {
    await setting('transaction_timeout', '600ms')
    t.teardown(() => setting('transaction_timeout', null))
    await expectStopped(t, 'copy', 'E_TRANSACTION_TIMEOUT', /transaction_timeout/, 'copied')
  },
)
