import t from 'tap'
import { codes } from '../lib/errors/errors.ts'
import { fakerFor } from '../lib/helpers/fake.ts'
import { planFakeRows } from '../lib/schema/fake-rows.ts'
import { readTable } from '../lib/schema/table.ts'
import { wordsOf } from '../lib/schema/words.ts'
import { testDatabase } from './helpers.ts'
import { seedRunner } from './seed-runner.ts'

// Issue 29 item 3: the CHECKs people write, filled with no override. What seedbed does not read, the
// server judges: candidate rows are evaluated against the CHECKs in the seed's transaction, and the
// failing ones are made again (bounded, deterministic); a CHECK no row can meet is a coded error.
const db = await testDatabase(t)
const { inSeed, twice } = seedRunner(db.sql, 'checks')

t.test('comparisons between columns: >=, >, <> and the OR IS NULL form', async (t) => {
  await db.sql`CREATE TABLE orders (
    id serial PRIMARY KEY,
    orderdate timestamp NOT NULL,
    duedate timestamp NOT NULL,
    shipdate timestamp,
    assembly int NOT NULL,
    component int NOT NULL,
    low int NOT NULL,
    high int NOT NULL,
    CONSTRAINT due_after CHECK (duedate >= orderdate),
    CONSTRAINT ship_after CHECK (shipdate >= orderdate OR shipdate IS NULL),
    CONSTRAINT not_itself CHECK (assembly <> component),
    CONSTRAINT ordered CHECK (low < high))`
  await twice(t, 'orders', 200)
  const [row] = await db.sql`SELECT count(*) FILTER (WHERE shipdate IS NOT NULL)::int AS shipped FROM orders`
  t.ok(row!.shipped > 0, 'a column compared with another is still filled, not only left NULL')
})

t.test('length and char_length bounds', async (t) => {
  await db.sql`CREATE TABLE codes (
    id int PRIMARY KEY,
    code text NOT NULL CHECK (length(code) >= 3 AND char_length(code) <= 12),
    label varchar(40) NOT NULL CHECK (char_length(label) > 0),
    note text CHECK (length(note) BETWEEN 2 AND 30),
    short text NOT NULL CHECK (char_length(short) <= 2),
    tag text NOT NULL UNIQUE CHECK (length(tag) < 4),
    long text NOT NULL CHECK (length(long) >= 40 AND length(long) <= 45))`
  await twice(t, 'codes', 100)
})

t.test('now() and CURRENT_DATE bounds', async (t) => {
  await db.sql`CREATE TABLE staff (
    id int PRIMARY KEY,
    birthdate date NOT NULL CHECK (birthdate >= '1930-01-01' AND birthdate <= now() - '18 years'::interval),
    hiredate date NOT NULL CHECK (hiredate >= '1996-07-01' AND hiredate <= CURRENT_DATE + 1),
    modified timestamp NOT NULL DEFAULT now() CHECK (modified <= now()),
    CHECK (hiredate > birthdate))`
  await twice(t, 'staff', 100)
})

t.test('OR and NOT combinations, and expressions seedbed does not read, judged by the server', async (t) => {
  await db.sql`CREATE TABLE flags (
    id int PRIMARY KEY,
    a int NOT NULL,
    b int NOT NULL,
    kind text NOT NULL CHECK (kind IN ('x', 'y', 'z')),
    n int NOT NULL,
    CONSTRAINT not_both CHECK (NOT (kind = 'x' AND a > b)),
    CONSTRAINT either CHECK (a % 2 = 0 OR b % 3 = 0),
    CONSTRAINT not_equal CHECK (NOT (a = b)),
    CONSTRAINT even CHECK (mod(n, 2) = 0))`
  await twice(t, 'flags', 150)
  const [row] = await db.sql`SELECT count(DISTINCT kind)::int AS kinds FROM flags`
  t.equal(row!.kinds, 3, 'the readable CHECK still spreads the values')
})

t.test('a CHECK no made row can meet is a coded error naming the constraint and the table; nothing written', async (t) => {
  await db.sql`CREATE TABLE never (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, CONSTRAINT impossible CHECK (a < b AND b < a))`
  const e = await inSeed((ctx) => ctx.fake('never', 5)).catch((x) => x)
  t.match(e, { code: codes.FAKE_UNSUPPORTED, table: 'never', constraint: 'impossible', message: /CHECK constraint impossible .*never/ })
  t.match(e.hint, /override a, b/)
  const [row] = await db.sql`SELECT count(*)::int AS n FROM never`
  t.equal(row!.n, 0, 'nothing written')
  // A key column is the same in every attempt: a CHECK on it alone that it breaks cannot be met by trying again.
  await db.sql`CREATE TABLE keyed (code text PRIMARY KEY, CONSTRAINT upper_code CHECK (code ~ '^[A-Z]+[0-9]$'))`
  const k = await inSeed((ctx) => ctx.fake('keyed', 5)).catch((x) => x)
  t.match(k, { code: codes.FAKE_UNSUPPORTED, table: 'keyed', constraint: 'upper_code' })
})

