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
export { seed, validate, fresh, plan, status, type RunOptions, type Planned, type Status } from './api.ts'
export { seedOnStartup, type StartupOptions, type StartupOutcome } from './startup.ts'
export { prepareTemplate, cloneDatabase, dropTemplate, truncateAndReplant } from './testing.ts'
export { runMetrics } from './metrics.ts'
export { defineSeed, type Seed, type SeedContext, type SeedCounts, type UpsertOptions, type UpsertResult } from './contract.ts'
export { SeedbedError, codes, type ErrorCode } from './errors.ts'
export { createLogger, type Logger } from './log.ts'
export type { RunResult, SeedReport, SeedStatus } from './run.ts'
