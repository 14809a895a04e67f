import path from 'node:path'
import t from 'tap'
import { acquireLock } from '../lib/db/lock.ts'
import { createLogger } from '../lib/output/log.ts'
import { applySchema } from '../lib/db/schema.ts'
import { exampleCounts, fixture, ROOT, runCli, testDatabase } from './helpers.ts'

// A corpus of bad inputs, each run as a user would: its error code, a non-zero exit, no data
// written, and neither the database password nor the admin password anywhere in the output.
const db = await testDatabase(t)
const bare = await testDatabase(t) // no schema: for the missing-table case
await applySchema(db.sql, path.join(ROOT, 'schema'))
await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
await db.sql`CREATE TABLE parents (id int PRIMARY KEY)`
await db.sql`CREATE TABLE children (name text PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id))`

const ADMIN_PASSWORD = 'Admin-Secret-55'
/** The URL with a password in it: the server's own, or one trust auth ignores. */
const withPassword = (url: string) => {
  const u = new URL(url)
  if (!u.password) u.password = 'Corpus-Secret-77'
  return u.toString()
}
const url = withPassword(db.url)
const dbPassword = decodeURIComponent(new URL(url).password)
const other = (change: (u: URL) => void) => {
  const u = new URL(url)
  change(u)
  return u.toString()
}
const seeds = (name: string) => path.join(fixture(name), 'seeds')

type Case = [name: string, args: string[], code: string, env?: Record<string, string>]
const cases: Case[] = [
  ['syntax error in a seed', ['seed', '--seeds', seeds('broken-syntax')], 'E_SEED_LOAD'],
  ['a file with no export', ['seed', '--seeds', seeds('broken-no-export')], 'E_SEED_NO_EXPORT'],
  ['bad seed metadata', ['seed', '--seeds', seeds('broken-invalid')], 'E_SEED_INVALID'],
  ['duplicate seed name', ['seed', '--seeds', seeds('broken-duplicate')], 'E_SEED_DUPLICATE'],
  ['dependency cycle', ['seed', '--seeds', seeds('broken-cycle')], 'E_DEPENDENCY_CYCLE'],
  ['missing dependency', ['seed', '--seeds', seeds('broken-missing-dep')], 'E_DEPENDENCY_MISSING'],
  ['missing seeds folder', ['seed', '--seeds', seeds('nowhere')], 'E_SEEDS_DIR'],
  ['unknown flag', ['seed', '--frobnicate'], 'E_UNKNOWN_OPTION'],
  ['unknown task', ['plant'], 'E_UNKNOWN_COMMAND'],
  ['bad flag value', ['seed', '--concurrency', 'abc'], 'E_BAD_OPTION'],
  ['bad duration flag', ['seed', '--timeout', 'soon'], 'E_BAD_OPTION'],
  ['bad scale', ['seed', '--scale', '0'], 'E_BAD_OPTION'],
  ['concurrency above the pool', ['seed', '--concurrency', '9', '--pool-size', '3'], 'E_BAD_OPTION'],
  ['bad log format', ['seed', '--log-format', 'xml'], 'E_BAD_OPTION'],
  ['fresh as a dry run', ['fresh', '--dry-run'], 'E_BAD_OPTION'],
  ['bad environment value (timeout)', ['seed'], 'E_BAD_ENV', { SEEDBED_TIMEOUT: 'abc' }],
  ['bad environment value (boolean)', ['seed'], 'E_BAD_ENV', { SEEDBED_ENABLED: 'maybe' }],
  ['bad environment value (retries)', ['seed'], 'E_BAD_ENV', { SEEDBED_MAX_RETRIES: '-1' }],
  ['unknown environment', ['seed', '--env', 'prod'], 'E_ENV_UNKNOWN'],
  ['seeding disabled', ['seed'], 'E_SEEDING_DISABLED', { SEEDBED_ENABLED: 'false' }],
  ['--only naming no seed', ['seed', '--only', 'nobody'], 'E_ONLY_UNKNOWN'],
  [
    '--only naming a seed not for this environment',
    ['seed', '--env', 'staging', '--only', 'customers'],
    'E_SEED_NOT_ALLOWED',
    { SEEDBED_ALLOW: 'roles' },
  ],
  ['production without an allow-list', ['seed', '--env', 'production', '--yes'], 'E_SEED_NOT_ALLOWED'],
  ['production without confirmation', ['seed', '--env', 'production'], 'E_CONFIRMATION_REQUIRED', { SEEDBED_ALLOW: 'roles' }],
  ['fresh in production without --force', ['fresh', '--env', 'production', '--yes'], 'E_FRESH_PRODUCTION', { SEEDBED_ALLOW: 'roles' }],
  [
    'missing admin password in production',
    ['seed', '--env', 'production', '--yes'],
    'E_SECRET_MISSING',
    { SEEDBED_ALLOW: 'roles,users', SEED_ADMIN_PASSWORD: '' },
  ],
  ['unreachable server', ['seed'], 'E_CONNECT', { DATABASE_URL: other((u) => (u.port = '1')) }],
  ['unknown user', ['seed'], 'E_AUTH', { DATABASE_URL: other((u) => (u.username = 'nobody_here')) }],
  ['missing database', ['seed'], 'E_DATABASE_MISSING', { DATABASE_URL: other((u) => (u.pathname = '/no_such_db_xyz')) }],
  ['not a postgres URL', ['seed'], 'E_BAD_OPTION', { DATABASE_URL: `mysql://root:${dbPassword}@localhost/x` }],
  ['missing table', ['seed', '--only', 'roles'], 'E_MISSING_TABLE', { DATABASE_URL: withPassword(bare.url) }],
  ['unique violation', ['seed', '--seeds', seeds('failing'), '--only', 'dup'], 'E_UNIQUE_VIOLATION'],
  ['foreign key violation', ['seed', '--seeds', seeds('failing-fk')], 'E_FOREIGN_KEY_VIOLATION'],
  ['validation failure', ['seed', '--seeds', seeds('failing-validate')], 'E_VALIDATION_FAILED'],
  ['seed timeout', ['seed', '--seeds', seeds('slow'), '--seed-timeout', '200ms'], 'E_TIMEOUT'],
  ['run timeout', ['seed', '--seeds', seeds('slow'), '--timeout', '300ms'], 'E_TIMEOUT'],
]

