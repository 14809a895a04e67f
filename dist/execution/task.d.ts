import type postgres from 'postgres';
import type { Settings } from '../config/config.js';
import type { Logger } from '../output/log.js';
/** What a project's own task receives (see `tasks()` in `seedbed/tasks`). */
export interface TaskContext {
    /**
     * A postgres.js pool on the run's database: DATABASE_URL, or the embedded PostgreSQL when it is
     * unset, exactly as for `seed`. Absent when the task declared `database: false`.
     */
    sql: postgres.Sql;
    /** The run's logger (redacting, `--json`/`--log-format` aware). */
    log: Logger;
    /** Every setting, resolved from flags, the environment's profile and defaults. */
    settings: Settings;
    /** Positional arguments after the task's name. */
    args: string[];
    /** The task's flags as parsed (camelCase keys). */
    flags: Record<string, unknown>;
    /** Aborted on Ctrl-C / SIGTERM: pass it on to long work so the task stops cleanly. */
    signal: AbortSignal;
}
export interface CustomTaskOptions {
    settings: Settings;
    log: Logger;
    args: string[];
    flags: Record<string, unknown>;
    signal: AbortSignal;
    /** Open the database (default true). */
    database: boolean;
    /** Hold the run lock while the task runs (default: when it opens the database). */
    lock: boolean;
}
/**
 * Runs a project's task with what `seed` has: the environment's settings, the embedded default,
 * the run lock (so a task never races a seeding run on the same database) and the logger.
 */
export declare function runCustomTask(options: CustomTaskOptions, run: (ctx: TaskContext) => Promise<unknown>): Promise<unknown>;
