import path from 'node:path'
import type { LogObject } from 'consola'
import t from 'tap'
import { resolveSettings, type SettingFlags } from '../lib/config/config.ts'
import { loadEnvironment } from '../lib/config/environment.ts'
import { acquireLock } from '../lib/db/lock.ts'
import { applySchema } from '../lib/db/schema.ts'
import { formatError, SeedbedError } from '../lib/errors/errors.ts'
import { redactValue } from '../lib/errors/redact.ts'
import { fresh, seed } from '../lib/execution/api.ts'
import { createLogger } from '../lib/output/log.ts'
import { exampleCounts, fixture, ROOT, runCli, testDatabase } from './helpers.ts'

// A corpus of bad inputs: each gets its error code, nothing written, and neither the database
// password nor the admin password anywhere in what a user would see. Most run in-process through
// the same calls the CLI makes (loadEnvironment, resolveSettings, the API); a few run the CLI to
// prove its contract: exit 2 for bad input, 1 for a failed run, the error in --json.
process.env.SEEDBED_BCRYPT_COST = '4'
const db = await testDatabase(t)
const bare = await testDatabase(t) // no schema: for the missing-table case
await applySchema(db.sql, path.join(ROOT, 'schema'))
await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
await db.sql`CREATE TABLE parents (id int PRIMARY KEY)`
await db.sql`CREATE TABLE children (name text PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id))`

const ADMIN_PASSWORD = 'Admin-Secret-55'
/** The URL with a password in it: the server's own, or one trust auth ignores. */
const withPassword = (url: string, password = 'Corpus-Secret-77') => {
  const u = new URL(url)
  if (!u.password) u.password = password
  return u.toString()
}
const url = withPassword(db.url)
const dbPassword = decodeURIComponent(new URL(url).password)
const other = (change: (u: URL) => void) => {
  const u = new URL(url)
  change(u)
  return u.toString()
}
/** The same target with a password written raw, as people paste it: @ : / % unencoded. */
const checksPasswords = new URL(db.url).password !== ''
const rawPassword = (password: string) => url.replace(/\/\/([^:/@]*):[^@]*@/, `//$1:${password}@`)
const seeds = (name: string) => path.join(fixture(name), 'seeds')

async function written(): Promise<Record<string, number>> {
  return {
    ...(await exampleCounts(db.sql)),
    items: (await db.sql`SELECT count(*)::int AS n FROM items`)[0]!.n,
    children: (await db.sql`SELECT count(*)::int AS n FROM children`)[0]!.n,
  }
}
const NOTHING = Object.fromEntries(Object.keys(await written()).map((k) => [k, 0]))

