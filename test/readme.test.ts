import { spawn } from 'node:child_process'
import { readFile, writeFile, mkdir, rm, symlink } from 'node:fs/promises'
import path from 'node:path'
import type postgres from 'postgres'
import t, { type Test } from 'tap'
import { seed, undo } from '../lib/execution/api.ts'
import { formatSummary, formatUndo } from '../lib/output/summary.ts'
import { NO_CHILD_COVERAGE, ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

/** The README and the docs pages whose examples these tests run as written. */
const PAGES = ['README.md', 'docs/dry-run-and-undo.md', 'docs/test-databases.md']
const pages = await Promise.all(PAGES.map(async (file) => ({ file, text: await readFile(path.join(ROOT, file), 'utf8') })))
const readme = pages[0]!.text
const block = (name: string) => new RegExp(`<!-- example:${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``)
/** The code block right after `<!-- example:NAME -->`, in whichever page holds it (exactly one). */
const example = (name: string) => {
  const found = pages.flatMap(({ text }) => text.match(block(name))?.slice(1) ?? [])
  if (found.length !== 1) throw new Error(`example:${name} is in ${found.length} of ${PAGES.join(', ')}, not in one`)
  return found[0]!
}

t.test('every example marker in the pages is followed by a code block these tests run', async (t) => {
  const run = ['seed', 'schema', 'diff-seed', 'diff-output', 'undo-output', 'tap-recipe', 'node-test-script', 'node-test-prepare']
  run.push('node-test-drop', 'node-test-file', 'test-databases') // the last by test/template-cache.test.ts, in a project of its own
  run.push('fake-schema', 'fake-authors', 'fake-books', 'fake-plan') // by test/schema-docs.test.ts
  run.push('existing-database') // by test/existing-database.test.ts, on every schema of the corpus
  const names = pages.flatMap(({ text }) => [...text.matchAll(/<!-- example:([a-z-]+) -->/g)].map((m) => m[1]!))
  t.same(names.sort(), run.sort())
  for (const name of names) t.ok(example(name).length > 0, name)
})

t.test("the README's seed example runs as written: created, then skipped, then updated", async (t) => {
  const db = await testDatabase(t)
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await mkdir(path.join(dir, 'seeds'))
  // The example imports 'seedbed'; in this temporary folder that resolves nowhere, so point it at the sources.
  const source = example('seed').replace("'seedbed'", `'${path.join(ROOT, 'lib', 'index.ts')}'`)
  await writeFile(path.join(dir, 'seeds', 'teams.ts'), source)
  await db.sql.unsafe(example('schema'))
  const options = { databaseUrl: db.url, seedsDir: path.join(dir, 'seeds'), only: [] }
  const counts = async () => {
    const r = await seed(options)
    t.ok(r.ok)
    const { created, updated, skipped } = r.seeds[0]!
    return { created, updated, skipped }
  }
  t.same(await counts(), { created: 2, updated: 0, skipped: 0 })
  t.same(await counts(), { created: 0, updated: 0, skipped: 2 })
  await db.sql`UPDATE teams SET name = 'Old name' WHERE slug = 'ops'`
  t.same(await counts(), { created: 0, updated: 1, skipped: 1 })
})

/**
 * The quick start's project in a temporary folder: the README's teams table and seed file, with its
 * `'seedbed'` import pointed at the sources (nothing resolves it there).
 */
async function quickStart(t: Test) {
  const db = await testDatabase(t)
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await mkdir(path.join(dir, 'seeds'))
  const file = path.join(dir, 'seeds', 'teams.ts')
  const local = (source: string) => source.replace("'seedbed'", `'${path.join(ROOT, 'lib', 'index.ts')}'`)
  await db.sql.unsafe(example('schema'))
  const options = { databaseUrl: db.url, seedsDir: path.join(dir, 'seeds'), only: [] }
  await writeFile(file, local(example('seed')))
  return { db, dir, file, local, options }
}

t.test("docs/dry-run-and-undo.md's --dry-run --diff session prints what it says, and commits nothing", async (t) => {
  const { db, dir, file, local, options } = await quickStart(t)
  t.ok((await seed(options)).ok, 'the quick start seed ran')
  // The changed seed under a new file name: the module cache would hand back the first file's module.
  await rm(file)
  await writeFile(path.join(dir, 'seeds', 'teams-changed.ts'), local(example('diff-seed')))
  const result = await seed({ ...options, dryRun: true, diff: true })
  t.ok(result.ok)
  const printed = formatSummary(result)
  t.ok(printed.includes(example('diff-output').trimEnd()), printed)
  t.match(printed, /^total \(dry run\)\s+ok/m)
  t.match(printed, /dry run: nothing was committed$/)
  const rows = await db.sql`SELECT slug, name FROM teams ORDER BY slug`
  t.same(rows, [
    { slug: 'core', name: 'Core' },
    { slug: 'ops', name: 'Operations' },
  ])
})

t.test("docs/dry-run-and-undo.md's undo session: the dry run prints what it says; undo restores run 1, then nothing", async (t) => {
  const { db, dir, file, local, options } = await quickStart(t)
  t.ok((await seed(options)).ok, 'run 1: the quick start seed')
  const first = await db.sql`SELECT * FROM teams ORDER BY slug`
  await rm(file)
  await writeFile(path.join(dir, 'seeds', 'teams-changed.ts'), local(example('diff-seed')))
  t.ok((await seed(options)).ok, 'run 2: the changed seed')
  const dry = await undo({ ...options, dryRun: true, diff: true })
  const printed = formatUndo(dry)
  t.ok(printed.includes(example('undo-output').trimEnd()), printed)
  t.match(printed, /\nteams +0 +records +public\.teams +1 +1\n/)
  const undone = await undo(options)
  t.same([undone.run, undone.undoRun], [2, 3])
  t.same(await db.sql`SELECT * FROM teams ORDER BY slug`, first, 'as after run 1')
  t.equal((await undo(options)).run, 1)
  t.same(await db.sql`SELECT * FROM teams`, [], 'as before any seeding')
  await t.rejects(undo({ ...options, run: 1 }), { code: 'E_UNDO_NOTHING', message: 'run 1 was already undone by run 4' })
})

t.test("the README's Mermaid graph is what `plan --format mermaid` prints", async (t) => {
  const block = readme.match(/```mermaid\n([\s\S]*?)```/)
  t.ok(block, 'the README has a mermaid block')
  const r = await runCli(['plan', '--format', 'mermaid'])
  t.equal(r.stdout, block![1])
})

/**
 * A project folder holding the README's example seed and schema, node_modules linked to this
 * repository's, and the recipe files with `seedbed/testing` pointed at lib/testing.ts.
 */
async function recipeProject(t: Test, template: string, files: Record<string, string>) {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  await mkdir(path.join(dir, 'seeds'))
  await mkdir(path.join(dir, 'schema'))
  await mkdir(path.join(dir, 'test'))
  const contract = `'${path.join(ROOT, 'lib', 'contract', 'contract.ts')}'`
  await writeFile(path.join(dir, 'seeds', 'teams.ts'), example('seed').replace("'seedbed'", contract))
  await writeFile(path.join(dir, 'schema', '001_teams.sql'), example('schema'))
  for (const [file, text] of Object.entries(files)) {
    const source = text.replaceAll("'seedbed/testing'", `'${path.join(ROOT, 'lib', 'testing.ts')}'`).replaceAll('app_tpl', template)
    await writeFile(path.join(dir, file), source)
  }
  return dir
}

/** Runs a shell command in a project as a developer or CI would, with the repository's bin first on PATH. */
function sh(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env: {
        PATH: `${path.join(ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
        HOME: process.env.HOME ?? '',
        SEEDBED_BCRYPT_COST: '4',
        ...NO_CHILD_COVERAGE,
        ...env,
      },
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
}

const FAILING_NODE_TEST = "import { test } from 'node:test'\nimport assert from 'node:assert'\ntest('fails', () => assert.equal(1, 2))\n"

async function templateExists(sql: postgres.Sql, name: string) {
  return (await sql`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${name}`)[0]!.n === 1
}

t.test('the node --test recipe: passes, fails a failing suite, drops the template either way', async (t) => {
  const db = await testDatabase(t)
  const template = `readme_nt_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const script = JSON.parse(example('node-test-script')).test as string
  const files = {
    'test/prepare-template.ts': example('node-test-prepare'),
    'test/drop-template.ts': example('node-test-drop'),
    'test/orders.test.ts': example('node-test-file'),
  }
  const dir = await recipeProject(t, template, files)
  const env = { DATABASE_URL: db.url }
  const pass = await sh(script, dir, env)
  t.equal(pass.code, 0, pass.out)
  t.match(pass.out, /# pass 1/)
  t.notOk(await templateExists(db.sql, template), 'template dropped after a passing suite')
  await writeFile(path.join(dir, 'test', 'fails.test.ts'), FAILING_NODE_TEST)
  const fail = await sh(script, dir, env)
  t.not(fail.code, 0, 'a failing test fails the command')
  t.match(fail.out, /# fail 1/)
  t.notOk(await templateExists(db.sql, template), 'template dropped after a failing suite')
})

t.test('the tap recipe: passes, fails with a failing test, drops the template either way', async (t) => {
  const db = await testDatabase(t)
  const template = `readme_tap_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const recipe = example('tap-recipe').replace('app_test_orders', `${template}_orders`)
  const dir = await recipeProject(t, template, { 'test/orders.test.ts': recipe })
  const env = { DATABASE_URL: db.url }
  // A tap test file is a program: run on its own, its exit code is the suite's.
  const pass = await sh('node --import tsx test/orders.test.ts', dir, env)
  t.equal(pass.code, 0, pass.out)
  t.match(pass.out, /# \{ total: 1, pass: 1 \}|ok 1 - orders/)
  t.notOk(await templateExists(db.sql, template), 'template dropped after a passing test')
  const failing = recipe.replace('// ... connect to db.url', "t.equal(db.url.length, 0, 'a failing assertion')")
  await writeFile(
    path.join(dir, 'test', 'orders.test.ts'),
    failing.replaceAll("'seedbed/testing'", `'${path.join(ROOT, 'lib', 'testing.ts')}'`).replaceAll('app_tpl', template),
  )
  const fail = await sh('node --import tsx test/orders.test.ts', dir, env)
  t.not(fail.code, 0, 'a failing test fails the command')
  t.match(fail.out, 'not ok')
  t.notOk(await templateExists(db.sql, template), 'template dropped after a failing test')
})
