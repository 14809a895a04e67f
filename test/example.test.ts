import path from 'node:path'
import t from 'tap'
import { fresh, seed, validate } from '../lib/execution/api.ts'
import { applySchema } from '../lib/db/schema.ts'
import { EXAMPLE_COUNTS, exampleCounts, ROOT, testDatabase } from './helpers.ts'

process.env.SEEDBED_BCRYPT_COST = '4'
const db = await testDatabase(t)
const options = { databaseUrl: db.url, seedsDir: path.join(ROOT, 'seeds'), schemaDir: path.join(ROOT, 'schema'), only: [] }

t.test('the example seeds apply, then a second run changes nothing', async (t) => {
  await applySchema(db.sql, options.schemaDir)
  const first = await seed(options)
  t.ok(first.ok, 'first run succeeds')
  const after1 = await exampleCounts(db.sql)
  t.same(after1, EXAMPLE_COUNTS)
  t.same(
    first.seeds.map((s) => [s.name, s.level, s.status]),
    [
      ['roles', 0, 'succeeded'],
      ['permissions', 0, 'succeeded'],
      ['categories', 0, 'succeeded'],
      ['customers', 0, 'succeeded'],
      ['orders', 1, 'succeeded'],
      ['role_permissions', 1, 'succeeded'],
      ['users', 1, 'succeeded'],
      ['products', 2, 'succeeded'],
      ['order_items', 3, 'succeeded'],
    ],
  )
  for (const s of first.seeds) t.equal(s.created, after1[s.name], `${s.name}: every row counted as created`)

  const hashes = await db.sql`SELECT email, password_hash, api_token FROM users ORDER BY email`
  const second = await seed(options)
  t.ok(second.ok)
  t.same(await exampleCounts(db.sql), after1, 'row counts unchanged')
  for (const s of second.seeds) {
    t.same([s.created, s.updated, s.skipped], [0, 0, after1[s.name]], `${s.name}: all skipped on the second run`)
  }
  t.same(await db.sql`SELECT email, password_hash, api_token FROM users ORDER BY email`, hashes, 'password hashes and tokens kept')
})

t.test('a changed value is counted as updated, once', async (t) => {
  await db.sql`UPDATE products SET price_cents = 1 WHERE sku = 'TOOL-TRW-001'`
  await db.sql`UPDATE roles SET description = 'stale' WHERE name = 'editor'`
  const result = await seed(options)
  const by = Object.fromEntries(result.seeds.map((s) => [s.name, s]))
  t.same([by.products!.updated, by.roles!.updated], [1, 1])
  t.equal((await db.sql`SELECT price_cents FROM products WHERE sku = 'TOOL-TRW-001'`)[0]!.price_cents, 1250)
})

t.test('the admin password comes from the environment and is hashed with bcrypt', async (t) => {
  const { verify } = await import('@node-rs/bcrypt')
  process.env.SEED_ADMIN_PASSWORD = 'a-new-admin-secret'
  t.teardown(() => void delete process.env.SEED_ADMIN_PASSWORD)
  const result = await seed({ ...options, only: ['users'] })
  t.same(
    result.seeds.map((s) => s.name),
    ['roles', 'users'],
    '--only brings its dependencies',
  )
  t.equal(result.seeds.find((s) => s.name === 'users')!.updated, 1, 'only the admin row changed')
  const [admin] = await db.sql`SELECT password_hash FROM users WHERE email = 'admin@example.com'`
  t.match(admin!.password_hash, /^\$2[aby]\$04\$/, 'bcrypt at the configured cost')
  t.ok(await verify('a-new-admin-secret', admin!.password_hash))
})

t.test('validate runs only the validate functions and passes on seeded data', async (t) => {
  const result = await validate(options)
  t.ok(result.ok)
  t.same(result.seeds.map((s) => s.name).sort(), ['categories', 'order_items', 'products', 'role_permissions', 'roles', 'users'])
  await db.sql`DELETE FROM role_permissions WHERE permission_id = (SELECT id FROM permissions WHERE name = 'orders.write')`
  const broken = await validate(options)
  t.notOk(broken.ok)
  const grants = broken.seeds.find((s) => s.name === 'role_permissions')!
  t.equal(grants.status, 'failed')
  t.equal(grants.error?.code, 'E_VALIDATION_FAILED')
  t.match(grants.error?.message, /admin holds 7 of 8 permissions/)
})

t.test('fresh drops everything, applies the schema and seeds', async (t) => {
  await db.sql`CREATE TABLE leftover (id int)`
  const result = await fresh(options)
  t.ok(result.ok)
  t.same((await exampleCounts(db.sql)).products, 8)
  const [{ n }] = await db.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'leftover'`
  t.equal(n, 0, 'tables not in the schema are gone')
  t.ok(
    result.seeds.every((s) => s.created > 0),
    'everything created anew',
  )
})
