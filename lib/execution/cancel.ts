import type postgres from 'postgres'

// `active` is postgres.js's own flag (3.4.9, pinned) for a query sent and not yet answered.
type Cancellable = { cancel(): unknown; active?: boolean }

// The most recent queries a seed started. A transaction runs its queries one after another on one
// connection, so the running one is among the last; keeping a bounded window keeps memory flat for
// seeds that issue millions of statements. (Observing completion with .then() would execute
// fragments that are meant to be nested in other queries: postgres.js queries are lazy.)
const WINDOW = 64

/**
 * Wraps a seed's transaction so that it can be stopped: every query it starts is tracked, and
 * `cancel(reason)` sends PostgreSQL a cancel request for the one still running (on a socket of its
 * own, so a full pool cannot delay it) and makes any later query fail with `reason`. The transaction
 * then rolls back: the server stops working on it instead of seedbed merely ceasing to wait.
 */
export function cancellable(tx: postgres.TransactionSql): { sql: postgres.TransactionSql; cancel(reason: Error): void } {
  const recent: Cancellable[] = []
  let stopped: Error | undefined
  const track = <T>(query: T): T => {
    const q = query as unknown as Cancellable
    if (q && typeof q.cancel === 'function') {
      recent.push(q)
      if (recent.length > WINDOW) recent.shift()
    }
    return query
  }
  const proxy = new Proxy(tx, {
    apply(target, thisArg, args: unknown[]) {
      const isQuery = Array.isArray(args[0]) && 'raw' in (args[0] as object)
      if (isQuery && stopped) throw stopped
      const result = Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args)
      return isQuery ? track(result) : result
    },
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver)
      if (key === 'unsafe' && typeof value === 'function') {
        return (...args: unknown[]) => {
          if (stopped) throw stopped
          return track(value.apply(target, args))
        }
      }
      return value
    },
  })
  return {
    sql: proxy,
    cancel(reason) {
      stopped = reason
      // Only the query the server is working on gets a CancelRequest: cancelling a fragment or a
      // query not sent yet would reject a promise nobody awaits.
      for (const q of recent) if (q.active) void Promise.resolve(q.cancel()).catch(() => undefined)
    },
  }
}
