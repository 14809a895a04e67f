import { type RunOptions } from './api.js';
import type { RunResult } from '../contract/types.js';
export interface StartupOptions extends RunOptions {
    /** Production is skipped unless this is set (its allow-list and secrets still apply). */
    allowProduction?: boolean;
    /** Folder of `.env` / `.env.<env>` (default: the working directory); false to load none. */
    envDir?: string | false;
}
export interface StartupOutcome {
    ran: boolean;
    /** Why seeding was skipped, when it was. */
    reason?: string;
    result?: RunResult;
}
/**
 * For an application's start-up: seeds only when the environment's profile says so
 * (SEEDBED_ON_STARTUP=true), never in production unless `allowProduction`, and only the seeds
 * that changed since their last success (plus what depends on them). Safe when several replicas
 * start at once: the run lock lets one seed while the others wait, then find nothing changed.
 * Never exits the process; configuration errors are thrown as SeedbedError.
 */
export declare function seedOnStartup(options?: StartupOptions): Promise<StartupOutcome>;
