import type { ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { access, cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import path from 'node:path'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { initProject } from '../lib/cli/init.ts'
import { databaseUrl } from '../lib/testing.ts'
import { type CliResult, NO_CHILD_COVERAGE, ROOT, runCommand, tempDir, testDatabase } from './helpers.ts'

/**
 * A project made by `seedbed init`, run under Bun and Deno (from npm, dev dependencies) as under Node:
 * the session (seed twice, plan, status), a test run of the setup file's helpers, Ctrl-C (during a
 * query and during a COPY), the COPY paths (`load`, `ctx.fake`: the same rows as under Node), the run
 * lock (two runs at once) and the embedded default. The project has seedbed installed as a user gets
 * it (dist/ and package.json, so `npm run build` first) and the rest of this repository's node_modules.
 */
const db = await testDatabase(t)
const BIN = path.join(ROOT, 'node_modules', '.bin')
const RUNTIMES = {
  bun: { bin: path.join(BIN, 'bun'), task: ['tasks.ts'], test: (file: string) => ['test', file] },
  deno: { bin: path.join(BIN, 'deno'), task: ['run', '-A', 'tasks.ts'], test: (file: string) => ['test', '-A', file] },
} as const
type Runtime = keyof typeof RUNTIMES

const ENV = { SEEDBED_BCRYPT_COST: '4', DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', ...NO_CHILD_COVERAGE }
const CONTRACT = "import { defineSeed } from 'seedbed'\n"

/** Seed folders of the checks below, each run with --seeds. */
const SEEDS: Record<string, string> = {
  // Ctrl-C while a query runs, and while a COPY streams (rows without end).
  sleep: `${CONTRACT}export default defineSeed({
  name: 'sleepy',
  async run({ sql, upsert }) {
    await upsert('items', [{ name: 'sleepy' }], { conflict: ['name'] })
    await sql\`SELECT pg_sleep(30)\`
  },
})
`,
  stream: `${CONTRACT}function* rows() { for (let i = 0; ; i++) yield [i, 'row ' + i] }
export default defineSeed({
  name: 'stream',
  async run({ load }) {
    await load('stream', rows(), { columns: ['id', 'payload'], conflict: ['id'] })
  },
})
`,
  // The COPY paths: load (COPY into a staging table, then merged) and fake (rows from the catalog).
  bulk: `${CONTRACT}function* points() { for (let i = 0; i < 5000; i++) yield [i, 'point ' + i, i % 7] }
export default defineSeed({
  name: 'bulk',
  async run({ load, fake }) {
    await load('points', points(), { columns: ['id', 'label', 'weight'], conflict: ['id'] })
    await fake('people', 300)
  },
})
`,
  // The lock: a run that holds it for a second.
  slow: `${CONTRACT}export default defineSeed({
  name: 'slow',
  async run({ sql, upsert }) {
    await upsert('items', [{ name: 'slow' }], { conflict: ['name'] })
    await sql\`SELECT pg_sleep(1)\`
  },
})
`,
}

const TABLES = `CREATE TABLE items (name text PRIMARY KEY);
CREATE TABLE stream (id bigint PRIMARY KEY, payload text NOT NULL);
CREATE TABLE points (id int PRIMARY KEY, label text NOT NULL, weight int NOT NULL);
CREATE TABLE people (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, born date);`

/** The test files of each runtime's runner, using the setup file init wrote. */
const TEST_FILES: Record<Runtime, [string, string]> = {
  bun: [
    'test/examples.bun.test.ts',
    `import { afterAll, expect, test } from 'bun:test'
import postgres from 'postgres'
import { closeDatabases, seededDatabase } from './seedbed.setup.ts'

afterAll(closeDatabases)

test('the example rows are seeded', async () => {
  const db = await seededDatabase()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql<{ n: number }[]>\`SELECT count(*)::int AS n FROM examples\`
    expect(row?.n).toBe(2)
  } finally {
    await sql.end()
    await db.drop()
  }
}, 120_000) // the first run initialises the embedded server and builds the template: longer than bun's 5 s default
`,
  ],
  deno: [
    'test/examples.deno.test.ts',
    `import assert from 'node:assert/strict'
import postgres from 'postgres'
import { closeDatabases, seededDatabase } from './seedbed.setup.ts'

Deno.test('the example rows are seeded', async () => {
  const db = await seededDatabase()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql<{ n: number }[]>\`SELECT count(*)::int AS n FROM examples\`
    assert.equal(row?.n, 2)
  } finally {
    await sql.end()
    await db.drop()
    await closeDatabases()
  }
})
`,
  ],
}

/** Why a runtime cannot run here, if it cannot: missing, or its npm postinstall skipped (Bun's placeholder binary). */
function unavailable(bin: string): string | undefined {
  try {
    execFileSync(bin, ['--version'], { stdio: 'pipe', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } })
    return undefined
  } catch (e) {
    return `${bin} does not run (npm ci installs it; allowScripts lets its postinstall put the binary there): ${String((e as { stderr?: unknown }).stderr ?? e).split('\n')[0]}`
  }
}

/** An init project with seedbed installed from dist/ (a copy, as npm installs it) and the other packages linked. */
async function project(t: Test, prefix: string): Promise<string> {
  await access(path.join(ROOT, 'dist', 'tasks.js')).catch(() => {
    throw new Error('dist/ is missing: run `npm run build`')
  })
  const dir = await tempDir(t, prefix)
  await writeFile(path.join(dir, 'package.json'), '{ "name": "app", "type": "module" }\n')
  const modules = path.join(dir, 'node_modules')
  await mkdir(modules)
  for (const entry of await readdir(path.join(ROOT, 'node_modules'))) {
    if (entry !== 'seedbed') await symlink(path.join(ROOT, 'node_modules', entry), path.join(modules, entry))
  }
  await cp(path.join(ROOT, 'dist'), path.join(modules, 'seedbed', 'dist'), { recursive: true })
  await cp(path.join(ROOT, 'package.json'), path.join(modules, 'seedbed', 'package.json'))
  await initProject({ dir })
  for (const [folder, text] of Object.entries(SEEDS)) {
    await mkdir(path.join(dir, folder))
    await writeFile(path.join(dir, folder, `${folder}.ts`), text)
  }
  return dir
}

/** A database of its own on the test server, with the tables of the seed folders. */
async function database(t: Test, name: string): Promise<string> {
  const database = `${db.name}_${name}`.slice(0, 63)
  await db.sql.unsafe(`CREATE DATABASE "${database}"`)
  t.teardown(() => db.sql.unsafe(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`))
  const url = databaseUrl(db.url, database)
  await query(url, TABLES)
  return url
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    socket.once('connect', () => resolve(socket.destroy() === socket))
    socket.once('error', () => resolve(false))
  })

const counts = (result: CliResult) =>
  JSON.parse(result.stdout).seeds.map((s: { name: string; created: number; updated: number; skipped: number }) => [
    s.name,
    s.created,
    s.updated,
    s.skipped,
  ])

/** Each table's rows as one digest: two databases seeded the same hold the same rows. */
async function digest(url: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of ['points', 'people']) {
    const [row] = await query<{ d: string }>(
      url,
      `SELECT count(*)::int || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS d FROM ${table} t`,
    )
    out[table] = row!.d
  }
  return out
}

// The same seeds under Node (tsx) in an init project: what each runtime must match.
let nodeBulk: Promise<{ first: unknown; second: unknown; digest: Record<string, string> }> | undefined
const underNode = (t: Test) =>
  (nodeBulk ??= (async () => {
    const dir = await project(t, 'seedbed-node-')
    const url = await database(t, 'node')
    const run = () =>
      runCommand(process.execPath, ['--import', 'tsx', 'tasks.ts', 'seed', '--seeds', 'bulk', '--json'], {
        cwd: dir,
        env: { ...ENV, DATABASE_URL: url },
      })
    const first = await run()
    const second = await run()
    if (first.code !== 0 || second.code !== 0) throw new Error(`under Node: ${first.stderr}${second.stderr}`)
    return { first: counts(first), second: counts(second), digest: await digest(url) }
  })())

/** Waits until a query of the run matching `pattern` is on the server (not a fixed delay). */
async function waitFor(url: string, pattern: string, output: () => string): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  for (let i = 0; i < 600; i++) {
    const [row] = await db.sql<[{ n: number }]>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name} AND query ILIKE ${pattern} AND pid <> pg_backend_pid()`
    if (row.n > 0) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`never saw ${pattern} on the server: ${output()}`)
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return (await sql.unsafe(text)) as unknown as T[]
  } finally {
    await sql.end()
  }
}

for (const [name, runtime] of Object.entries(RUNTIMES) as [Runtime, (typeof RUNTIMES)[Runtime]][]) {
  const missing = unavailable(runtime.bin)
  t.test(`${name}: an init project`, { skip: !process.env.CI && missing ? missing : false }, async (t) => {
    if (missing) throw new Error(missing)
    const dir = await project(t, `seedbed-${name}-`)
    const task = (env: Record<string, string>, args: string[], options: { onSpawn?: (c: ChildProcess) => void; detached?: boolean } = {}) =>
      runCommand(runtime.bin, [...runtime.task, ...args], { cwd: dir, env: { ...ENV, ...env }, ...options })

    t.test('seeds, seeds again with nothing to do, plans, shows its status', async (t) => {
      const env = { DATABASE_URL: await database(t, `${name}_session`) }
      const first = await task(env, ['seed', '--apply-schema', '--json'])
      t.equal(first.code, 0, first.stderr)
      t.same(counts(first), [['examples', 2, 0, 0]])
      const second = await task(env, ['seed', '--json'])
      t.equal(second.code, 0, second.stderr)
      t.same(counts(second), [['examples', 0, 0, 2]], 'the second run skips every row')
      const plan = await task(env, ['plan'])
      t.equal(plan.code, 0, plan.stderr)
      t.match(plan.stdout, /1 seed in 1 level/)
      const status = await task(env, ['status', '--json'])
      t.equal(status.code, 0, status.stderr)
      t.same(
        JSON.parse(status.stdout).runs.map((r: { command: string; status: string }) => [r.command, r.status]),
        [
          ['seed', 'succeeded'],
          ['seed', 'succeeded'],
        ],
      )
    })

    for (const [label, folder, pattern] of [
      ['a query', 'sleep', '%pg_sleep(30)%'],
      ['a COPY', 'stream', 'copy%'],
    ] as const) {
      t.test(`Ctrl-C during ${label}: exit 130, E_INTERRUPTED, rolled back, recorded interrupted`, async (t) => {
        const url = await database(t, `${name}_int_${folder}`)
        let child: ChildProcess | undefined
        let output = ''
        const done = task({ DATABASE_URL: url }, ['seed', '--seeds', folder, '--json', '--max-retries', '0'], {
          detached: true,
          onSpawn: (c) => {
            child = c
            c.stderr?.on('data', (d) => (output += d))
          },
        })
        await waitFor(url, pattern, () => output)
        // Ctrl-C on a terminal signals the whole foreground process group.
        process.kill(-child!.pid!, 'SIGINT')
        const result = await done
        t.equal(result.code, 130, `exit 130: ${result.stderr}`)
        t.same(
          result.stderr
            .split('\n')
            .filter((l) => /E_[A-Z_]+:/.test(l))
            .map((l) => /(E_[A-Z_]+):/.exec(l)![1]),
          ['E_INTERRUPTED'],
          `one error line, E_INTERRUPTED: ${result.stderr}`,
        )
        t.notMatch(result.stdout + result.stderr, 'COPY_IN_PROGRESS', 'no echo of the driver')
        const seed = JSON.parse(result.stdout).seeds[0]
        t.same([seed.status, seed.error?.code], ['interrupted', 'E_INTERRUPTED'])
        t.same(Object.keys(seed.error).sort(), ['code', 'hint', 'message'], 'the error names no source position (none applies)')
        const [run] = await query<{ status: string }>(url, 'SELECT status FROM seedbed.runs ORDER BY id DESC LIMIT 1')
        t.equal(run?.status, 'interrupted', 'the ledger recorded the end: the run ended by itself, before the forced stop')
        const [rows] = await query<{ n: number }>(url, `SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM stream) AS n`)
        t.equal(Number(rows?.n), 0, 'nothing committed')
      })
    }

    t.test('load and fake (COPY) write the same rows as under Node, and merge on a second run', async (t) => {
      const node = await underNode(t)
      const url = await database(t, `${name}_bulk`)
      const first = await task({ DATABASE_URL: url }, ['seed', '--seeds', 'bulk', '--json'])
      t.equal(first.code, 0, first.stderr)
      t.same(counts(first), node.first, 'the counts of the first run, as under Node')
      const second = await task({ DATABASE_URL: url }, ['seed', '--seeds', 'bulk', '--json'])
      t.equal(second.code, 0, second.stderr)
      t.same(counts(second), node.second, 'the counts of the second run, as under Node')
      const rows = await digest(url)
      t.match(rows, { points: /^5000:/ })
      t.same(rows, node.digest, 'the same rows as under Node')
    })

    t.test('two runs at once: one waits for the lock, the runs do not overlap', async (t) => {
      const url = await database(t, `${name}_lock`)
      const [a, b] = await Promise.all([
        task({ DATABASE_URL: url }, ['seed', '--seeds', 'slow']),
        task({ DATABASE_URL: url }, ['seed', '--seeds', 'slow']),
      ])
      t.equal(a.code, 0, a.stderr)
      t.equal(b.code, 0, b.stderr)
      const runs = await query<{ status: string; started_at: Date; ended_at: Date }>(
        url,
        'SELECT status, started_at, ended_at FROM seedbed.runs ORDER BY started_at',
      )
      t.same(
        runs.map((r) => r.status),
        ['succeeded', 'succeeded'],
      )
      t.ok(runs[0]!.ended_at <= runs[1]!.started_at, `the second run started after the first ended: ${JSON.stringify(runs)}`)
    })

    t.test('the setup file seeds a test database for a test run', async (t) => {
      const [file, text] = TEST_FILES[name]
      await writeFile(path.join(dir, file), text)
      const run = await runCommand(runtime.bin, runtime.test(file), { cwd: dir, env: { ...ENV, DATABASE_URL: db.url } })
      t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
      t.match(run.stdout + run.stderr, name === 'bun' ? /1 pass\n\s*0 fail/ : /ok \| 1 passed \| 0 failed/)
    })

    t.test('the embedded default: seeds twice, the test run, nothing left running', async (t) => {
      const port = await freePort()
      const env = { DATABASE_URL: '', SEEDBED_EMBEDDED_PORT: String(port) }
      const first = await task(env, ['seed', '--json'])
      t.equal(first.code, 0, first.stderr)
      t.same(counts(first), [['examples', 2, 0, 0]])
      const second = await task(env, ['seed', '--json'])
      t.equal(second.code, 0, second.stderr)
      t.same(counts(second), [['examples', 0, 0, 2]])
      t.notOk(await listening(port), 'the embedded server is stopped after the run')
      const [file] = TEST_FILES[name]
      const run = await runCommand(runtime.bin, runtime.test(file), { cwd: dir, env: { ...ENV, ...env } })
      t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
      t.notOk(await listening(port), 'and after the test run')
    })
  })
}
