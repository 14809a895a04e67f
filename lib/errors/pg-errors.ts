import { codes, SeedbedError, type ErrorCode } from './errors.ts'
import { stackLocation } from './location.ts'
import { deniedError } from './permission.ts'

/** The fields postgres.js puts on server errors (PostgresError) and on network errors. */
interface DriverError {
  code?: string
  message?: string
  detail?: string
  query?: string
  table_name?: string
  column_name?: string
  constraint_name?: string
  schema_name?: string
  address?: string
  port?: number
}

/** Where a connection was headed, without its password. */
export interface Target {
  host?: string
  port?: number
  user?: string
  database?: string
}

/** What a driver error is about, for the builders of {@link BY_CODE}. */
interface Facts {
  e: DriverError
  /** `schema.table` (`table` alone in public), when the server names one. */
  table?: string
  /** ` (<the server's detail>)`, or nothing. */
  detail: string
  /** `host:port` the connection was headed for. */
  where: string
  target: Target
}

/** A SeedbedError's code, message (after the seed's name) and hint. */
type Made = { code: ErrorCode; message: string; hint: string }

const lost = ({ e, where }: Facts): Made => ({
  code: codes.CONNECT,
  message: `lost the connection to PostgreSQL at ${where}: ${e.message ?? e.code} (${e.code})`,
  hint: 'what committed before stays committed (the summary lists it); see the server log for why it ended the connection, then run again: committed seeds are skipped',
})

const unreachable = ({ e, where }: Facts): Made => ({
  code: codes.CONNECT,
  message: `cannot reach PostgreSQL at ${where} (${e.code})`,
  hint: 'start the server, check host and port in DATABASE_URL, or unset DATABASE_URL to use the embedded PostgreSQL',
})

const auth = ({ target, where }: Facts): Made => ({
  code: codes.AUTH,
  message: `authentication failed for user '${target.user ?? '?'}' at ${where}`,
  hint: 'check the user and password in DATABASE_URL',
})

/**
 * Per driver error code (a SQLSTATE, or postgres.js's and Node's own): the SeedbedError it becomes.
 * A builder that returns nothing leaves the error to the generic E_SQL (or E_SEED_FAILED).
 */
const BY_CODE: Readonly<Record<string, (f: Facts) => Made | undefined>> = {
  '23505': ({ table, e, detail }) => ({
    code: codes.UNIQUE_VIOLATION,
    message: `unique violation on table ${table}, constraint ${e.constraint_name}${detail}`,
    hint: 'make the write idempotent: ON CONFLICT on that constraint (ctx.upsert with conflict: [...]) instead of a plain INSERT',
  }),
  '23503': ({ table, e, detail }) => ({
    code: codes.FOREIGN_KEY_VIOLATION,
    message: `foreign key violation on table ${table}, constraint ${e.constraint_name}${detail}`,
    hint: 'the referenced rows come from another seed: declare it in dependsOn so it runs first',
  }),
  '23502': ({ table, e }) => ({
    code: codes.NOT_NULL_VIOLATION,
    message: `null value in column ${e.column_name} of table ${table}`,
    hint: 'give that column a value in the seed, or a default in the schema',
  }),
  '23514': ({ table, e, detail }) => ({
    code: codes.CHECK_VIOLATION,
    message: `check constraint ${e.constraint_name} on table ${table} rejected a row${detail}`,
    hint: 'change the seeded value so it satisfies the constraint',
  }),
  '42P01': ({ e }) => ({
    code: codes.MISSING_TABLE,
    message: e.message ?? 'relation does not exist',
    hint: 'create the table first: `seed --apply-schema` applies the schema files (schema/*.sql), or run the migrations that create it; else fix the table name (schema-qualify it when it is not on the search_path)',
  }),
  '42703': ({ e }) => ({
    code: codes.MISSING_COLUMN,
    message: e.message ?? 'column does not exist',
    hint: 'the schema and the seed disagree: fix the column name in the seed, or add the column (`seed --apply-schema` applies new schema files, or run the migrations that add it)',
  }),
  '28P01': auth,
  '28000': auth,
  '57014': ({ e }) => serverCancel(e),
  '55P03': ({ e }) => serverCancel(e),
  '25P03': ({ e }) => serverCancel(e),
  '25P04': ({ e }) => serverCancel(e),
  '53100': ({ e, detail }) => ({
    code: codes.DISK_FULL,
    message: `the server's disk is full: ${e.message}${detail}; the transaction was rolled back`,
    hint: "free space on the server's data disk (or the tablespace's), then run again: nothing of this seed was kept",
  }),
  '57P03': ({ e, where }) => ({
    code: codes.SERVER_NOT_READY,
    message: `PostgreSQL at ${where} is not accepting connections yet: ${e.message}`,
    hint: 'wait until it does (`pg_isready` says so: it is starting up, shutting down or recovering) and run again; `--max-retries <n>` retries the first connection',
  }),
  '3D000': ({ target, where }) => ({
    code: codes.DATABASE_MISSING,
    message: `database '${target.database ?? '?'}' does not exist at ${where}`,
    hint: 'create it (createdb) or fix the database name in DATABASE_URL',
  }),
  // Only seedbed's own shutdown destroys its pool: the run is being interrupted.
  CONNECTION_DESTROYED: () => ({
    code: codes.INTERRUPTED,
    message: 'stopped by an interrupt; its transaction was rolled back',
    hint: 'run again',
  }),
  // The server ended the connection (an administrator, a crash, a shutdown) or the socket closed under it.
  ...Object.fromEntries(['57P01', '57P02', 'CONNECTION_CLOSED', 'CONNECTION_ENDED'].map((c) => [c, lost])),
  ...Object.fromEntries(
    ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'CONNECT_TIMEOUT', 'ECONNRESET'].map((c) => [c, unreachable]),
  ),
}

