import path from 'node:path'
import t from 'tap'
import { DEFAULT_POOL_SIZE, listOption, resolveSettings } from '../lib/config/config.ts'
import { parseDatabaseUrl } from '../lib/db/connect.ts'
import { codes } from '../lib/errors/errors.ts'
import { fromDriverError } from '../lib/errors/pg-errors.ts'
import { redact, withRedactor } from '../lib/errors/redact.ts'

t.test('settings: flags win over environment variables, which win over defaults', async (t) => {
  const defaults = resolveSettings({}, {}, '/p')
  t.same(defaults, {
    databaseUrl: undefined,
    seedsDir: '/p/seeds',
    schemaDir: '/p/schema',
    dataDir: '/p/.seedbed',
    embeddedPort: undefined,
    poolSize: DEFAULT_POOL_SIZE,
    concurrency: DEFAULT_POOL_SIZE,
    env: 'development',
    only: [],
    scale: 1,
    enabled: true,
    onStartup: false,
    timeoutMs: 0,
    seedTimeoutMs: 0,
    maxRetries: 3,
    dryRun: false,
    keepGoing: false,
    allow: [],
    lockTimeoutMs: 180_000,
    changed: false,
    pooler: 'auto',
    leaseMs: 30_000,
    diff: false,
    diffLimit: 20,
    undoRecords: true,
    bcryptCost: 10,
    variables: {},
  })
  // Every variable seedbed reads is a setting: nothing below config/ reads process.env.
  const read = resolveSettings(
    {},
    {
      SEEDBED_BCRYPT_COST: '4',
      PGUSER: 'app',
      PGPASSWORD: 'pw-1',
      PGPASSFILE: '/x/pgpass',
      SEEDBED_METRICS_FILE: '/x/m.prom',
      SEEDBED_PUSHGATEWAY: 'http://gw:9091',
      SEEDBED_DATABASES_FILE: '/x/dbs',
    },
    '/p',
  )
  t.same(
    [read.bcryptCost, read.pgUser, read.pgPassword, read.pgPassFile, read.metricsFile, read.pushgateway, read.databasesFile],
    [4, 'app', 'pw-1', '/x/pgpass', '/x/m.prom', 'http://gw:9091', '/x/dbs'],
  )
  t.throws(() => resolveSettings({}, { SEEDBED_BCRYPT_COST: '3' }, '/p'), { code: 'E_BAD_ENV', message: /SEEDBED_BCRYPT_COST/ })
  // --no-undo-records (cac gives false, else true) wins over SEEDBED_UNDO_RECORDS, which wins over the default.
  t.equal(resolveSettings({ undoRecords: true }, { SEEDBED_UNDO_RECORDS: 'false' }, '/p').undoRecords, false)
  t.equal(resolveSettings({ undoRecords: false }, { SEEDBED_UNDO_RECORDS: 'true' }, '/p').undoRecords, false)
  // --keep-going, then SEEDBED_KEEP_GOING, then false; the API's keepGoing over both.
  t.equal(resolveSettings({ keepGoing: true }, {}, '/p').keepGoing, true)
  t.equal(resolveSettings({}, { SEEDBED_KEEP_GOING: 'true' }, '/p').keepGoing, true)
  t.equal(resolveSettings({}, {}, '/p', { keepGoing: true }).keepGoing, true)
  t.equal(resolveSettings({ keepGoing: true }, {}, '/p', { keepGoing: false }).keepGoing, false)
  t.throws(() => resolveSettings({}, { SEEDBED_KEEP_GOING: 'maybe' }, '/p'), { code: 'E_BAD_ENV', message: /SEEDBED_KEEP_GOING/ })
  t.equal(resolveSettings({}, {}, '/p', { undoRecords: false }).undoRecords, false)
  t.throws(() => resolveSettings({}, { SEEDBED_UNDO_RECORDS: 'maybe' }, '/p'), { code: 'E_BAD_ENV' })
  const env = {
    SEEDBED_POOL_SIZE: '6',
    SEEDBED_CONCURRENCY: '3',
    SEEDBED_SEEDS_DIR: 'db/seeds',
    SEEDBED_DATA_DIR: '/data',
    SEEDBED_EMBEDDED_PORT: '5555',
    APP_ENV: 'staging',
    DATABASE_URL: 'postgres://h/d',
  }
  const fromEnv = resolveSettings({}, env, '/p')
  t.same(
    [fromEnv.poolSize, fromEnv.concurrency, fromEnv.seedsDir, fromEnv.dataDir, fromEnv.embeddedPort, fromEnv.env, fromEnv.databaseUrl],
    [6, 3, path.resolve('/p/db/seeds'), '/data', 5555, 'staging', 'postgres://h/d'],
  )
  const fromFlags = resolveSettings({ poolSize: '8', concurrency: 2, seeds: 'x', only: ['a,b', 'c'] }, env, '/p')
  t.same([fromFlags.poolSize, fromFlags.concurrency, fromFlags.seedsDir, fromFlags.only], [8, 2, '/p/x', ['a', 'b', 'c']])
  t.same(listOption(undefined), [])
  t.same(listOption(' a , ,b '), ['a', 'b'])
})

