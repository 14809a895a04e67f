import path from 'node:path'
import t from 'tap'
import postgres from 'postgres'
import { seed } from '../lib/execution/api.ts'
import { applySchema } from '../lib/db/schema.ts'
import { codes, type SeedbedError } from '../lib/errors/errors.ts'
import { deniedGrant, grantStatement } from '../lib/errors/permission.ts'
import { EXAMPLE_COUNTS, exampleCounts, ROOT, runCli, testDatabase } from './helpers.ts'

process.env.SEEDBED_BCRYPT_COST = '4'
const db = await testDatabase(t)
const schemaDir = path.join(ROOT, 'schema')
await applySchema(db.sql, schemaDir)
// The superuser's schema record is not the seeding role's business: start without a ledger.
await db.sql`DROP SCHEMA seedbed CASCADE`

// Roles are cluster-wide: one of this file's own, dropped at teardown. The embedded server
// authenticates with passwords; the CI service trusts, and ignores it.
const role = `seedbed_priv_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
const password = `pw-${Math.random().toString(36).slice(2)}`
await db.sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`)
t.teardown(async () => {
  const admin = postgres(db.url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`DROP OWNED BY ${role}`).catch(() => undefined)
  await admin.unsafe(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined)
  await admin.end({ timeout: 5 })
})
// What a production seeding role usually has: read and write the application's tables, nothing more.
await db.sql.unsafe(`
  GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};
  GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`)

const roleUrl = (() => {
  const u = new URL(db.url)
  u.username = role
  u.password = password
  return u.toString()
})()
const options = { databaseUrl: roleUrl, seedsDir: path.join(ROOT, 'seeds'), schemaDir, only: [] }
const EMPTY = {
  roles: 0,
  permissions: 0,
  role_permissions: 0,
  users: 0,
  categories: 0,
  products: 0,
  customers: 0,
  orders: 0,
  order_items: 0,
}
const SEEDED = EXAMPLE_COUNTS

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the run to fail')
    },
    (e: SeedbedError) => e,
  )

t.test('without a ledger schema and no CREATE on the database: E_PERMISSION naming the GRANT, before any seed', async (t) => {
  const e = await failure(seed(options))
  t.equal(e.code, codes.PERMISSION)
  t.match(e.message, `role ${role} lacks CREATE on database ${db.name}`)
  t.match(e.hint, `GRANT CREATE ON DATABASE ${db.name} TO ${role};`)
  t.match(e.hint, `seedbed ledger-sql --role ${role}`)
  t.same(await exampleCounts(db.sql), EMPTY, 'no seed ran')
  t.equal((await db.sql`SELECT to_regnamespace('seedbed') AS s`)[0]!.s, null, 'nothing created')

  // The CLI says the same, coded, with no stack, no "bug in seedbed" and no password.
  const cli = await runCli(['seed'], { env: { DATABASE_URL: roleUrl } })
  t.equal(cli.code, 1)
  t.match(cli.stdout + cli.stderr, `E_PERMISSION: role ${role} lacks CREATE on database ${db.name}`)
  t.match(cli.stdout + cli.stderr, `GRANT CREATE ON DATABASE ${db.name} TO ${role}`)
  t.notMatch(cli.stdout + cli.stderr, /this is a bug|at async|E_SEED_FAILED/)
  t.notMatch(cli.stdout + cli.stderr, password)
  t.same(await exampleCounts(db.sql), EMPTY, 'still nothing written')
})

t.test('a ledger schema that exists and belongs to the role: seedbed creates only what is missing in it', async (t) => {
  await db.sql.unsafe(`CREATE SCHEMA seedbed AUTHORIZATION ${role}`)
  t.teardown(() => db.sql`DROP SCHEMA IF EXISTS seedbed CASCADE`)
  const result = await seed(options)
  t.ok(result.ok, JSON.stringify(result.seeds.find((s) => s.error)?.error))
  t.same(await exampleCounts(db.sql), SEEDED)
  const owners = await db.sql`SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
    WHERE c.relnamespace = 'seedbed'::regnamespace AND c.relkind = 'r' ORDER BY 1`
  t.same(
    owners.map((r) => [r.relname, r.owner]),
    [
      ['runs', role],
      ['schema_files', role],
      ['seed_runs', role],
      ['seed_tables', role],
      ['undo_rows', role],
      ['undo_seeds', role],
      ['undo_tables', role],
      ['undos', role],
    ],
  )
  await db.sql.unsafe('TRUNCATE roles, permissions, role_permissions, users, categories, products, customers, orders, order_items')
})

