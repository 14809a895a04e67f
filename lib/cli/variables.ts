/**
 * Every environment variable seedbed reads, as data: docs/reference.md ("Environment variables") is
 * generated from this list (`npm run docs`), and test/docs.test.ts checks that every variable the code
 * reads is in it. A flag that stands for a variable names it (lib/cli/flags.ts `env`).
 */
export interface Variable {
  name: string
  /** One sentence: what it sets, and its default. */
  meaning: string
  /** Who reads it: seedbed itself, seedbed when it names test databases, or the example project's seeds. */
  scope: 'seedbed' | 'test runner' | 'example project'
}

export const variables = [
  {
    name: 'DATABASE_URL',
    scope: 'seedbed',
    meaning: '`postgres://user:password@host:port/database`; unset or empty: the embedded PostgreSQL',
  },
  { name: 'APP_ENV', scope: 'seedbed', meaning: 'the environment (default `NODE_ENV`, then `development`); `--env` wins' },
  { name: 'NODE_ENV', scope: 'seedbed', meaning: 'the environment when `APP_ENV` and `--env` are not set' },
  { name: 'SEEDBED_SEEDS_DIR', scope: 'seedbed', meaning: 'seeds folder (default `seeds`)' },
  { name: 'SEEDBED_SCHEMA_DIR', scope: 'seedbed', meaning: 'schema folder (default `schema`)' },
  {
    name: 'SEEDBED_DATABASES_FILE',
    scope: 'seedbed',
    meaning: 'a file of database URLs, one per line: run on each (as `--databases-file`)',
  },
  { name: 'SEEDBED_POOLER', scope: 'seedbed', meaning: '`auto` (default), `transaction`, `session` or `none`' },
  { name: 'DIRECT_DATABASE_URL', scope: 'seedbed', meaning: 'a URL past the pooler for the run lock, ledger DDL and cancels' },
  {
    name: 'SEEDBED_LEASE',
    scope: 'seedbed',
    meaning: 'lease length behind a transaction pooler without a direct URL (default `30s`)',
  },
  {
    name: 'SEEDBED_MIGRATE',
    scope: 'seedbed',
    meaning:
      'migrate command run instead of `schema/*.sql` by `fresh`, `seed --apply-schema` and a new embedded database (e.g. `npx prisma migrate deploy`); also `--migrate`',
  },
  { name: 'SEEDBED_POOL_SIZE', scope: 'seedbed', meaning: 'connections (default 10)' },
  { name: 'SEEDBED_CONCURRENCY', scope: 'seedbed', meaning: 'seeds running at once per level (default: pool size)' },
  {
    name: 'SEEDBED_ENABLED',
    scope: 'seedbed',
    meaning: '`false` refuses every writing run in the environment (`E_SEEDING_DISABLED`); default `true`',
  },
  {
    name: 'SEEDBED_ON_STARTUP',
    scope: 'seedbed',
    meaning: 'whether an application seeds when it starts (read by the start-up hook); default `false`',
  },
  { name: 'SEEDBED_TIMEOUT', scope: 'seedbed', meaning: "the whole run's time limit, as `--timeout`" },
  { name: 'SEEDBED_SEED_TIMEOUT', scope: 'seedbed', meaning: "each seed's time limit, as `--seed-timeout`" },
  { name: 'SEEDBED_MAX_RETRIES', scope: 'seedbed', meaning: 'retries after transient failures (default 3)' },
  { name: 'SEEDBED_DRY_RUN', scope: 'seedbed', meaning: '`true` makes every run a dry run' },
  {
    name: 'SEEDBED_KEEP_GOING',
    scope: 'seedbed',
    meaning: '`true`: after a failure, run every seed whose dependencies succeeded (as `--keep-going`); default `false`',
  },
  {
    name: 'SEEDBED_UNDO_RECORDS',
    scope: 'seedbed',
    meaning: '`false`: a real run keeps no undo records (as `--no-undo-records`); default `true`',
  },
  { name: 'SEEDBED_ALLOW', scope: 'seedbed', meaning: 'comma-separated seeds allowed to run; required in production' },
  { name: 'SEEDBED_LOCK_TIMEOUT', scope: 'seedbed', meaning: 'how long a run waits for another to finish (default `3m`)' },
  { name: 'SEEDBED_METRICS_FILE', scope: 'seedbed', meaning: 'as `--metrics-file`' },
  { name: 'SEEDBED_PUSHGATEWAY', scope: 'seedbed', meaning: 'as `--pushgateway`' },
  { name: 'SEEDBED_SCALE', scope: 'seedbed', meaning: 'row-count multiplier for scalable seeds (default 1)' },
  {
    name: 'SEEDBED_BCRYPT_COST',
    scope: 'seedbed',
    meaning: 'bcrypt cost for `hashPassword`, 4 to 31 (default 10; the tests use 4)',
  },
  { name: 'SEEDBED_DATA_DIR', scope: 'seedbed', meaning: "embedded PostgreSQL's folder (default `.seedbed`)" },
  { name: 'SEEDBED_EMBEDDED_PORT', scope: 'seedbed', meaning: "embedded PostgreSQL's port (default: a free one)" },
  {
    name: 'PGUSER',
    scope: 'seedbed',
    meaning: 'the user when `DATABASE_URL` names none (as libpq; default `postgres`)',
  },
  { name: 'PGPASSWORD', scope: 'seedbed', meaning: 'the password when `DATABASE_URL` names none (as libpq); redacted from all output' },
  { name: 'PGPASSFILE', scope: 'seedbed', meaning: 'a libpq password file: the passwords in it are redacted from all output' },
  {
    name: 'USER',
    scope: 'seedbed',
    meaning: "the ledger's `os_user` when the system does not name the process's user (then `LOGNAME`, `USERNAME`)",
  },
  { name: 'LOGNAME', scope: 'seedbed', meaning: 'as `USER`, when it is not set' },
  { name: 'USERNAME', scope: 'seedbed', meaning: 'as `USER`, when neither it nor `LOGNAME` is set' },
  {
    name: 'VITEST_POOL_ID',
    scope: 'test runner',
    meaning: "the worker in a test database's name (`testDatabases`), first of these four; `p` when none is set",
  },
  { name: 'VITEST_WORKER_ID', scope: 'test runner', meaning: "the worker in a test database's name, when `VITEST_POOL_ID` is not set" },
  { name: 'JEST_WORKER_ID', scope: 'test runner', meaning: "the worker in a test database's name, under jest" },
  { name: 'TAP_CHILD_ID', scope: 'test runner', meaning: "the worker in a test database's name, under tap" },
  {
    name: 'SEED_ADMIN_PASSWORD',
    scope: 'example project',
    meaning: "the example `users` seed's admin password (development default `admin-dev-password`)",
  },
  { name: 'SEED_DEMO_PASSWORD', scope: 'example project', meaning: "the demo users' password (development default `demo-dev-password`)" },
  { name: 'SEED_ADMIN_EMAIL', scope: 'example project', meaning: "the admin's email (default `admin@example.com`)" },
  {
    name: 'npm_config_user_agent',
    scope: 'seedbed',
    meaning:
      'set by the launcher (`bunx`, `npx`, `deno task`): `init` writes for Bun or Deno when it starts `bun/` or `deno/` (`--runtime` wins)',
  },
] as const satisfies readonly Variable[]

export type VariableName = (typeof variables)[number]['name']
