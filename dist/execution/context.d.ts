import type postgres from 'postgres';
import type { SeedContext } from '../contract/contract.js';
import type { SeedCounts } from '../contract/types.js';
import type { Logger } from '../output/log.js';
import type { ProgressTick } from '../output/progress.js';
export interface ContextOptions {
    /** The seed's name: keys its faker sequence. */
    seed: string;
    env: string;
    /** Multiplier for `scaled()` row counts (default 1). */
    scale?: number;
    /** Receives rows sent by `copy`/`load`, for the progress line. */
    progress?: ProgressTick;
}
/** A seed's context and the running tally its helpers add to. */
export declare function createContext(sql: postgres.TransactionSql, log: Logger, options: ContextOptions): {
    ctx: SeedContext;
    counts: SeedCounts;
};