t.test('bad settings are E_BAD_OPTION (a flag) or E_BAD_ENV (a variable), naming it', async (t) => {
  const cases: [Parameters<typeof resolveSettings>[0], NodeJS.ProcessEnv, RegExp][] = [
    [{ concurrency: '0' }, {}, /--concurrency must be an integer from 1 to 1000, got '0'/],
    [{ poolSize: '2.5' }, {}, /--pool-size must be an integer/],
    [{}, { SEEDBED_POOL_SIZE: 'ten' }, /SEEDBED_POOL_SIZE must be an integer/],
    [{}, { SEEDBED_EMBEDDED_PORT: '70000' }, /SEEDBED_EMBEDDED_PORT must be an integer from 1 to 65535/],
    [{ concurrency: 5 }, { SEEDBED_POOL_SIZE: '4' }, /--concurrency 5 exceeds the connection pool size 4/],
    [{ only: true }, {}, /--only needs seed names/],
  ]
  for (const [flags, env, message] of cases) {
    const fromVariable = Object.keys(env).length > 0 && !/--/.test(String(message))
    t.throws(() => resolveSettings(flags, env), { code: fromVariable ? codes.BAD_ENV : codes.BAD_OPTION, message })
  }
})

t.test('DATABASE_URL parsing names the target and hides the password', (t) =>
  withRedactor(async () => {
    t.same(parseDatabaseUrl('postgres://app:pw%21x@db.internal:6543/shop'), {
      host: 'db.internal',
      port: 6543,
      user: 'app',
      database: 'shop',
    })
    t.equal(redact('login pw!x'), 'login ***', 'the decoded password is now a secret')
    t.same(parseDatabaseUrl('postgresql://db/'), { host: 'db', port: 5432, user: 'postgres', database: 'postgres' })
    t.same(parseDatabaseUrl('postgresql://db/', 'app').user, 'app', 'PGUSER comes from the settings')
    t.throws(() => parseDatabaseUrl('not a url :pw@'), { code: codes.BAD_OPTION })
    t.throws(() => parseDatabaseUrl('mysql://u:p@h/d'), { code: codes.BAD_OPTION, message: /must start with postgres:\/\// })
  }),
)

t.test('driver errors map to codes that name the seed, table and constraint', async (t) => {
  // These objects carry the fields postgres.js sets on PostgresError and on socket errors.
  const target = { host: 'db', port: 5433, user: 'app', database: 'shop' }
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [
      { code: '23505', table_name: 'users', constraint_name: 'users_email_key', detail: 'Key (email)=(a) already exists.' },
      codes.UNIQUE_VIOLATION,
      /seed 's': unique violation on table users, constraint users_email_key \(Key/,
    ],
    [
      { code: '23503', table_name: 'orders', schema_name: 'shop', constraint_name: 'orders_user_fkey' },
      codes.FOREIGN_KEY_VIOLATION,
      /table shop\.orders, constraint orders_user_fkey/,
    ],
    [{ code: '23502', table_name: 'users', column_name: 'name' }, codes.NOT_NULL_VIOLATION, /null value in column name of table users/],
    [
      { code: '23514', table_name: 'products', constraint_name: 'price_check' },
      codes.CHECK_VIOLATION,
      /check constraint price_check on table products/,
    ],
    [{ code: '42P01', message: 'relation "x" does not exist' }, codes.MISSING_TABLE, /relation "x" does not exist/],
    [{ code: '42703', message: 'column "y" does not exist' }, codes.MISSING_COLUMN, /column "y"/],
    [{ code: '28P01' }, codes.AUTH, /authentication failed for user 'app' at db:5433/],
    [{ code: '3D000' }, codes.DATABASE_MISSING, /database 'shop' does not exist at db:5433/],
    [{ code: 'ECONNREFUSED' }, codes.CONNECT, /cannot reach PostgreSQL at db:5433 \(ECONNREFUSED\)/],
    [{ code: 'CONNECTION_DESTROYED' }, codes.INTERRUPTED, /stopped by an interrupt/],
    [{ code: '22P02', message: 'invalid input syntax for type integer' }, codes.SQL_ERROR, /invalid input syntax.*\[SQLSTATE 22P02\]/],
  ]
  for (const [err, code, message] of cases) {
    const e = fromDriverError(err, { seed: 's', target })
    t.equal(e.code, code, String(err.code))
    t.match(e.message, message)
    t.ok(e.hint, `${code} has a hint`)
  }
  const plain = fromDriverError(new Error('boom'), { seed: 's' })
  t.same([plain.code, plain.message, plain.hint], [codes.SEED_FAILED, "seed 's': boom", "fix the error in seed 's'"])
  t.equal(fromDriverError(plain), plain, 'a SeedbedError passes through')
})