t.test('a DEFAULT a judged CHECK compares with a made column is filled by seedbed: the CHECK compares values that stay', async (t) => {
  // orderdate DEFAULT now() against duedate made in the years before the reference date: never met when left to the server.
  await db.sql`CREATE TABLE headers (
    id serial PRIMARY KEY,
    orderdate timestamp NOT NULL DEFAULT now(),
    duedate timestamp NOT NULL,
    modified timestamp NOT NULL DEFAULT now(),
    CONSTRAINT due_after CHECK (duedate >= orderdate))`
  await twice(t, 'headers', 100)
  const [row] = await db.sql`SELECT count(*) FILTER (WHERE modified = orderdate)::int AS same FROM headers`
  t.equal(row!.same, 0, 'orderdate is made; modified, in no judged CHECK, stays the server’s now()')
})

t.test('a reference NOT NULL by a CHECK seedbed reads is never left NULL', async (t) => {
  await db.sql`CREATE TABLE parts (id int PRIMARY KEY)`
  await db.sql`INSERT INTO parts SELECT generate_series(1, 20)`
  await db.sql`CREATE TABLE bom (
    id serial PRIMARY KEY,
    assembly int REFERENCES parts,
    component int NOT NULL REFERENCES parts,
    level smallint NOT NULL,
    CONSTRAINT level_check CHECK ((assembly IS NULL AND level = 0) OR (assembly IS NOT NULL AND level >= 1)),
    CONSTRAINT not_itself CHECK (assembly <> component))`
  await twice(t, 'bom', 100)
})

t.test('a column compared with a unique key column converges: from the 8th attempt a nullable one is left NULL', async (t) => {
  // startdate is in the key (made counting back from the reference date), enddate drawn from the years before:
  // almost never after it, and NULL one row in ten. 64 tries of that alone fail some of 2,000 rows.
  await db.sql`CREATE TABLE history (
    product int NOT NULL,
    startdate timestamp NOT NULL,
    enddate timestamp,
    PRIMARY KEY (product, startdate),
    CONSTRAINT ends_after CHECK (enddate >= startdate OR enddate IS NULL))`
  await twice(t, 'history', 2000)
})

t.test('a CHECK that raises an error on the rows made is a coded error, and the seed’s transaction stays usable', async (t) => {
  await db.sql`CREATE TABLE ratio (id int PRIMARY KEY, n int NOT NULL, CONSTRAINT ratio_check CHECK (1 / (n - n) = 1))`
  await db.sql`CREATE TABLE after_ratio (id int PRIMARY KEY, n int NOT NULL CHECK (n <> 7))`
  const result = await inSeed(async (ctx) => {
    const e = await ctx.fake('ratio', 5).catch((x) => x)
    t.match(e, {
      code: codes.FAKE_UNSUPPORTED,
      table: 'ratio',
      constraint: 'ratio_check',
      message: /could not evaluate .*division by zero/,
    })
    t.match(e.hint, /override n/)
    await ctx.fake('after_ratio', 3)
  })
  t.same(result.created, 3, 'the seed went on in the same transaction')
})

t.test('judging CHECKs over many batches opens one subtransaction, not one per round (each later statement walks them)', async (t) => {
  await db.sql`CREATE TABLE many_orders (
    id int PRIMARY KEY,
    orderdate timestamp NOT NULL,
    duedate timestamp NOT NULL,
    CHECK (duedate >= orderdate))`
  await inSeed(async (ctx) => {
    await ctx.fake('many_orders', 25_000)
    // Every subtransaction that wrote keeps the lock on its transaction id until the seed's transaction ends.
    const [{ n }] = await ctx.sql<[{ n: number }]>`
      SELECT count(*)::int AS n FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'transactionid'`
    t.ok(n <= 2, `transaction ids held by the seed's transaction: ${n} (the transaction and the judge's savepoint)`)
  })
})

t.test('the judge makes only the columns its CHECKs read, each with the value the whole row has', async (t) => {
  await db.sql`CREATE TABLE wide_orders (
    id int PRIMARY KEY,
    email text NOT NULL UNIQUE,
    note text,
    orderdate timestamp NOT NULL,
    duedate timestamp NOT NULL,
    total numeric(10, 2) NOT NULL,
    CHECK (duedate >= orderdate))`
  await db.sql.begin(async (tx) => {
    const table = await readTable(tx, 'wide_orders')
    const faker = fakerFor('partial')
    const plan = planFakeRows({ table, parents: new Map(), overrides: {}, key: 'partial', faker, words: wordsOf(faker) })
    const judged = ['orderdate', 'duedate']
    const at = judged.map((c) => plan.columns.indexOf(c))
    let same = 0
    for (let i = 0; i < 50; i++) {
      for (const attempt of [0, 1, 9]) {
        const whole = plan.row(i, attempt)
        const part = plan.row(i, attempt, judged)
        if (at.every((j) => String(part[j]) === String(whole[j])) && part.filter((v) => v !== undefined).length === judged.length) same++
      }
    }
    t.equal(same, 150, 'every partial row holds the judged values of the whole row, and nothing else')
  })
})
