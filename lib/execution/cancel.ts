import postgres from 'postgres'
import { within } from '../util/retry.ts'

/**
 * A seed's transaction that can be stopped: once `stop(reason)` is called, every later use of it
 * (a query, a helper such as `sql(table)` or `sql.unsafe`) throws `reason`, so a seed body that
 * keeps going after its cancel cannot write on a connection that went back to the pool.
 */
export function guard(tx: postgres.TransactionSql): { sql: postgres.TransactionSql; stop(reason: Error): void } {
  let stopped: Error | undefined
  const sql = new Proxy(tx, {
    apply(target, thisArg, args: unknown[]) {
      if (stopped) throw stopped
      return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args)
    },
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (stopped) throw stopped
        return value.apply(target, args)
      }
    },
  })
  return {
    sql,
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
