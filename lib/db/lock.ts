import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'
import { sleep, within } from '../util/retry.ts'

/** One key for every seedbed run on a database (advisory locks are per database). */
export const LOCK_KEY = 0x5eedbed
/**
 * A transaction lock around the two checks that keep the advisory lock and the lease (lease.ts) apart,
 * and around the lease table's creation: it works through a pooler, as it lasts one transaction.
 */
export const DDL_KEY = LOCK_KEY + 1

/**
 * Whether a run holds an unexpired lease (lease.ts: a run through a transaction-mode pooler). Read
 * from the catalog first: a role that may not use the schema or read the table sees no lease rather
 * than failing on a table it never needed.
 */
async function leaseLive(conn: postgres.ReservedSql): Promise<boolean> {
  const [row] = await conn<[{ readable: boolean }]>`
    SELECT EXISTS (
      SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'seedbed' AND c.relname = 'lease'
        AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')) AS readable`
  if (!row.readable) return false
  const rows = await conn`SELECT 1 FROM seedbed.lease WHERE expires_at > clock_timestamp()`
  return rows.length > 0
}

export interface RunLock {
  /**
   * Fails with E_LOCK_LOST unless the lock is still held, checked from `sql` (a seed's transaction,
   * just before it commits): if an administrator terminated the lock's connection mid-run, no seed
   * commits without it.
   */
  assertHeld(sql: postgres.Sql | postgres.TransactionSql): Promise<void>
  release(): Promise<void>
}

/**
 * Holds a session advisory lock on a connection of its own for the whole run, so two deploys or
 * replicas never seed at once. A second run waits up to `timeoutMs`, then fails with
 * E_LOCK_TIMEOUT, or at once with the reason of `signal` (the run's) when it aborts. The lock
 * dies with its connection: a killed run never leaves it held.
 */
export async function acquireLock(sql: postgres.Sql, timeoutMs: number, log: Logger, signal?: AbortSignal): Promise<RunLock> {
  const conn = await sql.reserve()
  const deadline = Date.now() + timeoutMs
  let told = false
  try {
    for (;;) {
      // A run through a transaction-mode pooler holds a lease row instead: it counts as the lock. Both
      // checks run under DDL_KEY's transaction lock, as the lease is taken (lease.ts): never both at once.
      await conn`BEGIN`
      let got = false
      try {
        const [guard] = await conn<[{ ok: boolean }]>`SELECT pg_try_advisory_xact_lock(${DDL_KEY}) AS ok`
        if (guard.ok) {
          const [row] = await conn<[{ ok: boolean }]>`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`
          got = row.ok && !(await leaseLive(conn))
          if (row.ok && !got) await conn`SELECT pg_advisory_unlock(${LOCK_KEY})`
        }
      } finally {
        await conn`COMMIT`
      }
      if (got) break
      if (!told) {
        const holder = await conn`
          SELECT a.pid, a.application_name, a.client_addr::text AS addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.objid = ${LOCK_KEY} AND l.granted
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1`
        log.info(
          `waiting for another seedbed run to finish${holder[0] ? ` (backend pid ${holder[0].pid})` : ''}, up to ${Math.round(timeoutMs / 1000)} s`,
        )
        told = true
      }
      if (Date.now() >= deadline) {
        throw new SeedbedError(
          codes.LOCK_TIMEOUT,
          `another seedbed run held the lock on this database for more than ${Math.round(timeoutMs / 1000)} s`,
          {
            hint: 'wait for it to finish, or raise --lock-timeout (SEEDBED_LOCK_TIMEOUT)',
          },
        )
      }
      await sleep(Math.min(250, Math.max(10, deadline - Date.now())), signal)
    }
  } catch (err) {
    conn.release()
    throw err
  }
  const [{ pid }] = await conn<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`
  return {
    async assertHeld(sql) {
      const [row] = await sql<[{ held: boolean }]>`
        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = ${LOCK_KEY} AND granted AND pid = ${pid}) AS held`
      if (!row.held) {
        throw new SeedbedError(
          codes.LOCK_LOST,
          'the run lost its lock (its connection was closed or terminated); the seed was rolled back',
          {
            hint: 'run again: seeds that committed before are kept, the rest will run',
          },
        )
      }
    },
    async release() {
      // A terminated lock connection must not hang the end of the run: the lock is gone with it.
      await within(
        conn`SELECT pg_advisory_unlock(${LOCK_KEY})`.catch(() => undefined),
        2000,
      )
      conn.release()
    },
  }
}
