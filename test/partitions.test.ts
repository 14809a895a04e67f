import t from 'tap'
import { createContext } from '../lib/execution/context.ts'
import { codes, type SeedbedError } from '../lib/errors/errors.ts'
import { createLogger } from '../lib/output/log.ts'
import { testDatabase } from './helpers.ts'

const db = await testDatabase(t)
const log = createLogger({ level: -999 })
type Ctx = ReturnType<typeof createContext>['ctx']

/** Runs fn with a seed context in a transaction that commits, as a seed's run would. */
const inSeed = <T>(fn: (ctx: Ctx) => Promise<T>): Promise<T> =>
  db.sql.begin((tx) => fn(createContext(tx, log, { seed: 'test', env: 'development' }).ctx)) as Promise<T>
const failure = (fn: (ctx: Ctx) => Promise<unknown>): Promise<SeedbedError> =>
  inSeed(fn).then(
    () => {
      throw new Error('expected the seed to fail')
    },
    (e: SeedbedError) => e,
  )
const where = (table: string) =>
  db.sql<{ id: number; part: string; note: string }[]>`SELECT id, tableoid::regclass::text AS part, note FROM ${db.sql(table)} ORDER BY id`

// By range on a date, by list on a text column; rows of every test land in several partitions.
await db.sql.unsafe(`
  CREATE TABLE events (id int NOT NULL, placed_on date NOT NULL, note text, PRIMARY KEY (id, placed_on)) PARTITION BY RANGE (placed_on);
  CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE accounts (id int NOT NULL, region text NOT NULL, note text, UNIQUE (region, id)) PARTITION BY LIST (region);
  CREATE TABLE accounts_eu PARTITION OF accounts FOR VALUES IN ('eu');
  CREATE TABLE accounts_us PARTITION OF accounts FOR VALUES IN ('us');
  CREATE TABLE accounts_ap PARTITION OF accounts FOR VALUES IN ('ap')`)

const eventRows = (n: number, note = 'n') =>
  Array.from({ length: n }, (_, i) => [i + 1, i % 2 ? '2024-06-01' : '2025-03-01', `${note}${i + 1}`])
const eventOptions = { columns: ['id', 'placed_on', 'note'], conflict: ['id', 'placed_on'] }

t.test('a conflict without the partition key is E_PARTITION_KEY on load (both paths) and upsert, and nothing is written', async (t) => {
  for (const mode of ['auto', 'merge'] as const) {
    const e = await failure((ctx) => ctx.load('events', eventRows(10), { columns: ['id', 'placed_on', 'note'], conflict: ['id'], mode }))
    t.equal(e.code, codes.PARTITION_KEY, mode)
    t.equal(e.table, 'events')
    t.equal(e.message, 'load into events: events is partitioned by RANGE (placed_on) and conflict (id) leaves out placed_on')
    t.match(e.hint, 'pass conflict (id, placed_on)')
  }
  const up = await failure((ctx) => ctx.upsert('accounts', [{ id: 1, region: 'eu', note: 'x' }], { conflict: ['id'] }))
  t.equal(up.code, codes.PARTITION_KEY)
  t.equal(up.message, 'upsert into accounts: accounts is partitioned by LIST (region) and conflict (id) leaves out region')
  t.equal((await db.sql`SELECT count(*)::int AS n FROM events`)[0]!.n, 0)
  t.equal((await db.sql`SELECT count(*)::int AS n FROM accounts`)[0]!.n, 0)
  // A non-partitioned table keeps its own error for a conflict that is no key.
  await db.sql`CREATE TABLE plain (id int PRIMARY KEY, code text)`
  const plain = await failure((ctx) => ctx.upsert('plain', [{ id: 1, code: 'a' }], { conflict: ['code'] }))
  t.equal(plain.code, codes.CONFLICT_KEY)
})

