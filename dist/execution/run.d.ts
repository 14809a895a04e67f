import type postgres from 'postgres';
import type { LoadedSeed } from '../contract/contract.js';
import type { RunResult, SeedReport } from '../contract/types.js';
import type { Logger } from '../output/log.js';
import { type Target } from '../errors/pg-errors.js';
import type { ProgressReporter } from '../output/progress.js';
/** Where a run's seeds are recorded; `succeeded` is called inside the seed's transaction. */
export interface LedgerHooks {
    succeeded(tx: postgres.TransactionSql, seed: LoadedSeed, report: SeedReport): Promise<void>;
    failed(seed: LoadedSeed, report: SeedReport): Promise<void>;
}
export interface ExecuteOptions {
    sql: postgres.Sql;
    levels: readonly (readonly LoadedSeed[])[];
    /** Seeds of one level running at once; never more than the pool has connections. */
    concurrency: number;
    log: Logger;
    env: string;
    /**
     * `seed` commits each seed; `validate` runs only validate functions, read-only; `dry-run` runs
     * every seed for real in one transaction (a savepoint each, so later seeds see earlier ones'
     * rows) and rolls it all back.
     */
    mode?: 'seed' | 'validate' | 'dry-run';
    /** Where the connection goes, for error messages (never holds a password). */
    target?: Target;
    /** Multiplier for `ctx.scaled()` (default 1). */
    scale?: number;
    /** Shows rows per second of COPY loads while they run. */
    progress?: ProgressReporter;
    /** Cancels the run (global timeout, interrupt): running seeds are cancelled and rolled back. */
    signal?: AbortSignal;
    /** A seed's time limit in ms when it declares none (0: none). */
    seedTimeoutMs?: number;
    /** Retries of a seed after a transient failure (default 0). */
    maxRetries?: number;
    ledger?: LedgerHooks;
}
/**
 * Runs the levels in order, the seeds of a level concurrently (bounded by `concurrency`), each in
 * its own transaction with its validate function before commit. After a failure the seeds
 * already running finish, nothing else starts, and what never ran is reported `not_executed`.
 * Transient failures are retried with backoff; a timeout or the run's signal cancels the running
 * queries and rolls back. Never throws for a seed's failure: the result says what happened.
 */
export declare function executeLevels(options: ExecuteOptions): Promise<RunResult>;
