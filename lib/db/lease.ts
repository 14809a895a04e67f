import { randomUUID } from 'node:crypto'
import os from 'node:os'
import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'
import { sleep, within } from '../util/retry.ts'
import { ensureLeaseRecord } from './ledger.ts'
import { DDL_KEY, LOCK_KEY, type RunLock } from './lock.ts'

/** The lease table (part of the ledger: `ledger-sql` creates and grants it), created if missing. */
export async function ensureLeaseTable(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${DDL_KEY})`
    await ensureLeaseRecord(tx)
  })
}

export interface LeaseOptions {
  /** How long the lease lasts unless renewed; a heartbeat renews it every third of it. */
  leaseMs: number
  /** How long to wait for another run's lease: then E_LOCK_TIMEOUT. */
  timeoutMs: number
  log: Logger
  signal?: AbortSignal
}

/**
 * The run lock behind a transaction-mode pooler, where a session advisory lock would land on
 * whichever server connection served that statement. A row in `seedbed.lease` names the run
 * holding it and when the lease expires; the run renews it on a heartbeat, and a run that was
 * killed stops renewing, so the next one takes it over once it expired: never later than
 * `leaseMs` after the kill. Every statement is a transaction of its own and uses the server's
 * clock, so it works through any pooler and from several machines.
 */
export async function acquireLease(sql: postgres.Sql, options: LeaseOptions): Promise<RunLock> {
  const { leaseMs, timeoutMs, log, signal } = options
  const holder = `${os.hostname()} pid ${process.pid} ${randomUUID().slice(0, 8)}`
  const interval = `${leaseMs} milliseconds`
  await ensureLeaseTable(sql)
  const deadline = Date.now() + timeoutMs
  let told = false
  for (;;) {
    // Taken when there is no lease or it expired; a run holding the advisory lock on a direct
    // connection (another machine configured with DIRECT_DATABASE_URL) counts as holding it too.
    // Under the same transaction lock as the advisory lock's check of the lease (lock.ts), so the two
    // checks cannot both pass at once.
    const taken = await sql.begin(async (tx) => {
      // Tried, never waited for: a transaction blocked here would hold one of the pooler's few server
      // connections, which the running seeds need. Busy means "not this time".
      const [guard] = await tx<[{ ok: boolean }]>`SELECT pg_try_advisory_xact_lock(${DDL_KEY}) AS ok`
      if (!guard.ok) return []
      return tx`
      INSERT INTO seedbed.lease AS l (id, holder, expires_at)
      SELECT 1, ${holder}, clock_timestamp() + ${interval}::interval
      WHERE NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = ${LOCK_KEY} AND granted AND database = (
        SELECT oid FROM pg_database WHERE datname = current_database()))
      ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, acquired_at = clock_timestamp(), expires_at = excluded.expires_at
      WHERE l.expires_at < clock_timestamp()
      RETURNING 1`
    })
    if (taken.length) break
    if (!told) {
      const [other] = await sql<{ holder: string; left: number }[]>`
        SELECT holder, ceil(extract(epoch FROM expires_at - clock_timestamp()))::int AS left FROM seedbed.lease`
      log.info(
        `waiting for another seedbed run to finish${other ? ` (lease held by ${other.holder}, expires in ${other.left} s unless renewed)` : ''}, up to ${Math.round(timeoutMs / 1000)} s`,
      )
      told = true
    }
    if (Date.now() >= deadline) {
      throw new SeedbedError(
        codes.LOCK_TIMEOUT,
        `another seedbed run held the lease on this database for more than ${Math.round(timeoutMs / 1000)} s`,
        {
          hint: 'wait for it to finish (a killed run lets go when its lease expires), or raise --lock-timeout (SEEDBED_LOCK_TIMEOUT)',
        },
      )
    }
    await sleep(Math.min(250, Math.max(10, deadline - Date.now())), signal)
  }

  let lost = false
  let beating: Promise<unknown> = Promise.resolve()
  const heartbeat = setInterval(
    () => {
      beating = sql`
      UPDATE seedbed.lease SET expires_at = clock_timestamp() + ${interval}::interval
      WHERE holder = ${holder} AND expires_at > clock_timestamp() RETURNING 1`.then(
        (rows) => {
          if (!rows.length && !lost) {
            lost = true
            log.warn('the run lost its lease (it expired before the heartbeat renewed it): no further seed will commit')
          }
        },
        (err: Error) => log.warn(`renewing the lease failed (retried in ${Math.round(leaseMs / 3000)} s): ${err.message}`),
      )
    },
    Math.max(250, Math.floor(leaseMs / 3)),
  )
  // The heartbeat never keeps a finished process alive; release() clears it.
  heartbeat.unref()

  return {
    async assertHeld(tx) {
      // FOR SHARE: a run taking the lease over (an UPDATE of this row) waits until this seed's
      // transaction ends, so no seed of ours commits after another run started.
      const rows = await tx`SELECT 1 FROM seedbed.lease WHERE holder = ${holder} AND expires_at > clock_timestamp() FOR SHARE`
      if (!rows.length) {
        throw new SeedbedError(
          codes.LOCK_LOST,
          'the run lost its lease (it expired or another run took it over); the seed was rolled back',
          {
            hint: 'run again: seeds that committed before are kept, the rest will run; if the heartbeat cannot keep up, raise SEEDBED_LEASE',
          },
        )
      }
    },
    async release() {
      clearInterval(heartbeat)
      await within(beating, 2000)
      await within(
        sql`DELETE FROM seedbed.lease WHERE holder = ${holder}`.catch(() => undefined),
        2000,
      )
    },
  }
}
