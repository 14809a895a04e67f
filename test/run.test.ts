import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { codes } from '../lib/errors/errors.ts'
import { fixture, testDatabase } from './helpers.ts'

const db = await testDatabase(t)
await db.sql`CREATE TABLE recorder (name text PRIMARY KEY, started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL)`
await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
await db.sql`CREATE TABLE parents (id int PRIMARY KEY)`
await db.sql`CREATE TABLE children (name text PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id))`

interface Span {
  name: string
  start: number
  end: number
}
const spans = async (): Promise<Span[]> =>
  (await db.sql<{ name: string; started_at: Date; ended_at: Date }[]>`SELECT * FROM recorder ORDER BY started_at`).map((r) => ({
    name: r.name,
    start: r.started_at.getTime(),
    end: r.ended_at.getTime(),
  }))
/** The most spans open at one instant. */
const peak = (list: Span[]) => Math.max(...list.map((s) => list.filter((o) => o.start <= s.start && s.start < o.end).length))
const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end
const run = (dir: string, extra: Record<string, unknown> = {}) =>
  seed({ databaseUrl: db.url, seedsDir: `${fixture(dir)}/seeds`, only: [], poolSize: 4, concurrency: 4, ...extra })

t.test('seeds of a level overlap; levels never do', async (t) => {
  await db.sql`TRUNCATE recorder`
  const result = await run('recorder')
  t.ok(result.ok)
  const s = await spans()
  const level = (n: string) => n[0]
  t.equal(s.length, 7)
  t.equal(peak(s.filter((x) => level(x.name) === 'a')), 4, 'all four seeds of level 0 ran at once')
  t.equal(peak(s.filter((x) => level(x.name) === 'b')), 2, 'both seeds of level 1 ran at once')
  for (const a of s)
    for (const b of s) {
      if (level(a.name) !== level(b.name)) t.notOk(overlaps(a, b), `${a.name} and ${b.name} (different levels) do not overlap`)
    }
  const lastA = Math.max(...s.filter((x) => level(x.name) === 'a').map((x) => x.end))
  t.ok(
    s.filter((x) => level(x.name) === 'b').every((x) => x.start >= lastA),
    'level 1 starts after level 0 ends',
  )
})

t.test('--concurrency bounds the seeds running at once', async (t) => {
  for (const concurrency of [1, 2]) {
    await db.sql`TRUNCATE recorder`
    const result = await run('recorder', { concurrency })
    t.ok(result.ok)
    const s = await spans()
    t.equal(peak(s), concurrency, `never more than ${concurrency} at once, and that many when possible`)
  }
})

t.test('a failing seed rolls back; its level finishes; later levels do not start', async (t) => {
  await db.sql`TRUNCATE items`
  const result = await run('failing')
  t.notOk(result.ok)
  const by = Object.fromEntries(result.seeds.map((s) => [s.name, s]))
  t.same(Object.fromEntries(result.seeds.map((s) => [s.name, s.status])), {
    base: 'succeeded',
    dup: 'failed',
    slow: 'succeeded',
    after: 'not_executed',
  })
  const e = by.dup!.error!
  t.equal(e.code, codes.UNIQUE_VIOLATION)
  t.match(e.message, /seed 'dup': unique violation on table items, constraint items_name_key/)
  t.same([e.seed, e.table, e.constraint, e.sqlState], ['dup', 'items', 'items_name_key', '23505'])
  t.match(e.hint, /ON CONFLICT/)
  const names = (await db.sql`SELECT name FROM items ORDER BY name`).map((r) => r.name)
  t.same(names, ['base', 'slow'], "dup's first row was rolled back with it; after never ran")
})

t.test('seeds queued behind a failure in the same level do not start', async (t) => {
  await db.sql`TRUNCATE items`
  const result = await run('failing', { concurrency: 1 })
  t.same(
    result.seeds.map((s) => [s.name, s.status]),
    [
      ['base', 'succeeded'],
      ['dup', 'failed'],
      ['slow', 'not_executed'],
      ['after', 'not_executed'],
    ],
  )
  t.same(
    (await db.sql`SELECT name FROM items`).map((r) => r.name),
    ['base'],
  )
})

t.test('a foreign key violation names the constraint and says to declare the dependency', async (t) => {
  const result = await run('failing-fk')
  const e = result.seeds[0]!.error!
  t.equal(e.code, codes.FOREIGN_KEY_VIOLATION)
  t.same([e.seed, e.table, e.constraint], ['orphan', 'children', 'children_parent_id_fkey'])
  t.match(e.hint, /dependsOn/)
  t.equal((await db.sql`SELECT * FROM children`).length, 0)
})

t.test('a failed validation rolls the seed back', async (t) => {
  await db.sql`TRUNCATE items`
  const result = await run('failing-validate')
  const e = result.seeds[0]!.error!
  t.equal(e.code, codes.VALIDATION_FAILED)
  t.match(e.message, /seed 'checked' failed validation: expected 3 items, found 2/)
  t.equal((await db.sql`SELECT * FROM items`).length, 0, 'nothing the seed wrote remains')
})
