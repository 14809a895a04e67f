import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'
import { sleep, within } from '../execution/retry.ts'

/** One key for every seedbed run on a database (advisory locks are per database). */
export const LOCK_KEY = 0x5eedbed

/** Whether a run holds a live lease (lease.ts) on this database. */
async function leaseLive(conn: postgres.ReservedSql): Promise<boolean> {
  const [row] = await conn<[{ exists: boolean }]>`SELECT to_regclass('seedbed.lease') IS NOT NULL AS exists`
  if (!row.exists) return false
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
      const [row] = await conn<[{ ok: boolean }]>`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`
      // A run through a transaction-mode pooler holds a lease row instead: it counts as the lock.
      if (row.ok && !(await leaseLive(conn))) break
      if (row.ok) await conn`SELECT pg_advisory_unlock(${LOCK_KEY})`
      if (!told) {
        const holder = await conn`
          SELECT a.pid, a.application_name, a.client_addr::text AS addr FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.objid = ${LOCK_KEY} AND l.granted LIMIT 1`
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
