import { readFileSync } from 'node:fs'
import postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import { transactionControl } from '../sql/statements.ts'
import { within } from '../util/retry.ts'

/** E_TRANSACTION_CONTROL for a statement of seed `seed` (lib/sql/statements.ts found it). */
function controlError(seed: string, statement: string): SeedbedError {
  return new SeedbedError(
    codes.TRANSACTION_CONTROL,
    `seed '${seed}' sent ${statement}: a seed runs in seedbed's transaction, which commits it whole or rolls it back; refused before it reached the server`,
    {
      seed,
      hint: 'remove it: the seed commits after run() (and validate) succeed; sql.savepoint(...) undoes part of a seed, several seeds commit in parts',
    },
  )
}

/** The text of the file `sql.file` is given, or undefined when it cannot be read. */
function readable(file: unknown): string | undefined {
  try {
    return readFileSync(file as string, 'utf8')
  } catch {
    return undefined
  }
}

/** A refusal's reason: an error, or made when a use is refused (so that its stack shows where). */
export type Refusal = Error | (() => Error)

/**
 * A seed's transaction as the seed sees it. Every statement is read before it is sent: one that
 * begins, ends or prepares a transaction (lib/sql/statements.ts) throws E_TRANSACTION_CONTROL, as
 * does `sql.prepare` (PREPARE TRANSACTION at commit); `sql.savepoint` hands its callback the same
 * guard. Once `stop(reason)` is called, every later use (a query, a helper such as `sql(table)` or
 * `sql.unsafe`) throws `reason`: a seed body that keeps going after its cancel, or a timer of a
 * seed that ended, cannot write on a connection that went back to the pool.
 */
export function guard(tx: postgres.TransactionSql, seed: string): { sql: postgres.TransactionSql; stop(reason: Refusal): void } {
  let stopped: Refusal | undefined
  const check = () => {
    if (stopped) throw typeof stopped === 'function' ? stopped() : stopped
  }
  const read = (text: unknown) => {
    const statement = typeof text === 'string' ? transactionControl(text) : undefined
    if (statement) throw controlError(seed, statement)
  }
  const wrap = (inner: postgres.TransactionSql): postgres.TransactionSql =>
    new Proxy(inner, {
      apply(target, thisArg, args: unknown[]) {
        check()
        const strings = args[0] as TemplateStringsArray | undefined
        if (Array.isArray(strings?.raw)) read(strings.join(' $0 '))
        return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args)
      },
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          check()
          if (key === 'unsafe') read(args[0])
          // The driver reads the file when the query runs; read here first (a missing file is its error to give).
          if (key === 'file') read(readable(args[0]))
          if (key === 'prepare') throw controlError(seed, 'PREPARE TRANSACTION (sql.prepare)')
          if (key === 'savepoint') {
            const at = args.findIndex((a) => typeof a === 'function')
            const fn = args[at] as (sp: postgres.TransactionSql) => unknown
            if (at >= 0) args[at] = (sp: postgres.TransactionSql) => fn(wrap(sp))
          }
          return value.apply(target, args)
        }
      },
    })
  return {
    sql: wrap(tx),
    stop(reason) {
      stopped ??= reason
    },
  }
}

/** Asks the server to cancel what backends are running. */
export interface Canceller {
  /** Resolves once the server was asked to cancel `pid`'s statement (or could not be reached). */
  cancel(pid: number): Promise<void>
}

/**
 * Cancels with `pg_cancel_backend(pid)`, the backend pid being read at the start of each seed's
 * transaction. The request goes over a short-lived connection of its own, opened only when a
 * cancel is needed, shared by all the seeds cancelled at that moment, and closed at once. Not a
 * pool connection: with every seed running, the pool has no free slot and a cancel must never
 * wait for one (that is the seed being cancelled). Not the lock connection either: validate and
 * dry runs take no lock, a caller's own pool has none, and an administrator may have terminated
 * it, which is exactly when the seeds must stop.
 */
export function createCanceller(sql: postgres.Sql): Canceller {
  let pending: { pids: number[]; done: Promise<void> } | undefined
  const flush = async (pids: number[]) => {
    const o = sql.options
    const settings: postgres.Options<Record<string, never>> = {
      // Several hosts go back in the `h1:p1,h2:p2` form postgres.js parses.
      host: o.host.length === 1 ? o.host[0] : o.host.map((h, i) => `${h}:${o.port[i]}`).join(','),
      port: o.port[0],
      path: o.path || undefined,
      database: o.database,
      user: o.user,
      // ParsedOptions types `pass` as null to keep it out of sight; at run time it holds the password.
      pass: (o as unknown as { pass?: string }).pass,
      ssl: o.ssl,
      target_session_attrs: o.target_session_attrs,
      connection: { ...o.connection, application_name: 'seedbed cancel' },
      max: 1,
      connect_timeout: 5,
      fetch_types: false,
      prepare: false,
      onnotice: () => {},
    }
    const conn = postgres(settings)
    try {
      await within(
        // As text: with fetch_types off, postgres.js would not send a JS array as int[].
        conn`SELECT pg_cancel_backend(pid) FROM unnest(string_to_array(${pids.join(',')}, ',')::int[]) AS pid`.catch(() => undefined),
        5000,
      )
    } finally {
      await conn.end({ timeout: 0 })
    }
  }
  return {
    cancel(pid) {
      if (!pending) {
        const pids: number[] = []
        // Seeds stopped by one abort are all told in the same turn: one connection for all of them.
        const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          pending = undefined
          return flush(pids).catch(() => undefined)
        })
        pending = { pids, done }
      }
      pending.pids.push(pid)
      return pending.done
    },
  }
}
