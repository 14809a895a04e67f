/**
 * Every flag of every built-in task, declared once as data: lib/cli/runner.ts registers them on each
 * cac command from this list (`registerFlags`), so `--help` prints what is here, and
 * docs/reference.md ("Flags") is generated from it (`npm run docs`). test/docs.test.ts checks that
 * each task's `--help` lists exactly the flags this list gives it, and that the committed page is
 * what this list generates.
 */
import type { CAC, Command } from 'cac'
import type { VariableName } from './variables.ts'

/** The built-in tasks, and `task`: a project's own task defined in its tasks.ts. */
export const COMMANDS = [
  'seed',
  'fresh',
  'validate',
  'plan',
  'status',
  'undo',
  'report',
  'ledger-sql',
  'new',
  'generate',
  'init',
  'db',
  'types',
  'task',
] as const
export type CommandName = (typeof COMMANDS)[number]

/** The built-in tasks: their positional arguments (cac's syntax) and the line `--help` shows. */
export const TASKS: Record<Exclude<CommandName, 'task'>, { args?: string; summary: string }> = {
  seed: { summary: 'Run the seeds in dependency order (idempotent)' },
  fresh: { summary: 'Drop the public schema, apply the schema files, then seed' },
  validate: { summary: 'Run only the validate functions, read-only' },
  plan: { summary: "Print the dependency levels; touches no database (unless --check or dependsOn: 'auto')" },
  status: { summary: 'Show the last runs and, per seed, its last success and whether its file changed' },
  undo: {
    args: '[run]',
    summary: 'Reverse a seed run (default: the last one not undone; of a failed run, its committed seeds) in one transaction',
  },
  report: { args: '[run]', summary: 'Write the HTML report of a run (default: the last one) from the ledger' },
  'ledger-sql': {
    summary: "Print the SQL of seedbed's ledger (schema, tables, GRANTs) for a DBA to run once; touches no database",
  },
  new: { args: '<name>', summary: 'Write seeds/<name>.ts from a template' },
  generate: {
    summary: 'Write fake seeds for every table of the database (one file per table, in dependency order, counts that fit each key)',
  },
  init: { summary: 'Add seedbed to this project: tasks.ts, seeds/, .env.example, scripts, Makefile, test setup' },
  db: { args: '<action>', summary: 'The embedded PostgreSQL outside a run: start (keeps it running), stop, status, url, psql' },
  types: { summary: "Write TypeScript declarations of the database's tables, so upsert, load and fake check columns and types" },
}

export interface Flag {
  /** Without the dashes: `only`, `no-undo-records`. */
  name: string
  /** The value's placeholder in cac's syntax (`<seeds>`); none for a switch. */
  value?: `<${string}>`
  /** One line for `--help`, without the default and the variable (added from the fields below). */
  summary: string
  /** What applies when the flag is not given, as words (`10`, `the pool size`). */
  default?: string
  /** The environment variable that sets the same thing when the flag is not given. */
  env?: VariableName
  /** The value of `env` that means this flag (`false` for `--no-undo-records`), when it is not the flag's own value. */
  envValue?: string
  /** The tasks that have it. A flag meaning something else in other tasks is another entry of the same name. */
  commands: readonly CommandName[]
  /** The reference's text beyond the summary (Markdown, links relative to docs/). */
  details?: string
  /** Registered by cac itself (`--help`): documented, never registered here. */
  builtIn?: true
}

const SEEDING = ['seed', 'fresh', 'validate'] as const
const ALL = COMMANDS

