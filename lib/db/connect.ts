import postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'
import { fromDriverError, type Target } from '../errors/pg-errors.ts'
import { addSecret, redactUrl, redactWholeUrl } from '../errors/redact.ts'
import { onShutdown } from '../util/shutdown.ts'
import { retrying, transientReason } from '../util/retry.ts'
import { detectPooler, type PoolerMode, type PoolerSetting } from './pooler.ts'
import { tlsError, tlsFor, type Tls } from './tls.ts'

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
  /** The password when the URL gives none (PGPASSWORD, read by config/ into the settings). */
  password?: string
  /** The user when the URL names none (PGUSER, read by config/ into the settings). */
  user?: string
}

const URL_FORM = 'use the form postgres://user:password@host:5432/database'
const ENCODE_HINT = `${URL_FORM}, and percent-encode the password (encodeURIComponent): @ : / ? # % in it break the URL`

/**
 * The password as written in the URL, found by shape: from the first `:` after the user name to
 * the last `@` of the address. Used to hide a password the URL parser could not read.
 */
function writtenPassword(url: string): string | undefined {
  // `.*`, not `\S*`: a raw password may hold a space (the whole string is one URL here).
  return /^[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:(.*)@/is.exec(url.trim())?.[1]
}

/**
 * The URL postgres.js connects with (src/index.js parseUrl): the host list ends at the first `/`
 * or `?` after `://` and starts after the first `@` there; only the first host is given to
 * `new URL`, which then splits the user part at the last `@`. Whatever password that yields is
 * the one the driver sends, so it is the one to hide.
 */
function driverUrl(url: string): URL {
  let host = url.slice(url.indexOf('://') + 3).split(/[?/]/)[0]!
  host = decodeURIComponent(host.slice(host.indexOf('@') + 1))
  return new URL(url.replace(host, host.split(',')[0]!))
}

/** Takes the last `name=` parameter out of the URL's query string (as libpq, the last one counts): the URL without it and its value, decoded. */
function takeParam(url: string, name: string): { url: string; value?: string } {
  const q = url.indexOf('?')
  if (q < 0) return { url }
  const params = url.slice(q + 1).split('&')
  const is = (p: string) => p.toLowerCase().startsWith(`${name}=`)
  const given = params.filter(is).pop()
  if (given === undefined) return { url }
  const kept = params.filter((p) => !is(p))
  const raw = given.slice(name.length + 1)
  return { url: kept.length ? `${url.slice(0, q)}?${kept.join('&')}` : url.slice(0, q), value: safeDecode(raw) ?? raw }
}

/**
 * `?password=` in the query string, as libpq reads it (a query parameter stands for the keyword of the
 * same name, and overrides the one in the user part), and the URL without it. postgres.js would send
 * it to the server as a setting ("unrecognized configuration parameter password"); seedbed gives it
 * to the driver as the password instead.
 */
function queryPassword(url: string): { url: string; password?: string } {
  const { url: rest, value } = takeParam(url, 'password')
  return value === undefined ? { url } : { url: rest, password: value }
}

/**
 * `?host=` in the query string, as libpq reads it: it overrides the address's host, and a value that
 * starts with `/` is the folder of a unix socket (`?host=/var/run/postgresql`). postgres.js would send
 * it to the server as a setting; seedbed gives it to the driver. libpq's `postgres://user@/db?host=...`
 * (no host in the address) gets `localhost` there, which the URL parser needs and the query overrides.
 */
function queryHost(url: string): { url: string; host?: string } {
  const { url: rest, value } = takeParam(url, 'host')
  if (!value) return { url }
  return { url: rest.replace(/^([a-z][a-z0-9+.-]*:\/\/(?:[^/?#]*@)?)(?=[/?#]|$)/i, '$1localhost'), host: value }
}

/** postgres.js's options for a `?host=`: a unix socket's path (folder, then `.s.PGSQL.<port>`) or a host name. */
function hostOptions(url: string): { url: string; options: { host?: string; path?: string } } {
  const { url: rest, host } = queryHost(url)
  if (!host) return { url, options: {} }
  if (!host.startsWith('/')) return { url: rest, options: { host } }
  const port = safeParse(rest)?.port || '5432'
  return { url: rest, options: { path: `${host.replace(/\/+$/, '')}/.s.PGSQL.${port}` } }
}

function safeParse(url: string): URL | undefined {
  try {
    return new URL(url)
  } catch {
    return undefined
  }
}

/**
 * Parses a connection string as postgres.js does, remembering its password as a secret. `defaultUser`:
 * who the driver logs in as when the URL names nobody (PGUSER, from the settings). `name`: where the
 * URL came from, for the messages (DATABASE_URL, DIRECT_DATABASE_URL).
 */
export function parseDatabaseUrl(url: string, defaultUser?: string, name = 'DATABASE_URL'): Target {
  const socket = queryHost(url)
  url = socket.url
  const fromQuery = queryPassword(url)
  if (fromQuery.password !== undefined) {
    addSecret(fromQuery.password)
    addSecret(encodeURIComponent(fromQuery.password))
    url = fromQuery.url
  }
  const written = writtenPassword(url)
  addSecret(written)
  if (written) addSecret(safeDecode(written))
  let parsed: URL
  let password: string
  try {
    parsed = driverUrl(url)
    addSecret(parsed.password)
    password = decodeURIComponent(parsed.password)
  } catch {
    throw new SeedbedError(codes.BAD_OPTION, `${name} is not a valid URL: ${redactWholeUrl(url)}`, { hint: ENCODE_HINT })
  }
  addSecret(password)
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new SeedbedError(codes.BAD_OPTION, `${name} must start with postgres:// (got ${parsed.protocol}//)`, {
      hint: URL_FORM,
    })
  }
  const decode = (s: string) => safeDecode(s) ?? s
  return {
    host: socket.host ?? (parsed.hostname || 'localhost'),
    port: Number(parsed.port || 5432),
    user: decode(parsed.username) || defaultUser || 'postgres',
    database: decode(parsed.pathname.slice(1)) || decode(parsed.username) || 'postgres',
  }
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl)
  u.pathname = `/${database}`
  return u.toString()
}

/**
 * A postgres.js pool for a URL, quiet about NOTICEs, named in pg_stat_activity. The URL's libpq
 * TLS parameters (sslmode, sslrootcert...) become its `ssl` option. `prepare: false` behind a
 * transaction-mode pooler: a named statement is prepared on one server connection and would not be
 * found on the next (SQLSTATE 26000); PgBouncer keeps them only from 1.21.
 */
export function createPool(
  url: string,
  max: number,
  prepare = true,
  tls: Tls = tlsFor(url),
  password?: string,
  user?: string,
): postgres.Sql {
  const given = queryPassword(tls.url)
  const pass = given.password ?? password
  const at = hostOptions(given.url)
  return postgres(at.url, {
    ...at.options,
    max,
    prepare,
    ...(pass && { pass }),
    ...(user && { user }),
    ...(tls.ssl !== undefined && { ssl: tls.ssl }),
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: 'seedbed' },
  })
}

/**
 * Opens up to `count` connections of the pool at once, so that the first seeds of a run do not each
 * wait for a connection of their own to open (postgres.js opens them lazily, one at a time as queries
 * find none idle). `count` concurrent `select 1` do it: a query that finds no idle connection opens
 * a closed one. Never more than the pool's `max`. Best effort: a connection that cannot open now
 * fails the seed that needs it later, with that seed's name, as without a warm-up. Behind a
 * transaction-mode pooler the client connections are cheap to open and the pooler lends server
 * connections per transaction, so this only saves the client handshakes there.
 */
export async function warmUp(sql: postgres.Sql, count: number): Promise<void> {
  const n = Math.min(count, sql.options.max ?? 1)
  if (n <= 1) return
  await Promise.all(Array.from({ length: n }, () => sql`select 1`.catch(() => undefined)))
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
  const target = parseDatabaseUrl(url, embedded ? undefined : options.user)
  // PGPASSWORD stands in only for a password the URL does not give.
  const password = embedded || writtenPassword(url) || queryPassword(url).password !== undefined ? undefined : options.password
  // PGUSER stands in only for a user the URL does not name.
  const user = embedded || target.user !== options.user ? undefined : options.user
  const tls = tlsFor(url)
  let forget = () => {}
  const connect = async (pool: postgres.Sql) => {
    try {
      await retrying(() => pool`select 1`, {
        retries: options.retries ?? 0,
        signal: options.signal,
        // A certificate or a server without TLS does not change between tries.
        retryable: (err) => (tlsError(err, tls, target) ? undefined : transientReason(err)),
        onRetry: ({ n, waitMs, reason }) => options.log.warn(`connecting: retry ${n}/${options.retries} in ${waitMs} ms: ${reason}`),
      })
    } catch (err) {
      forget()
      await pool.end({ timeout: 5 }).catch(() => undefined)
      await embedded?.stop().catch(() => undefined)
      throw err instanceof SeedbedError ? err : (tlsError(err, tls, target) ?? fromDriverError(err, { target }))
    }
  }
  const setting = embedded ? 'none' : (options.pooler ?? 'auto')
  let pooler: PoolerMode = setting === 'auto' ? 'none' : setting
  if (setting === 'auto') {
    // Detected on a connection of its own, without prepared statements, before the run's pool is
    // made with or without them.
    const probe = createPool(url, 1, false, tls, password, user)
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
  const sql = createPool(url, options.poolSize, pooler !== 'transaction', tls, password, user)
  // On a normal close nothing is running; on interrupt, sockets are cut at once (timeout 0) so the
  // server rolls back whatever was in flight instead of waiting for it.
  const close = async (graceSeconds = 5) => {
    forget()
    try {
      await sql.end({ timeout: graceSeconds })
    } finally {
      // Even when the pool's end fails (its server is gone): this process leaves the embedded server.
      await embedded?.stop()
    }
  }
  forget = onShutdown(() => close(0))
  await connect(sql)
  const display = redactUrl(url)
  options.log.debug(`connected to ${display}${pooler === 'none' ? '' : ` (${pooler}-mode pooler)`}`)
  return { sql, target, display, url, embedded: embedded !== undefined, pooler, close }
}