t.test(`${cases.length} bad inputs: coded, non-zero, nothing written, no secret shown`, async (t) => {
  t.ok(cases.length >= 25)
  for (const [name, args, code, env] of cases) {
    const r = await runCli(args, { env: { DATABASE_URL: url, SEED_ADMIN_PASSWORD: ADMIN_PASSWORD, SEEDBED_BCRYPT_COST: '4', ...env } })
    const out = r.stdout + r.stderr
    t.not(r.code, 0, `${name}: non-zero exit`)
    t.match(r.stderr, `${code}:`, `${name}: ${code}`)
    t.notMatch(out, dbPassword, `${name}: no database password in the output`)
    t.notMatch(out, ADMIN_PASSWORD, `${name}: no admin password in the output`)
    const counts = {
      ...(await exampleCounts(db.sql)),
      items: (await db.sql`SELECT count(*)::int AS n FROM items`)[0]!.n,
      children: (await db.sql`SELECT count(*)::int AS n FROM children`)[0]!.n,
    }
    t.ok(
      Object.values(counts).every((n) => n === 0),
      `${name}: nothing written`,
    )
  }
})

t.test('a held lock: E_LOCK_TIMEOUT, nothing written', async (t) => {
  const lock = await acquireLock(db.sql, 1000, createLogger({ level: -999 }))
  t.teardown(() => lock.release())
  const r = await runCli(['seed', '--lock-timeout', '300ms'], { env: { DATABASE_URL: url } })
  t.equal(r.code, 1)
  t.match(r.stderr, 'E_LOCK_TIMEOUT:')
  t.notMatch(r.stdout + r.stderr, dbPassword)
  t.ok(Object.values(await exampleCounts(db.sql)).every((n) => n === 0))
})
