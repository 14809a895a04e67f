import t from 'tap'
import { codes } from '../lib/errors/errors.ts'
import type { FakeCount, FakePerParent } from '../lib/index.ts'
import { testDatabase } from './helpers.ts'
import { seedRunner } from './seed-runner.ts'

// Issue 29, item 11: rows per parent (`{ per, min, max }`), nested as Snaplet's x(n) counts are.
const db = await testDatabase(t)
const { inSeed, digest } = seedRunner(db.sql, 'shop')

await db.sql.unsafe(`
  CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
  CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, placed_at timestamptz NOT NULL, note text);
  CREATE TABLE order_items (
    order_id int NOT NULL REFERENCES orders,
    line_no smallint NOT NULL CHECK (line_no BETWEEN 1 AND 4),
    sku text NOT NULL,
    quantity int NOT NULL,
    PRIMARY KEY (order_id, line_no)
  );`)

/** Rows of `child` per row of `parent` (0 for a parent with none), by the parent's key. */
async function perParent(parent: string, child: string, column: string): Promise<Map<number, number>> {
  const rows = await db.sql.unsafe(
    `SELECT p.id, count(c.${column})::int AS n FROM ${parent} p LEFT JOIN ${child} c ON c.${column} = p.id GROUP BY p.id ORDER BY p.id`,
  )
  return new Map(rows.map((r) => [r.id as number, r.n as number]))
}

const within = (counts: Map<unknown, number>, min: number, max: number) => [...counts.values()].every((n) => n >= min && n <= max)
const spread = (counts: Map<unknown, number>) => new Set(counts.values()).size

const ORDERS: FakePerParent = { per: 'customers', min: 0, max: 5 }
const ITEMS: FakeCount = { per: 'orders', min: 1, max: 4 }

t.test('customers -> 0 to 5 orders each -> 1 to 4 items each, re-run and new parents', async (t) => {
  const results: unknown[] = []
  const first = await inSeed(async (ctx) => {
    results.push(await ctx.fake('customers', 20))
    results.push(await ctx.fake('orders', ORDERS))
    results.push(await ctx.fake('order_items', ITEMS))
  })
  const orders = await perParent('customers', 'orders', 'customer_id')
  const items = await perParent('orders', 'order_items', 'order_id')
  t.equal(orders.size, 20)
  t.ok(within(orders, 0, 5), 'every customer has 0 to 5 orders')
  t.ok(within(items, 1, 4), 'every order has 1 to 4 items')
  t.ok(spread(orders) > 2 && spread(items) > 2, 'counts vary from parent to parent')
  const totalOrders = [...orders.values()].reduce((a, b) => a + b, 0)
  const totalItems = [...items.values()].reduce((a, b) => a + b, 0)
  t.equal(items.size, totalOrders)
  t.match(results, [{ created: 20 }, { created: totalOrders, updated: 0, skipped: 0 }, { created: totalItems, updated: 0, skipped: 0 }])
  t.same(first, { created: 20 + totalOrders + totalItems, updated: 0, skipped: 0 }, "the seed's counts add up")
  // A key of the reference and a number: each order's lines are 1, 2, 3... (line_no holds only 4 values).
  const [gaps] =
    await db.sql`SELECT count(*)::int AS n FROM (SELECT order_id, max(line_no) AS top, count(*) AS k FROM order_items GROUP BY order_id) g WHERE top <> k`
  t.equal(gaps!.n, 0, "each order's line numbers run 1 to its count")

  const before = { orders: await digest('orders'), items: await digest('order_items') }
  const again = await inSeed((ctx) => ctx.fake('orders', ORDERS).then(() => ctx.fake('order_items', ITEMS)))
  t.same(again, { created: 0, updated: 0, skipped: totalOrders + totalItems }, 'a second run is all skipped')
  t.same({ orders: await digest('orders'), items: await digest('order_items') }, before, 'and changes nothing')

  // Five more customers: orders only for them, the others keep theirs.
  await inSeed((ctx) => ctx.fake('customers', 25))
  const grown = await inSeed((ctx) => ctx.fake('orders', ORDERS))
  const after = await perParent('customers', 'orders', 'customer_id')
  t.same([...after].slice(0, 20), [...orders], "the first 20 customers' orders are unchanged")
  const added = [...after].slice(20).reduce((a, [, n]) => a + n, 0)
  t.ok(within(after, 0, 5))
  t.same(grown, { created: added, updated: 0, skipped: totalOrders }, 'only the new customers get orders')
  const grownItems = await inSeed((ctx) => ctx.fake('order_items', ITEMS))
  t.equal(grownItems.skipped, totalItems, "the old orders' items are skipped")
  t.equal(grownItems.updated, 0)
  t.ok(within(await perParent('orders', 'order_items', 'order_id'), 1, 4), 'and the new orders have 1 to 4 items')
})

