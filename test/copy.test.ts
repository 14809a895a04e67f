import { createHash } from 'node:crypto'
import path from 'node:path'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { copyRows, encodeField } from '../lib/sql/copy.ts'
import { codes } from '../lib/errors/errors.ts'
import { fakerFor } from '../lib/helpers/fake.ts'
import { loadRows } from '../lib/sql/load.ts'
import { applySchema } from '../lib/db/schema.ts'
import { fixture, ROOT, testDatabase } from './helpers.ts'

const db = await testDatabase(t)

t.test('field encoding follows COPY text format', async (t) => {
  t.equal(encodeField(null), '\\N')
  t.equal(encodeField(undefined), '\\N')
  t.equal(encodeField('a\tb\nc\rd\\e'), 'a\\tb\\nc\\rd\\\\e')
  t.equal(encodeField('\\N'), '\\\\N', 'the text \\N is not NULL')
  t.equal(encodeField(12n), '12')
  t.equal(encodeField(true), 't')
  t.equal(encodeField(Number.NaN), 'NaN')
  t.equal(encodeField(-Infinity), '-Infinity')
  t.equal(encodeField(new Date('2026-03-04T05:06:07.890Z')), '2026-03-04T05:06:07.890Z')
  t.equal(encodeField(Buffer.from([0, 255])), '\\\\x00ff')
  t.equal(encodeField(['a', null, 'b"c', 'd\\e']), '{"a",NULL,"b\\\\"c","d\\\\\\\\e"}')
  t.equal(encodeField({ k: 'v\n' }), '{"k":"v\\\\n"}')
})

t.test('every common type goes through COPY and reads back equal', async (t) => {
  await db.sql`CREATE TABLE every_type (
    id int PRIMARY KEY, t text, n numeric, f float8, big bigint, b boolean, ts timestamptz,
    j jsonb, arr text[], nums int[], bin bytea)`
  const faker = fakerFor('round-trip')
  const nasty = [
    '',
    '\t',
    '\n',
    '\r\n',
    '\\',
    '\\N',
    'a\\tb',
    '"quoted"',
    "it's",
    '😀 emoji ✓',
    'ünïcödé',
    ',',
    '{}',
    'NULL',
    ' lead and trail ',
  ]
  const randomText = () =>
    Array.from({ length: faker.number.int({ min: 0, max: 30 }) }, () =>
      faker.helpers.arrayElement([...nasty, faker.string.sample(1), faker.string.alphanumeric(3)]),
    ).join('')
  const rows = Array.from({ length: 500 }, (_, i) => ({
    id: i,
    t: i < nasty.length ? nasty[i]! : i % 17 === 0 ? null : randomText(),
    n: i % 5 === 0 ? null : `${faker.number.int({ min: -1e6, max: 1e6 })}.${faker.number.int({ min: 0, max: 99 })}`,
    f: faker.number.float({ min: -1e9, max: 1e9 }),
    big: BigInt(faker.number.int({ min: 0, max: Number.MAX_SAFE_INTEGER })) * 1000n + 7n,
    b: i % 3 === 0 ? null : i % 2 === 0,
    ts: faker.date.past(),
    j: i % 7 === 0 ? null : { s: randomText(), n: i, nested: [1, 'two', null, { deep: randomText() }] },
    arr: i % 11 === 0 ? null : [randomText(), null, randomText(), ''],
    nums: [i, -i, 0],
    bin: i % 13 === 0 ? null : Buffer.from(faker.string.sample(20), 'utf8'),
  }))
  const columns = Object.keys(rows[0]!)
  const sent = await db.sql.begin((tx) => copyRows(tx, 'every_type', columns, rows))
  t.equal(sent, rows.length)
  // Arrays are read back as JSON: postgres.js's own array parser returns NULL elements of text[]
  // as the string 'NULL' (a read-side quirk; the database holds real NULLs, checked below).
  const back =
    await db.sql`SELECT id, t, n, f, big, b, ts, j, to_jsonb(arr) AS arr, to_jsonb(nums) AS nums, bin FROM every_type ORDER BY id`
  const [{ nulls }] = await db.sql<
    [{ nulls: number }]
  >`SELECT count(*)::int AS nulls FROM every_type WHERE arr[2] IS NULL AND arr IS NOT NULL`
  t.equal(nulls, rows.filter((r) => r.arr).length, 'NULL array elements are NULL in the database')
  t.equal(back.length, rows.length)
  // postgres.js reads bigint and numeric as strings; everything else comes back as sent.
  const expected = rows.map((r) => ({ ...r, big: String(r.big) }))
  t.strictSame(
    [...back].map((r) => ({ ...r })),
    expected,
    'all 500 rows read back equal',
  )
  t.equal(
    back.filter((r) => r.t === '').length > 0 && back.filter((r) => r.t === null).length > 0,
    true,
    'empty string and NULL both survive, distinct',
  )
})

t.test('rows from an async generator, as objects; a short row is E_COPY_ROW', async (t) => {
  await db.sql`CREATE TABLE pairs (a int, b text)`
  async function* gen() {
    for (let i = 0; i < 2500; i++) yield { a: i, b: `v${i}` }
  }
  const ticks: number[] = []
  t.equal(await db.sql.begin((tx) => copyRows(tx, 'pairs', ['a', 'b'], gen(), { onProgress: (n) => ticks.push(n) })), 2500)
  t.same(ticks, [1000, 2000, 2500], 'progress after each chunk and at the end')
  await t.rejects(
    db.sql.begin((tx) => copyRows(tx, 'pairs', ['a', 'b'], [[1, 'x'], [2]])),
    { code: codes.COPY_ROW, message: /row 2 for pairs has 1 values, expected 2/ },
  )
  t.equal((await db.sql`SELECT count(*)::int AS n FROM pairs`)[0]!.n, 2500, 'the failed COPY left nothing')
})