export const flags: readonly Flag[] = [
  {
    name: 'only',
    value: '<seeds>',
    summary: 'Run only these seeds (comma-separated) and what they depend on',
    commands: SEEDING,
    details:
      'Comma-separated names (or the flag repeated): run those seeds plus everything they depend on, transitively. An unknown name is `E_ONLY_UNKNOWN`.',
  },
  { name: 'only', value: '<seeds>', summary: 'Plan only these seeds and what they depend on', commands: ['plan'] },
  {
    name: 'concurrency',
    value: '<n>',
    summary: 'Seeds of one level running at once',
    default: 'the pool size',
    env: 'SEEDBED_CONCURRENCY',
    commands: SEEDING,
    details:
      'Seeds of one level running at once, 1 to 1000. More than the pool size is `E_BAD_OPTION`. `--concurrency 1` runs seeds one at a time in plan order.',
  },
  {
    name: 'pool-size',
    value: '<n>',
    summary: 'Database connections',
    default: '10',
    env: 'SEEDBED_POOL_SIZE',
    commands: SEEDING,
    details: 'Connections in the pool, 1 to 1000.',
  },
  {
    name: 'seeds',
    value: '<dir>',
    summary: 'Folder of seed files',
    default: 'seeds/',
    env: 'SEEDBED_SEEDS_DIR',
    commands: ['seed', 'fresh', 'validate', 'plan', 'status', 'undo', 'new', 'types', 'generate'],
    details: 'The seeds folder.',
  },
  { name: 'seeds', value: '<dir>', summary: 'Folder for seed files', default: 'seeds/', commands: ['init'] },
  {
    name: 'schema',
    value: '<dir>',
    summary: 'Folder of schema .sql files',
    default: 'schema/',
    env: 'SEEDBED_SCHEMA_DIR',
    commands: SEEDING,
    details: 'The schema folder of `.sql` files.',
  },
  {
    name: 'schema',
    value: '<schemas>',
    summary: 'Only the tables of these schemas (comma-separated)',
    default: "every schema but the system ones and seedbed's ledger",
    commands: ['types'],
    details:
      '`types --schema public,app`: declare only the tables of these schemas. A schema the database does not have is `E_TYPES_SCHEMA`, naming it and listing those there are.',
  },
  {
    name: 'migrate',
    value: '<command>',
    summary: 'Run this migrate command instead of the schema files',
    env: 'SEEDBED_MIGRATE',
    commands: SEEDING,
    details:
      "The project's migrate command (for example `npx node-pg-migrate up` or `npx prisma migrate deploy`), run with `DATABASE_URL` set to the run's database instead of applying `schema/*.sql`: by `fresh`, `seed --apply-schema` and the first `seed` on a new embedded database. A non-zero exit is `E_MIGRATE_FAILED` and no seed runs.",
  },
  {
    name: 'pooler',
    value: '<mode>',
    summary: 'auto, transaction, session or none: the pooler in front of the database',
    default: 'auto',
    env: 'SEEDBED_POOLER',
    commands: SEEDING,
    details:
      '`auto` (default: detected at connect time), `transaction`, `session` or `none`; see [Behind a transaction-mode pooler](databases.md#behind-a-transaction-mode-pooler).',
  },
  {
    name: 'dry-run',
    summary: 'Run every seed in a transaction that is rolled back; report what would change',
    env: 'SEEDBED_DRY_RUN',
    envValue: 'true',
    commands: SEEDING,
    details:
      'Runs every selected seed for real in one transaction (a savepoint per seed, so later seeds see earlier ones\' rows), runs the validate functions, reports the counts the run would produce (`"dryRun": true` in JSON) and rolls everything back, ledger included. Needs no confirmation in production.',
  },
  {
    name: 'dry-run',
    summary: 'Undo in a transaction that is rolled back; report what would be restored and deleted',
    commands: ['undo'],
  },
  { name: 'dry-run', summary: 'Print what would be written; write nothing', commands: ['init'] },
  {
    name: 'keep-going',
    summary: 'After a failure, run every seed whose dependencies succeeded; report every failure at once',
    env: 'SEEDBED_KEEP_GOING',
    envValue: 'true',
    commands: SEEDING,
    details:
      "Without it a run stops at the first level with a failed seed. With it every seed whose dependencies all succeeded still runs (and commits); a seed depending, directly or through others, on a failed seed is not run: `not_executed`, its error `E_DEPENDENCY_FAILED` naming the failed seed. The run still fails (exit 1, the ledger's run `failed`, each seed's status recorded), and reports every failure at once: under the text summary, and in `--json` as `errors` (each naming its seed and file). API: `keepGoing: true`.",
  },
  {
    name: 'runtime',
    value: '<name>',
    summary: 'node, bun or deno: the runtime the task file, scripts and test setup are for',
    default: 'the one running init',
    commands: ['init'],
    details:
      'Without it, `init` writes for the runtime it runs under: `bunx seedbed init` for Bun, `deno run -A npm:seedbed init` for Deno, `npx seedbed init` for Node with tsx. Bun gets `bun tasks.ts` scripts and a `bun:test` setup, Deno `deno run -A tasks.ts` scripts and a `Deno.test` setup; see [Bun and Deno](runtimes.md). Another value is `E_BAD_OPTION`.',
  },
  {
    name: 'diff',
    summary: 'With --dry-run: show the rows each seed would create and the columns it would change',
    commands: SEEDING,
    details:
      "Shows, per seed and table, the rows the run would create and, for rows it would update, the key and each changed column as old -> new; in `--json` each seed's `diff`. See [What a run would change](dry-run-and-undo.md#what-a-run-would-change---dry-run---diff). Without `--dry-run` it is `E_BAD_OPTION`. API: `diff: true`.",
  },
  { name: 'diff', summary: 'With --dry-run: show the rows undo would delete and the values it would restore', commands: ['undo'] },
  {
    name: 'diff-limit',
    value: '<n>',
    summary: 'Rows of a kind --diff shows per seed and table',
    default: '20; 0: all',
    commands: ['seed', 'fresh', 'validate', 'undo'],
    details:
      'Rows of a kind (created, updated) `--diff` keeps per seed and table. The counts are exact whatever the limit. API: `diffLimit`.',
  },
  {
    name: 'timeout',
    value: '<duration>',
    summary: 'Cancel the whole run after this long, e.g. 10m',
    env: 'SEEDBED_TIMEOUT',
    commands: SEEDING,
    details:
      'Cancels the whole run after this long (`90s`, `10m`, `500ms`; a bare number is seconds): running queries get a cancel request, their seeds roll back and fail with `E_TIMEOUT`, seeds not started are `not_executed`, exit 1. Default none.',
  },
  {
    name: 'seed-timeout',
    value: '<duration>',
    summary: 'Cancel a seed after this long, e.g. 60s',
    env: 'SEEDBED_SEED_TIMEOUT',
    commands: SEEDING,
    details: "The same for each seed on its own; a seed's `timeout` (seconds) wins.",
  },
  {
    name: 'max-retries',
    value: '<n>',
    summary: 'Retries of a seed after a transient failure',
    default: '3',
    env: 'SEEDBED_MAX_RETRIES',
    commands: SEEDING,
    details:
      'Retries of a seed (and of the first connection) after a transient failure: serialization failure (40001), deadlock (40P01), admin shutdown (57P01), server starting (57P03), too many connections (53300), connection lost or refused. Exponential backoff with full jitter (up to 200 ms x 2^n, at most 5 s), each retry logged with its reason. Constraint violations and errors in seeds are never retried. 0 to 20.',
  },
  {
    name: 'lock-timeout',
    value: '<duration>',
    summary: 'Wait this long for another run to finish',
    default: '3m',
    env: 'SEEDBED_LOCK_TIMEOUT',
    commands: ['seed', 'fresh', 'validate', 'undo', 'task'],
    details:
      'A run that writes holds a PostgreSQL advisory lock for its whole length; a second run waits this long for it, then fails with `E_LOCK_TIMEOUT`.',
  },
  {
    name: 'yes',
    summary: 'Confirm a run that writes to production without a prompt',
    commands: SEEDING,
    details:
      "Confirms a run that writes to production without the prompt (for pipelines). Without it, a terminal asks for the environment's name to be typed back; with no terminal the run is refused with `E_CONFIRMATION_REQUIRED`.",
  },
  { name: 'yes', summary: 'Confirm an undo in production without a prompt', commands: ['undo'] },
  {
    name: 'scale',
    value: '<n>',
    summary: 'Multiply the row counts of scalable seeds',
    default: '1',
    env: 'SEEDBED_SCALE',
    commands: SEEDING,
    details:
      'Multiplies the row counts seeds ask for with `ctx.scaled()` (a number above 0; `0.1` for a tenth, `100` for a hundred times).',
  },
  {
    name: 'report',
    value: '<file>',
    summary: 'Also write the result to this file: an HTML report for .html, else JSON',
    commands: [...SEEDING, 'undo'],
    details:
      'A file ending in `.html` gets the HTML report of the run (timeline, levels and critical path, slowest seeds, retries, errors, the diff; [docs/report.md](report.md)); any other name gets the JSON result (the document `--json` prints), for CI artifacts.',
  },
  {
    name: 'output',
    value: '<file>',
    summary: 'Write the report to this file',
    default: 'stdout',
    commands: ['report'],
  },
  {
    name: 'out',
    value: '<file>',
    summary: 'Write the declarations to this file',
    default: 'seeds/_tables.ts (in the --seeds folder)',
    commands: ['types'],
    details:
      'Where `types` writes the declarations (a missing folder is made; one it cannot write is `E_TYPES_WRITE`). The default starts with `_`, so seed discovery skips it; anywhere your tsconfig includes works, and `plan --check` finds the file again by its first line. See [Typed tables](../README.md#typed-tables-seedbed-types).',
  },
  {
    name: 'metrics-file',
    value: '<file>',
    summary: 'Write Prometheus metrics (text format) for node_exporter',
    env: 'SEEDBED_METRICS_FILE',
    commands: SEEDING,
    details: "Writes the run's Prometheus metrics in the text format, atomically, for node_exporter's textfile collector.",
  },
  {
    name: 'pushgateway',
    value: '<url>',
    summary: 'Push Prometheus metrics to a Pushgateway',
    env: 'SEEDBED_PUSHGATEWAY',
    commands: SEEDING,
    details:
      'Pushes the metrics to a Prometheus Pushgateway (job `seedbed`, grouped by `env`). A failed push is logged as `E_METRICS_PUSH` and does not change the exit code.',
  },
  {
    name: 'database-url',
    value: '<url>',
    summary: 'Run on this database (a list of one), instead of DATABASE_URL; repeat it for several',
    commands: SEEDING,
    details:
      'Run on a list of databases instead of `DATABASE_URL`; see [Many databases](databases.md#many-databases). A URL on the command line is visible to every local user (`ps`, `/proc/<pid>/cmdline`) and lands in shell history: for a URL with a password, prefer `DATABASE_URL` or `--databases-file` (a file only you can read), or leave the password out of the URL (`PGPASSWORD`, `~/.pgpass`).',
  },
  {
    name: 'databases-file',
    value: '<file>',
    summary: 'Run on each database listed, one URL per line, # comments',
    env: 'SEEDBED_DATABASES_FILE',
    commands: SEEDING,
    details: 'As `--database-url`, from a file; see [Many databases](databases.md#many-databases).',
  },
  {
    name: 'databases-command',
    value: '<command>',
    summary: 'Run on each database this shell command prints, one URL per line',
    commands: SEEDING,
    details: 'As `--database-url`, from what a command prints; see [Many databases](databases.md#many-databases).',
  },
  {
    name: 'database-concurrency',
    value: '<n>',
    summary: 'Databases running at once with a list of databases',
    default: '4',
    commands: SEEDING,
    details: 'Databases running at once with a list, 1 to 1000.',
  },
  {
    name: 'env',
    value: '<name>',
    summary: 'Environment profile: .env then .env.<name>',
    default: 'APP_ENV, NODE_ENV, development',
    commands: ALL,
    details:
      'The environment: its profile is `.env`, then `.env.<name>` over it, with real environment variables over both. Known: development, test, staging, production, and any name with a `.env.<name>` file; anything else is `E_ENV_UNKNOWN`. See [Environments](environments.md#environments-and-production).',
  },
  {
    name: 'json',
    summary: 'Print the result as one JSON document on stdout; logs go to stderr',
    commands: ALL,
    details: 'Print the result as one JSON document on stdout; human output goes to stderr.',
  },
  {
    name: 'log-format',
    value: '<format>',
    summary: 'text or json: one JSON object per log line',
    default: 'text',
    commands: ALL,
    details:
      '`text` or `json`: one JSON object per log line, `{ "time", "level", "tag", "message" }`, for log shippers. Secrets are redacted either way.',
  },
  { name: 'verbose', summary: 'Log debug lines too', commands: ALL },
  { name: 'quiet', summary: 'Log only warnings and errors', commands: ALL },
  {
    name: 'apply-schema',
    summary: 'Apply the schema first: each schema file once, or the migrate command',
    commands: ['seed'],
    details:
      'Apply the schema files before seeding, each once: a file runs in one transaction with its row in `seedbed.schema_files` (name, sha256, time), and later runs skip it, so plain `CREATE TABLE` files can be applied again safely. A file changed after it was applied is `E_SCHEMA_CHANGED` before anything runs: `fresh` drops the tables and the record and applies every file again. Files that already ran without a record (a database from before the record) run again: make them idempotent (`IF NOT EXISTS`) or use `fresh`. seedbed is not a migration tool; in a project with migrations, set `SEEDBED_MIGRATE` and seedbed runs that command instead.',
  },
  {
    name: 'changed',
    summary: 'Run only seeds whose file changed since their last success, and what depends on them',
    commands: ['seed'],
    details:
      "Runs only the seeds whose file's sha256 differs from the one recorded at their last success (or that never succeeded since the last `fresh`), plus the seeds that depend on them.",
  },
  {
    name: 'no-undo-records',
    summary: 'Keep no undo records: the run cannot be undone',
    env: 'SEEDBED_UNDO_RECORDS',
    envValue: 'false',
    commands: ['seed', 'fresh'],
    details:
      "Keep no undo records: the run's seeds cannot be undone (`status` says so). API `undoRecords: false`. See [Undoing a run](dry-run-and-undo.md#undoing-a-run-undo).",
  },
  {
    name: 'force',
    summary: 'Allow fresh in production (it still asks for confirmation)',
    commands: ['fresh'],
    details: 'Allows `fresh` in production (it still needs confirmation); without it, `E_FRESH_PRODUCTION`.',
  },
  {
    name: 'schema',
    value: '<schemas>',
    summary: 'Only the tables of these schemas (comma-separated)',
    default: 'every schema but the system ones',
    commands: ['generate'],
    details:
      "The schemas whose tables get a seed (`--schema public,app`). A foreign key to a table of another schema takes that table's existing rows.",
  },
  {
    name: 'rows',
    value: '<n>',
    summary: 'Rows per table, where its keys hold that many',
    default: '25',
    commands: ['generate'],
    details:
      "The count each table gets, 0 or more; a table whose primary or unique key holds fewer values gets at most that many (a boolean key 2, an enum key its labels, a smallint, char(n) or varchar(n) key what fits, a join table the product of its parents, a 1:1 child its parent's rows).",
  },
  {
    name: 'one-file',
    summary: 'Write one seeds/database.ts whose fill fills every table, instead of one file per table',
    commands: ['generate'],
    details: 'One seed, `database`, whose `fill` lists every table with its count: the fill orders them parents first by itself.',
  },
  {
    name: 'force',
    summary: 'Overwrite the seed files generate wrote before',
    commands: ['generate'],
    details:
      'Without it a seed file that exists is `E_SEED_EXISTS`, nothing written. Even with it, a file `generate` did not write (its first line is not the comment `generate` starts its files with) is never overwritten.',
  },
  {
    name: 'format',
    value: '<format>',
    summary: 'text, json, mermaid, dot, svg or html',
    default: 'text',
    commands: ['plan'],
    details:
      '`text`, `json`, `mermaid`, `dot`, `svg` or `html`: the dependency graph with its levels, one subgraph (Mermaid) or cluster (Graphviz) per level; `svg` and `html` draw it ([docs/report.md](report.md)). See [the graph](../README.md#the-example-projects-graph).',
  },
  {
    name: 'check',
    summary: "Read the database's foreign keys: E_PLAN_FOREIGN_KEY for a seed that may run before the seed writing a table it refers to",
    commands: ['plan'],
    details:
      "Connects, reads the catalog's foreign keys and the tables each seed writes (`writes`, and what the ledger saw it write), fills in `dependsOn: 'auto'`, and checks that every seed runs after the seeds writing the tables its tables refer to; a problem is `E_PLAN_FOREIGN_KEY` (exit 2) naming the seed, the table, the constraint and the `dependsOn` to set. It also finds the files `seedbed types` wrote (by their first line) and fails the same way, with `E_TYPES_STALE`, for one the catalog no longer matches ([Typed tables](../README.md#typed-tables-seedbed-types)). See [Seeds that know the schema](schema-seeding.md#the-plans-foreign-key-check). API: `checkPlan()` (`staleTypes`).",
  },
  {
    name: 'strict',
    summary: 'A seed that may run before the seed writing a table it refers to is E_PLAN_FOREIGN_KEY, not a warning',
    commands: SEEDING,
    details:
      'Every run checks the plan against the foreign keys once the schema is applied and warns; with `--strict` a problem stops the run before any seed (`E_PLAN_FOREIGN_KEY`). API: `strict: true`. See [Seeds that know the schema](schema-seeding.md#the-plans-foreign-key-check).',
  },
  {
    name: 'role',
    value: '<name>',
    summary: 'Also grant this role what seeding needs on the ledger (no CREATE, no ownership)',
    commands: ['ledger-sql'],
    details: 'The role the printed GRANTs are for: the role seedbed connects as in production.',
  },
  {
    name: 'write-env',
    value: '<file>',
    summary: "start, url: also write DATABASE_URL, password included, into this file (the app's .env.local, say)",
    commands: ['db'],
    details:
      'The line `DATABASE_URL=...` is replaced when the file has one, else added; the file is made readable by its owner alone (mode 0600). The URL printed hides the password; see [docs/first-hour.md](first-hour.md#the-embedded-database-for-your-app-seedbed-db).',
  },
  { name: 'help', summary: 'Display this message', commands: ALL, builtIn: true, details: 'Every task: its flags.' },
]