t.test("a parent's count comes from its key, not its position", async (t) => {
  await db.sql`CREATE TABLE tags (code text PRIMARY KEY)`
  await db.sql`CREATE TABLE tag_notes (id serial PRIMARY KEY, tag text NOT NULL REFERENCES tags, body text)`
  const counts = async () =>
    new Map((await db.sql`SELECT tag, count(*)::int AS n FROM tag_notes GROUP BY tag`).map((r) => [r.tag as string, r.n as number]))
  const odd = ['b', 'd', 'f', 'h', 'j', 'l', 'n', 'p']
  await db.sql`INSERT INTO tags ${db.sql(odd.map((code) => ({ code })))}`
  await inSeed((ctx) => ctx.fake('tag_notes', { per: 'public.tags', min: 1, max: 6 }))
  const first = await counts()
  // Parents that sort among the others: every old parent keeps its count.
  await db.sql`INSERT INTO tags ${db.sql(['a', 'c', 'e', 'g'].map((code) => ({ code })))}`
  await inSeed((ctx) => ctx.fake('tag_notes', { per: 'tags', min: 1, max: 6 }))
  const second = await counts()
  t.same(
    odd.map((c) => second.get(c)),
    odd.map((c) => first.get(c)),
  )
  t.equal(second.size, 12, 'the new parents have rows too')
  t.ok(spread(second) > 1)
})

t.test('a reference with a DEFAULT is filled per parent all the same', async (t) => {
  await db.sql`CREATE TABLE visits (id serial PRIMARY KEY, customer_id int NOT NULL DEFAULT 1 REFERENCES customers, at date NOT NULL)`
  await inSeed((ctx) => ctx.fake('visits', { per: 'customer_id', min: 1, max: 2 }))
  const [row] =
    await db.sql`SELECT count(DISTINCT customer_id)::int AS parents, (SELECT count(*)::int FROM customers) AS customers FROM visits`
  t.equal(row!.parents, row!.customers, 'every customer has a visit')
})

