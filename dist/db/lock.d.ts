import type postgres from 'postgres';
import type { Logger } from '../output/log.js';
/** One key for every seedbed run on a database (advisory locks are per database). */
export declare const LOCK_KEY = 99539949;
export interface RunLock {
    /**
     * Fails with E_LOCK_LOST unless the lock is still held, checked from `sql` (a seed's transaction,
     * just before it commits): if an administrator terminated the lock's connection mid-run, no seed
     * commits without it.
     */
    assertHeld(sql: postgres.Sql | postgres.TransactionSql): Promise<void>;
    release(): Promise<void>;
}
/**
 * Holds a session advisory lock on a connection of its own for the whole run, so two deploys or
 * replicas never seed at once. A second run waits up to `timeoutMs`, then fails with
 * E_LOCK_TIMEOUT. The lock dies with its connection: a killed run never leaves it held.
 */
export declare function acquireLock(sql: postgres.Sql, timeoutMs: number, log: Logger): Promise<RunLock>;
