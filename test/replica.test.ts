import path from 'node:path'
import t from 'tap'
import { codes } from '../lib/errors/errors.ts'
import { fresh, seed, status, validate } from '../lib/execution/api.ts'
import { ROOT, runCli, testDatabase } from './helpers.ts'

const schemaDir = path.join(ROOT, 'schema')
const seedsDir = path.join(ROOT, 'seeds')

t.test('default_transaction_read_only on the database: E_READ_ONLY before anything is written', async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(`ALTER DATABASE "${db.name}" SET default_transaction_read_only = on`)
  const exists = async () =>
    (await db.sql`SELECT to_regclass('seedbed.runs') IS NOT NULL AS ledger, to_regclass('public.roles') IS NOT NULL AS roles`)[0]

  const res = await runCli(['seed', '--only', 'roles', '--apply-schema'], { env: { DATABASE_URL: db.url } })
  t.equal(res.code, 1, res.stderr)
  t.match(
    res.stderr,
    /E_READ_ONLY: transactions are read-only by default \(default_transaction_read_only\) on the server at 127\.0\.0\.1:\d+/,
  )
  t.match(res.stderr, /point DATABASE_URL at the primary/)
  t.same(await exists(), { ledger: false, roles: false }, 'no ledger, no schema, no rows')

  const dry = await runCli(['seed', '--only', 'roles', '--dry-run'], { env: { DATABASE_URL: db.url } })
  t.equal(dry.code, 1, 'a dry run writes too (then rolls back): refused the same way')
  t.match(dry.stderr, /E_READ_ONLY/)

  const options = { databaseUrl: db.url, seedsDir, schemaDir, only: ['roles'] }
  await t.rejects(fresh(options), { code: codes.READ_ONLY }, 'fresh is refused before it drops anything')
  await t.rejects(seed({ ...options, applySchema: true }), { code: codes.READ_ONLY })
  t.same(await exists(), { ledger: false, roles: false })

  // Reading is fine on a replica: validate and status are not refused.
  const checked = await validate(options)
  t.equal(checked.seeds.length, 1, 'validate runs its one seed')
  t.same((await status(options)).runs, [], 'status runs, and finds no run')
})

t.test('default_transaction_read_only for the role: the same refusal', async (t) => {
  const db = await testDatabase(t)
  const role = `seedbed_ro_${process.pid}`
  await db.sql.unsafe(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD 'ro-secret-pw'`)
  t.teardown(() => db.sql.unsafe(`DROP ROLE IF EXISTS ${role}`))
  await db.sql.unsafe(`ALTER ROLE ${role} SET default_transaction_read_only = on`)
  const url = new URL(db.url)
  url.username = role
  url.password = 'ro-secret-pw'
  await t.rejects(seed({ databaseUrl: url.toString(), seedsDir, schemaDir, applySchema: true, only: ['roles'] }), {
    code: codes.READ_ONLY,
  })
})
