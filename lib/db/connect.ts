import postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'
import { fromDriverError, type Target } from '../errors/pg-errors.ts'
import { addSecret, redactUrl } from '../errors/redact.ts'
import { onShutdown } from '../execution/shutdown.ts'
import { retrying } from '../execution/retry.ts'
import { detectPooler, type PoolerMode, type PoolerSetting } from './pooler.ts'

export interface Database {
  sql: postgres.Sql
  /** Host, port, user and database: what error messages may name. */
  target: Target
  /** The connection string with its password replaced by `***`. */
  display: string
  /** The connection string itself, password included: for child processes, never for output. */
  url: string
  embedded: boolean
  /** What stands between this pool and the server, detected or as told. */
  pooler: PoolerMode
  /** Closes the pool and stops the embedded server if this run started it. */
  close(): Promise<void>
}

export interface OpenOptions {
  /** DATABASE_URL; without it, the embedded PostgreSQL. */
  url?: string
  poolSize: number
  /** Embedded server's folder and port (used only without a URL). */
  dataDir: string
  embeddedPort?: number
  /** Tries of the first connection while the server is not ready yet (default 0). */
  retries?: number
  /** The run's signal: stops the waits between those tries at once. */
  signal?: AbortSignal
  log: Logger
  /** Told, or `auto` (the default): detected on the first connections. The embedded server has none. */
  pooler?: PoolerSetting
}

/** Parses a connection string, remembering its password as a secret. */
export function parseDatabaseUrl(url: string): Target {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new SeedbedError(codes.BAD_OPTION, `DATABASE_URL is not a valid URL: ${redactUrl(url)}`, {
      hint: 'use the form postgres://user:password@host:5432/database',
    })
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new SeedbedError(codes.BAD_OPTION, `DATABASE_URL must start with postgres:// (got ${parsed.protocol}//)`, {
      hint: 'use the form postgres://user:password@host:5432/database',
    })
  }
  if (parsed.password) addSecret(decodeURIComponent(parsed.password))
  return {
    host: parsed.hostname || 'localhost',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres',
    database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres',
  }
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl)
  u.pathname = `/${database}`
  return u.toString()
}

/**
 * A postgres.js pool for a URL, quiet about NOTICEs, named in pg_stat_activity. `prepare: false`
 * behind a transaction-mode pooler: a named statement is prepared on one server connection and
 * would not be found on the next (SQLSTATE 26000); PgBouncer keeps them only from 1.21.
 */
export function createPool(url: string, max: number, prepare = true): postgres.Sql {
  return postgres(url, {
    max,
    prepare,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: 'seedbed' },
  })
}

/**
 * Opens the database a run works on: DATABASE_URL when given, else the embedded server. The
 * connection is checked at once so that a wrong password or host fails before any seed starts.
 */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  let url = options.url
  let embedded: { stop(): Promise<void> } | undefined
  if (!url) {
    const { startEmbedded } = await import('./embedded.ts')
    const server = await startEmbedded({ dataDir: options.dataDir, port: options.embeddedPort, log: options.log })
    embedded = server
    url = server.url
  }
  const target = parseDatabaseUrl(url)
  let forget = () => {}
  const connect = async (pool: postgres.Sql) => {
    try {
      await retrying(() => pool`select 1`, {
        retries: options.retries ?? 0,
        signal: options.signal,
        onRetry: ({ n, waitMs, reason }) => options.log.warn(`connecting: retry ${n}/${options.retries} in ${waitMs} ms: ${reason}`),
      })
    } catch (err) {
      forget()
      await pool.end({ timeout: 5 }).catch(() => undefined)
      await embedded?.stop().catch(() => undefined)
      throw err instanceof SeedbedError ? err : fromDriverError(err, { target })
    }
  }
  const setting = embedded ? 'none' : (options.pooler ?? 'auto')
  let pooler: PoolerMode = setting === 'auto' ? 'none' : setting
  if (setting === 'auto') {
    // Detected on two connections of their own, without prepared statements, before the run's
    // pool is made with or without them.
    const probe = createPool(url, 2, false)
    forget = onShutdown(() => probe.end({ timeout: 0 }))
    await connect(probe)
    try {
      pooler = await detectPooler(probe)
    } catch (err) {
      await embedded?.stop().catch(() => undefined)
      throw err instanceof SeedbedError ? err : fromDriverError(err, { target })
    } finally {
      forget()
      await probe.end({ timeout: 5 })
    }
  }
  const sql = createPool(url, options.poolSize, pooler !== 'transaction')
  // On a normal close nothing is running; on interrupt, sockets are cut at once (timeout 0) so the
  // server rolls back whatever was in flight instead of waiting for it.
  const close = async (graceSeconds = 5) => {
    forget()
    await sql.end({ timeout: graceSeconds })
    await embedded?.stop()
  }
  forget = onShutdown(() => close(0))
  await connect(sql)
  const display = redactUrl(url)
  options.log.debug(`connected to ${display}${pooler === 'none' ? '' : ` (${pooler}-mode pooler)`}`)
  return { sql, target, display, url, embedded: embedded !== undefined, pooler, close }
}
