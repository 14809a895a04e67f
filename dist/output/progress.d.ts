import type { Logger } from './log.js';
/** Receives a seed's running row count from the COPY helpers. */
export type ProgressTick = (rows: number) => void;
export interface ProgressReporter {
    /** A tick function for one seed; `end` it when the seed finishes. */
    start(seed: string): {
        tick: ProgressTick;
        end(): void;
    };
}
export interface ProgressOptions {
    log: Logger;
    /**
     * A terminal gets one live line rewritten in place; anything else (CI, `--json`, a pipe) gets a
     * plain log line per seed every `intervalMs`.
     */
    live: boolean;
    stream?: NodeJS.WritableStream;
    intervalMs?: number;
}
/** Shows rows done and rows per second for loads in progress. */
export declare function createProgress(options: ProgressOptions): ProgressReporter;
