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

const pidOf = async (conn: postgres.ReservedSql): Promise<number> => {
  // Unnamed statements: a named one would not be found on the next server connection.
  const [row] = await conn.unsafe<[{ pid: number }]>('SELECT pg_backend_pid() AS pid', [], { prepare: false })
  return row.pid
}

/**
 * Tells a transaction-mode pooler from a direct (or session-pooled) connection by which backend
 * serves two client connections A and B:
 *
 * 1. A reads its backend pid (one transaction), and its server connection goes back to the pool.
 * 2. B opens a transaction and reads its pid, holding its server connection.
 * 3. A reads its pid again.
 *
 * Directly, each client connection has a backend of its own: B's pid differs from A's and A's is
 * the same twice. Through a transaction pooler, B is lent an idle server connection, usually A's
 * (PgBouncer hands out the most recently used one first): then B sees A's pid; and if B got A's,
 * A must be served by another, so A's pid changes. A pooler that has several idle server
 * connections and hands B another one, then A its first again (round robin), shows neither:
 * that is the false negative left, and why `SEEDBED_POOLER=transaction` can be set explicitly.
 * Needs two free connections in `sql`'s pool.
 */
export async function detectPooler(sql: postgres.Sql): Promise<PoolerMode> {
  const a = await sql.reserve()
  try {
    const b = await sql.reserve()
    try {
      const first = await pidOf(a)
      await b.unsafe('BEGIN', [], { prepare: false })
      try {
        const other = await pidOf(b)
        const again = await pidOf(a)
        return other === first || again !== first ? 'transaction' : 'none'
      } finally {
        await b.unsafe('COMMIT', [], { prepare: false })
      }
    } finally {
      b.release()
    }
  } finally {
    a.release()
  }
}