/** Flags of `seedbed` itself, before any task: `seedbed --version`. */
export const GLOBAL_FLAGS: readonly { name: string; short: string; summary: string }[] = [
  { name: 'version', short: 'v', summary: "Print seedbed's version" },
]

/** Registers GLOBAL_FLAGS on the CLI. */
export function registerGlobalFlags(cli: CAC): void {
  for (const flag of GLOBAL_FLAGS) cli.option(`-${flag.short}, --${flag.name}`, flag.summary)
}

/** `--name <value>`, as cac takes it and `--help` prints it. */
export function flagUsage(flag: Flag): string {
  return `--${flag.name}${flag.value ? ` ${flag.value}` : ''}`
}

/** The `--help` line: the summary, then the default and the variable. */
export function flagHelp(flag: Flag): string {
  const env = flag.env && `env ${flag.env}${flag.envValue ? `=${flag.envValue}` : ''}`
  const extra = [flag.default && `default ${flag.default}`, env].filter(Boolean)
  return extra.length ? `${flag.summary} (${extra.join('; ')})` : flag.summary
}

/** The flags a task has, in the order `--help` lists them. */
export function flagsOf(command: CommandName): Flag[] {
  return flags.filter((f) => f.commands.includes(command))
}

/** Registers the task's flags on its cac command; returns the command for chaining. */
export function registerFlags(cmd: Command, command: CommandName): Command {
  for (const flag of flagsOf(command)) if (!flag.builtIn) cmd.option(flagUsage(flag), flagHelp(flag))
  return cmd
}

/** A built-in task's cac command, with its arguments, summary and flags from the data above. */
export function defineTask(cli: CAC, name: keyof typeof TASKS): Command {
  const { args, summary } = TASKS[name]
  return registerFlags(cli.command(args ? `${name} ${args}` : name, summary), name)
}
