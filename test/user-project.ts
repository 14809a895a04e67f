/**
 * A user's project in a temporary folder, as the tests of a new user's first hour make one: seedbed
 * packed as `npm publish` packs it, commands typed through the shell with a user's environment (no
 * DATABASE_URL: the embedded default), packages from the registry (npm's cache first).
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { withFileLock } from '../lib/util/file-lock.ts'
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

/**
 * This repository packed as `npm publish` packs it (prepack builds dist/), once per source state: the
 * files git would commit (tracked and untracked, not ignored) are copied into a folder named by a hash
 * of their paths and text, beside a link to this repository's node_modules, and `npm pack` runs there,
 * under a lock. Packing in the repository itself rebuilt its dist/ and stripped its package.json
 * (scripts/pack-manifest.ts) while other test files, run at once by tap, read them. The folder stays for
 * the test files after (and the next run of the same sources); `root` holds the dist/ that was packed.
 */
export async function packedSeedbed(): Promise<{ tarball: string; root: string }> {
  const list = await exec('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, maxBuffer: 1 << 24 })
  const files = new Map<string, { text: Buffer; mode: number }>()
  const hash = createHash('sha256')
  for (const file of [...new Set(list.stdout.split('\0').filter(Boolean))].sort()) {
    const full = path.join(ROOT, file)
    const info = await lstat(full).catch(() => undefined) // deleted and not committed yet
    if (!info?.isFile()) continue
    const text = await readFile(full)
    files.set(file, { text, mode: info.mode & 0o777 })
    hash
      .update(file)
      .update('\0')
      .update(String(info.mode & 0o777))
      .update('\0')
      .update(text)
      .update('\0')
  }
  const folder = path.join(tmpdir(), `seedbed-pack-${hash.digest('hex').slice(0, 16)}`)
  const root = path.join(folder, 'src')
  const done = path.join(folder, 'tarball')
  return withFileLock(
    `${folder}.lock`,
    async () => {
      const packed = await readFile(done, 'utf8').catch(() => '')
      if (packed && (await mine(folder))) {
        const now = new Date()
        await utimes(done, now, now) // in use: not pruned
        return { tarball: path.join(folder, packed), root }
      }
      await pruneOldPacks()
      // Not packed yet, or a pack that was stopped halfway: from the start.
      await rm(folder, { recursive: true, force: true })
      await mkdir(folder, { mode: 0o755 })
      await chmod(folder, 0o755)
      for (const [file, { text, mode }] of files) {
        await mkdir(path.dirname(path.join(root, file)), { recursive: true })
        await writeFile(path.join(root, file), text, { mode })
      }
      await symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'))
      const pack = await exec('npm', ['pack', '--json', '--pack-destination', folder], { cwd: root, env: process.env, timeout: 300_000 })
      // stdout holds the lifecycle scripts' output too (prepack builds): the filename is in the JSON after it.
      const name = /"filename": "([^"]+)"/.exec(pack.stdout)![1]!
      await writeFile(`${done}.tmp`, name)
      await rename(`${done}.tmp`, done)
      return { tarball: path.join(folder, name), root }
    },
    600_000,
  )
}

/** Packs of other source states no test has used for a day (a pack and its sources are about 7 MB). */
async function pruneOldPacks(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const folder = path.join(tmpdir(), name)
    if (!/^seedbed-pack-[0-9a-f]{16}$/.test(name) || !(await mine(folder).catch(() => false))) continue
    const used = await stat(path.join(folder, 'tarball')).catch(() => undefined)
    if (used && Date.now() - used.mtimeMs > 86_400_000) await rm(folder, { recursive: true, force: true })
  }
}

/** Whether `folder` is a folder of this process's user (not one another local user made at that name). */
const mine = async (folder: string) => {
  const info = await lstat(folder)
  return info.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o022) === 0
}

/** seedbed's tarball (packedSeedbed) copied into `dir`; returns its path. */
export async function packSeedbed(dir: string): Promise<string> {
  const { tarball } = await packedSeedbed()
  const copy = path.join(dir, path.basename(tarball))
  await copyFile(tarball, copy)
  await chmod(copy, 0o644)
  return copy
}

/** The summary rows of init's two seeds: created, updated, skipped of each (both quick-start tests read them). */
export const counts = (out: string) =>
  ['examples', 'example_notes'].map((seed) =>
    new RegExp(`^${seed}\\s+\\d+\\s+succeeded\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\b`, 'm').exec(out)?.slice(1).map(Number),
  )
/** init's two seeds on a first run: 2 examples and 20 fake notes created. */
export const CREATED = [
  [2, 0, 0],
  [20, 0, 0],
]
/** And on a second: every row skipped. */
export const SKIPPED = [
  [0, 0, 2],
  [0, 0, 20],
]
