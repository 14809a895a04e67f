/**
 * seedbed's programmatic API: the same runner as the CLI, returning data and printing nothing
 * unless given a logger.
 *
 * ```ts
 * import { seed } from 'seedbed'
 * const result = await seed({ databaseUrl: process.env.DATABASE_URL, only: ['users'] })
 * if (!result.ok) process.exitCode = 1
 * ```
 *
 * Every seed file imports `defineSeed` from here, so this module stays light: the runner, the
 * driver, faker, bcrypt and prom-client load on first use of a function that needs them.
 */
import type * as Api from './execution/api.ts'
import type * as Metrics from './output/metrics.ts'
import type * as Startup from './execution/startup.ts'

export type { RunOptions, UndoResult } from './execution/api.ts'
export type { StartupOptions, StartupOutcome } from './execution/startup.ts'
export {
  defineSeed,
  type AnyTable,
  type ColumnOf,
  type ColumnOverride,
  type Seed,
  type SeedContext,
  type TableLoadOptions,
  type TableName,
  type TableOverrides,
  type TableRow,
  type TableRows,
  type Tables,
} from './contract/contract.ts'
export type {
  CopyRow,
  FakeCount,
  FakeOverride,
  FakeOverrides,
  FakePerParent,
  PlannedSeed,
  PlanResult,
  RunSummary,
  Status,
  LoadOptions,
  LoadResult,
  RowSource,
  RunResult,
  SeedCounts,
  SeedReport,
  SeedStatus,
  UpsertOptions,
  UpsertResult,
} from './contract/types.ts'
export { SeedbedError, codes, exitStatus, type ErrorCode } from './errors/errors.ts'
export { createLogger, type Logger, type LoggerLike } from './output/log.ts'
export { fakePerson, type FakePerson, uniqueEmail, FAKE_REFERENCE_DATE } from './helpers/unique.ts'
export { SQL, type SQLStatement } from 'sql-template-strings'

const api = () => import('./execution/api.ts')

/** Runs the seeds (all, or `only` and what they depend on). Seed failures are in the result. */
export const seed: typeof Api.seed = async (options) => (await api()).seed(options)
/** Runs only the validate functions, each in a read-only transaction. */
export const validate: typeof Api.validate = async (options) => (await api()).validate(options)
/** Drops the public schema, applies the schema (or migrations), then seeds. */
export const fresh: typeof Api.fresh = async (options) => (await api()).fresh(options)
/** Discovers the seeds and plans their levels for the environment. Touches no database. */
export const plan: typeof Api.plan = async (options) => (await api()).plan(options)
/** Undoes a seed run (`run`, default the last successful one): see docs/dry-run-and-undo.md. */
export const undo: typeof Api.undo = async (options) => (await api()).undo(options)
/** The last runs, and per seed when it last succeeded and whether its file changed since. */
export const status: typeof Api.status = async (options) => (await api()).status(options)
/** Seeds on application start-up when the profile says so (see docs/environments.md). */
export const seedOnStartup: typeof Startup.seedOnStartup = async (options) =>
  (await import('./execution/startup.ts')).seedOnStartup(options)
/** A run's result as a Prometheus registry (prom-client). */
export const runMetrics = async (...args: Parameters<typeof Metrics.runMetrics>): Promise<ReturnType<typeof Metrics.runMetrics>> =>
  (await import('./output/metrics.ts')).runMetrics(...args)
export type { ManyOptions, ManyResult, DatabaseOutcome } from './execution/many.ts'
/** Seeds (or `fresh`es, or validates) a list of databases, a few at a time; see docs/databases.md, "Many databases". */
export const seedMany = async (
  ...args: Parameters<typeof import('./execution/many.ts').seedMany>
): ReturnType<typeof import('./execution/many.ts').seedMany> => (await import('./execution/many.ts')).seedMany(...args)