t.test('load: fast path when empty, staged merge after, counting created/updated/skipped', async (t) => {
  await db.sql`CREATE TABLE people (email text PRIMARY KEY, name text NOT NULL, score int)`
  const people = (n: number, bump = -1) => Array.from({ length: n }, (_, i) => [`p${i}@x`, `P ${i}`, i === bump ? -1 : i])
  const first = await db.sql.begin((tx) =>
    loadRows(tx, 'people', people(3000), { columns: ['email', 'name', 'score'], conflict: ['email'] }),
  )
  t.same(first, { mode: 'copy', created: 3000, updated: 0, skipped: 0 })
  const again = await db.sql.begin((tx) =>
    loadRows(tx, 'people', people(3000), { columns: ['email', 'name', 'score'], conflict: ['email'] }),
  )
  t.same(again, { mode: 'merge', created: 0, updated: 0, skipped: 3000 })
  const grown = await db.sql.begin((tx) =>
    loadRows(tx, 'people', people(3500, 10), { columns: ['email', 'name', 'score'], conflict: ['email'] }),
  )
  t.same(grown, { mode: 'merge', created: 500, updated: 1, skipped: 2999 })
  const insertOnly = await db.sql.begin((tx) =>
    loadRows(tx, 'people', people(3600), { columns: ['email', 'name', 'score'], conflict: ['email'], update: [] }),
  )
  t.same(insertOnly, { mode: 'merge', created: 100, updated: 0, skipped: 3500 }, 'update: [] leaves the changed row alone')
  t.equal((await db.sql`SELECT score FROM people WHERE email = 'p10@x'`)[0]!.score, -1)
  const temp = await db.sql`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'seedbed_stage_%'`
  t.equal(temp[0]!.n, 0, 'staging tables are dropped at commit')
  await t.rejects(
    db.sql.begin((tx) => loadRows(tx, 'people', [], { columns: ['email'] })),
    { code: codes.LOAD_OPTIONS, message: /conflict. is required/ },
  )
  await t.rejects(
    db.sql.begin((tx) => loadRows(tx, 'people', [], { columns: ['email'], conflict: ['id'] })),
    { code: codes.LOAD_OPTIONS, message: /'id' is not in columns/ },
  )
})

t.test('a COPY rejected after thousands of rows fails at once, rolls back, leaks no connection', async (t) => {
  await db.sql`CREATE TABLE bulk (id int PRIMARY KEY, label text)`
  const result = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('bulk-bad'), 'seeds'), only: [] })
  const report = result.seeds[0]!
  t.equal(report.status, 'failed')
  t.equal(report.error?.code, codes.UNIQUE_VIOLATION)
  t.match(report.error?.message, /seed 'late_dup': unique violation on table bulk, constraint bulk_pkey/)
  t.equal((await db.sql`SELECT count(*)::int AS n FROM bulk`)[0]!.n, 0, 'none of the 5,000 rows remain')
  const stuck = await db.sql`SELECT state FROM pg_stat_activity WHERE datname = ${db.name} AND state LIKE 'idle in transaction%'`
  t.same(stuck, [], 'no connection left idle in a transaction')
})

t.test('the bulk example seeds: idempotent, scaled, and identical in two databases', async (t) => {
  process.env.SEEDBED_BCRYPT_COST = '4'
  const other = await testDatabase(t)
  const options = { seedsDir: path.join(ROOT, 'seeds'), schemaDir: path.join(ROOT, 'schema'), only: ['order_items'] }
  await applySchema(db.sql, options.schemaDir)
  await applySchema(other.sql, options.schemaDir)
  const first = await seed({ ...options, databaseUrl: db.url, scale: 0.5 })
  t.ok(first.ok)
  const by = Object.fromEntries(first.seeds.map((s) => [s.name, s]))
  t.same([by.customers!.created, by.orders!.created], [500, 1000], 'scale 0.5 halves the rows')
  t.ok(by.order_items!.created >= 1000 && by.order_items!.created <= 4000)
  t.ok(by.order_items!.rowsPerSecond > 0, 'rows per second reported')

  const second = await seed({ ...options, databaseUrl: db.url, scale: 0.5 })
  for (const name of ['customers', 'orders', 'order_items']) {
    const s = second.seeds.find((x) => x.name === name)!
    t.same([s.created, s.updated, s.skipped], [0, 0, by[name]!.created], `${name}: second run all skipped`)
  }

  await seed({ ...options, databaseUrl: other.url, scale: 0.5 })
  /** A hash of a query's rows in a stable order: equal hashes, equal tables. */
  const digest = async (sql: typeof db.sql, select: string, orderBy: string) => {
    const rows = await sql.unsafe(`SELECT r::text AS r FROM (${select}) r ORDER BY ${orderBy}`)
    t.ok(rows.length > 0)
    return createHash('sha256')
      .update(rows.map((r) => r.r).join('\n'))
      .digest('hex')
  }
  const tables: [string, string][] = [
    // bcrypt salts differ between databases by design; every other column must be identical.
    ['SELECT id, email, name, created_at, score FROM customers', 'email'],
    ['SELECT * FROM orders', 'order_no'],
    ['SELECT * FROM order_items', 'order_no, line_no'],
  ]
  for (const [select, orderBy] of tables) {
    t.equal(await digest(other.sql, select, orderBy), await digest(db.sql, select, orderBy), `${select}: the same rows in both databases`)
  }
})
