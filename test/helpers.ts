import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { createLogger } from '../lib/output/log.ts'
import { applySchema } from '../lib/db/schema.ts'
import { cloneDatabase, databaseUrl } from '../lib/testing.ts'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const FIXTURES = path.join(ROOT, 'test', 'fixtures')
export const fixture = (name: string) => path.join(FIXTURES, name)

/** The subset of tap's Test these helpers use. */
interface Teardown {
  teardown(fn: () => unknown): void
  name: string
}

export interface TestDatabase {
  url: string
  name: string
  sql: postgres.Sql
}

const silent = createLogger({ level: -999 })

/** A temporary folder PostgreSQL's own user can enter (mkdtemp makes it 0700). */
export async function tempDir(t: Teardown, prefix = 'seedbed-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  await chmod(dir, 0o755)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/**
 * A database of this test file's own, dropped at teardown: on the server of DATABASE_URL when
 * set, else on an embedded PostgreSQL started for this file alone.
 */
export async function testDatabase(t: Teardown): Promise<TestDatabase> {
  let serverUrl = process.env.DATABASE_URL
  if (!serverUrl) {
    const { startEmbedded } = await import('../lib/db/embedded.ts')
    const server = await startEmbedded({ dataDir: path.join(await tempDir(t, 'seedbed-pg-'), 'data'), log: silent })
    t.teardown(() => server.stop())
    serverUrl = server.url
  }
  const name =
    `seedbed_test_${t.name.replace(/\W+/g, '_').slice(0, 30)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase()
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE "${name}"`)
  const url = databaseUrl(serverUrl, name)
  const sql = postgres(url, { max: 4, onnotice: () => {} })
  t.teardown(async () => {
    await sql.end({ timeout: 5 })
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await admin.end({ timeout: 5 })
  })
  return { url, name, sql }
}

/** Whether a server lets this URL (or these connection options) in and answers `SELECT 1`. */
export async function answers(target: string | postgres.Options<Record<string, never>>): Promise<boolean> {
  const options = { max: 1, onnotice: () => {}, connect_timeout: 5 }
  const sql = typeof target === 'string' ? postgres(target, options) : postgres({ ...target, ...options })
  try {
    await sql`SELECT 1`
    return true
  } catch {
    return false
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/**
 * The CLI runs under tsx, whose transpiled code and source maps differ from tap's loader: merged
 * into tap's coverage they corrupt it (every file counted as one line). Coverage comes from the
 * in-process tests; tap's process tracker is told not to collect it from these children.
 */
export const NO_CHILD_COVERAGE = { _TAPJS_PROCESSINFO_COVERAGE_: '0' }

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Starts a command with only the environment given (plus PATH and HOME) and collects its output;
 * `onSpawn` gets the child (to signal it), `detached` gives it a process group of its own (to send
 * it Ctrl-C as a terminal does, to the whole group).
 */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; onSpawn?: (child: ChildProcess) => void; detached?: boolean },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: Boolean(options.detached),
    })
    options.onSpawn?.(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** This repository's tsc on the project in `dir` (its tsconfig.json), with nothing emitted: exit code and output. */
export async function typeCheck(dir: string): Promise<{ code: number | null; out: string }> {
  const r = await runCommand(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], {
    cwd: dir,
    env: {},
  })
  return { code: r.code, out: r.stdout + r.stderr }
}

/** Runs `tsx tasks.ts ...args` as a user would, with only the environment given (plus PATH). */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<CliResult> {
  return runCommand(process.execPath, ['--conditions=seedbed-source', '--import', 'tsx', path.join(ROOT, 'tasks.ts'), ...args], {
    cwd: options.cwd ?? ROOT,
    // DATABASE_URL is always set, empty when a test wants the embedded default, so that a
    // developer's .env never decides which database a test writes to.
    env: { DATABASE_URL: '', SEEDBED_BCRYPT_COST: '4', ...NO_CHILD_COVERAGE, ...options.env },
    ...(options.onSpawn && { onSpawn: options.onSpawn }),
  })
}

