import path from 'node:path'
import t from 'tap'
import type { LoadedSeed } from '../lib/contract/contract.ts'
import { applySchema } from '../lib/db/schema.ts'
import { codes, type SeedbedError } from '../lib/errors/errors.ts'
import { defineSeed } from '../lib/contract/contract.ts'
import { checkPlan, seed } from '../lib/execution/api.ts'
import { discoverSeeds } from '../lib/planning/discover.ts'
import { planError, planForeignKeys, type TableEdge } from '../lib/planning/foreign-keys.ts'
import { planLevels } from '../lib/planning/plan.ts'
import { planWithCatalog } from '../lib/schema/plan-catalog.ts'
import { resolveSettings } from '../lib/config/config.ts'
import { fixture, ROOT, runCli, testDatabase } from './helpers.ts'

const seedOf = (name: string, dependsOn: string[] | 'auto' = []): LoadedSeed => ({
  name,
  description: '',
  dependsOn: dependsOn === 'auto' ? [] : dependsOn,
  ...(dependsOn === 'auto' ? { autoDepends: true } : {}),
  priority: 100,
  secrets: [],
  file: `${name}.ts`,
  checksum: '',
  run: async () => {},
})
const edge = (table: string, refTable: string, constraint: string, deferrable = false): TableEdge => ({
  table,
  refTable,
  constraint,
  deferrable,
})
const EDGES = [
  edge('public.customers', 'public.countries', 'customers_country_fkey'),
  edge('public.orders', 'public.customers', 'orders_customer_fkey', true),
  edge('public.order_items', 'public.orders', 'order_items_order_no_fkey'),
  edge('public.order_items', 'public.products', 'order_items_sku_fkey'),
  edge('public.categories', 'public.categories', 'categories_parent_fkey'),
]
const WRITES = new Map([
  ['customers', ['public.customers']],
  ['orders', ['public.orders']],
  ['products', ['public.products']],
  ['order_items', ['public.order_items']],
  ['categories', ['public.categories']],
])

t.test('a missing dependsOn is found, named by seed, table and constraint, with the dependsOn to set', async (t) => {
  const seeds = [
    seedOf('customers'),
    seedOf('orders'),
    seedOf('products'),
    seedOf('order_items', ['orders', 'products']),
    seedOf('categories'),
  ]
  const fk = planForeignKeys(seeds, WRITES, EDGES)
  t.same(
    fk.problems.map((p) => [p.seed, p.table, p.constraint, p.writers, p.dependsOn, p.deferrable]),
    [['orders', 'public.orders', 'orders_customer_fkey', ['customers'], ['customers'], true]],
  )
  const e = planError(fk.problems)
  t.match(e, { code: codes.PLAN_FOREIGN_KEY, seed: 'orders', table: 'public.orders', constraint: 'orders_customer_fkey' })
  t.match(
    e.message,
    /seed 'orders' writes public\.orders, whose foreign key orders_customer_fkey refers to public\.customers, written by 'customers'/,
  )
  t.match(e.message, /DEFERRABLE, but it is checked when this seed commits/)
  t.match(e.message, /set dependsOn: \['customers'\]/)
  t.same(
    fk.notes.map((n) => [n.seed, n.constraint]),
    [
      ['customers', 'customers_country_fkey'],
      ['categories', 'categories_parent_fkey'],
    ],
  )
  t.match(fk.notes[0]!.text, /which no seed writes: its rows must exist before seeding/)
  t.match(fk.notes[1]!.text, /refers to itself/)
})

