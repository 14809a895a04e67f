/**
 * The setup file `seedbed init` writes, used as a project would: two `node --test` runs of a project
 * made by `init`, each test file in a process of its own. The first run builds the template, the
 * second seeds nothing (its clones carry the first run's ledger row); an edited seed rebuilds it.
 */
import { spawn } from 'node:child_process'
import { readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { initProject } from '../lib/cli/init.ts'
import { pruneTestDatabases } from '../lib/testing.ts'
import { initOnSources, NO_CHILD_COVERAGE, ROOT, tempDir } from './helpers.ts'

const TEST_FILE = (n: number) => `import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import postgres from 'postgres'
import { seededDatabase, setup } from './seedbed.setup.js'

after(await setup())

test('seeded rows of its own (${n})', async () => {
  const db = await seededDatabase()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql\`SELECT count(*)::int AS n FROM examples\`
    assert.equal(row?.n, 2)
    const [run] = await sql\`SELECT min(started_at)::text AS started, count(*)::int AS runs FROM seedbed.runs\`
    console.log('LEDGER ' + JSON.stringify({ db: db.name, ...run }))
    await sql\`TRUNCATE examples CASCADE\` // a change of this copy alone
  } finally {
    await sql.end()
  }
})
`

function run(dir: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', 'test/a.test.ts', 'test/b.test.ts', 'test/c.test.ts'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SEEDBED_BCRYPT_COST: '4', ...NO_CHILD_COVERAGE, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
}

const ledgers = (out: string) =>
  [...out.matchAll(/LEDGER (\{.*\})/g)].map((m) => JSON.parse(m[1]!) as { db: string; started: string; runs: number })

t.test('two test runs of an init project: one build, then none; an edited seed rebuilds', async (t) => {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "name": "app", "type": "module" }\n')
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  const report = await initProject({ dir })
  t.equal(report.testRunner, 'node:test')
  const setupPath = path.join(dir, 'test', 'seedbed.setup.ts')
  const setupText = await readFile(setupPath, 'utf8')
  t.match(setupText, 'testDatabases(options)', 'the setup file uses the content-keyed template')
  // In this folder `seedbed` resolves nowhere: point the imports at the sources.
  const seedFile = (await initOnSources(dir)).find((f) => f.endsWith('/examples.ts'))!
  for (const [i, name] of ['a', 'b', 'c'].entries()) await writeFile(path.join(dir, 'test', `${name}.test.ts`), TEST_FILE(i))

  const env: Record<string, string> = { DATABASE_URL: process.env.DATABASE_URL ?? '' }
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl) t.teardown(() => pruneTestDatabases(serverUrl, { seedsDir: path.join(dir, 'seeds') }))

  const first = await run(dir, env)
  t.equal(first.code, 0, 'first run passes', { out: first.out })
  const one = ledgers(first.out)
  t.equal(one.length, 3, 'three test files, three clones')
  t.equal(new Set(one.map((l) => l.db)).size, 3, 'each process a database of its own')
  t.same(new Set(one.map((l) => l.started)).size, 1, 'all copies of one build')
  t.ok(
    one.every((l) => l.runs === 1),
    'seeded once',
  )

  const second = await run(dir, env)
  t.equal(second.code, 0, 'second run passes', { out: second.out })
  const two = ledgers(second.out)
  t.equal(two.length, 3)
  t.same([...new Set(two.map((l) => l.started))], [one[0]!.started], 'the second run seeded nothing: its copies hold the first build')

  await writeFile(seedFile, (await readFile(seedFile, 'utf8')).replace('The first example', 'The first example, edited'))
  const third = await run(dir, env)
  t.equal(third.code, 0, 'third run passes', { out: third.out })
  const three = ledgers(third.out)
  t.equal(new Set(three.map((l) => l.started)).size, 1)
  t.not(three[0]!.started, one[0]!.started, 'an edited seed file: a new build')
  if (!serverUrl) {
    const { existsSync } = await import('node:fs')
    t.ok(existsSync(path.join(dir, '.seedbed', 'test', 'test-profile')), 'the embedded server ran in a test folder of its own')
    t.notOk(existsSync(path.join(dir, '.seedbed', 'pg')), 'the development folder was not touched')
    // Each test process is a file in users/ while it uses the server; the last one to leave stops it.
    const users = await readdir(path.join(dir, '.seedbed', 'test', 'users'))
    t.same(users, [], 'no test process is still recorded as using the server: each left')
    t.notOk(existsSync(path.join(dir, '.seedbed', 'test', 'pg', 'postmaster.pid')), 'the last test process stopped the server')
  }
})

t.test('with a migration tool, the setup file keys the template by its command and migration folder', async (t) => {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ devDependencies: { prisma: '6', vitest: '3' } }))
  const report = await initProject({ dir })
  t.equal(report.testRunner, 'vitest')
  const text = await readFile(path.join(dir, 'test', 'seedbed.setup.ts'), 'utf8')
  t.match(text, "const options = { seed: { seedsDir: 'seeds', migrate: 'npx prisma migrate deploy' }, migrationsDir: 'prisma/migrations' }")
  t.match(text, /^export default setup$/m, 'vitest runs the default export as its global setup')
})
