/**
 * seedbed's programmatic API: the same runner as the CLI, returning data and printing nothing
 * unless given a logger.
 *
 * ```ts
 * import { seed } from 'seedbed'
 * const result = await seed({ databaseUrl: process.env.DATABASE_URL, only: ['users'] })
 * if (!result.ok) process.exitCode = 1
 * ```
 */
export { seed, validate, fresh, plan, status, type RunOptions, type Planned, type Status } from './execution/api.ts'
export { seedOnStartup, type StartupOptions, type StartupOutcome } from './execution/startup.ts'
export { prepareTemplate, cloneDatabase, dropTemplate, truncateAndReplant } from './testing.ts'
export { runMetrics } from './output/metrics.ts'
export { defineSeed, type Seed, type SeedContext } from './contract/contract.ts'
export type {
  CopyRow,
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
export { SeedbedError, codes, type ErrorCode } from './errors/errors.ts'
export { createLogger, type Logger } from './output/log.ts'
export { uniqueEmail, FAKE_REFERENCE_DATE } from './helpers/fake.ts'
export { SQL, type SQLStatement } from 'sql-template-strings'

export type { ManyOptions, ManyResult, DatabaseOutcome } from './execution/many.ts'
/** Seeds (or `fresh`es, or validates) a list of databases, a few at a time; see the README's "Many databases". */
export const seedMany = async (
  ...args: Parameters<typeof import('./execution/many.ts').seedMany>
): ReturnType<typeof import('./execution/many.ts').seedMany> => (await import('./execution/many.ts')).seedMany(...args)