/** The example project's rows at scale 1, by table. */
export const EXAMPLE_COUNTS: Readonly<Record<string, number>> = {
  roles: 3,
  permissions: 8,
  role_permissions: 15,
  users: 4,
  categories: 5,
  products: 8,
  customers: 1000,
  orders: 2000,
  order_items: 4913,
}

/**
 * A database with the example project's schema applied, beside `home` (a test database), to clone a
 * fresh copy per case in milliseconds: `copy(t, name)` gives its URL and a pool, both gone at `t`'s end.
 */
export async function exampleTemplate(t: Teardown, home: TestDatabase) {
  const admin = postgres(databaseUrl(home.url, 'postgres'), { max: 1, onnotice: () => {} })
  const template = `${home.name}_tpl`
  await admin.unsafe(`CREATE DATABASE "${template}"`)
  const tpl = postgres(databaseUrl(home.url, template), { max: 1, onnotice: () => {} })
  await applySchema(tpl, path.join(ROOT, 'schema'))
  await tpl.end()
  t.teardown(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`)
    await admin.end()
  })
  return {
    async copy(t: Teardown, name: string) {
      const clone = await cloneDatabase(home.url, template, name)
      const sql = postgres(clone.url, { max: 2, onnotice: () => {} })
      t.teardown(async () => {
        await sql.end()
        await clone.drop()
      })
      return { url: clone.url, sql }
    },
  }
}

/** Row counts of the example project's tables. */
export async function exampleCounts(sql: postgres.Sql): Promise<Record<string, number>> {
  const tables = ['roles', 'permissions', 'role_permissions', 'users', 'categories', 'products', 'customers', 'orders', 'order_items']
  const out: Record<string, number> = {}
  for (const table of tables) {
    const [row] = await sql`SELECT count(*)::int AS n FROM ${sql(table)}`
    out[table] = row!.n
  }
  return out
}

/** An empty seeds folder inside a temporary ES-module project (seed files written there load as ESM). */
export async function seedsFolder(t: Teardown): Promise<string> {
  const root = await tempDir(t)
  await writeFile(path.join(root, 'package.json'), '{ "type": "module" }\n')
  const seeds = path.join(root, 'seeds')
  await mkdir(seeds)
  return seeds
}

/** The files `init` writes in a project without seeds, schema or migration tool, sorted (init-rerun and adoption assert them). */
export const INIT_WRITTEN = [
  '.env.example',
  '.gitignore',
  'Makefile',
  'schema/001_examples.sql',
  'seeds/example_notes.ts',
  'seeds/examples.ts',
  'tasks.ts',
  'test/examples.test.ts',
  'test/seedbed.setup.ts',
  'tsconfig.json',
]

/**
 * Points the imports of `seedbed` in an init project's seeds and setup file at this repository's
 * sources (in a temporary folder `seedbed` resolves nowhere); returns the seed files.
 */
export async function initOnSources(dir: string): Promise<string[]> {
  const seeds = (await readdir(path.join(dir, 'seeds'))).map((f) => path.join(dir, 'seeds', f))
  const point = async (file: string, from: string, to: string) =>
    writeFile(file, (await readFile(file, 'utf8')).replace(`'${from}'`, `'${path.join(ROOT, 'lib', to)}'`))
  for (const file of seeds) await point(file, 'seedbed', 'contract/contract.ts')
  const setup = path.join(dir, 'test', 'seedbed.setup.ts')
  if (existsSync(setup)) await point(setup, 'seedbed/testing', 'testing.ts')
  return seeds
}

/** Every piece of a password a reader could use: its substrings of 3 characters or more. */
export function passwordPieces(password: string): string[] {
  const out = new Set<string>()
  for (let i = 0; i < password.length; i++) for (let j = i + 3; j <= password.length; j++) out.add(password.slice(i, j))
  return [...out].filter((p) => /[a-z0-9]/i.test(p))
}
