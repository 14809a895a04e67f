import type postgres from 'postgres'

/**
 * What stands between seedbed and the server. `transaction`: a pooler that lends a server
 * connection for one transaction only (PgBouncer `pool_mode = transaction`, Supabase's and Neon's
 * poolers, RDS Proxy): no session state survives a transaction (advisory locks, prepared
 * statements, temporary tables). `session` and `none` keep one server connection per client
 * connection, so seedbed works as it does on a direct connection.
 */
export type PoolerMode = 'transaction' | 'session' | 'none'
export type PoolerSetting = PoolerMode | 'auto'

export const POOLER_SETTINGS: readonly PoolerSetting[] = ['auto', 'transaction', 'session', 'none']

type Probe = postgres.RowList<{ pid: number }[]>

// Unnamed statements: a named one would not be found on the next server connection.
const probe = (conn: postgres.ReservedSql): Promise<Probe> =>
  conn.unsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid', [], { prepare: false })

/**
 * Tells a pooler from a direct connection by the connection's cancel key. At start-up a server
 * sends the client its backend's pid and secret (BackendKeyData, postgres.js `result.state`) for
 * cancel requests; `pg_backend_pid()` is that same pid on a direct connection. A pooler cannot hand
 * its clients the key of one server connection, since it lends them several and must route each
 * cancel itself: PgBouncer, Odyssey, pgcat, Supavisor and RDS Proxy send a key of their own. So:
 * the same pid is a direct connection, for certain, whatever else runs on the server; another pid
 * is a pooler, taken as `transaction` (the safe reading: prepared statements off and a lease as the
 * lock; a session-mode pooler works that way too, and `SEEDBED_POOLER=session` says it is one).
 *
 * Only a server that sends no key at all (not PostgreSQL itself) leaves room for guessing: then
 * two connections are compared, as in {@link sharedBackend}.
 */
export async function detectPooler(sql: postgres.Sql): Promise<PoolerMode> {
  const a = await sql.reserve()
  try {
    const seen = await probe(a)
    const key = seen.state?.pid
    if (typeof key === 'number' && key !== 0) return key === seen[0]!.pid ? 'none' : 'transaction'
    return sql.options.max >= 2 && (await sharedBackend(sql, a, seen[0]!.pid)) ? 'transaction' : 'none'
  } finally {
    a.release()
  }
}

/**
 * A's backend pid read, B opens a transaction and reads its pid, A reads again: directly, B's pid
 * differs from A's and A's is the same twice; through a transaction pooler B usually gets A's idle
 * server connection (then A must move to another). A heuristic: a pooler with several idle server
 * connections handed round robin shows neither.
 */
async function sharedBackend(sql: postgres.Sql, a: postgres.ReservedSql, first: number): Promise<boolean> {
  const b = await sql.reserve()
  try {
    await b.unsafe('BEGIN', [], { prepare: false })
    try {
      const other = (await probe(b))[0]!.pid
      const again = (await probe(a))[0]!.pid
      return other === first || again !== first
    } finally {
      await b.unsafe('COMMIT', [], { prepare: false })
    }
  } finally {
    b.release()
  }
}
