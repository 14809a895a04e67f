import t from 'tap'
import type { LoadedSeed } from '../lib/contract/contract.ts'
import { resolveSettings } from '../lib/config/config.ts'
import { readForeignKeys } from '../lib/schema/foreign-keys.ts'
import { planWithCatalog } from '../lib/schema/plan-catalog.ts'
import { ROOT, testDatabase } from './helpers.ts'
import { seedRunner } from './seed-runner.ts'

// Issue 29, item 7: foreign keys declared on partitions (the partitioned table has none, as pagila's
// payment), and the values of date and time keys.
const db = await testDatabase(t)
const { inSeed, digest } = seedRunner(db.sql, 'partitions')
type Ctx = Parameters<Parameters<typeof inSeed>[0]>[0]

await db.sql.unsafe(`
  CREATE TABLE customers (id int PRIMARY KEY, name text);
  CREATE TABLE sellers (id int PRIMARY KEY, name text);
  CREATE TABLE invoices (id int NOT NULL, issued_on date NOT NULL, customer_id int NOT NULL, seller_id int,
                         PRIMARY KEY (id, issued_on)) PARTITION BY RANGE (issued_on);
  CREATE TABLE invoices_old PARTITION OF invoices FOR VALUES FROM (MINVALUE) TO ('2025-01-01');
  CREATE TABLE invoices_new PARTITION OF invoices FOR VALUES FROM ('2025-01-01') TO (MAXVALUE);
  -- The same key on each partition, and one on a single partition: the partitioned table declares none.
  ALTER TABLE invoices_old ADD CONSTRAINT invoices_old_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);
  ALTER TABLE invoices_new ADD CONSTRAINT invoices_new_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);
  ALTER TABLE invoices_new ADD CONSTRAINT invoices_new_seller_fkey FOREIGN KEY (seller_id) REFERENCES sellers (id);
  -- A key referring to one partition: its parents are that partition's rows; the plan sees the partitioned table.
  CREATE TABLE refunds (id int PRIMARY KEY, invoice_id int NOT NULL, issued_on date NOT NULL,
                        FOREIGN KEY (invoice_id, issued_on) REFERENCES invoices_new (id, issued_on))`)

const orphans = (child: string, parent: string, on: string) =>
  db.sql.unsafe(`SELECT count(*)::int AS n FROM ${child} c WHERE NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${on})`) as Promise<
    { n: number }[]
  >

t.test('keys declared on partitions count for the partitioned table, once each', async (t) => {
  const keys = (await readForeignKeys(db.sql)).filter((k) => k.table === 'public.invoices' || k.table === 'public.refunds')
  t.same(
    keys.map((k) => [k.table, k.name, k.columns, k.refTable, k.refRoot, k.refColumns, k.required]),
    [
      ['public.invoices', 'invoices_new_customer_fkey', ['customer_id'], 'public.customers', 'public.customers', ['id'], true],
      ['public.invoices', 'invoices_new_seller_fkey', ['seller_id'], 'public.sellers', 'public.sellers', ['id'], false],
      [
        'public.refunds',
        'refunds_invoice_id_issued_on_fkey',
        ['invoice_id', 'issued_on'],
        'public.invoices_new',
        'public.invoices',
        ['id', 'issued_on'],
        true,
      ],
    ],
  )
  t.notOk(
    (await readForeignKeys(db.sql)).some((k) => k.table.startsWith('public.invoices_')),
    'no key is listed for a partition',
  )
  // By oid, as ctx.fake reads a table: the partitioned table finds its partitions' keys, a partition its own.
  const [{ root, part }] = await db.sql<
    [{ root: number; part: number }]
  >`SELECT 'invoices'::regclass::oid::int AS root, 'invoices_old'::regclass::oid::int AS part`
  t.same(
    (await readForeignKeys(db.sql, root)).map((k) => [k.name, k.tableOid, k.columns]),
    [
      ['invoices_new_customer_fkey', root, ['customer_id']],
      ['invoices_new_seller_fkey', root, ['seller_id']],
    ],
  )
  t.same(
    (await readForeignKeys(db.sql, part)).map((k) => k.name),
    ['invoices_old_customer_fkey'],
  )
})

