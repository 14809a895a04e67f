import path from 'node:path'
import t from 'tap'
import type postgres from 'postgres'
import type { FakeOverrides } from '../lib/contract/types.ts'
import { codes } from '../lib/errors/errors.ts'
import { seed } from '../lib/execution/api.ts'
import { createContext } from '../lib/execution/context.ts'
import { createLogger } from '../lib/output/log.ts'
import { fixture, testDatabase } from './helpers.ts'

const project = fixture('schema-fake')
const options = (url: string) => ({
  databaseUrl: url,
  seedsDir: path.join(project, 'seeds'),
  schemaDir: path.join(project, 'schema'),
  applySchema: true,
})
const silent = createLogger({ level: -999 })

const COUNTS: Record<string, number> = {
  'app."Accounts"': 50,
  profiles: 40,
  countries: 100,
  cities: 300,
  addresses: 200,
  categories: 30,
  employees: 20,
  products: 100,
  orders: 200,
  order_lines: 600,
  account_flags: 300,
  ratings: 500,
  devices: 50,
}

/** md5 of every row of every table, in order (the server's now() in Accounts.created_at left out). */
async function digests(sql: postgres.Sql) {
  const out: Record<string, string> = {}
  for (const table of Object.keys(COUNTS)) {
    const [row] = await sql.unsafe(
      `SELECT md5(string_agg(j::text, E'\\n' ORDER BY j::text)) AS d FROM (SELECT to_jsonb(t) - 'created_at' AS j FROM ${table} t) r`,
    )
    out[table] = row!.d as string
  }
  return out
}

const db = await testDatabase(t)
const other = await testDatabase(t)

t.test('ctx.fake fills every table of a 14-table schema in dependency order, exactly, and a re-run skips every row', async (t) => {
  const first = await seed(options(db.url))
  t.ok(first.ok, JSON.stringify(first.seeds.find((s) => s.error)?.error))
  t.same(
    Object.fromEntries(first.seeds.map((s) => [s.name, [s.created, s.updated, s.skipped]])),
    {
      accounts: [50, 0, 0],
      profiles: [40, 0, 0],
      countries: [100, 0, 0],
      cities: [300, 0, 0],
      addresses: [200, 0, 0],
      categories: [30, 0, 0],
      employees: [20, 0, 0],
      products: [100, 0, 0],
      orders: [200, 0, 0],
      order_lines: [600, 0, 0],
      account_flags: [300, 0, 0],
      ratings: [500, 0, 0],
      devices: [50, 0, 0],
    },
    'the counts the seeds report',
  )
  for (const [table, n] of Object.entries(COUNTS)) {
    const [{ count }] = (await db.sql.unsafe(`SELECT count(*)::int AS count FROM ${table}`)) as [{ count: number }]
    t.equal(count, n, `${table} holds exactly ${n} rows`)
  }
  const again = await seed(options(db.url))
  t.ok(again.ok)
  t.same(
    again.seeds.filter((s) => s.created || s.updated).map((s) => s.name),
    [],
    'nothing created or updated on the second run',
  )
  t.equal(
    again.seeds.reduce((n, s) => n + s.skipped, 0),
    Object.values(COUNTS).reduce((a, b) => a + b),
    'every row skipped',
  )
})

t.test('the same seeds, scale and schema give identical rows in another database', async (t) => {
  const result = await seed(options(other.url))
  t.ok(result.ok)
  const [a, b] = [await digests(db.sql), await digests(other.sql)]
  t.same(b, a, 'every table has the same row digest')
  t.equal(new Set(Object.values(a)).size, Object.keys(COUNTS).length, 'the digests are of different rows')
})

