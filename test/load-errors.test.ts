import path from 'node:path'
import t from 'tap'
import type postgres from 'postgres'
import { createContext } from '../lib/execution/context.ts'
import { codes, type SeedbedError } from '../lib/errors/errors.ts'
import { addSecret } from '../lib/errors/redact.ts'
import { createLogger } from '../lib/output/log.ts'
import { loadRows } from '../lib/sql/load.ts'
import { seed } from '../lib/execution/api.ts'
import { fixture, testDatabase } from './helpers.ts'

const db = await testDatabase(t)
const log = createLogger({ level: -999 })

/** Runs fn with a seed context in a transaction, as a seed's run would; resolves with what it throws. */
const failure = (fn: (ctx: ReturnType<typeof createContext>['ctx']) => Promise<unknown>): Promise<SeedbedError> =>
  db.sql
    .begin((tx) => fn(createContext(tx, log, { seed: 'test', env: 'development' }).ctx))
    .then(
      () => {
        throw new Error('expected the seed to fail')
      },
      (e: SeedbedError) => e,
    )

const count = async (table: string) => (await db.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM ${db.sql(table)}`)[0].n
const stuck = () => db.sql`SELECT state FROM pg_stat_activity WHERE datname = ${db.name} AND state LIKE 'idle in transaction%'`

/** 1,001 customer rows whose row 1,001 repeats the email of row 500. */
const withRepeat = () => {
  const rows = Array.from({ length: 1000 }, (_, i) => [`c${i}@x`, `C ${i}`, i])
  rows.push(['c499@x', 'again', 1000])
  return rows
}
const customerColumns = { columns: ['email', 'name', 'score'], conflict: ['email'] }

t.test('a key repeated in the input is E_DUPLICATE_KEY on both load paths, and nothing is written', async (t) => {
  await db.sql`CREATE TABLE dup_empty (email text PRIMARY KEY, name text NOT NULL, score int)`
  await db.sql`CREATE TABLE dup_full (id serial PRIMARY KEY, email text UNIQUE, name text NOT NULL, score int)`
  await db.sql`INSERT INTO dup_full (email, name, score) VALUES ('old@x', 'Old', 0)`

  const empty = await failure((ctx) => ctx.load('dup_empty', withRepeat(), customerColumns))
  const full = await failure((ctx) => ctx.load('dup_full', withRepeat(), customerColumns))
  for (const [e, table] of [
    [empty, 'dup_empty'],
    [full, 'dup_full'],
  ] as const) {
    t.equal(e.code, codes.DUPLICATE_KEY, `${table}: the code`)
    t.equal(e.table, table)
    t.match(e.message, new RegExp(`load into ${table}: the rows repeat the key \\(email\\): \\(c499@x\\)`), `${table}: key named`)
    t.match(e.hint, /fix the generator/)
  }
  t.equal(await count('dup_empty'), 0, 'fast path: nothing written')
  t.equal(await count('dup_full'), 1, 'merge path: only the row that was there')

  // Forced merge into the empty table says the same.
  const forced = await failure((ctx) => ctx.load('dup_empty', withRepeat(), { ...customerColumns, mode: 'merge' }))
  t.equal(forced.code, codes.DUPLICATE_KEY)
  t.same(await stuck(), [], 'no connection left idle in a transaction')
})

t.test('multi-column keys, several repeats (first five), values through the redactor', async (t) => {
  await db.sql`CREATE TABLE dup_pairs (a int, b text, v int, PRIMARY KEY (a, b))`
  addSecret('hunter2-secret')
  const rows = [
    ...Array.from({ length: 20 }, (_, i) => [i, `k${i}`, i]),
    ...Array.from({ length: 7 }, (_, i) => [i, `k${i}`, -i]),
    [100, 'hunter2-secret', 1],
    [100, 'hunter2-secret', 2],
  ]
  const options = { columns: ['a', 'b', 'v'], conflict: ['a', 'b'] }
  const merged = await failure((ctx) => ctx.load('dup_pairs', rows, { ...options, mode: 'merge' }))
  t.equal(merged.code, codes.DUPLICATE_KEY)
  t.match(merged.message, /repeat the key \(a, b\): /)
  t.equal(merged.message.match(/\(\d+, [^)]*\)/g)?.length, 5, 'at most five keys named')
  t.match(merged.message, /and more/)
  const secret = await failure((ctx) => ctx.load('dup_pairs', rows.slice(-2), options))
  t.equal(secret.code, codes.DUPLICATE_KEY)
  t.match(secret.message, /\(100, \*\*\*\)/)
  t.notMatch(secret.message, /hunter2/, 'a registered secret never shows')
  t.equal(await count('dup_pairs'), 0)
})

t.test('upsert with the same key twice in one call is E_DUPLICATE_KEY', async (t) => {
  await db.sql`CREATE TABLE dup_upsert (slug text PRIMARY KEY, name text)`
  const rows = [
    { slug: 'a', name: 'A' },
    { slug: 'b', name: 'B' },
    { slug: 'a', name: 'A again' },
  ]
  for (const update of [undefined, []]) {
    const e = await failure((ctx) => ctx.upsert('dup_upsert', rows, { conflict: ['slug'], ...(update && { update }) }))
    t.equal(e.code, codes.DUPLICATE_KEY, update ? 'insert-only' : 'update')
    t.equal(e.table, 'dup_upsert')
    t.match(e.message, /upsert into dup_upsert: the rows repeat the key \(slug\): \(a\)/)
  }
  t.equal(await count('dup_upsert'), 0)
  // Keys equal to PostgreSQL but not to JavaScript (1 and '1'): the server's 21000 maps to the same code.
  await db.sql`CREATE TABLE dup_numeric (n numeric PRIMARY KEY, v text)`
  const e = await failure((ctx) =>
    ctx.upsert(
      'dup_numeric',
      [
        { n: '1.0', v: 'x' },
        { n: '1', v: 'y' },
      ],
      { conflict: ['n'] },
    ),
  )
  t.equal(e.code, codes.DUPLICATE_KEY)
  t.match(e.message, /upsert into dup_numeric: the rows repeat the key \(n\)/)
  t.equal(e.sqlState, '21000')
})

t.test('conflict columns without a unique index: one clear error on every path', async (t) => {
  await db.sql`CREATE TABLE no_key (email text, name text)`
  await db.sql`CREATE TABLE no_key_full (email text, name text)`
  await db.sql`INSERT INTO no_key_full VALUES ('old@x', 'Old')`
  const rows = [
    ['a@x', 'A'],
    ['b@x', 'B'],
  ]
  for (const table of ['no_key', 'no_key_full']) {
    const e = await failure((ctx) => ctx.load(table, rows, { columns: ['email', 'name'], conflict: ['email'] }))
    t.equal(e.code, codes.CONFLICT_KEY, table)
    t.match(e.message, new RegExp(`load into ${table}: no unique index or constraint of ${table} is on \\(email\\)`))
  }
  const e = await failure((ctx) => ctx.upsert('no_key', [{ email: 'a@x', name: 'A' }], { conflict: ['email'] }))
  t.equal(e.code, codes.CONFLICT_KEY)
  t.match(e.message, /upsert into no_key: no unique index or constraint of no_key is on \(email\)/)
  t.equal(await count('no_key'), 0)
  t.equal(await count('no_key_full'), 1)
})

/** Ten rows whose row 3 has a bad value in `column`. */
const tenRows = (column: 'age' | 'name', bad: string) =>
  Array.from({ length: 10 }, (_, i) => ({
    id: i + 1,
    name: i === 2 && column === 'name' ? bad : `n${i}`,
    age: i === 2 && column === 'age' ? bad : i,
  }))

t.test('a value COPY rejects is E_COPY_DATA naming table, column, row and value', async (t) => {
  await db.sql`CREATE TABLE people (id int PRIMARY KEY, name varchar(8) NOT NULL, age int)`
  await db.sql`CREATE TABLE people_full (id int PRIMARY KEY, name varchar(8) NOT NULL, age int)`
  await db.sql`INSERT INTO people_full VALUES (100, 'there', 1)`
  const columns = ['id', 'name', 'age']
  const cases: [string, (ctx: ReturnType<typeof createContext>['ctx']) => Promise<unknown>, string][] = [
    ['copy', (ctx) => ctx.copy('people', tenRows('age', 'abc'), { columns }), 'people'],
    ['load, fast path', (ctx) => ctx.load('people', tenRows('age', 'abc'), { columns, conflict: ['id'] }), 'people'],
    ['load, merge path', (ctx) => ctx.load('people_full', tenRows('age', 'abc'), { columns, conflict: ['id'] }), 'people_full'],
  ]
  for (const [name, fn, table] of cases) {
    const e = await failure(fn)
    t.equal(e.code, codes.COPY_DATA, name)
    t.equal(e.table, table, `${name}: the real table, not the staging one`)
    t.equal(e.sqlState, '22P02')
    t.match(e.message, new RegExp(`^row 3 of the rows for ${table}, column age, value "abc": invalid input syntax for type integer`), name)
    t.notMatch(e.message, /seedbed_stage/)
    t.equal(e.hint, `row 3 of the rows given to load/copy for table ${table} has a value column age cannot take: fix the generator`)
  }

  const long = await failure((ctx) => ctx.copy('people', tenRows('name', 'much-too-long'), { columns }))
  t.equal(long.code, codes.COPY_DATA)
  t.match(long.message, /^row 3 of the rows for people, column name, value "much-too-long": value too long for type character varying\(8\)/)
  const longMerge = await failure((ctx) => ctx.load('people_full', tenRows('name', 'much-too-long'), { columns, conflict: ['id'] }))
  t.equal(longMerge.code, codes.COPY_DATA)
  t.match(longMerge.message, /^row 3 of the rows for people_full, column name, value "much-too-long": value too long/)

  const nul = await failure((ctx) =>
    ctx.copy(
      'people',
      tenRows('age', '1').map((r, i) => (i === 6 ? { ...r, name: null } : r)),
      { columns },
    ),
  )
  t.equal(nul.code, codes.COPY_DATA)
  t.equal(nul.sqlState, '23502')
  t.match(nul.message, /^row 7 of the rows for people, column name, value null: null value in column "name"/)

  const range = await failure((ctx) => ctx.copy('people', [{ id: 1, name: 'a', age: 2 ** 40 }], { columns }))
  t.match(range, { code: codes.COPY_DATA, sqlState: '22003', message: /^row 1 of the rows for people, column age, value "1099511627776"/ })

  addSecret('s3cret-value')
  const secret = await failure((ctx) => ctx.copy('people', [{ id: 1, name: 'a', age: 's3cret-value' }], { columns }))
  t.equal(secret.code, codes.COPY_DATA)
  t.notMatch(`${secret.message} ${secret.hint}`, /s3cret/, 'the value goes through the redactor')

  t.equal(await count('people'), 0, 'nothing written')
  t.equal(await count('people_full'), 1, 'only the row that was there')
  t.same(await stuck(), [], 'no connection left idle in a transaction')
})

t.test('errors that are not about one value keep their mapping', async (t) => {
  await db.sql`CREATE TABLE plain_dup (id int PRIMARY KEY)`
  // A forced COPY may meet rows already there: a duplicate is still a unique violation.
  await db.sql`INSERT INTO plain_dup VALUES (1)`
  const e = await db.sql
    .begin((tx: postgres.TransactionSql) => loadRows(tx, 'plain_dup', [[1]], { columns: ['id'], mode: 'copy' }))
    .catch((err) => err)
  t.equal(e.code, '23505', 'the driver error, mapped later by fromDriverError')
})

t.test('the key check finds keys where ON CONFLICT does: schema-qualified tables, any column order, INCLUDE columns', async (t) => {
  await db.sql`CREATE SCHEMA app`
  await db.sql`CREATE TABLE app.items (a int, b text, note text, PRIMARY KEY (a, b))`
  await db.sql`CREATE TABLE covered (id int, v text)`
  await db.sql`CREATE UNIQUE INDEX covered_id ON covered (id) INCLUDE (v)`
  const rows = [
    [1, 'x', 'one'],
    [2, 'y', 'two'],
  ]
  const options = { columns: ['a', 'b', 'note'], conflict: ['b', 'a'] }
  t.same(await db.sql.begin((tx) => loadRows(tx, 'app.items', rows, options)), { mode: 'copy', created: 2, updated: 0, skipped: 0 })
  t.same(await db.sql.begin((tx) => loadRows(tx, 'app.items', rows, options)), { mode: 'merge', created: 0, updated: 0, skipped: 2 })
  t.same(await db.sql.begin((tx) => loadRows(tx, 'covered', [[1, 'v']], { columns: ['id', 'v'], conflict: ['id'] })), {
    mode: 'copy',
    created: 1,
    updated: 0,
    skipped: 0,
  })
  const partial = await db.sql.begin((tx) => loadRows(tx, 'covered', [[1, 'v']], { columns: ['id', 'v'], conflict: ['v'] })).catch((e) => e)
  t.equal(partial.code, codes.CONFLICT_KEY, 'an INCLUDE column is not part of the key')
  const missing = await db.sql
    .begin((tx) => loadRows(tx, 'nowhere', [[1]], { columns: ['id'], conflict: ['id'], mode: 'merge' }))
    .catch((e) => e)
  t.equal(missing.code, '42P01', 'a missing table is still reported as missing')
})

t.test('a short row in the merge path names the real table, not the staging one', async (t) => {
  const e = await db.sql
    .begin((tx) => loadRows(tx, 'people_full', [[1, 'a']], { columns: ['id', 'name', 'age'], conflict: ['id'] }))
    .catch((err) => err)
  t.equal(e.code, codes.COPY_ROW)
  t.match(e.message, /^row 1 for people_full has 2 values, expected 3/)
})

t.test('through a seed run: the report carries the codes, nothing is written, no connection is left in a transaction', async (t) => {
  await db.sql`CREATE TABLE ages (id int PRIMARY KEY, age int)`
  await db.sql`CREATE TABLE keyed (k text PRIMARY KEY, v int)`
  // A failure stops the run, so each seed runs on its own.
  const run = async (name: string) => {
    const result = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('load-bad'), 'seeds'), only: [name] })
    t.equal(result.ok, false)
    return result.seeds.find((s) => s.name === name)!.error
  }
  t.match(await run('bad_age'), {
    code: codes.COPY_DATA,
    table: 'ages',
    sqlState: '22P02',
    message: /row 4000 of the rows for ages, column age, value "forty"/,
  })
  t.match(await run('repeated'), {
    code: codes.DUPLICATE_KEY,
    table: 'keyed',
    message: /load into keyed: the rows repeat the key \(k\): \(k500\)/,
  })
  t.equal(await count('ages'), 0)
  t.equal(await count('keyed'), 0)
  t.same(await stuck(), [], 'no connection left idle in a transaction')
})
