import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { defineSeed } from '../lib/contract/contract.ts'
import { codes, type SeedbedError } from '../lib/errors/errors.ts'
import { checkPlan, seed } from '../lib/execution/api.ts'
import { toSeed } from '../lib/planning/discover.ts'
import { orderTables } from '../lib/schema/fill-order.ts'
import { runCli, seedsFolder, testDatabase } from './helpers.ts'

// Issue 29 item 8: a seed that fills tables declared as data (`fill`), so what it writes is known without running it.

const SHOP = `
  CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE orders (id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, status text NOT NULL);
  CREATE TABLE tally (name text PRIMARY KEY, n int NOT NULL);`

const count = async (sql: import('postgres').Sql, table: string) =>
  (await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM ${sql(table)}`)[0].n

t.test("a fill-only seed with dependsOn: 'auto' depends on the seed filling the parent, without writes and before any run", async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(SHOP)
  const seeds = await seedsFolder(t)
  // Plain objects: no import needed, as a user's seed without defineSeed would be.
  await writeFile(
    path.join(seeds, 'a_orders.ts'),
    "export default { name: 'orders', dependsOn: 'auto', fill: { orders: { count: 30, overrides: { status: ['paid', 'shipped'] } } } }\n",
  )
  await writeFile(path.join(seeds, 'b_customers.ts'), "export default { name: 'customers', dependsOn: 'auto', fill: { customers: 10 } }\n")
  const plan = await runCli(['plan', '--seeds', seeds], { env: { DATABASE_URL: db.url } })
  t.equal(plan.code, 0, plan.stderr)
  t.match(plan.stdout, /^ +0 +customers +100 +- +fills customers \(10\)$/m, 'plan shows the fill of each seed')
  t.match(plan.stdout, /^ +1 +orders +100 +customers +fills orders \(30\)$/m, "orders depends on customers, inferred by 'auto'")
  t.match(plan.stdout, /orders -> customers +\(public\.orders refers to public\.customers: orders_customer_id_fkey\)/)
  const checked = await checkPlan({ databaseUrl: db.url, seedsDir: seeds, variables: {} })
  t.same(checked.writes, { customers: ['public.customers'], orders: ['public.orders'] }, 'the fill tables are its writes')
  t.same(checked.levels[1]!.seeds[0]!.fill, { orders: 30 })

  const run = await seed({ databaseUrl: db.url, seedsDir: seeds, variables: {} })
  t.ok(run.ok, JSON.stringify(run.error))
  t.same(
    run.seeds.map((s) => [s.name, s.level, s.created]),
    [
      ['customers', 0, 10],
      ['orders', 1, 30],
    ],
  )
  t.same(await db.sql`SELECT DISTINCT status FROM orders ORDER BY 1`, [{ status: 'paid' }, { status: 'shipped' }], 'the overrides apply')
  const again = await seed({ databaseUrl: db.url, seedsDir: seeds, variables: {} })
  t.same(
    again.seeds.map((s) => [s.created, s.updated, s.skipped]),
    [
      [0, 0, 10],
      [0, 0, 30],
    ],
    'a second run writes nothing',
  )
})

t.test('fill runs first, in the seed transaction, then run; the tables are filled parents first whatever the order given', async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(SHOP)
  const both = defineSeed({
    name: 'shop',
    fill: { orders: 20, customers: 5 },
    async run({ sql, upsert }) {
      const [{ n }] = await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM orders`
      await upsert('tally', [{ name: 'orders seen by run', n }], { conflict: ['name'] })
    },
  })
  const run = await seed({ databaseUrl: db.url, seeds: [both], variables: {} })
  t.ok(run.ok, JSON.stringify(run.error))
  t.same(run.seeds[0]!.created, 5 + 20 + 1, 'the fill and run count together')
  t.same(await db.sql`SELECT name, n FROM tally`, [{ name: 'orders seen by run', n: 20 }], 'run saw the rows of the fill')
  const failing = defineSeed({
    name: 'shop',
    fill: { orders: 3 },
    async run() {
      throw new Error('no')
    },
  })
  await db.sql`TRUNCATE orders, customers`
  const failed = await seed({
    databaseUrl: db.url,
    seeds: [defineSeed({ name: 'people', fill: { customers: 2 } }), { ...failing, dependsOn: ['people'] }],
    variables: {},
    maxRetries: 0,
  })
  t.notOk(failed.ok)
  t.equal(await count(db.sql, 'orders'), 0, "the fill rolled back with the seed's run")
})

