/**
 * A user's project in a temporary folder, as the tests of a new user's first hour make one: seedbed
 * packed as `npm publish` packs it, commands typed through the shell with a user's environment (no
 * DATABASE_URL: the embedded default), packages from the registry (npm's cache first).
 */
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { NO_CHILD_COVERAGE, ROOT } from './helpers.ts'

const exec = promisify(execFile)

/** npm as these tests run it: no audit, no funding lines, the cache before the registry. */
export const NPM = 'npm --no-audit --no-fund --prefer-offline'

/** What a command printed (stdout and stderr together) and its exit code. */
export type Out = { code: number; out: string }

/** A user's environment: PATH and HOME, npm's cache, no DATABASE_URL, cheap bcrypt, no coverage of children. */
export const userEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  DATABASE_URL: '',
  SEEDBED_BCRYPT_COST: '4',
  npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? '/root', '.npm'),
  npm_config_update_notifier: 'false',
  ...NO_CHILD_COVERAGE,
  ...extra,
})

/**
 * Runs a command line as a user types it, through the shell, in `cwd`. tap's process-info hook puts an
 * --import of its own into NODE_OPTIONS of every child (it wraps child_process); in a user's shell there
 * is none, and its require hook breaks packages that require() an ES module (TypeScript 7's bin, vitest
 * in a CommonJS package), so the shell drops it first.
 */
export async function sh(line: string, cwd: string, env = userEnv(), timeout = 300_000): Promise<Out> {
  try {
    const command = `unset NODE_OPTIONS; ${line} 2>&1`
    const { stdout, stderr } = await exec('sh', ['-c', command], { cwd, env, timeout, maxBuffer: 1 << 24 })
    return { code: 0, out: stdout + stderr }
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof err.code === 'number' ? err.code : -1, out: (err.stdout ?? '') + (err.stderr ?? '') }
  }
}

/** A folder for users' projects (traversable by the embedded server's `postgres` user when root), removed at teardown. */
export async function projectsDir(t: { teardown(fn: () => unknown): void }, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  await chmod(dir, 0o755)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Packs this repository as `npm publish` would (prepack builds dist/) into `dir`; returns the tarball's path. */
export async function packSeedbed(dir: string): Promise<string> {
  const pack = await exec('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env: process.env, timeout: 300_000 })
  // stdout holds the lifecycle scripts' output too (prepack builds): the filename is in the JSON after it.
  return path.join(dir, /"filename": "([^"]+)"/.exec(pack.stdout)![1]!)
}
