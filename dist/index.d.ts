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
export { seed, validate, fresh, plan, status, type RunOptions, type Planned, type Status } from './execution/api.js';
export { seedOnStartup, type StartupOptions, type StartupOutcome } from './execution/startup.js';
export { prepareTemplate, cloneDatabase, dropTemplate, truncateAndReplant } from './testing.js';
export { runMetrics } from './output/metrics.js';
export { defineSeed, type Seed, type SeedContext } from './contract/contract.js';
export type { CopyRow, LoadOptions, LoadResult, RowSource, RunResult, SeedCounts, SeedReport, SeedStatus, UpsertOptions, UpsertResult, } from './contract/types.js';
export { SeedbedError, codes, type ErrorCode } from './errors/errors.js';
export { createLogger, type Logger } from './output/log.js';