t.test("'*' fills every other table of the database; a cycle is broken at its nullable key; a second run changes nothing", async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(`
    ${SHOP}
    CREATE SCHEMA app;
    CREATE TABLE app.teams (id serial PRIMARY KEY, name text NOT NULL, captain_id int);
    CREATE TABLE app.players (id serial PRIMARY KEY, team_id int NOT NULL REFERENCES app.teams, name text NOT NULL);
    ALTER TABLE app.teams ADD FOREIGN KEY (captain_id) REFERENCES app.players;
    CREATE TABLE events (at date NOT NULL, region int NOT NULL, PRIMARY KEY (at, region)) PARTITION BY RANGE (at);
    CREATE TABLE events_all PARTITION OF events DEFAULT;`)
  const whole = defineSeed({ name: 'whole', dependsOn: 'auto', fill: { '*': 7, 'public.orders': 12 } })
  const checked = await checkPlan({ databaseUrl: db.url, seeds: [whole], variables: {} })
  t.same(
    checked.writes.whole,
    ['app.players', 'app.teams', 'public.customers', 'public.events', 'public.orders', 'public.tally'],
    "'*' writes every table, partitions through their root",
  )
  const run = await seed({ databaseUrl: db.url, seeds: [whole], variables: {} })
  t.ok(run.ok, JSON.stringify(run.error))
  const counts: Record<string, number> = {}
  for (const table of ['customers', 'orders', 'tally', 'app.teams', 'app.players', 'events']) counts[table] = await count(db.sql, table)
  t.same(counts, { customers: 7, orders: 12, tally: 7, 'app.teams': 7, 'app.players': 7, events: 7 })
  t.equal(await count(db.sql, 'events_all'), 7, 'the partition holds the rows')
  t.same(
    await db.sql`SELECT count(*)::int AS n FROM app.teams WHERE captain_id IS NOT NULL`,
    [{ n: 0 }],
    'the key breaking the cycle is left NULL',
  )
  const again = await seed({ databaseUrl: db.url, seeds: [whole], variables: {} })
  t.same([again.seeds[0]!.created, again.seeds[0]!.updated], [0, 0], 'a second run writes nothing')
})

t.test('fill order: parents first, the given order kept otherwise; a cycle of NOT NULL keys is one group', async (t) => {
  const e = (table: string, refTable: string, required = true) => ({
    constraint: `${table}_${refTable}`,
    table,
    refTable,
    columns: [`${refTable}_id`],
    required,
  })
  t.same(orderTables(['c', 'b', 'a'], [e('c', 'a'), e('b', 'b')]).groups, [['b'], ['a'], ['c']])
  const broken = orderTables(['x', 'y', 'z'], [e('x', 'y'), e('y', 'x', false), e('z', 'x')])
  t.same(broken.groups, [['y'], ['x'], ['z']])
  t.same(
    broken.broken.map((b) => b.constraint),
    ['y_x'],
  )
  t.same(orderTables(['p', 'q', 'r'], [e('p', 'q'), e('q', 'p'), e('r', 'p')]).groups, [['p', 'q'], ['r']])
})

t.test('a fill of tables in a cycle of NOT NULL keys is E_FILL_CYCLE naming them, nothing written', async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(`
    CREATE TABLE hens (id int PRIMARY KEY, egg_id int NOT NULL);
    CREATE TABLE eggs (id int PRIMARY KEY, hen_id int NOT NULL REFERENCES hens);
    ALTER TABLE hens ADD FOREIGN KEY (egg_id) REFERENCES eggs DEFERRABLE INITIALLY DEFERRED;`)
  const run = await seed({
    databaseUrl: db.url,
    seeds: [defineSeed({ name: 'farm', fill: { hens: 3, eggs: 3 } })],
    variables: {},
    maxRetries: 0,
  })
  t.notOk(run.ok)
  t.match(run.seeds[0]!.error, { code: 'E_FILL_CYCLE', seed: 'farm' })
  t.match(run.seeds[0]!.error!.message, /fill's tables public\.hens, public\.eggs refer to each other by NOT NULL foreign keys/)
})

