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

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'CONNECT_TIMEOUT', 'ECONNRESET'])

/** The server ended the connection (an administrator, a crash, a shutdown) or the socket closed under it. */
const LOST_CODES = new Set(['57P01', '57P02', 'CONNECTION_CLOSED', 'CONNECTION_ENDED'])

/** Where a connection was headed, without its password. */
export interface Target {
  host?: string
  port?: number
  user?: string
  database?: string
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
  const make = (code: ErrorCode, message: string, hint: string) => new SeedbedError(code, prefix + message, { ...base, hint })
  const detail = e.detail ? ` (${e.detail})` : ''
  const t = context.target ?? {}
  const where = `${t.host ?? e.address ?? 'localhost'}:${t.port ?? e.port ?? 5432}`

  switch (e.code) {
    case '23505':
      return make(
        codes.UNIQUE_VIOLATION,
        `unique violation on table ${table}, constraint ${e.constraint_name}${detail}`,
        'make the write idempotent: ON CONFLICT on that constraint (ctx.upsert with conflict: [...]) instead of a plain INSERT',
      )
    case '23503':
      return make(
        codes.FOREIGN_KEY_VIOLATION,
        `foreign key violation on table ${table}, constraint ${e.constraint_name}${detail}`,
        'the referenced rows come from another seed: declare it in dependsOn so it runs first',
      )
    case '23502':
      return make(
        codes.NOT_NULL_VIOLATION,
        `null value in column ${e.column_name} of table ${table}`,
        'give that column a value in the seed, or a default in the schema',
      )
    case '23514':
      return make(
        codes.CHECK_VIOLATION,
        `check constraint ${e.constraint_name} on table ${table} rejected a row${detail}`,
        'change the seeded value so it satisfies the constraint',
      )
    case '42P01':
      return make(
        codes.MISSING_TABLE,
        e.message ?? 'relation does not exist',
        'apply the schema first: `make fresh`, or `seed --apply-schema`',
      )
    case '42703':
      return make(
        codes.MISSING_COLUMN,
        e.message ?? 'column does not exist',
        'the schema and the seed disagree: update one of them, or run `make fresh`',
      )
    case '28P01':
    case '28000':
      return make(
        codes.AUTH,
        `authentication failed for user '${t.user ?? '?'}' at ${where}`,
        'check the user and password in DATABASE_URL',
      )
    case '42501': {
      const denied = deniedError(e, t.user, seed)
      if (denied) return denied
      break
    }
    case '57014':
    case '55P03':
    case '25P03':
    case '25P04': {
      const cancel = serverCancel(e)
      if (cancel) return make(cancel.code, cancel.message, cancel.hint)
      break
    }
    case '53100':
      return make(
        codes.DISK_FULL,
        `the server's disk is full: ${e.message}${detail}; the transaction was rolled back`,
        "free space on the server's data disk (or the tablespace's), then run again: nothing of this seed was kept",
      )
    case '57P03':
      return make(
        codes.SERVER_NOT_READY,
        `PostgreSQL at ${where} is not accepting connections yet: ${e.message}`,
        'wait until it does (`pg_isready` says so: it is starting up, shutting down or recovering) and run again; `--max-retries <n>` retries the first connection',
      )
    case '3D000':
      return make(
        codes.DATABASE_MISSING,
        `database '${t.database ?? '?'}' does not exist at ${where}`,
        'create it (createdb) or fix the database name in DATABASE_URL',
      )
  }
  if (e.code === 'CONNECTION_DESTROYED') {
    // Only seedbed's own shutdown destroys its pool: the run is being interrupted.
    return make(codes.INTERRUPTED, 'stopped by an interrupt; its transaction was rolled back', 'run again')
  }
  if (e.code && LOST_CODES.has(e.code)) {
    return make(
      codes.CONNECT,
      `lost the connection to PostgreSQL at ${where}: ${e.message ?? e.code} (${e.code})`,
      'what committed before stays committed (the summary lists it); see the server log for why it ended the connection, then run again: committed seeds are skipped',
    )
  }
  if (e.code && CONNECT_CODES.has(e.code)) {
    return make(
      codes.CONNECT,
      `cannot reach PostgreSQL at ${where} (${e.code})`,
      'start the server, check host and port in DATABASE_URL, or unset DATABASE_URL to use the embedded PostgreSQL',
    )
  }
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    return make(codes.SQL_ERROR, `${e.message}${detail} [SQLSTATE ${e.code}]`, 'fix the SQL in the seed')
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
function serverCancel(e: DriverError): { code: ErrorCode; message: string; hint: string } | undefined {
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