/**
 * Turns an error from the driver into a SeedbedError that names what it is about. `seed` is the
 * seed that was running, if any, and `file` its file: an error its own code threw names the line
 * of that file it came from and keeps its stack. A SeedbedError is returned unchanged.
 */
export function fromDriverError(err: unknown, context: { seed?: string; file?: string; target?: Target } = {}): SeedbedError {
  // seedbed's own errors from inside a seed (a helper's refusal) name the seed too.
  if (err instanceof SeedbedError) return context.seed && err.seed === undefined ? Object.assign(err, { seed: context.seed }) : err
  const e = (err ?? {}) as DriverError
  const seed = context.seed
  const prefix = seed ? `seed '${seed}': ` : ''
  const table = e.table_name ? (e.schema_name && e.schema_name !== 'public' ? `${e.schema_name}.${e.table_name}` : e.table_name) : undefined
  const base = { seed, table, constraint: e.constraint_name, sqlState: e.code, cause: err }
  const target = context.target ?? {}
  const where = `${target.host ?? e.address ?? 'localhost'}:${target.port ?? e.port ?? 5432}`
  if (e.code === '42501') {
    const denied = deniedError(e, target.user, seed)
    if (denied) return denied
  }
  const made =
    e.code && Object.hasOwn(BY_CODE, e.code)
      ? BY_CODE[e.code]!({ e, table, detail: e.detail ? ` (${e.detail})` : '', where, target })
      : undefined
  if (made) return new SeedbedError(made.code, prefix + made.message, { ...base, hint: made.hint })
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    return new SeedbedError(codes.SQL_ERROR, `${prefix}${e.message}${e.detail ? ` (${e.detail})` : ''} [SQLSTATE ${e.code}]`, {
      ...base,
      hint: 'fix the SQL in the seed',
    })
  }
  const message = err instanceof Error ? err.message : String(err)
  const location = context.file ? stackLocation(err, context.file) : undefined
  return new SeedbedError(codes.SEED_FAILED, prefix + message + (location ? ` at ${location.where}` : ''), {
    ...base,
    ...(location && { file: context.file, line: location.line, column: location.column }),
    ...(err instanceof Error && err.stack && { stack: err.stack }),
    hint: seed ? `fix the error in seed '${seed}'` : 'see the message above',
  })
}

/**
 * A statement the server itself ended, by one of its own settings or at another session's request:
 * which one, said with the setting to change. The SQLSTATEs are shared (57014 for a statement timeout
 * and a cancel request, 55P03 for lock_timeout and NOWAIT), so PostgreSQL's message tells them apart.
 * It is in English unless the server's lc_messages says otherwise: then a 57014 is E_STATEMENT_CANCELLED
 * naming both causes, and a 55P03 stays E_SQL. seedbed's own limits (--seed-timeout, --timeout) stop a
 * seed with E_TIMEOUT before its error is looked at (lib/execution/run.ts).
 */
function serverCancel(e: DriverError): Made | undefined {
  const said = e.message ?? ''
  const role = 'ALTER ROLE <seeding role> SET'
  if (e.code === '57014' && /statement timeout/.test(said)) {
    return {
      code: codes.STATEMENT_TIMEOUT,
      message: `the server cancelled a statement that ran longer than its statement_timeout (${said}); the seed's transaction was rolled back`,
      hint: `raise statement_timeout for the seeding role or database (${role} statement_timeout = '10min', or ALTER DATABASE ... RESET statement_timeout), or load fewer rows per statement; seedbed's own limit is --seed-timeout`,
    }
  }
  if (e.code === '55P03' && /lock timeout/.test(said)) {
    return {
      code: codes.SERVER_LOCK_TIMEOUT,
      message: `the server cancelled a statement that waited longer than its lock_timeout for a lock held by another session (${said}); the seed's transaction was rolled back`,
      hint: `find the session holding the lock (pg_locks, pg_stat_activity), or raise lock_timeout for the seeding role (${role} lock_timeout = '1min'), then run again`,
    }
  }
  if (e.code === '25P03') {
    return {
      code: codes.SERVER_IDLE_TIMEOUT,
      message: `the server closed the connection: the seed's transaction stayed idle longer than idle_in_transaction_session_timeout (${said}); it was rolled back`,
      hint: `raise idle_in_transaction_session_timeout for the seeding role (${role} idle_in_transaction_session_timeout = '10min'), or have the seed prepare its rows before it writes`,
    }
  }
  if (e.code === '25P04') {
    return {
      code: codes.TRANSACTION_TIMEOUT,
      message: `the server closed the connection: the seed's transaction ran longer than its transaction_timeout (${said}); it was rolled back`,
      hint: `raise transaction_timeout for the seeding role or database (${role} transaction_timeout = '30min'), or split the seed; seedbed's own limit is --seed-timeout`,
    }
  }
  if (e.code === '57014') {
    const request = /user request/.test(said)
    return {
      code: codes.STATEMENT_CANCELLED,
      message: `${request ? "another session cancelled the seed's statement (pg_cancel_backend, or an administrator)" : "the server cancelled the seed's statement (another session's pg_cancel_backend, or its statement_timeout)"} (${said}); the seed's transaction was rolled back`,
      hint: `find the session that calls pg_cancel_backend on seeding backends (pg_stat_activity; the server log with log_min_error_statement)${request ? '' : ', or raise statement_timeout for the seeding role'}, then run again`,
    }
  }
  return undefined
}
