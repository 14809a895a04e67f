import path from 'node:path'
import t from 'tap'
import { seed, status, validate } from '../lib/execution/api.ts'
import { loadEnvironment, parseBoolean, parseDuration } from '../lib/config/environment.ts'
import { codes } from '../lib/errors/errors.ts'
import { acquireLock } from '../lib/db/lock.ts'
import { createLogger } from '../lib/output/log.ts'
import { applySchema } from '../lib/db/schema.ts'
import { selectForEnvironment } from '../lib/planning/select.ts'
import { exampleCounts, fixture, ROOT, tempDir, testDatabase } from './helpers.ts'

process.env.SEEDBED_BCRYPT_COST = '4'
const db = await testDatabase(t)
await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
await applySchema(db.sql, path.join(ROOT, 'schema'))
const silent = createLogger({ level: -999 })
const example = { databaseUrl: db.url, seedsDir: path.join(ROOT, 'seeds'), only: [] as string[] }

t.test('profiles: .env.<env> over .env, real variables over both; bad values name the variable', async (t) => {
  const dir = await tempDir(t)
  const { writeFile } = await import('node:fs/promises')
  await writeFile(path.join(dir, '.env'), 'SEEDBED_TIMEOUT=1m\nSEEDBED_ALLOW=a\nAPP_ENV=staging\n')
  await writeFile(path.join(dir, '.env.staging'), 'SEEDBED_ALLOW=b,c\n')
  await writeFile(path.join(dir, '.env.qa'), 'SEEDBED_MAX_RETRIES=1\n')
  const env: NodeJS.ProcessEnv = { SEEDBED_TIMEOUT: '5s' }
  const profile = loadEnvironment(undefined, dir, env)
  t.equal(profile.name, 'staging', 'APP_ENV from .env picks the profile')
  t.same([profile.variables.SEEDBED_TIMEOUT, profile.variables.SEEDBED_ALLOW], ['5s', 'b,c'])
  t.same(env, { SEEDBED_TIMEOUT: '5s' }, 'the variables given are not written to')
  t.equal(loadEnvironment('qa', dir, {}).name, 'qa', 'a .env.<name> file makes a name valid')
  t.throws(() => loadEnvironment('prod', dir, {}), { code: codes.ENV_UNKNOWN, message: /unknown environment 'prod'/ })
  t.same(
    [parseDuration('x', '90'), parseDuration('x', '1.5m'), parseDuration('x', '250ms'), parseDuration('x', '2h')],
    [90_000, 90_000, 250, 7_200_000],
  )
  t.throws(() => parseDuration('SEEDBED_TIMEOUT', 'abc'), { code: codes.BAD_ENV, message: /SEEDBED_TIMEOUT must be a duration/ })
  t.throws(() => parseDuration('--timeout', '5 minutes'), { code: codes.BAD_OPTION })
  t.same([parseBoolean('x', 'yes'), parseBoolean('x', 'off'), parseBoolean('x', undefined)], [true, false, undefined])
  t.throws(() => parseBoolean('SEEDBED_ENABLED', 'maybe'), { code: codes.BAD_ENV })
})

t.test('environments and the allow-list decide which seeds run', async (t) => {
  const s = (name: string, environments?: string[], dependsOn: string[] = []) => ({
    name,
    environments,
    dependsOn,
    priority: 100,
    secrets: [],
    description: '',
    file: '',
    checksum: '',
    run: async () => {},
  })
  const seeds = [
    s('roles', ['development', 'production']),
    s('admin', ['production'], ['roles']),
    s('fake', undefined, ['roles']),
    s('qa_only', ['qa']),
  ]
  t.same(
    selectForEnvironment(seeds, 'development', []).kept.map((x) => x.name),
    ['roles', 'fake'],
  )
  t.same(
    selectForEnvironment(seeds, 'production', ['roles', 'admin', 'fake']).kept.map((x) => x.name),
    ['roles', 'admin'],
  )
  t.same(selectForEnvironment(seeds, 'production', ['roles']).excluded, [
    { name: 'admin', reason: 'not on the allow-list (SEEDBED_ALLOW)' },
    { name: 'fake', reason: 'not declared for production' },
    { name: 'qa_only', reason: 'not declared for production' },
  ])
  t.throws(() => selectForEnvironment(seeds, 'production', []), { code: codes.SEED_NOT_ALLOWED, message: /no allow-list/ })
  t.throws(() => selectForEnvironment(seeds, 'production', ['admin']), {
    code: codes.SEED_NOT_ALLOWED,
    message: /'admin' runs in production but depends on 'roles'/,
  })
  t.throws(() => selectForEnvironment(seeds, 'development', [], ['qa_only']), {
    code: codes.SEED_NOT_ALLOWED,
    message: /'qa_only' does not run in development/,
  })
})

