import type postgres from 'postgres'
import type { PoolerSetting } from '../config/config.ts'

/**
 * What stands between seedbed and the server. `transaction`: a pooler that lends a server
 * connection for one transaction only (PgBouncer `pool_mode = transaction`, Supabase's and Neon's
 * poolers, RDS Proxy): no session state survives a transaction (advisory locks, prepared
 * statements, temporary tables). `session` and `none` keep one server connection per client
 * connection, so seedbed works as it does on a direct connection.
 */
export type PoolerMode = 'transaction' | 'session' | 'none'
export type { PoolerSetting }

/**
 * Tells a pooler from a direct connection by the connection's cancel key. At start-up a server
 * sends the client its backend's pid and secret (BackendKeyData, postgres.js `result.state`) for
 * cancel requests; `pg_backend_pid()` is that same pid on a direct connection. A pooler cannot hand
 * its clients the key of one server connection, since it lends them several and must route each
 * cancel itself: PgBouncer, Odyssey, pgcat, Supavisor and RDS Proxy send a key of their own. So:
 * the same pid is a direct connection, for certain, whatever else runs on the server and whichever
 * server connection a pooler would lend. Another pid, or no key at all (not PostgreSQL itself), is
 * something in between, taken as `transaction`: the safe reading (prepared statements off and a
 * lease as the lock); a session-mode pooler works that way too, and `SEEDBED_POOLER=session` says
 * it is one.
 */
export async function detectPooler(sql: postgres.Sql): Promise<PoolerMode> {
  // An unnamed statement: a named one would not be found on the next server connection. The result's
  // state is the key of the connection that ran it.
  const seen = await sql.unsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid', [], { prepare: false })
  return seen.state?.pid === seen[0]!.pid ? 'none' : 'transaction'
}