t.test('what the rows hold: constraints read from the catalog, names steering text, NULLs where allowed', async (t) => {
  const sql = db.sql
  const [accounts] = await sql`
    SELECT count(DISTINCT "Email")::int AS emails, bool_and("Email" ~ '^[a-z]+\\.[a-z]+\\.[0-9]+@example\\.com$') AS shaped,
           bool_and(balance >= 0) AS balance, count(DISTINCT mood)::int AS moods FROM app."Accounts"`
  t.same(accounts, { emails: 50, shaped: true, balance: true, moods: 3 })
  // The PK that is a FK: each profile has its own account.
  const [profiles] = await sql`SELECT count(DISTINCT account_id)::int AS n, count(*) FILTER (WHERE bio IS NULL)::int AS nulls FROM profiles`
  t.equal(profiles!.n, 40)
  t.ok(profiles!.nulls > 0 && profiles!.nulls < 40, `a nullable column is sometimes NULL (${profiles!.nulls} of 40)`)
  // The composite key (reference, number): each country gets its cities in turn, city_no within its CHECK.
  const [cities] =
    await sql`SELECT min(city_no)::int AS lo, max(city_no)::int AS hi, count(DISTINCT country_code)::int AS countries FROM cities`
  t.same(cities, { lo: 1, hi: 3, countries: 100 })
  // A self-reference to a key seedbed makes: a parent made earlier in the same load (the first row: none).
  const categories = await sql<{ slug: string; parent_slug: string | null }[]>`SELECT slug, parent_slug FROM categories`
  t.equal(categories.filter((c) => c.parent_slug === null).length >= 1, true)
  t.ok(categories.filter((c) => c.parent_slug !== null).length > 20, 'most categories have a parent')
  // A self-reference to a key the server assigns is left NULL (a re-run would otherwise change it).
  const [employees] = await sql`SELECT count(*) FILTER (WHERE manager_id IS NOT NULL)::int AS managed, bool_and(level > 0) AS level,
                                   max(length(badge))::int AS badge FROM employees`
  t.same(employees, { managed: 0, level: true, badge: 8 })
  const [products] =
    await sql`SELECT bool_and(price > 0 AND price <= 5000) AS price, array_agg(DISTINCT status ORDER BY status) AS statuses,
                                  bool_and(search_name = lower(sku)) AS generated FROM products`
  t.same(products, { price: true, statuses: ['draft', 'live', 'retired'], generated: true })
  const [orders] = await sql`SELECT count(*) FILTER (WHERE state = 'new')::int AS defaulted, max(length(note))::int <= 40 AS note,
                                count(*) FILTER (WHERE address_id IS NULL)::int AS no_address FROM orders`
  t.equal(orders!.defaulted, 200, 'a column with a default is left to the server')
  t.ok(orders!.note)
  t.ok(orders!.no_address > 0, 'a nullable reference is sometimes NULL')
  const [flags] = await sql`SELECT count(DISTINCT (account_id, flag, mood))::int AS n FROM account_flags`
  t.equal(flags!.n, 300, 'a key of 50 accounts x 2 flags x 3 moods filled to its last value')
})

t.test('overrides: a constant, a list cycled, a function of the row and faker; a change counts as updated', async (t) => {
  const fakeWith = (overrides: FakeOverrides) =>
    db.sql.begin(async (tx) => {
      const { ctx } = createContext(tx, silent, { seed: 'overrides', env: 'development' })
      return ctx.fake('employees', 10, overrides)
    })
  await db.sql`TRUNCATE employees`
  const first = await fakeWith({ level: 7, tags: [['a'], ['b', 'c']], ip: (i: number) => `192.168.0.${i + 1}` })
  t.same([first.created, first.updated, first.skipped], [10, 0, 0])
  const rows = await db.sql`SELECT level, tags, ip FROM employees ORDER BY badge`
  t.same(
    rows.map((r) => r.level),
    Array(10).fill(7),
  )
  t.same(new Set(rows.map((r) => JSON.stringify(r.tags))), new Set(['["a"]', '["b","c"]']))
  t.same(rows.map((r) => r.ip).sort(), Array.from({ length: 10 }, (_, i) => `192.168.0.${i + 1}`).sort())
  const same = await fakeWith({ level: 7, tags: [['a'], ['b', 'c']], ip: (i: number) => `192.168.0.${i + 1}` })
  t.same([same.created, same.updated, same.skipped], [0, 0, 10], 'the same overrides: all skipped')
  const changed = await fakeWith({ level: 8, tags: [['a'], ['b', 'c']], ip: (i: number) => `192.168.0.${i + 1}` })
  t.same([changed.created, changed.updated, changed.skipped], [0, 10, 0], 'a changed constant: every row updated')
})