t.test('several keys to one parent: per names the column; 1:1; mixed case and other schemas', async (t) => {
  await db.sql.unsafe(`
    CREATE SCHEMA app;
    CREATE TABLE app."Accounts" (id serial PRIMARY KEY, label text);
    CREATE TABLE transfers (id serial PRIMARY KEY, from_account int NOT NULL REFERENCES app."Accounts", to_account int NOT NULL REFERENCES app."Accounts");
    CREATE TABLE profiles (customer_id int PRIMARY KEY REFERENCES customers, bio text);`)
  await inSeed((ctx) => ctx.fake('app.Accounts', 12))
  const e = await inSeed((ctx) => ctx.fake('transfers', { per: 'app.Accounts', min: 1, max: 3 })).catch((err) => err)
  t.match(e, {
    code: codes.FAKE_OVERRIDE,
    table: 'transfers',
    message:
      /per 'app.Accounts': several foreign keys refer to app\."Accounts" \(from_account -> app\."Accounts"; to_account -> app\."Accounts"\)/,
    hint: /name the referencing column instead/,
  })
  await inSeed((ctx) => ctx.fake('transfers', { per: 'to_account', min: 2, max: 3 }))
  const [row] = await db.sql`SELECT count(DISTINCT to_account)::int AS parents, min(n)::int AS lo, max(n)::int AS hi
    FROM (SELECT to_account, count(*) AS n FROM transfers GROUP BY to_account) g`
  t.same(row, { parents: 12, lo: 2, hi: 3 }, 'every account receives 2 or 3 transfers')

  const one = await inSeed((ctx) => ctx.fake('profiles', { per: 'customers', min: 0, max: 2 })).catch((err) => err)
  t.match(one, { code: codes.FAKE_OVERRIDE, message: /customer_id is unique \(profiles_pkey\).*1:1/, hint: /max must be 1/ })
  await inSeed((ctx) => ctx.fake('profiles', { per: 'customers', min: 0, max: 1 }))
  const [p] = await db.sql`SELECT count(*)::int AS n FROM profiles`
  t.ok(p!.n > 0 && p!.n < 25, 'some customers have a profile, some not')
})

t.test('bad counts and parents are errors naming the table and per', async (t) => {
  await db.sql`CREATE TABLE products (id serial PRIMARY KEY)`
  await db.sql`CREATE TABLE empties (id serial PRIMARY KEY)`
  await db.sql`CREATE TABLE reviews (id serial PRIMARY KEY, empty_id int NOT NULL REFERENCES empties)`
  const fails = (table: string, count: unknown, overrides?: Record<string, unknown>) =>
    inSeed((ctx) => ctx.fake(table, count as never, overrides as never)).catch((err) => err)
  t.match(await fails('orders', { per: 'products', min: 0, max: 2 }), {
    code: codes.FAKE_OVERRIDE,
    table: 'orders',
    message: /per 'products': public\.orders has no foreign key to public\.products/,
    hint: /customer_id -> public\.customers/,
  })
  t.match(await fails('orders', { per: 'nothing', min: 0, max: 2 }), {
    code: codes.FAKE_OVERRIDE,
    message: /per 'nothing': names no table/,
  })
  for (const bad of [
    { per: 'customers', min: 3, max: 2 },
    { per: 'customers', min: -1, max: 2 },
    { per: 'customers', min: 0, max: 1.5 },
    { per: 'customers', min: 0 },
  ]) {
    t.match(await fails('orders', bad), {
      code: codes.FAKE_OVERRIDE,
      message: /count per customers: min and max must be whole numbers with 0 <= min <= max/,
    })
  }
  t.match(await fails('orders', { min: 0, max: 2 }), { code: codes.FAKE_OVERRIDE, message: /needs `per`/ })
  t.match(await fails('orders', { per: 'customers', min: 0, max: 2, each: 1 }), { code: codes.FAKE_OVERRIDE, message: /unknown key each/ })
  t.match(await fails('orders', { per: 'customers', min: 0, max: 2 }, { customer_id: 1 }), {
    code: codes.FAKE_OVERRIDE,
    message: /per 'customers': customer_id overridden/,
    hint: /remove the override of customer_id/,
  })
  await db.sql`CREATE TABLE categories (id serial PRIMARY KEY, parent_id int REFERENCES categories)`
  t.match(await fails('categories', { per: 'categories', min: 0, max: 2 }), {
    code: codes.FAKE_OVERRIDE,
    message: /per 'categories': foreign key categories_parent_id_fkey refers to public\.categories itself/,
  })
  t.match(await fails('reviews', { per: 'empties', min: 1, max: 2 }), {
    code: codes.FAKE_PARENT_EMPTY,
    constraint: 'reviews_empty_id_fkey',
  })
  t.same(
    await inSeed((ctx) => ctx.fake('reviews', { per: 'empties', min: 0, max: 2 })),
    { created: 0, updated: 0, skipped: 0 },
    'min 0: no rows',
  )
})
