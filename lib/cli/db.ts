/**
 * `seedbed db start|stop|status|url|psql`: the embedded PostgreSQL outside a run, for the application's
 * own dev server and for psql. `start` keeps the server running after the command ends (a `pinned`
 * holder in the data folder) until `stop`; runs and test setups share it meanwhile, as they share it
 * with each other, and the last user to leave stops it. The URL is printed with its password hidden
 * (the password is the data folder's own: lib/db/embedded-auth.ts); with `--write-env` the whole URL
 * is written as the DATABASE_URL line of that file (the app's `.env.local`, say), readable by its owner alone.
 */
import { spawn } from 'node:child_process'
import { lstat, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { writePrivate } from '../db/embedded-auth.ts'
import { embeddedPasswordFile, embeddedStatus, leave, PINNED_HOLDER, pinEmbedded, startEmbedded } from '../db/embedded.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { redactUrl } from '../errors/redact.ts'
import type { Logger } from '../output/log.ts'

export const DB_ACTIONS = ['start', 'stop', 'status', 'url', 'psql'] as const
export type DbAction = (typeof DB_ACTIONS)[number]

export interface DbOptions {
  /** The embedded server's data folder (SEEDBED_DATA_DIR, default `.seedbed`). */
  dataDir: string
  /** The port for a server that is not running yet (SEEDBED_EMBEDDED_PORT); default the last one, else a free one. */
  port?: number
  /** `start`, `url`: also write `DATABASE_URL=<url>` into this file (replacing its DATABASE_URL line; the file made 0600). */
  envFile?: string
  log: Logger
}

/** What a `db` action did, as printed (`text`) and as `--json` gives it (`data`); `code` is the exit code (psql's own). */
export interface DbResult {
  text: string
  /** Printed to stderr after `text` (not with --json): what would spoil `$(seedbed db url)` on stdout. */
  note?: string
  data: Record<string, unknown>
  code: number
}

/**
 * Sets `name=value` in a dotenv file: replaces the line that sets it, or appends one; creates the file if
 * needed. The value holds a password: the file is made readable by its owner alone (mode 0600).
 */
async function setEnvLine(file: string, name: string, value: string): Promise<'added' | 'replaced' | 'unchanged'> {
  try {
    const text = await readFile(file, 'utf8').catch((e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ''
      throw e
    })
    const line = `${name}=${value}`
    const pattern = new RegExp(`^\\s*(export\\s+)?${name}=.*$`, 'm')
    const current = pattern.exec(text)?.[0]
    if (current?.trim() === line && !(await lstat(file)).isSymbolicLink() && ((await stat(file)).mode & 0o077) === 0) return 'unchanged'
    const next = current !== undefined ? text.replace(pattern, line) : `${text.replace(/\n*$/, text ? '\n' : '')}${line}\n`
    // A new 0600 file renamed over the old one: never written through a symlink, never half-written.
    await writePrivate(file, next)
    return current !== undefined ? 'replaced' : 'added'
  } catch (cause) {
    throw new SeedbedError(codes.BAD_OPTION, `--write-env ${file} cannot be written: ${(cause as Error).message}`, {
      file,
      hint: 'give --write-env a file in a folder you can write to (the server is running: `seedbed db url --write-env <file>` writes it)',
      cause,
    })
  }
}

/** Where the whole URL is, for a command that prints it with its password hidden. */
function whereTheUrlIs(dataDir: string, envFile: string | undefined, written: string | undefined): string {
  const passwordFile = path.relative(process.cwd(), embeddedPasswordFile(path.resolve(dataDir)))
  if (envFile)
    return `the whole URL (with its password) ${written === 'unchanged' ? 'is already in' : 'written to'} ${envFile}, readable by you alone`
  return `the password is in ${passwordFile} (readable by you alone); \`--write-env .env.local\` writes the whole URL there`
}

export async function dbCommand(action: string, options: DbOptions): Promise<DbResult> {
  if (!(DB_ACTIONS as readonly string[]).includes(action)) {
    throw new SeedbedError(codes.BAD_OPTION, `unknown db action '${action}'`, { hint: `use one of: ${DB_ACTIONS.join(', ')}` })
  }
  const where = path.relative(process.cwd(), path.resolve(options.dataDir)) || options.dataDir
  return ACTIONS[action as DbAction](options, where)
}

/** Each action, given the options and the data folder as printed. */
const ACTIONS: Record<DbAction, (options: DbOptions, where: string) => Promise<DbResult>> = { start, stop, status, url, psql }

async function start({ dataDir, port, log, envFile }: DbOptions, where: string): Promise<DbResult> {
  const server = await pinEmbedded({ dataDir, port, log })
  const written = envFile ? await setEnvLine(envFile, 'DATABASE_URL', server.url) : undefined
  const lines = [
    `${server.already ? 'already running' : 'running'}: the embedded PostgreSQL of ${where}, until \`seedbed db stop\``,
    `DATABASE_URL=${redactUrl(server.url)}`,
    whereTheUrlIs(dataDir, envFile, written),
  ]
  return {
    text: lines.join('\n'),
    data: {
      running: true,
      url: redactUrl(server.url),
      port: server.port,
      dataDir,
      envFile: envFile ?? null,
      passwordFile: embeddedPasswordFile(path.resolve(dataDir)),
    },
    code: 0,
  }
}

async function stop({ dataDir }: DbOptions, where: string): Promise<DbResult> {
  const before = await embeddedStatus(dataDir)
  const left = await leave(dataDir, PINNED_HOLDER)
  const users = left.filter((u) => u !== PINNED_HOLDER).map((u) => Number(u.split('-')[0]))
  const text = !before.running
    ? `not running: the embedded PostgreSQL of ${where}`
    : users.length
      ? `still running for ${users.length} process(es) using it (pid ${users.join(', ')}): it stops when the last one ends`
      : `stopped: the embedded PostgreSQL of ${where}`
  return { text, data: { running: users.length > 0, users }, code: 0 }
}

async function status({ dataDir }: DbOptions, where: string): Promise<DbResult> {
  const now = await embeddedStatus(dataDir)
  const text = now.running
    ? [
        `running: the embedded PostgreSQL of ${where} (pid ${now.pid}, port ${now.port})`,
        now.pinned ? 'kept running by `seedbed db start`, until `seedbed db stop`' : 'started by a run or a test: it stops when they end',
        `used by ${now.users.length} process(es)${now.users.length ? ` (pid ${now.users.join(', ')})` : ''}`,
        `DATABASE_URL=${redactUrl(now.url!)}`,
      ].join('\n')
    : `stopped: the embedded PostgreSQL of ${where} (\`seedbed db start\` starts it)`
  return { text, data: { ...now, ...(now.url && { url: redactUrl(now.url) }) }, code: 0 }
}

async function url({ dataDir, envFile }: DbOptions, where: string): Promise<DbResult> {
  const now = await embeddedStatus(dataDir)
  if (!now.url) {
    throw new SeedbedError(codes.DB_NOT_RUNNING, `the embedded PostgreSQL of ${where} is not running`, {
      hint: 'start it with `seedbed db start` (it prints the URL too)',
    })
  }
  const written = envFile ? await setEnvLine(envFile, 'DATABASE_URL', now.url) : undefined
  return {
    text: redactUrl(now.url),
    note: whereTheUrlIs(dataDir, envFile, written),
    data: { url: redactUrl(now.url), envFile: envFile ?? null, passwordFile: embeddedPasswordFile(path.resolve(dataDir)) },
    code: 0,
  }
}

/** psql: on the running server, or on one started for this session alone. */
async function psql({ dataDir, port, log }: DbOptions): Promise<DbResult> {
  const server = await startEmbedded({ dataDir, port, log })
  try {
    // The password in psql's environment, not in its arguments (which every local user can list).
    const conninfo = new URL(server.url)
    conninfo.password = ''
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('psql', [conninfo.href], { stdio: 'inherit', env: { ...process.env, PGPASSWORD: server.password } })
      child.once('error', (cause) =>
        reject(
          new SeedbedError(codes.DB_NOT_RUNNING, `psql could not start: ${(cause as Error).message}`, {
            hint: `install psql (Debian: apt-get install postgresql-client), or connect any client to ${redactUrl(server.url)} (the password: ${embeddedPasswordFile(path.resolve(dataDir))})`,
            cause,
          }),
        ),
      )
      child.once('close', (c) => resolve(c ?? 1))
    })
    return { text: '', data: { url: redactUrl(server.url), code }, code }
  } finally {
    await server.stop()
  }
}