type Flags = SettingFlags & { yes?: boolean; force?: boolean }
type Case = [name: string, task: 'seed' | 'fresh', flags: Flags, code: string, env?: Record<string, string>, secret?: string]
const cases: Case[] = [
  ['syntax error in a seed', 'seed', { seeds: seeds('broken-syntax') }, 'E_SEED_LOAD'],
  ['a file with no export', 'seed', { seeds: seeds('broken-no-export') }, 'E_SEED_NO_EXPORT'],
  ['bad seed metadata', 'seed', { seeds: seeds('broken-invalid') }, 'E_SEED_INVALID'],
  ['duplicate seed name', 'seed', { seeds: seeds('broken-duplicate') }, 'E_SEED_DUPLICATE'],
  ['dependency cycle', 'seed', { seeds: seeds('broken-cycle') }, 'E_DEPENDENCY_CYCLE'],
  ['missing dependency', 'seed', { seeds: seeds('broken-missing-dep') }, 'E_DEPENDENCY_MISSING'],
  ['missing seeds folder', 'seed', { seeds: seeds('nowhere') }, 'E_SEEDS_DIR'],
  ['bad flag value', 'seed', { concurrency: 'abc' }, 'E_BAD_OPTION'],
  ['bad duration flag', 'seed', { timeout: 'soon' }, 'E_BAD_OPTION'],
  ['bad scale', 'seed', { scale: '0' }, 'E_BAD_OPTION'],
  ['concurrency above the pool', 'seed', { concurrency: '9', poolSize: '3' }, 'E_BAD_OPTION'],
  ['--only with no names', 'seed', { only: true }, 'E_BAD_OPTION'],
  ['fresh as a dry run', 'fresh', { dryRun: true }, 'E_BAD_OPTION'],
  ['bad environment value (timeout)', 'seed', {}, 'E_BAD_ENV', { SEEDBED_TIMEOUT: 'abc' }],
  ['bad environment value (boolean)', 'seed', {}, 'E_BAD_ENV', { SEEDBED_ENABLED: 'maybe' }],
  ['bad environment value (retries)', 'seed', {}, 'E_BAD_ENV', { SEEDBED_MAX_RETRIES: '-1' }],
  ['unknown environment', 'seed', { env: 'prod' }, 'E_ENV_UNKNOWN'],
  ['seeding disabled', 'seed', {}, 'E_SEEDING_DISABLED', { SEEDBED_ENABLED: 'false' }],
  ['--only naming no seed', 'seed', { only: 'nobody' }, 'E_ONLY_UNKNOWN'],
  [
    '--only naming a seed not for this environment',
    'seed',
    { env: 'staging', only: 'customers' },
    'E_SEED_NOT_ALLOWED',
    { SEEDBED_ALLOW: 'roles' },
  ],
  ['production without an allow-list', 'seed', { env: 'production', yes: true }, 'E_SEED_NOT_ALLOWED'],
  ['production without confirmation', 'seed', { env: 'production' }, 'E_CONFIRMATION_REQUIRED', { SEEDBED_ALLOW: 'roles' }],
  ['fresh in production without --force', 'fresh', { env: 'production', yes: true }, 'E_FRESH_PRODUCTION', { SEEDBED_ALLOW: 'roles' }],
  [
    'missing admin password in production',
    'seed',
    { env: 'production', yes: true },
    'E_SECRET_MISSING',
    { SEEDBED_ALLOW: 'roles,users', SEED_ADMIN_PASSWORD: '' },
  ],
  ['unreachable server', 'seed', { maxRetries: '0' }, 'E_CONNECT', { DATABASE_URL: other((u) => (u.port = '1')) }],
  ['unknown user', 'seed', {}, 'E_AUTH', { DATABASE_URL: other((u) => (u.username = 'nobody_here')) }],
  ['missing database', 'seed', {}, 'E_DATABASE_MISSING', { DATABASE_URL: other((u) => (u.pathname = '/no_such_db_xyz')) }],
  ['not a postgres URL', 'seed', {}, 'E_BAD_OPTION', { DATABASE_URL: `mysql://root:${dbPassword}@localhost/x` }],
  // Passwords that break a connection string when pasted unencoded.
  ['password with a raw @ : / %', 'seed', {}, 'E_BAD_OPTION', { DATABASE_URL: rawPassword('Zq@7:w/9%Kp') }, 'Zq@7:w/9%Kp'],
  ['password with a raw % and @', 'seed', {}, 'E_BAD_OPTION', { DATABASE_URL: rawPassword('Mn@4%Zz-88') }, 'Mn@4%Zz-88'],
  [
    'password with a raw @, parsed and sent',
    'seed',
    {},
    // The service trusts any password and then finds no database; the embedded server checks it.
    checksPasswords ? 'E_AUTH' : 'E_DATABASE_MISSING',
    {
      DATABASE_URL: rawPassword('Rk@8mQ-51').replace(/\/[^/]*$/, '/no_such_db_xyz'),
    },
    'Rk@8mQ-51',
  ],
  ['missing table', 'seed', { only: 'roles' }, 'E_MISSING_TABLE', { DATABASE_URL: withPassword(bare.url) }],
  ['unique violation', 'seed', { seeds: seeds('failing'), only: 'dup' }, 'E_UNIQUE_VIOLATION'],
  ['foreign key violation', 'seed', { seeds: seeds('failing-fk') }, 'E_FOREIGN_KEY_VIOLATION'],
  ['validation failure', 'seed', { seeds: seeds('failing-validate') }, 'E_VALIDATION_FAILED'],
  ['seed timeout', 'seed', { seeds: seeds('slow'), seedTimeout: '200ms' }, 'E_TIMEOUT'],
  ['run timeout', 'seed', { seeds: seeds('slow'), timeout: '300ms' }, 'E_TIMEOUT'],
]

