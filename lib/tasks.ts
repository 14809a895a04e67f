/**
 * `seedbed/tasks`: the task runner for a project's own `tasks.ts`, the single file that holds the
 * built-in tasks (seed, fresh, plan, validate, status, new, init) and the project's own.
 *
 * ```ts
 * // tasks.ts — run with `npx seedbed <task>` (which runs this file) or `npx tsx tasks.ts <task>`
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
import { runTasks, type TaskDefinition, type TaskDefinitions } from './cli/runner.ts'

export type { TaskContext } from './execution/task.ts'
export type { TaskDefinition, TaskDefinitions }

/** Runs the task named on the command line, then exits with its code. Call it last in tasks.ts. */
export const tasks = (custom: TaskDefinitions = {}): Promise<never> => runTasks(custom)

/** Type-checks one task definition (an identity function). */
export const defineTask = (task: TaskDefinition): TaskDefinition => task
