import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { BIG_ROWS, state } from './fixtures/level-together/seeds/_state.ts'
import { fixture, testDatabase } from './helpers.ts'

// A big generator must not starve the other seeds of its level: COPY's write loop gives the event
// loop a turn between chunks even when the socket never fills (a generator slower than the server),
// so a small seed's queries go through while the bulk load runs. Proved by order of events: the
// small seed ends before the big one has made half its rows.
const db = await testDatabase(t)
await db.sql`CREATE TABLE big_rows (id int PRIMARY KEY, v bigint NOT NULL)`
await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
await db.sql`CREATE TABLE level_events (seed text NOT NULL, big_rows_made int NOT NULL, big_finished boolean NOT NULL)`

const run = () => seed({ databaseUrl: db.url, seedsDir: `${fixture('level-together')}/seeds`, only: [], poolSize: 2, concurrency: 2 })

for (const path of ['COPY into an empty table', 'staging table then merge (rows already there)']) {
  t.test(`a small seed ends while a big one loads: ${path}`, async (t) => {
    await db.sql`TRUNCATE level_events`
    await db.sql`DELETE FROM items`
    // The seeds share this module with the test: reset, so the small seed waits for this run's big one.
    Object.assign(state, { made: 0, finished: false })
    const result = await run()
    t.ok(state.finished, 'the seeds shared this state with the test')
    t.ok(result.ok, 'the run succeeds')
    t.same(
      result.seeds.map((s) => [s.name, s.level]),
      [
        ['big', 0],
        ['small', 0],
      ],
      'one level',
    )
    const [{ n }] = await db.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM big_rows`
    t.equal(n, BIG_ROWS, 'every big row loaded')
    const events = await db.sql<{ big_rows_made: number; big_finished: boolean }[]>`SELECT * FROM level_events`
    t.equal(events.length, 1)
    t.equal(events[0]!.big_finished, false, 'the small seed ended before the big load finished')
    t.ok(events[0]!.big_rows_made < BIG_ROWS / 2, `the big seed had made ${events[0]!.big_rows_made} of ${BIG_ROWS} rows then`)
  })
}