t.test('a dry run reports what a run would do and commits nothing, ledger included', async (t) => {
  const before = await exampleCounts(db.sql)
  const result = await seed({ ...example, dryRun: true })
  t.equal(result.dryRun, true)
  t.ok(result.ok)
  const by = Object.fromEntries(result.seeds.map((s) => [s.name, s]))
  t.same([by.roles!.created, by.customers!.created, by.order_items!.created], [3, 1000, 4913], 'later seeds saw the rows of earlier ones')
  t.same(await exampleCounts(db.sql), before, 'nothing committed')
  t.same(await db.sql`SELECT to_regclass('seedbed.runs') AS t`, [{ t: null }], 'no ledger written')
  await db.sql`CREATE TABLE IF NOT EXISTS bulk (id int PRIMARY KEY, label text)`
  const failing = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('failing-validate'), 'seeds'), only: [], dryRun: true })
  t.equal(failing.seeds[0]!.error?.code, codes.VALIDATION_FAILED, 'validation failures are reported too')
})

t.test('the ledger: a row per run and per seed, status, and --changed', async (t) => {
  const first = await seed(example)
  t.ok(first.ok)
  const runs = await db.sql`SELECT id, command, environment, status, arguments FROM seedbed.runs ORDER BY id`
  t.same(
    runs.map((r) => [r.command, r.environment, r.status]),
    [['seed', 'development', 'succeeded']],
  )
  const rows = await db.sql`SELECT seed, status, created, checksum FROM seedbed.seed_runs WHERE run_id = ${runs[0]!.id}`
  t.equal(rows.length, 9)
  t.ok(rows.every((r) => r.status === 'succeeded' && /^[0-9a-f]{64}$/.test(r.checksum)))

  const st = await status(example)
  t.ok(st.seeds.every((s) => s.file === 'unchanged' && s.lastSucceeded instanceof Date))
  // Pretend products.ts changed since its last success: it and order_items re-run, nothing else.
  await db.sql`UPDATE seedbed.seed_runs SET checksum = 'old' WHERE seed = 'products'`
  t.equal((await status(example)).seeds.find((s) => s.name === 'products')!.file, 'changed')
  const changed = await seed({ ...example, changed: true })
  t.same(changed.seeds.map((s) => s.name).sort(), ['order_items', 'products'])
  const nothing = await seed({ ...example, changed: true })
  t.same(nothing.seeds, [], 'nothing changed: nothing runs')
})

t.test('a failing seed is recorded failed, outside its rolled-back transaction', async (t) => {
  await db.sql`TRUNCATE items`
  const r = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('failing'), 'seeds'), only: [] })
  t.notOk(r.ok)
  const [run] = await db.sql`SELECT id, status FROM seedbed.runs ORDER BY id DESC LIMIT 1`
  t.equal(run!.status, 'failed')
  const rows = await db.sql`SELECT seed, status, error_code FROM seedbed.seed_runs WHERE run_id = ${run!.id} ORDER BY seed`
  t.same(
    rows.map((x) => [x.seed, x.status, x.error_code]),
    [
      ['base', 'succeeded', null],
      ['dup', 'failed', 'E_UNIQUE_VIOLATION'],
      ['slow', 'succeeded', null],
    ],
  )
})

t.test('a seed timeout cancels the running query and rolls back', async (t) => {
  await db.sql`TRUNCATE items`
  const r = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('slow'), 'seeds'), only: [], seedTimeoutMs: 300 })
  t.equal(r.seeds[0]!.error?.code, codes.TIMEOUT)
  t.match(r.seeds[0]!.error?.message, /ran longer than 0.3 s; cancelled and rolled back/)
  t.same(await db.sql`SELECT name FROM items`, [], 'its row was rolled back')
  const sleeping =
    await db.sql`SELECT pid FROM pg_stat_activity WHERE datname = ${db.name} AND query LIKE '%pg_sleep(%' AND state = 'active' AND pid <> pg_backend_pid()`
  t.same(sleeping, [], 'the server is no longer running the query')
  const run = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('slow'), 'seeds'), only: [], timeoutMs: 300 })
  t.equal(run.seeds[0]!.error?.code, codes.TIMEOUT, 'the global --timeout too')
  t.match(run.seeds[0]!.error?.message, /--timeout 0.3 s/)
})