t.test('ctx.fake fills a partitioned table from the parents its partitions name', async (t) => {
  t.same(await inSeed((ctx) => ctx.fake('customers', 10).then(() => ctx.fake('sellers', 5))), { created: 15, updated: 0, skipped: 0 })
  // Fails on the foreign keys of the partitions (or leaves rows without parents) unless fake sees them.
  t.same(await inSeed((ctx) => ctx.fake('invoices', 200)), { created: 200, updated: 0, skipped: 0 })
  t.same(await orphans('invoices', 'customers', 'p.id = c.customer_id'), [{ n: 0 }], 'every invoice has its customer')
  t.same(
    await orphans('invoices', 'sellers', 'p.id = c.seller_id OR c.seller_id IS NULL'),
    [{ n: 0 }],
    'a key of one partition is kept in every row',
  )
  const spread = await db.sql`SELECT count(DISTINCT tableoid)::int AS parts FROM invoices`
  t.same(spread, [{ parts: 2 }], 'the rows land in both partitions')
  const before = await digest('invoices')
  t.same(await inSeed((ctx) => ctx.fake('invoices', 200)), { created: 0, updated: 0, skipped: 200 }, 'a second run knows its rows')
  t.same(await digest('invoices'), before)
  // A key referring to a partition takes that partition's rows.
  t.same(await inSeed((ctx) => ctx.fake('refunds', 50)), { created: 50, updated: 0, skipped: 0 })
  t.same(await orphans('refunds', 'invoices_new', 'p.id = c.invoice_id AND p.issued_on = c.issued_on'), [{ n: 0 }])
})

const seedOf = (name: string, writes: string[], dependsOn: string[] | 'auto'): LoadedSeed => ({
  name,
  description: '',
  dependsOn: dependsOn === 'auto' ? [] : dependsOn,
  ...(dependsOn === 'auto' ? { autoDepends: true } : {}),
  writes,
  priority: 100,
  secrets: [],
  file: `${name}.ts`,
  checksum: '',
  run: async () => {},
})

t.test("dependsOn: 'auto' and the plan check see the keys of partitions, and partitions as their table", async (t) => {
  const settings = resolveSettings({}, {}, ROOT, { env: 'development' })
  const plan = (seeds: LoadedSeed[]) => planWithCatalog(db.sql, { settings, seeds, excluded: [], levels: [] })
  const parents = [seedOf('customers', ['customers'], []), seedOf('sellers', ['sellers'], [])]
  const auto = await plan([
    ...parents,
    seedOf('invoices', ['invoices'], 'auto'),
    seedOf('old_invoices', ['invoices_old'], 'auto'),
    seedOf('refunds', ['refunds'], 'auto'),
  ])
  t.same(
    auto.foreignKeys.inferred.map((i) => [i.seed, i.on, i.refTable]),
    [
      ['invoices', 'customers', 'public.customers'],
      ['invoices', 'sellers', 'public.sellers'],
      ['old_invoices', 'customers', 'public.customers'],
      ['old_invoices', 'sellers', 'public.sellers'],
      ['refunds', 'invoices', 'public.invoices'],
      ['refunds', 'old_invoices', 'public.invoices'],
    ],
  )
  t.same(auto.foreignKeys.problems, [])
  const checked = await plan([...parents, seedOf('invoices', ['invoices'], []), seedOf('refunds', ['refunds'], [])])
  t.same(
    checked.foreignKeys.problems.map((p) => [p.seed, p.constraint, p.refTable, p.writers]),
    [
      ['invoices', 'invoices_new_customer_fkey', 'public.customers', ['customers']],
      ['invoices', 'invoices_new_seller_fkey', 'public.sellers', ['sellers']],
      ['refunds', 'refunds_invoice_id_issued_on_fkey', 'public.invoices', ['invoices']],
    ],
  )
})

