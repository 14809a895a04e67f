import type postgres from 'postgres'

/**
 * A seed's session state ends with the seed. `SET` without LOCAL, `SET ROLE` and `SET SESSION
 * AUTHORIZATION` inside the seed's transaction outlive its COMMIT: on the pool's connection they
 * would reach the next seed (an upsert into another schema, as another role), and behind a
 * transaction-mode pooler every later client of that server connection. A rollback undoes them by
 * itself, so only a seed about to commit needs this.
 *
 * The state is read at the seed's start (pipelined with its first statement) and put back before
 * the ledger is written: the session user, the role, and every setting whose value came from a
 * `SET` in the session. Settings the session had before the seed (the caller's, seedbed's own)
 * come back to those values; the others go back to what `RESET` gives (the server's, the
 * database's or role's, the connection's startup value). `RESET ALL` would do neither for the role
 * nor for the session user, and would drop what the session had set before the seed.
 */
export interface SessionState {
  authorization: string
  role: string
  /** Settings whose source is the session, by name, in their base units. */
  settings: string
}

/** The transaction's own characteristics: they end with it (and cannot be set once it has run a statement). */
const TRANSACTION = ['transaction_isolation', 'transaction_read_only', 'transaction_deferrable']

/** The session's state now (inside the seed's transaction, before its first statement). */
export function readSession(tx: postgres.TransactionSql): Promise<SessionState> {
  return tx<[SessionState]>`
    SELECT current_setting('session_authorization') AS authorization, current_setting('role') AS role,
      (SELECT coalesce(json_object_agg(name, setting), '{}')::text FROM pg_settings WHERE source = 'session' AND name NOT IN ${tx(TRANSACTION)}) AS settings`.then(
    ([row]) => row,
  )
}

/** Puts the session's state back as `before` read it; one round trip (the three statements are pipelined). */
export async function restoreSession(tx: postgres.TransactionSql, before: SessionState): Promise<void> {
  // The session user first: it decides which role may be set and which settings.
  await Promise.all([
    tx`SELECT set_config('session_authorization', ${before.authorization}, false)
       WHERE current_setting('session_authorization') <> ${before.authorization}`,
    tx`SELECT set_config('role', ${before.role}, false) WHERE current_setting('role') <> ${before.role}`,
    tx`SELECT set_config(name, value, false) FROM (
         SELECT s.name, coalesce(b.value, s.reset_val) AS value
         FROM pg_settings s LEFT JOIN json_each_text(${before.settings}::text::json) b ON b.key = s.name
         WHERE (s.source = 'session' OR b.key IS NOT NULL) AND s.context IN ('user', 'superuser')
           -- not the transaction's own characteristics (isolation, read only, deferrable): they end with it
           AND s.name NOT IN ${tx(TRANSACTION)}
           AND s.setting IS DISTINCT FROM coalesce(b.value, s.reset_val)) AS changed`,
  ])
}
