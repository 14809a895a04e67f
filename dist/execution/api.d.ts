import type postgres from 'postgres';
import { type Settings } from '../config/config.js';
import type { LoadedSeed } from '../contract/contract.js';
import { type RunRow } from '../db/ledger.js';
import { type Logger } from '../output/log.js';
import type { RunResult } from '../contract/types.js';
import { type Excluded } from '../planning/select.js';
/**
 * Options of the programmatic API. Anything not given comes from the environment
 * (DATABASE_URL, SEEDBED_*) and then the defaults, exactly as for the CLI.
 */
export interface RunOptions extends Partial<Settings> {
    /** Use this postgres.js pool instead of opening one; it is left open. */
    sql?: postgres.Sql;
    /** Where to log; the API is silent unless given one. */
    logger?: Logger;
    /** Apply the schema folder's `.sql` files before seeding (they must be idempotent). */
    applySchema?: boolean;
    /**
     * Progress of COPY loads, through the logger: `live` rewrites one terminal line, `lines` logs
     * every 2 s. Default: none.
     */
    progress?: 'live' | 'lines';
    /** A run that writes to production needs this (the CLI sets it with --yes)... */
    confirmed?: boolean;
    /** ...or this to answer yes: asked once every other check has passed (the CLI's prompt). */
    confirm?: (env: string) => Promise<boolean>;
    /** `fresh` in production needs this as well. */
    force?: boolean;
    /** Stops the run: running seeds are cancelled and rolled back. */
    signal?: AbortSignal;
    /** The command line, recorded in the ledger. */
    argv?: readonly string[];
}
export interface Planned {
    settings: Settings;
    seeds: LoadedSeed[];
    /** Seeds left out by the environment or the allow-list, with why. */
    excluded: Excluded[];
    levels: LoadedSeed[][];
}
/** Discovers the seeds and plans their levels for the environment. Touches no database. */
export declare const plan: (options?: RunOptions) => Promise<Planned>;
/** Runs the seeds (all, or `only` and their dependencies). Seed failures are in the result. */
export declare const seed: (options?: RunOptions) => Promise<RunResult>;
/** Runs only the validate functions, each in a read-only transaction. */
export declare const validate: (options?: RunOptions) => Promise<RunResult>;
/** Drops the public schema, applies the schema files, then seeds. */
export declare const fresh: (options?: RunOptions) => Promise<RunResult>;
export interface Status {
    runs: RunRow[];
    seeds: {
        name: string;
        lastSucceeded: Date | null;
        file: 'changed' | 'unchanged' | 'never run';
    }[];
}
/** The last runs, and per seed when it last succeeded and whether its file changed since. */
export declare function status(options?: RunOptions): Promise<Status>;