/** Fakes rows for a table of `ddl`, made in a schema of its own: the result, or the error. */
async function tryFake(ddl: string, table: string, count: number, overrides?: FakeOverrides) {
  const schema = `s${Math.random().toString(36).slice(2, 8)}`
  await db.sql.unsafe(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${ddl}; RESET search_path`)
  return db.sql
    .begin(async (tx) => {
      await tx.unsafe(`SET LOCAL search_path TO ${schema}`)
      const { ctx } = createContext(tx, silent, { seed: 'errors', env: 'development' })
      return ctx.fake(table, count, overrides)
    })
    .catch((e) => e)
}

t.test('the coded errors, each naming the table and what to do', async (t) => {
  let e = await tryFake('CREATE TABLE c (code char(2) PRIMARY KEY)', 'c', 101)
  t.match(e, {
    code: codes.FAKE_DOMAIN,
    table: 'c',
    constraint: 'c_pkey',
    message: /101 rows asked, but key c_pkey \(code\) has only 100 distinct values/,
  })
  e = await tryFake("CREATE TYPE m AS ENUM ('a', 'b'); CREATE TABLE f (on_off boolean, m m, PRIMARY KEY (on_off, m))", 'f', 5)
  t.match(e, { code: codes.FAKE_DOMAIN, message: /has only 4 distinct values/ })
  e = await tryFake('CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE k (id int PRIMARY KEY, p int NOT NULL REFERENCES p)', 'k', 3)
  t.match(e, { code: codes.FAKE_PARENT_EMPTY, constraint: 'k_p_fkey', message: /refers to s\w+\.p .*and s\w+\.p has no rows/ })
  t.match(e.hint, /fill s\w+\.p first/)
  // A CHECK seedbed does not read is judged by the server (test/fake-checks.test.ts): one no row meets is refused.
  e = await tryFake(
    'CREATE TABLE r (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, CONSTRAINT a_below_b CHECK (a < b AND a > b))',
    'r',
    3,
  )
  t.match(e, {
    code: codes.FAKE_UNSUPPORTED,
    constraint: 'a_below_b',
    message: /CHECK constraint a_below_b on \S+ is not met by row 1 after 64 attempts/,
  })
  t.match(e.hint, /override a, b/)
  // The same table is fine once the columns of the CHECK are overridden.
  const fine = await tryFake('CREATE TABLE r2 (id int PRIMARY KEY, a int, b int, CHECK (a < b AND a > b - 2))', 'r2', 3, { a: 1, b: 2 })
  t.same([fine.created, fine.updated], [3, 0])
  e = await tryFake('CREATE TABLE d (id int PRIMARY KEY, doc pg_lsn NOT NULL)', 'd', 3)
  t.match(e, { code: codes.FAKE_UNSUPPORTED, message: /column 'doc' \(pg_lsn, NOT NULL\): seedbed makes no values of type pg_lsn/ })
  e = await tryFake('CREATE TABLE o (id int PRIMARY KEY)', 'o', 3, { idd: 1 })
  t.match(e, { code: codes.FAKE_OVERRIDE, message: /override for 'idd', which is not a column/ })
  e = await tryFake('CREATE TABLE g (id int PRIMARY KEY, twice int GENERATED ALWAYS AS (id * 2) STORED)', 'g', 3, { twice: 1 })
  t.match(e, { code: codes.FAKE_OVERRIDE, message: /'twice' is GENERATED/ })
  e = await tryFake('CREATE TABLE n (note text, at timestamptz DEFAULT now())', 'n', 3)
  t.match(e, { code: codes.FAKE_NO_KEY, message: /has no primary key or unique key seedbed can fill/ })
  e = await tryFake('CREATE TABLE x (id int PRIMARY KEY)', 'no_such_table', 3)
  t.match(e, { code: codes.MISSING_TABLE, table: 'no_such_table' })
})