t.test('a seed needs run or fill; a malformed fill entry is E_SEED_INVALID naming the seed file', async (t) => {
  const file = '/project/seeds/shop.ts'
  const bad = (seed: Record<string, unknown>) => {
    try {
      toSeed({ default: { name: 'shop', ...seed } }, file)
    } catch (err) {
      return err as SeedbedError
    }
    return undefined
  }
  const cases: [Record<string, unknown>, RegExp][] = [
    [{}, /^shop\.ts: `run` must be a function \(or give `fill`, the tables to fill; or both\)/],
    [{ fill: [] }, /^shop\.ts: `fill` must be an object of table: count/],
    [{ fill: {} }, /^shop\.ts: `fill` must be an object/],
    [{ fill: { customers: -1 } }, /^shop\.ts: `fill` entry 'customers' must be a count of rows/],
    [{ fill: { customers: 1.5 } }, /^shop\.ts: `fill` entry 'customers' must be a count of rows/],
    [{ fill: { customers: '10' } }, /^shop\.ts: `fill` entry 'customers' must be a count/],
    [{ fill: { customers: { count: 'x' } } }, /^shop\.ts: `fill` entry 'customers': count must be a whole number/],
    [{ fill: { customers: { rows: 3 } } }, /^shop\.ts: `fill` entry 'customers': unknown key 'rows'/],
    [{ fill: { customers: { count: 3, overrides: 'x' } } }, /^shop\.ts: `fill` entry 'customers': overrides must be an object/],
    [{ fill: { customers: 3 }, run: 'no' }, /^shop\.ts: `run` must be a function/],
  ]
  for (const [seed, message] of cases) {
    const err = bad(seed)
    t.match(err, { code: codes.SEED_INVALID, file }, JSON.stringify(seed))
    t.match(err?.message, message)
  }
  const good = toSeed({ default: { name: 'shop', writes: ['audit'], fill: { customers: 3, '*': 1 } } }, file)
  t.same(good.writes, ['audit', 'customers'], "fill's tables join writes ('*' is not a table)")
  t.notOk(good.run)
})

t.test(
  'a fill entry may give rows per parent ({ per, min, max }, alone or as count): plan shows it, every parent gets its share',
  async (t) => {
    const db = await testDatabase(t)
    await db.sql.unsafe(SHOP)
    const shop = defineSeed({
      name: 'shop',
      fill: { orders: { count: { per: 'customers', min: 1, max: 3 }, overrides: { status: 'paid' } }, customers: 8 },
    })
    const planned = await checkPlan({ databaseUrl: db.url, seeds: [shop], variables: {} })
    t.same(planned.levels[0]!.seeds[0]!.fill, { orders: { per: 'customers', min: 1, max: 3 }, customers: 8 })
    const run = await seed({ databaseUrl: db.url, seeds: [shop], variables: {} })
    t.ok(run.ok, JSON.stringify(run.error))
    const perCustomer = await db.sql<{ n: number }[]>`
    SELECT count(o.id)::int AS n FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id`
    t.equal(perCustomer.length, 8)
    t.ok(
      perCustomer.every((r) => r.n >= 1 && r.n <= 3),
      `1 to 3 orders a customer: ${perCustomer.map((r) => r.n)}`,
    )
    t.equal(run.seeds[0]!.created, 8 + perCustomer.reduce((a, r) => a + r.n, 0))
    const again = await seed({ databaseUrl: db.url, seeds: [shop], variables: {} })
    t.same([again.seeds[0]!.created, again.seeds[0]!.updated], [0, 0], 'a second run writes nothing')

    const dir = await seedsFolder(t)
    await writeFile(path.join(dir, 'shop.ts'), "export default { fill: { customers: 4, orders: { per: 'customers', min: 0, max: 2 } } }\n")
    const plan = await runCli(['plan', '--seeds', dir], { env: { DATABASE_URL: db.url } })
    t.match(plan.stdout, 'fills customers (4), orders (0-2 per customers)', plan.stderr)
    for (const bad of [
      { per: 'customers', min: 3, max: 1 },
      { per: '', min: 0, max: 1 },
      { per: 'customers', min: 0, max: 1, each: 2 },
      { count: { per: 'customers', min: 0.5, max: 1 } },
    ]) {
      const error = (() => {
        try {
          toSeed({ default: { fill: { orders: bad } } }, '/app/seeds/shop.ts')
        } catch (e) {
          return e as SeedbedError
        }
      })()
      t.match(error, { code: codes.SEED_INVALID, message: /shop\.ts: `fill` entry 'orders'/ }, JSON.stringify(bad))
    }
  },
)
