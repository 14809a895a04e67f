/**
 * Local users of the machine for tests that stand where seedbed's users stand: a normal (non-root)
 * user running seedbed, and a second local user trying to reach what the first one started. CI runs
 * as root, so the users are made here (`useradd`, idempotent) and commands run as them through
 * `runuser`. Not root: the tests run as the current user, and the ones that need a second user say
 * why they cannot run.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const exec = promisify(execFile)

export const IS_ROOT = process.getuid?.() === 0

export interface LocalUser {
  name: string
  uid: number
  gid: number
  home: string
}

/** What the machine knows of `name` (getent), or undefined. */
function lookup(name: string): LocalUser | undefined {
  try {
    const [, , uid, gid, , home] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':')
    return { name, uid: Number(uid), gid: Number(gid), home: home ?? `/home/${name}` }
  } catch {
    return undefined
  }
}

/**
 * A normal local user named `name` with a home folder, made when missing (root only). Undefined when
 * not root and the user does not exist: the caller skips and says why. `group`: their primary group
 * (made by localGroup first); otherwise useradd's default, a group of their own (Debian, Ubuntu).
 */
export function localUser(name: string, group?: string): LocalUser | undefined {
  const known = lookup(name)
  if (known || !IS_ROOT) return known
  try {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/sh', ...(group ? ['--gid', group] : []), name], { stdio: 'pipe' })
  } catch (e) {
    // Two test files making the same user at once: the other one won.
    if (!lookup(name)) throw e
  }
  return lookup(name)
}

/** What a command printed (stdout and stderr together) and its exit code. */
export type Out = { code: number; out: string }

/**
 * Runs a shell command line as `user` (through `runuser` when root; as this process otherwise), in
 * `cwd`, with exactly `env` (plus HOME, USER and LOGNAME of that user). Never throws for an exit code.
 */
export async function runAs(user: LocalUser, line: string, cwd: string, env: Record<string, string> = {}, timeout = 300_000): Promise<Out> {
  const full = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: user.home, USER: user.name, LOGNAME: user.name, ...env }
  const command = `cd ${JSON.stringify(cwd)} && unset NODE_OPTIONS; ${line} 2>&1`
  const [file, args] = IS_ROOT
    ? ['runuser', ['-u', user.name, '--', 'env', '-i', ...Object.entries(full).map(([k, v]) => `${k}=${v}`), 'sh', '-c', command]]
    : ['sh', ['-c', command]]
  try {
    const { stdout, stderr } = await exec(file, args as string[], {
      env: IS_ROOT ? { PATH: full.PATH } : full,
      timeout,
      maxBuffer: 1 << 24,
    })
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof err.code === 'number' ? err.code : -1, out: (err.stdout ?? '') + (err.stderr ?? '') }
  }
}

/**
 * The gid of a local group named `name`, made when missing, with `members` (existing users) listed as
 * its members in /etc/group (root only; idempotent). Undefined when not root.
 */
export function localGroup(name: string, members: string[] = []): number | undefined {
  if (!IS_ROOT) return undefined
  try {
    execFileSync('groupadd', [name], { stdio: 'pipe' })
  } catch (e) {
    // Made already (by an earlier run, or another test file at the same time).
    if (!groupId(name)) throw e
  }
  for (const member of members) execFileSync('usermod', ['--append', '--groups', name, member], { stdio: 'pipe' })
  return groupId(name)
}

function groupId(name: string): number | undefined {
  try {
    return Number(execFileSync('getent', ['group', name], { encoding: 'utf8' }).split(':')[2])
  } catch {
    return undefined
  }
}
