import t from 'tap'
import { createPool, warmUp } from '../lib/db/connect.ts'
import { seed } from '../lib/execution/api.ts'
import { fixture, testDatabase } from './helpers.ts'

const db = await testDatabase(t)
await db.sql`CREATE TABLE connections (seed text PRIMARY KEY, open int NOT NULL)`

const open = async (name: string) =>
  (
    await db.sql<[{ n: number }]>`
    SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = ${name}`
  )[0].n

t.test('warmUp opens that many connections at once, never more than the pool has', async (t) => {
  // createPool names its connections seedbed; a pool of its own name here, to count only its own.
  const named = createPool(`${db.url}?application_name=seedbed_warm_test`, 5)
  t.teardown(() => named.end({ timeout: 5 }))
  t.equal(await open('seedbed_warm_test'), 0, 'postgres.js opens nothing before a query')
  await warmUp(named, 3)
  t.equal(await open('seedbed_warm_test'), 3, 'three connections after warmUp(3)')
  await warmUp(named, 10)
  t.equal(await open('seedbed_warm_test'), 5, 'the pool has five: warmUp(10) opens five')
  await warmUp(named, 1)
  t.equal(await open('seedbed_warm_test'), 5, 'warmUp(1) opens nothing more')
})

t.test('a run opens the connections of its widest level before the first level, and no more', async (t) => {
  // Level 0 is `a` alone, level 1 is b, c, d: a run with --concurrency 5 needs 3 connections for its
  // seeds (plus the run lock's own), and they are open while `a` runs.
  const result = await seed({
    databaseUrl: db.url,
    seedsDir: `${fixture('warm')}/seeds`,
    only: [],
    poolSize: 6,
    concurrency: 5,
    pooler: 'none',
  })
  t.ok(result.ok, 'the run succeeds')
  const rows = await db.sql<{ seed: string; open: number }[]>`SELECT * FROM connections ORDER BY seed`
  t.same(
    rows.map((r) => [r.seed, r.open]),
    [
      ['a', 4],
      ['b', 4],
      ['c', 4],
      ['d', 4],
    ],
    'three seed connections and the lock connection, from the first seed on',
  )
})
