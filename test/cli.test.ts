import { readFile, writeFile } from 'node:fs/promises'
import type { ChildProcess } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { discoverSeeds } from '../lib/planning/discover.ts'
import { fixture, runCli, tempDir, testDatabase, ROOT } from './helpers.ts'

const db = await testDatabase(t)
const json = (out: string) => JSON.parse(out)

t.test('--help for every task lists its flags', async (t) => {
  const flags: Record<string, string[]> = {
    seed: ['--only', '--concurrency', '--json', '--apply-schema', '--pool-size', '--seeds'],
    plan: ['--only', '--json'],
    fresh: ['--only', '--concurrency', '--json'],
    validate: ['--only', '--json'],
    new: ['--seeds'],
  }
  for (const [task, expected] of Object.entries(flags)) {
    const r = await runCli([task, '--help'])
    t.equal(r.code, 0, `${task} --help exits 0`)
    for (const flag of expected) t.match(r.stdout, flag, `${task} --help shows ${flag}`)
  }
  const top = await runCli([])
  t.equal(top.code, 0)
  for (const task of ['seed', 'plan', 'fresh', 'validate', 'new']) t.match(top.stdout, task)
})

t.test('wrong flags and tasks exit 2 with a code', async (t) => {
  const cases: [string[], string, RegExp][] = [
    [['sede'], 'E_UNKNOWN_COMMAND', /unknown task 'sede'/],
    [['seed', '--colour'], 'E_UNKNOWN_OPTION', /--colour/],
    [['plan', '--concurrency', '3'], 'E_UNKNOWN_OPTION', /--concurrency/],
    [['seed', '--concurrency', 'abc'], 'E_BAD_OPTION', /--concurrency must be an integer from 1 to 1000, got 'abc'/],
    [['seed', '--concurrency', '8', '--pool-size', '4'], 'E_BAD_OPTION', /--concurrency 8 exceeds the connection pool size 4/],
    [['seed', '--concurrency'], 'E_BAD_OPTION', /value is missing/],
    [['plan', '--only', 'nobody'], 'E_ONLY_UNKNOWN', /'nobody', not a seed/],
    [['plan', '--seeds', fixture('broken-cycle/seeds')], 'E_DEPENDENCY_CYCLE', /a -> c -> b -> a/],
    [['plan', '--seeds', fixture('broken-missing-dep/seeds')], 'E_DEPENDENCY_MISSING', /'users' depends on 'roles'/],
    [['seed', '--seeds', fixture('broken-syntax/seeds')], 'E_SEED_LOAD', /oops\.ts failed to load/],
    [['seed', '--seeds', fixture('broken-duplicate/seeds')], 'E_SEED_DUPLICATE', /roles_again\.ts/],
  ]
  for (const [args, code, message] of cases) {
    const r = await runCli(args, { env: { DATABASE_URL: db.url } })
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`)
    t.match(r.stderr, `${code}:`, `${args.join(' ')}: ${code}`)
    t.match(r.stderr, message)
  }
})

t.test('plan prints four levels, as text and as JSON, without a database', async (t) => {
  // An unreachable DATABASE_URL proves plan never connects.
  const env = { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none' }
  const text = await runCli(['plan'], { env })
  t.equal(text.code, 0)
  t.match(text.stdout, /9 seeds in 4 levels/)
  const r = await runCli(['plan', '--json', '--only', 'products'], { env })
  t.equal(r.code, 0)
  const plan = json(r.stdout)
  t.same(
    plan.levels.map((l: { seeds: { name: string }[] }) => l.seeds.map((s) => s.name)),
    [['roles', 'categories'], ['users'], ['products']],
  )
  t.same(Object.keys(plan.levels[2].seeds[0]).sort(), ['dependsOn', 'description', 'file', 'name', 'priority'])
})

t.test('seed --json prints one JSON document on stdout, logs on stderr', async (t) => {
  const env = { DATABASE_URL: db.url }
  const first = await runCli(['seed', '--json', '--apply-schema'], { env })
  t.equal(first.code, 0, `exit 0 ${first.code ? first.stderr : ''}`.trim())
  const result = json(first.stdout)
  t.same(Object.keys(result).sort(), ['dryRun', 'durationMs', 'ok', 'seeds'])
  t.equal(result.ok, true)
  t.equal(result.seeds.length, 9)
  for (const s of result.seeds) {
    t.same(Object.keys(s).sort(), [
      'attempts',
      'created',
      'durationMs',
      'error',
      'level',
      'name',
      'rowsPerSecond',
      'skipped',
      'startedMs',
      'status',
      'updated',
    ])
    t.equal(s.status, 'succeeded')
  }
  t.match(first.stderr, /\[users\]/, 'human lines went to stderr')

  const second = json((await runCli(['seed', '--json'], { env })).stdout)
  t.ok(
    second.seeds.every((s: { created: number; updated: number; skipped: number }) => s.created === 0 && s.updated === 0 && s.skipped > 0),
    'second run: all skipped',
  )

  const human = await runCli(['seed'], { env })
  t.equal(human.code, 0)
  t.match(human.stdout, /seed\s+level\s+status\s+created\s+updated\s+skipped\s+rows\/s\s+ms/, 'summary table on stdout')
  t.match(human.stdout, /total\s+ok\s+0\s+0\s+7956\s+\d+\s+\d+/)
})

t.test('a failing run exits 1 and reports each seed', async (t) => {
  await db.sql`CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
  const r = await runCli(['seed', '--json', '--seeds', fixture('failing/seeds')], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 1)
  const result = json(r.stdout)
  t.equal(result.ok, false)
  t.same(Object.fromEntries(result.seeds.map((s: { name: string; status: string }) => [s.name, s.status])), {
    base: 'succeeded',
    dup: 'failed',
    slow: 'succeeded',
    after: 'not_executed',
  })
  t.equal(result.seeds.find((s: { name: string }) => s.name === 'dup').error.code, 'E_UNIQUE_VIOLATION')
})

t.test('an error before any seed runs still gives JSON with the code', async (t) => {
  const r = await runCli(['seed', '--json', '--seeds', fixture('broken-no-export/seeds')], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 2)
  const result = json(r.stdout)
  t.same([result.ok, result.seeds, result.error.code], [false, [], 'E_SEED_NO_EXPORT'])
  t.match(result.error.file, /helper\.ts$/)
})

t.test('an unreachable server is E_CONNECT, and the password appears nowhere', async (t) => {
  const password = 'Very-Secret-Pw-42'
  const r = await runCli(['seed', '--json'], { env: { DATABASE_URL: `postgres://app:${password}@127.0.0.1:1/app` } })
  t.equal(r.code, 1)
  t.equal(json(r.stdout).error.code, 'E_CONNECT')
  t.match(r.stderr, /cannot reach PostgreSQL at 127\.0\.0\.1:1/)
  t.notMatch(r.stdout + r.stderr, password)
  const bad = await runCli(['seed'], { env: { DATABASE_URL: `mysql://app:${password}@host/db` } })
  t.equal(bad.code, 2)
  t.match(bad.stderr, 'E_BAD_OPTION')
  t.notMatch(bad.stdout + bad.stderr, password)
})

t.test('new writes a seed that loads, and refuses to overwrite', async (t) => {
  const dir = await tempDir(t)
  // Seed files are ES modules: a project outside the repo says so in its package.json.
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  const seeds = path.join(dir, 'seeds')
  const r = await runCli(['new', 'order_items', '--seeds', seeds])
  t.equal(r.code, 0, `exit 0 ${r.code ? r.stderr : ''}`.trim())
  t.match(r.stdout, /wrote .*order_items\.ts/)
  const written = await readFile(path.join(seeds, 'order_items.ts'), 'utf8')
  t.match(written, /^import \{ defineSeed \} from 'seedbed'\n/, 'the seed imports seedbed by its package name')
  t.match(written, /defineSeed\(\{\n {2}name: 'order_items'/)
  // This temporary folder has no node_modules/seedbed: point the import at the sources to load it.
  await writeFile(path.join(seeds, 'order_items.ts'), written.replace("'seedbed'", `'${path.join(ROOT, 'lib', 'index.ts')}'`))
  const [loaded] = await discoverSeeds(seeds)
  t.equal(loaded!.name, 'order_items')
  const again = await runCli(['new', 'order_items', '--seeds', seeds])
  t.equal(again.code, 2)
  t.match(again.stderr, 'E_SEED_EXISTS')
  const badName = await runCli(['new', 'Order Items', '--seeds', seeds])
  t.equal(badName.code, 2)
  t.match(badName.stderr, /E_BAD_OPTION: seed name 'Order Items'/)
})

t.test('Ctrl-C rolls back the running seed, says E_INTERRUPTED and exits 130', async (t) => {
  await db.sql`CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
  let child: ChildProcess | undefined
  const done = runCli(['seed', '--seeds', fixture('slow/seeds')], { env: { DATABASE_URL: db.url }, onSpawn: (c) => (child = c) })
  // Wait until the seed is inside its transaction, sleeping, with its row written.
  for (let i = 0; i < 200; i++) {
    const busy =
      await db.sql`SELECT 1 FROM pg_stat_activity WHERE datname = ${db.name} AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`
    if (busy.length) break
    await new Promise((r) => setTimeout(r, 50))
  }
  child!.kill('SIGINT')
  const r = await done
  t.equal(r.code, 130)
  t.notMatch(r.stdout + r.stderr, /\[sleepy\] ✔/, 'did not wait for the seed to finish')
  t.match(r.stderr, /E_INTERRUPTED: interrupted by SIGINT/)
  t.same(await db.sql`SELECT name FROM items WHERE name = 'sleepy'`, [], 'the seed was rolled back')
})

t.test('plan --format mermaid and dot draw the graph by level; a bad format is E_BAD_OPTION', async (t) => {
  const env = { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none' }
  const mermaid = await runCli(['plan', '--format', 'mermaid'], { env })
  t.equal(mermaid.code, 0)
  t.match(mermaid.stdout, /^flowchart LR\n {2}subgraph level0\["level 0"\]\n {4}roles\n/)
  t.match(mermaid.stdout, /subgraph level3\["level 3"\]\n {4}order_items\n {2}end/)
  t.match(mermaid.stdout, / {2}products --> order_items\n/)
  const dot = await runCli(['plan', '--format', 'dot', '--only', 'users'], { env })
  t.equal(dot.code, 0)
  t.equal(
    dot.stdout,
    'digraph seeds {\n  rankdir=LR;\n  node [shape=box];\n  subgraph cluster_0 {\n    label="level 0";\n    "roles";\n  }\n  subgraph cluster_1 {\n    label="level 1";\n    "users";\n  }\n  "roles" -> "users";\n}\n',
  )
  const json = await runCli(['plan', '--format', 'json'], { env })
  t.equal(JSON.parse(json.stdout).levels.length, 4)
  const bad = await runCli(['plan', '--format', 'png'], { env })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /E_BAD_OPTION: --format must be one of text, json, mermaid, dot, svg, html, got 'png'/)
})

t.test('--report writes the JSON result; --log-format json writes one object per line', async (t) => {
  const dir = await tempDir(t)
  const report = path.join(dir, 'report.json')
  const r = await runCli(['seed', '--only', 'roles', '--report', report, '--log-format', 'json'], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 0)
  const written = JSON.parse(await readFile(report, 'utf8'))
  t.same([written.ok, written.seeds.map((s: { name: string }) => s.name)], [true, ['roles']])
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  t.ok(lines.length >= 2, 'every line is a JSON object')
  const roles = lines.find((l) => l.tag === 'roles')
  t.match(roles, { level: 'success', message: /created 0, updated 0, skipped 3/ })
  t.match(lines[0].time, /^\d{4}-\d\d-\d\dT/)
  const bad = await runCli(['seed', '--log-format', 'xml'], { env: { DATABASE_URL: db.url } })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /E_BAD_OPTION: --log-format must be text or json/)
})