t.test('transient failures are retried with backoff; constraint violations never', async (t) => {
  await db.sql`TRUNCATE items`
  await db.sql`CREATE SEQUENCE IF NOT EXISTS flaky_tries`
  const lines: string[] = []
  const logger = createLogger({ reporters: [{ log: (o) => lines.push(`${o.type} ${o.args.join(' ')}`) }] })
  const r = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('flaky'), 'seeds'), only: [], maxRetries: 3, logger })
  t.ok(r.ok)
  t.equal(r.seeds[0]!.attempts, 3)
  t.same(
    (await db.sql`SELECT name FROM items`).map((x) => x.name),
    ['flaky-try-3'],
    'only the successful try is committed',
  )
  t.equal(
    lines.filter((l) => /^warn retry \d\/3 in \d+ ms: serialization failure \(40001\)/.test(l)).length,
    2,
    'each retry logged with its reason',
  )
  await db.sql`ALTER SEQUENCE flaky_tries RESTART`
  const none = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('flaky'), 'seeds'), only: [], maxRetries: 0 })
  t.same([none.seeds[0]!.status, none.seeds[0]!.attempts], ['failed', 1])
  const dup = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('failing'), 'seeds'), only: [], maxRetries: 3 })
  t.equal(dup.seeds.find((s) => s.name === 'dup')!.attempts, 1, 'a unique violation is not retried')
})

t.test('a second run waits for the lock, then fails with E_LOCK_TIMEOUT', async (t) => {
  const lock = await acquireLock(db.sql, 1000, silent)
  t.teardown(() => lock.release())
  const r = await seed({ ...example, lockTimeoutMs: 300 }).catch((e) => e)
  t.equal(r.code, codes.LOCK_TIMEOUT)
  await lock.release()
  t.ok((await seed({ ...example, lockTimeoutMs: 300 })).ok, 'free again once released')
})

t.test('validate does not take the lock or write the ledger', async (t) => {
  const lock = await acquireLock(db.sql, 1000, silent)
  t.teardown(() => lock.release())
  const before = (await db.sql`SELECT count(*)::int AS n FROM seedbed.runs`)[0]!.n
  t.ok((await validate({ ...example, lockTimeoutMs: 100 })).ok)
  t.equal((await db.sql`SELECT count(*)::int AS n FROM seedbed.runs`)[0]!.n, before)
})

t.test('on a terminal, production asks for its name typed back', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const { ROOT: root } = await import('./helpers.ts')
  const prod = await testDatabase(t)
  await applySchema(prod.sql, path.join(ROOT, 'schema'))
  // script(1) gives the CLI a real terminal; the answer is typed on its standard input.
  const onTerminal = (answer: string) =>
    spawnSync('script', ['-qec', `node --import tsx ${path.join(root, 'tasks.ts')} seed --env production --only roles`, '/dev/null'], {
      input: `${answer}\n`,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: prod.url,
        SEEDBED_ALLOW: 'roles',
        _TAPJS_PROCESSINFO_COVERAGE_: '0',
      },
      cwd: root,
      timeout: 60_000,
    })
  const wrong = onTerminal('prod')
  t.not(wrong.status, 0)
  t.match(wrong.stdout, /Type the environment name to continue/)
  t.match(wrong.stdout, /E_CONFIRMATION_MISMATCH: confirmation 'prod' does not match 'production'/)
  t.equal((await prod.sql`SELECT count(*)::int AS n FROM roles`)[0]!.n, 0, 'nothing written')
  const right = onTerminal('production')
  t.equal(right.status, 0, right.status ? right.stdout : 'confirmed')
  t.equal((await prod.sql`SELECT count(*)::int AS n FROM roles`)[0]!.n, 3, 'seeded once confirmed')
})

t.test('the status task lists the runs and each seed', async (t) => {
  const { runCli } = await import('./helpers.ts')
  const r = await runCli(['status'], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 0)
  t.match(r.stdout, /run\s+command\s+env\s+user@host\s+started\s+ended\s+status/)
  t.match(r.stdout, /seed\s+last succeeded\s+file since/)
  t.match(r.stdout, /products\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+unchanged/)
  const json = JSON.parse((await runCli(['status', '--json'], { env: { DATABASE_URL: db.url } })).stdout)
  t.ok(json.runs.length > 0 && json.seeds.length === 9)
})