t.test('a sub-partition key counts too', async (t) => {
  await db.sql.unsafe(`
    CREATE TABLE readings (id int NOT NULL, day date NOT NULL, sensor text NOT NULL, v int, PRIMARY KEY (id, day, sensor)) PARTITION BY RANGE (day);
    CREATE TABLE readings_2025 PARTITION OF readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (sensor);
    CREATE TABLE readings_2025_a PARTITION OF readings_2025 FOR VALUES IN ('a')`)
  const e = await failure((ctx) =>
    ctx.load('readings', [[1, '2025-02-02', 'a', 1]], { columns: ['id', 'day', 'sensor', 'v'], conflict: ['id', 'day'] }),
  )
  t.equal(e.code, codes.PARTITION_KEY)
  t.match(e.message, 'leaves out sensor')
})

t.test(
  'load into a range-partitioned table: COPY when empty, merge after; a re-run skips all; an update stays in its partition',
  async (t) => {
    const first = await inSeed((ctx) => ctx.load('events', eventRows(1000), eventOptions))
    t.same(first, { mode: 'copy', created: 1000, updated: 0, skipped: 0 })
    const parts = await db.sql`SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM events GROUP BY 1 ORDER BY 1`
    t.same(
      parts.map((r) => [r.part, r.n]),
      [
        ['events_2024', 500],
        ['events_2025', 500],
      ],
    )

    const again = await inSeed((ctx) => ctx.load('events', eventRows(1000), eventOptions))
    t.same(again, { mode: 'merge', created: 0, updated: 0, skipped: 1000 })

    const before = await where('events')
    const rows = eventRows(1002)
    rows[4]![2] = 'changed'
    const third = await inSeed((ctx) => ctx.load('events', rows, eventOptions))
    t.same(third, { mode: 'merge', created: 2, updated: 1, skipped: 999 })
    const after = await where('events')
    t.equal(after.length, 1002)
    t.same(
      after.slice(0, 1000).map((r) => r.part),
      before.map((r) => r.part),
      'no row moved partition',
    )
    t.same(after[4], { id: 5, part: 'events_2025', note: 'changed' })
    t.same(
      after.slice(1000).map((r) => r.part),
      ['events_2025', 'events_2024'],
    )
  },
)

t.test('upsert into a list-partitioned table: rows in three partitions, a re-run skips all, an update stays put', async (t) => {
  const regions = ['eu', 'us', 'ap']
  const rows = Array.from({ length: 30 }, (_, i) => ({ id: i + 1, region: regions[i % 3]!, note: `n${i + 1}` }))
  const first = await inSeed((ctx) => ctx.upsert('accounts', rows, { conflict: ['region', 'id'] }))
  t.same([first.created, first.updated, first.skipped], [30, 0, 0])
  const parts = await db.sql`SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM accounts GROUP BY 1 ORDER BY 1`
  t.same(
    parts.map((r) => [r.part, r.n]),
    [
      ['accounts_ap', 10],
      ['accounts_eu', 10],
      ['accounts_us', 10],
    ],
  )
  const again = await inSeed((ctx) => ctx.upsert('accounts', rows, { conflict: ['region', 'id'] }))
  t.same([again.created, again.updated, again.skipped], [0, 0, 30])

  rows[1]!.note = 'changed'
  const third = await inSeed((ctx) => ctx.upsert('accounts', rows, { conflict: ['region', 'id'] }))
  t.same([third.created, third.updated, third.skipped], [0, 1, 29])
  const [row] = await where('accounts').then((all) => all.filter((r) => r.id === 2))
  t.same(row, { id: 2, part: 'accounts_us', note: 'changed' })
  t.equal((await db.sql`SELECT count(*)::int AS n FROM accounts`)[0]!.n, 30)

  // The merge path of load on the same table.
  const loaded = await inSeed((ctx) =>
    ctx.load(
      'accounts',
      rows.map((r) => [r.id, r.region, r.note]),
      { columns: ['id', 'region', 'note'], conflict: ['region', 'id'] },
    ),
  )
  t.same(loaded, { mode: 'merge', created: 0, updated: 0, skipped: 30 })
})