t.test('a dependency through another seed counts; a table one seed writes with its parent is its own affair', async (t) => {
  const seeds = [seedOf('customers'), seedOf('orders', ['customers']), seedOf('products'), seedOf('order_items', ['orders', 'products'])]
  t.same(planForeignKeys(seeds, WRITES, EDGES).problems, [])
  // order_items depends on orders only through a middle seed: still after it.
  const via = [
    seedOf('customers'),
    seedOf('orders', ['customers']),
    seedOf('products'),
    seedOf('middle', ['orders', 'products']),
    seedOf('order_items', ['middle']),
  ]
  t.same(planForeignKeys(via, WRITES, EDGES).problems, [])
  const both = new Map([['shop', ['public.customers', 'public.orders']]])
  const fk = planForeignKeys([seedOf('shop')], both, EDGES)
  t.same(fk.problems, [])
  t.match(
    fk.notes.find((n) => n.constraint === 'orders_customer_fkey')!.text,
    /which this seed writes too: it orders its own writes \(the constraint is DEFERRABLE/,
  )
})

t.test("dependsOn: 'auto' infers from the foreign keys, says from which; a cycle names seeds and constraints", async (t) => {
  const seeds = [seedOf('customers'), seedOf('orders', 'auto'), seedOf('products'), seedOf('order_items', 'auto')]
  const fk = planForeignKeys(seeds, WRITES, EDGES)
  t.same(
    fk.inferred.map((i) => [i.seed, i.on, i.constraint]),
    [
      ['orders', 'customers', 'orders_customer_fkey'],
      ['order_items', 'orders', 'order_items_order_no_fkey'],
      ['order_items', 'products', 'order_items_sku_fkey'],
    ],
  )
  t.same(fk.problems, [])
  t.same(
    planLevels(fk.seeds).map((l) => l.map((s) => s.name)),
    [['customers', 'products'], ['orders'], ['order_items']],
  )
  const cyclic = [edge('public.a', 'public.b', 'a_b_fkey'), edge('public.b', 'public.a', 'b_a_fkey', true)]
  const writes = new Map([
    ['a', ['public.a']],
    ['b', ['public.b']],
  ])
  const err = (() => {
    try {
      planForeignKeys([seedOf('a', 'auto'), seedOf('b', 'auto')], writes, cyclic)
    } catch (e) {
      return e as SeedbedError
    }
  })()
  t.match(err, {
    code: codes.DEPENDENCY_CYCLE,
    message: 'dependency cycle through foreign keys: a -> b (public.a -> public.b, a_b_fkey) -> a (public.b -> public.a, b_a_fkey)',
  })
})

const project = fixture('plan-check')
const db = await testDatabase(t)
const options = { databaseUrl: db.url, seedsDir: path.join(project, 'seeds'), schemaDir: path.join(project, 'schema') }

t.test('checkPlan reads the catalog: the problem, what auto inferred, the notes', async (t) => {
  await applySchema(db.sql, options.schemaDir)
  const checked = await checkPlan(options)
  t.same(
    checked.problems.map((p) => [p.seed, p.table, p.constraint, p.dependsOn]),
    [['orders', 'public.orders', 'orders_customer_fkey', ['customers']]],
  )
  t.same(
    checked.inferred.map((i) => [i.seed, i.on, i.constraint]),
    [
      ['order_items', 'orders', 'order_items_order_no_fkey'],
      ['order_items', 'products', 'order_items_sku_fkey'],
    ],
  )
  t.same(
    checked.levels.map((l) => l.seeds.map((s) => s.name)),
    [['categories', 'customers', 'orders', 'products'], ['order_items']],
  )
  t.same(checked.writes.categories, ['public.categories'])
})

t.test('plan --check: exit 2 with E_PLAN_FOREIGN_KEY naming the constraint; plan alone reads the catalog for auto', async (t) => {
  const env = { DATABASE_URL: db.url }
  const checked = await runCli(['plan', '--check', '--seeds', options.seedsDir], { env })
  t.equal(checked.code, 2, checked.stderr)
  t.match(
    checked.stdout,
    /inferred by dependsOn: 'auto':\n {2}order_items -> orders {3}\(public\.order_items refers to public\.orders: order_items_order_no_fkey\)/,
  )
  t.match(
    checked.stdout,
    /notes:\n.*customers: public\.customers refers to public\.countries \(customers_country_fkey\), which no seed writes/s,
  )
  t.match(checked.stderr, /E_PLAN_FOREIGN_KEY: seed 'orders' writes public\.orders, whose foreign key orders_customer_fkey/)
  const plain = await runCli(['plan', '--seeds', options.seedsDir], { env })
  t.equal(plain.code, 0, 'without --check a problem is shown, not an error')
  t.match(plain.stdout, /foreign-key check: 1 problem/)
  const json = await runCli(['plan', '--check', '--json', '--seeds', options.seedsDir], { env })
  t.equal(json.code, 2)
  t.match(JSON.parse(json.stdout).problems, [{ seed: 'orders', constraint: 'orders_customer_fkey' }])
})

t.test('seed warns about the missing dependsOn and runs; --strict refuses before writing; the ledger records the tables', async (t) => {
  const warnings: string[] = []
  const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} }
  const strict = await seed({ ...options, strict: true }).catch((e) => e as SeedbedError)
  t.match(strict, { code: codes.PLAN_FOREIGN_KEY, seed: 'orders', constraint: 'orders_customer_fkey' })
  const [{ n }] = await db.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM orders`
  t.equal(n, 0, 'nothing written')
  const result = await seed({ ...options, logger })
  t.ok(result.ok)
  t.same(
    result.seeds.map((s) => [s.name, s.level]),
    [
      ['categories', 0],
      ['customers', 0],
      ['orders', 0],
      ['products', 0],
      ['order_items', 1],
    ],
  )
  t.match(warnings, [/E_PLAN_FOREIGN_KEY: seed 'orders' writes public\.orders, whose foreign key orders_customer_fkey/])
  const recorded = await db.sql`SELECT seed, tbl FROM seedbed.seed_tables ORDER BY seed, tbl`
  t.same(
    recorded.map((r) => [r.seed, r.tbl]),
    [
      ['customers', 'public.customers'],
      ['order_items', 'public.order_items'],
      ['orders', 'public.orders'],
      ['products', 'public.products'],
    ],
    'the tables the helpers wrote (categories writes through plain SQL: only its `writes` says so)',
  )
})

t.test("'auto' gives the example project the levels of its hand-written dependsOn", async (t) => {
  const example = await testDatabase(t)
  await applySchema(example.sql, path.join(ROOT, 'schema'))
  const seeds = await discoverSeeds(path.join(ROOT, 'seeds'))
  const settings = resolveSettings({}, {}, ROOT, { env: 'development' })
  const hand = planLevels(seeds).map((l) => l.map((s) => s.name))
  const auto = seeds.map((s) => ({ ...s, dependsOn: [], autoDepends: true }))
  const { levels, foreignKeys } = await planWithCatalog(example.sql, { settings, seeds: auto, excluded: [], levels: [] })
  t.same(
    levels.map((l) => l.map((s) => s.name)),
    hand,
  )
  t.same(foreignKeys.problems, [])
  // And the hand-written plan passes the check.
  const checked = await planWithCatalog(example.sql, { settings, seeds, excluded: [], levels: [] })
  t.same(checked.foreignKeys.problems, [])
  const cli = await runCli(['plan', '--check', '--seeds', path.join(ROOT, 'seeds')], { env: { DATABASE_URL: example.url } })
  t.equal(cli.code, 0, cli.stderr)
  t.match(cli.stdout, /foreign-key check: every seed runs after the seeds writing the tables it refers to/)
})

t.test('the tables a seed wrote are those of its last successful run: a table it stopped writing stops counting', async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe('CREATE TABLE first_home (k text PRIMARY KEY); CREATE TABLE second_home (k text PRIMARY KEY)')
  const writing = (table: string) =>
    defineSeed({
      name: 'mover',
      async run({ upsert }) {
        await upsert(table, [{ k: 'a' }], { conflict: ['k'] })
      },
    })
  const recorded = async () => (await db.sql<{ tbl: string }[]>`SELECT tbl FROM seedbed.seed_tables WHERE seed = 'mover'`).map((r) => r.tbl)
  t.ok((await seed({ databaseUrl: db.url, seeds: [writing('first_home')], variables: {} })).ok)
  t.same(await recorded(), ['public.first_home'])
  t.ok((await seed({ databaseUrl: db.url, seeds: [writing('second_home')], variables: {} })).ok)
  t.same(await recorded(), ['public.second_home'], 'first_home is no longer among its tables')
  const failing = defineSeed({
    name: 'mover',
    async run({ upsert }) {
      await upsert('first_home', [{ k: 'b' }], { conflict: ['k'] })
      throw new Error('fails after writing')
    },
  })
  t.notOk((await seed({ databaseUrl: db.url, seeds: [failing], variables: {}, maxRetries: 0 })).ok)
  t.same(await recorded(), ['public.second_home'], 'a run that rolled back changes nothing')
})
