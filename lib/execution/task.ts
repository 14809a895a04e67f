import type postgres from 'postgres'
import type { Settings } from '../config/config.ts'
import type { Logger } from '../output/log.ts'
import { withRun } from './lifecycle.ts'

/** What a project's own task receives (see `tasks()` in `seedbed/tasks`). */
export interface TaskContext {
  /**
   * A postgres.js pool on the run's database: DATABASE_URL, or the embedded PostgreSQL when it is
   * unset, exactly as for `seed`. Absent when the task declared `database: false`.
   */
  sql: postgres.Sql
  /** The run's logger (redacting, `--json`/`--log-format` aware). */
  log: Logger
  /** Every setting, resolved from flags, the environment's profile and defaults. */
  settings: Settings
  /** Positional arguments after the task's name. */
  args: string[]
  /** The task's flags as parsed (camelCase keys). */
  flags: Record<string, unknown>
  /** Aborted on Ctrl-C / SIGTERM: pass it on to long work so the task stops cleanly. */
  signal: AbortSignal
}

export interface CustomTaskOptions {
  settings: Settings
  log: Logger
  args: string[]
  flags: Record<string, unknown>
  signal: AbortSignal
  /** Open the database (default true). */
  database: boolean
  /** Hold the run lock while the task runs (default: when it opens the database). */
  lock: boolean
}

/**
 * Runs a project's task with what `seed` has, through the same lifecycle: the environment's settings,
 * the embedded default, the run lock (so a task never races a seeding run on the same database; a
 * lease behind a transaction-mode pooler), the logger, and the run's signal (Ctrl-C stops a wait
 * for the lock as it stops a seed).
 */
export async function runCustomTask(options: CustomTaskOptions, run: (ctx: TaskContext) => Promise<unknown>): Promise<unknown> {
  const { settings, log, args, flags, signal } = options
  if (!options.database) return run({ sql: undefined as unknown as postgres.Sql, log, settings, args, flags, signal })
  return withRun({ signal }, { command: 'task', writes: false, lock: options.lock }, { settings, log }, (r) =>
    run({ sql: r.sql, log, settings, args, flags, signal: r.signal }),
  )
}