const span = (table: string, column: string) =>
  db.sql.unsafe(
    `SELECT count(*)::int AS n, count(DISTINCT ${column})::int AS distinct, min(${column})::text AS lo, max(${column})::text AS hi,
            extract(epoch FROM max(${column})::timestamptz - min(${column})::timestamptz) / 86400 AS days FROM ${table}`,
  ) as Promise<{ n: number; distinct: number; lo: string; hi: string; days: number }[]>

t.test('unique date and time keys spread over a realistic range, within their CHECKs', async (t) => {
  await db.sql.unsafe(`
    CREATE TABLE ticks (at timestamptz PRIMARY KEY, note text);
    CREATE TABLE days (day date PRIMARY KEY);
    CREATE TABLE december (at timestamp PRIMARY KEY CHECK (at >= '2025-12-01' AND at < '2026-01-01'));
    CREATE TABLE slots (at time PRIMARY KEY);
    CREATE SEQUENCE pay_seq;
    CREATE TABLE pays (paid_at timestamptz NOT NULL, id int NOT NULL DEFAULT nextval('pay_seq'), PRIMARY KEY (paid_at, id))`)
  const tables = ['ticks', 'days', 'december', 'pays', 'slots']
  const fillAll = (ctx: Ctx) => tables.reduce((done, table) => done.then(() => ctx.fake(table, 1000)), Promise.resolve({}))
  t.same(await inSeed(fillAll), { created: 5000, updated: 0, skipped: 0 })
  const [ticks] = await span('ticks', 'at')
  t.equal(ticks!.distinct, 1000, 'timestamptz: all distinct')
  t.ok(ticks!.days > 365, `timestamptz: 1,000 keys span more than a year (${ticks!.days} days)`)
  t.ok(ticks!.hi <= '2026-01-01 00:00:00+00', `none after the reference date (${ticks!.hi})`)
  const [days] = await span('days', 'day')
  t.equal(days!.distinct, 1000)
  t.ok(days!.days > 2 * 365, `date: 1,000 keys span more than two years (${days!.days} days)`)
  const [december] = await span('december', 'at')
  t.equal(december!.distinct, 1000)
  t.ok(december!.lo >= '2025-12-01' && december!.hi < '2026-01-01', `within the CHECK (${december!.lo} to ${december!.hi})`)
  t.ok(december!.days > 25, `and over most of it (${december!.days} days)`)
  // Under a serial id that alone tells the rows apart, the timestamp still varies from row to row.
  const [pays] = await span('pays', 'paid_at')
  t.equal(pays!.distinct, 1000, 'a timestamp above a serial id: all distinct')
  t.ok(pays!.days > 365, `and spread (${pays!.days} days)`)
  // More rows than the range has days: the dates repeat inside it rather than run back before it.
  await db.sql`CREATE TABLE visits (day date NOT NULL, id smallserial, PRIMARY KEY (day, id))`
  t.same(await inSeed((ctx) => ctx.fake('visits', 3000)), { created: 3000, updated: 0, skipped: 0 })
  const [visits] = await span('visits', 'day')
  t.ok(visits!.lo >= '2023-01-01' && visits!.hi <= '2026-01-01', `within the three years (${visits!.lo} to ${visits!.hi})`)
  t.ok(visits!.distinct > 1000, `over most of their days (${visits!.distinct})`)
  const [{ hours }] = await db.sql<[{ hours: string }]>`SELECT extract(epoch FROM max(at) - min(at)) / 3600 AS hours FROM slots`
  t.ok(Number(hours) > 20, `time: 1,000 keys span most of the day (${hours} hours)`)

  // The same seed, table and count give the same rows: a re-run skips them all.
  const before = await Promise.all(tables.map(digest))
  t.same(await inSeed(fillAll), { created: 0, updated: 0, skipped: 5000 })
  t.same(await Promise.all(tables.map(digest)), before)
})
