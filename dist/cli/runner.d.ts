import type { TaskContext } from '../execution/task.js';
/** A task a project adds in its tasks.ts. */
export interface TaskDefinition {
    /** One line for `--help`. */
    description: string;
    /** Positional arguments in cac's syntax, e.g. `<tenant> [others...]`. */
    args?: string;
    /** Extra flags: `{ '--limit <n>': 'How many rows' }`. The common flags (--env, --json...) are always there. */
    flags?: Record<string, string>;
    /** Open the database (default true): DATABASE_URL or the embedded PostgreSQL, as for `seed`. */
    database?: boolean;
    /** Hold the run lock while the task runs (default true when it opens the database). */
    lock?: boolean;
    /**
     * The task. What it returns is printed: as JSON with `--json`, else strings as they are and other
     * values as JSON. Throw a SeedbedError for a coded failure; any other error is exit code 1.
     */
    run(ctx: TaskContext): Promise<unknown> | unknown;
}
export type TaskDefinitions = Record<string, TaskDefinition>;
/**
 * Runs the task named on the command line: a built-in one (seed, fresh, validate, plan, status, new,
 * init) or one of `custom`. Prints, then exits the process with the task's exit code: call it last,
 * from the CLI or a project's tasks.ts.
 *
 * ```ts
 * // tasks.ts
 * import { tasks } from 'seedbed/tasks'
 *
 * await tasks({
 *   'count-users': {
 *     description: 'Print how many users there are',
 *     async run({ sql }) {
 *       const [{ n }] = await sql`SELECT count(*)::int AS n FROM users`
 *       return `${n} users`
 *     },
 *   },
 * })
 * ```
 */
export declare function runTasks(custom?: TaskDefinitions, argv?: readonly string[]): Promise<never>;
