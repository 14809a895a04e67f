import path from 'node:path'
import { writeFile } from 'node:fs/promises'
import t from 'tap'
import { environmentName, loadEnvironment } from '../lib/config/environment.ts'
import { resolveSettings } from '../lib/config/config.ts'
import { seedOnStartup } from '../lib/execution/startup.ts'
import { NO_CHILD_COVERAGE, ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

// One rule decides the environment's name, wherever a run starts: the CLI, the API, start-up seeding.
t.test('one rule: explicit, then APP_ENV, then NODE_ENV, in the real variables before the .env file', async (t) => {
  t.equal(environmentName(undefined, {}), 'development')
  t.equal(environmentName(undefined, { NODE_ENV: 'production' }), 'production')
  t.equal(environmentName(undefined, { NODE_ENV: 'production', APP_ENV: 'staging' }), 'staging')
  t.equal(environmentName('test', { APP_ENV: 'staging' }), 'test')
  t.equal(environmentName(undefined, { NODE_ENV: 'production' }, { APP_ENV: 'staging' }), 'production', 'the real NODE_ENV wins over .env')
  t.equal(environmentName(undefined, {}, { NODE_ENV: 'staging' }), 'staging')
  t.equal(resolveSettings({}, { NODE_ENV: 'production' }).env, 'production', 'resolveSettings uses the same rule')
  const dir = await tempDir(t)
  await writeFile(path.join(dir, '.env.production'), 'SEEDBED_ALLOW=roles\n')
  const profile = loadEnvironment(undefined, dir, { NODE_ENV: 'production' })
  t.same([profile.name, profile.variables.SEEDBED_ALLOW], ['production', 'roles'], 'loadEnvironment too')
})

t.test('NODE_ENV=production through the CLI: every production guard is on (no TTY: refused, nothing written)', async (t) => {
  const db = await testDatabase(t)
  const env = { DATABASE_URL: db.url, NODE_ENV: 'production', SEEDBED_ALLOW: 'roles', ...NO_CHILD_COVERAGE }
  const refused = await runCli(['seed', '--apply-schema'], { env })
  const [{ tables }] = await db.sql<[{ tables: number }]>`SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`
  t.equal(tables, 0, 'not even the schema was applied')
  t.equal(refused.code, 2, refused.stderr)
  t.match(refused.stdout + refused.stderr, 'E_CONFIRMATION_REQUIRED', 'production writes need confirmation')
  const dir = await tempDir(t)
  await writeFile(
    path.join(dir, 'prod.ts'),
    "export default { environments: ['development', 'production'], async run({ sql }) { await sql`CREATE TABLE wrote (id int)` } }\n",
  )
  const unconfirmed = await runCli(['seed', '--seeds', dir], { env: { ...env, SEEDBED_ALLOW: 'prod' } })
  t.equal(unconfirmed.code, 2, unconfirmed.stderr)
  t.match(unconfirmed.stdout + unconfirmed.stderr, 'E_CONFIRMATION_REQUIRED', 'no TTY, no --yes: refused')
  const [{ exists }] = await db.sql<[{ exists: boolean }]>`SELECT to_regclass('wrote') IS NOT NULL AS exists`
  t.equal(exists, false, 'nothing written')
  const fresh = await runCli(['fresh'], { env })
  t.equal(fresh.code, 2)
  t.match(fresh.stdout + fresh.stderr, 'E_FRESH_PRODUCTION', 'fresh in production is refused by its own code, before the allow-list')
})

t.test('start-up seeding reads NODE_ENV the same way: never in production unless allowed', async (t) => {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, '.env.production'), 'SEEDBED_ON_STARTUP=true\nSEEDBED_ALLOW=roles\n')
  const saved = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    const outcome = await seedOnStartup({ envDir: dir, seedsDir: path.join(ROOT, 'seeds') })
    t.same(outcome, { ran: false, reason: 'start-up seeding never runs in production unless allowProduction is set' })
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = saved
  }
})