/** What the CLI does before and around a run, in-process: the error code and everything shown. */
async function runInProcess(task: 'seed' | 'fresh', flags: Flags, env: Record<string, string>) {
  const saved = process.env
  process.env = { ...saved, DATABASE_URL: url, SEED_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env }
  const logged: LogObject[] = []
  const logger = createLogger({ reporters: [{ log: (o) => logged.push(o) }], level: 4 })
  try {
    const { name, variables } = loadEnvironment(flags.env, ROOT)
    const settings = resolveSettings({ ...flags, env: name }, variables, ROOT)
    const result = await (task === 'seed' ? seed : fresh)({ ...settings, logger, confirmed: flags.yes, force: flags.force })
    const failed = result.seeds.find((s) => s.error)
    return { code: failed?.error?.code ?? result.error?.code, ok: result.ok, shown: JSON.stringify(redactValue(result)), logged }
  } catch (err) {
    // Anything but a SeedbedError is a defect: its name and message stand in for the code.
    if (!(err instanceof SeedbedError)) return { code: String(err), ok: false, shown: String(err), logged }
    return { code: err.code, ok: false, shown: `${formatError(err)}\n${JSON.stringify(err.toJSON())}`, logged }
  } finally {
    process.env = saved
  }
}

t.test('bad inputs in-process: coded, nothing written, no secret shown', async (t) => {
  for (const [name, task, flags, code, env = {}, secret] of cases) {
    const r = await runInProcess(task, flags, env)
    t.equal(r.code, code, `${name}: ${code}`)
    t.equal(r.ok, false, `${name}: the run is not ok`)
    const shown = `${r.shown}\n${JSON.stringify(r.logged.map((o) => o.args))}`
    for (const password of [dbPassword, ADMIN_PASSWORD, ...(secret ? [secret] : [])]) {
      t.notOk(shown.includes(password), `${name}: no password '${password}' shown`)
    }
    if (secret) t.notOk(/7:w|9%K|4%Z|Zz-88|8mQ-51/.test(shown), `${name}: no tail of the password shown`)
    t.same(await written(), NOTHING, `${name}: nothing written`)
  }
})

t.test('a held lock: E_LOCK_TIMEOUT, nothing written', async (t) => {
  const lock = await acquireLock(db.sql, 1000, createLogger({ level: -999 }))
  t.teardown(() => lock.release())
  const r = await runInProcess('seed', { lockTimeout: '300ms' }, {})
  t.equal(r.code, 'E_LOCK_TIMEOUT')
  t.notOk(r.shown.includes(dbPassword))
  t.same(await written(), NOTHING)
})

// The CLI's contract, on a few cases: exit 2 for bad input, 1 for a failed run, `E_CODE:` on stderr,
// the error in the --json document, and no password anywhere.
type CliCase = [name: string, args: string[], exit: number, code: string, env?: Record<string, string>, secret?: string]
const cliCases: CliCase[] = [
  ['unknown flag', ['seed', '--frobnicate'], 2, 'E_UNKNOWN_OPTION'],
  ['unknown task', ['plant'], 2, 'E_UNKNOWN_COMMAND'],
  ['bad log format', ['seed', '--log-format', 'xml'], 2, 'E_BAD_OPTION'],
  ['bad flag value, --json', ['seed', '--json', '--concurrency', 'abc'], 2, 'E_BAD_OPTION'],
  ['bad environment value, --json', ['seed', '--json'], 2, 'E_BAD_ENV', { SEEDBED_TIMEOUT: 'abc' }],
  ['unknown user', ['seed'], 1, 'E_AUTH', { DATABASE_URL: other((u) => (u.username = 'nobody_here')) }],
  ['raw @ : / % password, --json', ['seed', '--json'], 2, 'E_BAD_OPTION', { DATABASE_URL: rawPassword('Zq@7:w/9%Kp') }, 'Zq@7:w/9%Kp'],
  ['unique violation, --json', ['seed', '--json', '--seeds', seeds('failing'), '--only', 'dup'], 1, 'E_UNIQUE_VIOLATION'],
]

t.test('the CLI: exit code, E_CODE on stderr, the --json error, no secret shown', async (t) => {
  for (const [name, args, exit, code, env, secret] of cliCases) {
    const r = await runCli(args, { env: { DATABASE_URL: url, SEED_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env } })
    t.equal(r.code, exit, `${name}: exit ${exit}`)
    t.match(r.stderr, `${code}:`, `${name}: ${code} on stderr`)
    if (args.includes('--json')) {
      const report = JSON.parse(r.stdout)
      t.equal(report.ok, false, `${name}: ok false`)
      t.equal(report.error?.code ?? report.seeds.find((s: { error: unknown }) => s.error)?.error.code, code, `${name}: ${code} in --json`)
    }
    for (const password of [dbPassword, ADMIN_PASSWORD, ...(secret ? [secret] : [])]) {
      t.notOk((r.stdout + r.stderr).includes(password), `${name}: no password '${password}' in the output`)
    }
    t.same(await written(), NOTHING, `${name}: nothing written`)
  }
})
