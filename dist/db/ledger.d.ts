import type postgres from 'postgres';
import type { LoadedSeed } from '../contract/contract.js';
import type { SeedReport } from '../contract/types.js';
/**
 * seedbed's own record, in a schema of its own: one row per run (the audit log) and one per
 * seed per run. A seed's row is written inside the seed's transaction, so the ledger and the
 * data never disagree: a seed that rolled back has no `succeeded` row.
 */
export declare const LEDGER_SCHEMA = "seedbed";
export declare function ensureLedger(sql: postgres.Sql): Promise<void>;
/**
 * Opens a run. Runs still `running` are from processes that died (this one holds the lock, so
 * no other is running): they are closed as `abandoned` first.
 */
export declare function startRun(sql: postgres.Sql, command: string, environment: string, args: readonly string[]): Promise<number>;
export declare function finishRun(sql: postgres.Sql, runId: number, status: string): Promise<void>;
/** The seed's ledger row; call it inside the seed's transaction (or after a failure, outside). */
export declare function recordSeed(sql: postgres.Sql | postgres.TransactionSql, runId: number, seed: LoadedSeed, report: Omit<SeedReport, 'name' | 'level' | 'rowsPerSecond' | 'attempts'>): Promise<void>;
export interface SeedState {
    seed: string;
    checksum: string;
    finishedAt: Date;
}
/**
 * Each seed's last success since the last `fresh` (which dropped the data the earlier ones wrote).
 * Returns an empty map when the ledger does not exist yet.
 */
export declare function lastSuccesses(sql: postgres.Sql): Promise<Map<string, SeedState>>;
export interface RunRow {
    id: number;
    command: string;
    environment: string;
    os_user: string;
    host: string;
    git_commit: string | null;
    started_at: Date;
    ended_at: Date | null;
    status: string;
}
export declare function lastRuns(sql: postgres.Sql, limit?: number): Promise<RunRow[]>;