t.test('a ledger made by `ledger-sql --role` as the superuser: the role seeds the example, twice', async (t) => {
  const printed = await runCli(['ledger-sql', '--role', role])
  t.equal(printed.code, 0, printed.stderr)
  t.match(printed.stdout, `GRANT SELECT, INSERT, UPDATE ON seedbed.runs TO ${role};`)
  t.match(printed.stdout, `GRANT SELECT, INSERT ON seedbed.undo_rows TO ${role};`)
  t.match(printed.stdout, `GRANT SELECT, INSERT, UPDATE ON seedbed.undo_tables TO ${role};`)
  t.match(printed.stdout, `GRANT SELECT, INSERT ON seedbed.undos TO ${role};`)
  t.notMatch(printed.stdout, /GRANT CREATE|OWNER|AUTHORIZATION/, 'no CREATE and no ownership for the role')
  await db.sql.unsafe(printed.stdout)
  // Running it again changes nothing (a DBA may run it on every deploy).
  await db.sql.unsafe(printed.stdout)

  const first = await seed(options)
  t.ok(first.ok, JSON.stringify(first.seeds.find((s) => s.error)?.error))
  t.same(await exampleCounts(db.sql), SEEDED)
  const second = await seed(options)
  t.ok(second.ok)
  t.same(
    second.seeds.map((s) => s.created + s.updated),
    second.seeds.map(() => 0),
    'the re-run writes nothing',
  )
  const runs = await db.sql`SELECT status, os_user FROM seedbed.runs ORDER BY id`
  t.same(
    runs.map((r) => r.status),
    ['succeeded', 'succeeded'],
    'the ledger recorded both runs',
  )
  t.equal((await db.sql`SELECT count(*)::int AS n FROM seedbed.seed_runs WHERE status = 'succeeded'`)[0]!.n, 18)

  // Behind a transaction-mode pooler the run lock is a lease row: ledger-sql created and granted it too.
  t.match(printed.stdout, `GRANT SELECT, INSERT, UPDATE, DELETE ON seedbed.lease TO ${role};`)
  const pooled = await seed({ ...options, pooler: 'transaction' })
  t.ok(pooled.ok, JSON.stringify(pooled.error ?? pooled.seeds.find((s) => s.error)?.error))
  t.same((await db.sql`SELECT count(*)::int AS n FROM seedbed.lease`)[0]!.n, 0, 'the lease was taken and given back')
})

t.test('a ledger table the role cannot write: E_PERMISSION naming it, before any seed', async (t) => {
  await db.sql.unsafe(`REVOKE UPDATE ON seedbed.runs FROM ${role}`)
  t.teardown(() => db.sql.unsafe(`GRANT UPDATE ON seedbed.runs TO ${role}`))
  const before = (await db.sql`SELECT count(*)::int AS n FROM seedbed.runs`)[0]!.n
  await db.sql`UPDATE products SET price_cents = 1`
  const e = await failure(seed(options))
  t.equal(e.code, codes.PERMISSION)
  t.match(e.message, `role ${role} lacks UPDATE on table seedbed.runs`)
  t.match(e.hint, `GRANT UPDATE ON seedbed.runs TO ${role};`)
  t.equal((await db.sql`SELECT count(*)::int AS n FROM seedbed.runs`)[0]!.n, before, 'no run opened')
  t.equal((await db.sql`SELECT count(*)::int AS n FROM products WHERE price_cents = 1`)[0]!.n, 8, 'no seed ran')
})

t.test('a table the role cannot write: the seed fails with E_PERMISSION naming the table and the GRANT', async (t) => {
  await db.sql.unsafe(`REVOKE INSERT, UPDATE ON products FROM ${role}`)
  t.teardown(() => db.sql.unsafe(`GRANT INSERT, UPDATE ON products TO ${role}`))
  const result = await seed(options)
  t.notOk(result.ok)
  const products = result.seeds.find((s) => s.name === 'products')!
  t.equal(products.status, 'failed')
  t.equal(products.error?.code, codes.PERMISSION)
  t.equal(products.error?.table, 'public.products')
  t.match(products.error?.message, `seed 'products': role ${role} lacks INSERT, UPDATE on table public.products`)
  t.match(products.error?.hint, `GRANT INSERT, UPDATE ON public.products TO ${role};`)
  t.equal((await db.sql`SELECT count(*)::int AS n FROM products WHERE price_cents = 1`)[0]!.n, 8, 'products unchanged')
  const [row] = await db.sql`SELECT error_code FROM seedbed.seed_runs WHERE seed = 'products' ORDER BY run_id DESC LIMIT 1`
  t.equal(row!.error_code, codes.PERMISSION, 'the ledger has the code')
})

t.test('a sequence or schema refused in a seed names its GRANT (from the error alone)', async (t) => {
  const seq = deniedGrant({ code: '42501', message: 'permission denied for sequence items_id_seq', query: 'INSERT INTO items ...' })
  t.equal(grantStatement(seq!, 'seeder'), 'GRANT USAGE ON SEQUENCE items_id_seq TO seeder')
  const schema = deniedGrant({ code: '42501', message: 'permission denied for schema app', query: 'SELECT 1 FROM app.t' })
  t.equal(grantStatement(schema!, 'Seeder'), 'GRANT USAGE ON SCHEMA app TO "Seeder"')
  const merge = deniedGrant({
    code: '42501',
    message: 'permission denied for table t',
    query: 'WITH written AS (INSERT INTO "t" ("a") SELECT s."a" FROM "seedbed_stage_1" s LEFT JOIN "t" t ON ...',
  })
  t.same(merge!.privileges, ['SELECT', 'INSERT'])
})
