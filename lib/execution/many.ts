import pLimit from 'p-limit'
import { intOption } from '../config/config.ts'
import type { DatabaseEntry } from '../config/database-list.ts'
import type { DatabaseOutcome, ManyResult } from '../contract/types.ts'
import { parseDatabaseUrl } from '../db/connect.ts'
import { codes, formatError, SeedbedError } from '../errors/errors.ts'
import { fromDriverError, type Target } from '../errors/pg-errors.ts'
import { redactWholeUrl } from '../errors/redact.ts'
import { fresh, plan, type RunOptions, seed, validate } from './api.ts'
import { settle } from './lifecycle.ts'

/** Databases seeded at once unless told otherwise; each has its own pool of `poolSize`. */
export const DEFAULT_DATABASE_CONCURRENCY = 4

export interface ManyOptions extends Omit<RunOptions, 'sql' | 'databaseUrl'> {
  /** What each database's run is (default `seed`). */
  command?: 'seed' | 'fresh' | 'validate' | undefined
  /** Databases running at once, 1 to 1000 (default 4). */
  databaseConcurrency?: number | undefined
}

export type { DatabaseOutcome, ManyResult } from '../contract/types.ts'

/** `host/db`, with `:port` when it is not 5432: enough to tell tenants and shards apart, no user, no password. */
export function databaseLabel(target: Target): string {
  const port = target.port && target.port !== 5432 ? `:${target.port}` : ''
  return `${target.host ?? 'localhost'}${port}/${target.database ?? ''}`
}

/** Every entry parsed and checked, duplicates refused: a bad one names its line before anything runs. */
export function checkDatabases(list: readonly (string | DatabaseEntry)[]): { entry: DatabaseEntry; label: string }[] {
  if (!list.length) {
    throw new SeedbedError(codes.BAD_OPTION, 'the list of databases is empty', { hint: 'give at least one postgres:// URL' })
  }
  const seen = new Map<string, string>()
  return list.map((item, i) => {
    const entry = typeof item === 'string' ? { url: item, where: `database #${i + 1}` } : item
    let target: Target
    try {
      if (typeof entry.url !== 'string') throw new Error('not a string')
      target = parseDatabaseUrl(entry.url)
    } catch {
      throw new SeedbedError(codes.BAD_OPTION, `${entry.where} is not a postgres:// URL: ${redactWholeUrl(String(entry.url))}`, {
        hint: 'use the form postgres://user:password@host:5432/database, the password percent-encoded (encodeURIComponent: @ : / ? # % and spaces break a URL), one per line; # after a space starts a comment',
      })
    }
    const label = databaseLabel(target)
    const before = seen.get(label)
    if (before) {
      throw new SeedbedError(codes.BAD_OPTION, `${entry.where} names ${label} again (${before})`, {
        hint: 'list each database once: two runs on one database would wait for each other',
      })
    }
    seen.set(label, entry.where)
    return { entry, label }
  })
}

/**
 * The caller's logger with each line tagged with the database: consola's own tags when it is
 * consola, else a `[host/db]` prefix on each line of a plain debug/info/warn/error object.
 */
function tagged(log: RunOptions['logger'], label: string): RunOptions['logger'] {
  if (!log) return undefined
  const any = log as { withTag?: (tag: string) => unknown } & Record<'debug' | 'info' | 'warn' | 'error', (m: string) => void>
  if (typeof any.withTag === 'function') return any.withTag(label) as RunOptions['logger']
  const prefixed = (level: 'debug' | 'info' | 'warn' | 'error') => (m: string) => any[level](`[${label}] ${m}`)
  return {
    debug: prefixed('debug'),
    info: prefixed('info'),
    warn: prefixed('warn'),
    error: prefixed('error'),
  } as unknown as RunOptions['logger']
}

/** Any failure as a coded error. */
function coded(err: unknown): SeedbedError {
  return err instanceof SeedbedError ? err : fromDriverError(err)
}

/**
 * Seeds (or `fresh`es, or validates) a list of databases, tenants or shards, `databaseConcurrency`
 * at a time. Each database's run is a normal run: its own pool, lock and ledger. A failure in one
 * database is in its outcome and does not stop the others. The list is checked first (a bad URL is
 * E_BAD_OPTION naming its place), then the seeds are planned once (a broken seed file is reported
 * once), before any database is touched.
 *
 * ```ts
 * import { seedMany } from 'seedbed'
 * const many = await seedMany(['postgres://app@db/tenant_a', 'postgres://app@db/tenant_b'])
 * for (const d of many.databases) if (!d.ok) console.error(d.database, d.error ?? 'a seed failed')
 * ```
 */
export async function seedMany(list: readonly (string | DatabaseEntry)[], options: ManyOptions = {}): Promise<ManyResult> {
  const started = performance.now()
  const { command = 'seed', databaseConcurrency, ...runOptions } = options
  const stray = runOptions as { databaseUrl?: unknown; sql?: unknown }
  if (stray.databaseUrl !== undefined || stray.sql !== undefined) {
    throw new SeedbedError(codes.BAD_OPTION, 'seedMany takes its databases as its first argument, not databaseUrl or sql', {
      hint: 'pass the list of URLs as the first argument',
    })
  }
  // DIRECT_DATABASE_URL names one database: every tenant's run would take its lock and ledger there.
  if (settle(runOptions).settings.directUrl) {
    throw new SeedbedError(codes.BAD_OPTION, 'DIRECT_DATABASE_URL names one database, so it cannot serve a list of databases', {
      hint: 'unset DIRECT_DATABASE_URL for a list: behind a transaction-mode pooler each database then gets a lease of its own',
    })
  }
  const concurrency = intOption('databaseConcurrency', databaseConcurrency, 1, 1000) ?? DEFAULT_DATABASE_CONCURRENCY
  const databases = checkDatabases(list)
  await plan(runOptions)

  // A production run is confirmed once for the whole list, not once per database.
  const ask = runOptions.confirm
  let answer: Promise<boolean> | undefined
  const confirm = ask && ((env: string) => (answer ??= ask(env)))
  const runs = { seed, fresh, validate }[command]
  const limit = pLimit(concurrency)

  const outcomes = await Promise.all(
    databases.map(({ entry, label }) =>
      limit(async (): Promise<DatabaseOutcome> => {
        const t0 = performance.now()
        const took = () => Math.round(performance.now() - t0)
        // Interrupted while waiting for its turn: it never connects.
        if (runOptions.signal?.aborted)
          return { database: label, ok: false, durationMs: 0, error: coded(runOptions.signal.reason).toJSON() }
        try {
          const result = await runs({
            ...runOptions,
            databaseUrl: entry.url,
            logger: tagged(runOptions.logger, label),
            ...(confirm && { confirm }),
          })
          return { database: label, ok: result.ok, durationMs: took(), result }
        } catch (err) {
          const e = coded(err)
          // Seed failures are logged by the run itself; what stopped the run before or around them is logged here.
          const log = tagged(runOptions.logger, label)
          log?.error(formatError(e))
          log?.debug((err as Error)?.stack ?? String(err))
          return { database: label, ok: false, durationMs: took(), error: e.toJSON() }
        }
      }),
    ),
  )
  return { ok: outcomes.every((o) => o.ok), durationMs: Math.round(performance.now() - started), databases: outcomes }
}
