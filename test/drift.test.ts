/**
 * What the README says against what init writes and the code does, read from both so that they
 * cannot drift apart again; and small wording defects of the output (issue 27, item 18).
 */
import { spawn } from 'node:child_process'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { TASKS } from '../lib/cli/flags.ts'
import { initProject } from '../lib/cli/init.ts'
import { exampleTest, FIRST_SEEDS, setupFile } from '../lib/cli/init-templates.ts'
import { seed, undo } from '../lib/execution/api.ts'
import { SEQUENCE_NOTE } from '../lib/output/diff.ts'
import { formatSummary, formatUndo } from '../lib/output/summary.ts'
import { fixture, ROOT, runCli, seedsFolder, tempDir, testDatabase } from './helpers.ts'

const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
const quickStart = readme.slice(readme.indexOf('### In your project'), readme.indexOf('### This repository'))
const line = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? ''

/** A new ES-module project with init run in it; its report. */
async function initialised(t: Parameters<typeof tempDir>[0]) {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "name": "app", "type": "module" }\n')
  return { dir, report: await initProject({ dir }) }
}

t.test("the quick start's comment on init names what init writes", async (t) => {
  const { report } = await initialised(t)
  const touched = [...report.written, ...report.updated.map((u) => u.file)]
  const comment = line(quickStart, 'npx seedbed init')
    .split('#')[1]!
    .replace(/^\s*writes\s+/, '')
  const items = comment.split(',').map((i) => i.trim())
  t.ok(items.length > 4, comment)
  for (const item of items) {
    const name = item.split(' ')[0]!
    // A file or folder named (`tasks.ts`, `schema/`, `.gitignore`): init writes or adds to it.
    if (/[./]/.test(name))
      t.ok(
        touched.some((f) => f === name || (name.endsWith('/') && f.startsWith(name))),
        `init writes ${name}: ${touched.join(', ')}`,
      )
  }
})

t.test("the quick start's seed:check comment says what plan --check does with init's seeds", async (t) => {
  const comment = line(quickStart, 'npm run seed:check')
  t.ok(comment, 'the quick start runs seed:check')
  const auto = Object.values(FIRST_SEEDS).some((s) => /^\s*dependsOn: 'auto'/m.test(s))
  t.equal(/'auto'/.test(comment), auto, `init's seeds ${auto ? 'use' : 'do not use'} dependsOn: 'auto': ${comment}`)
  t.match(comment, /dependsOn/)
})

t.test('the setup sentence of the quick start shows what init writes, and claims no timing it cannot keep', async (t) => {
  const sentence = quickStart.slice(quickStart.search(/Tests use\s+the\s+setup file/), quickStart.indexOf('`tasks.ts` is your'))
  t.ok(sentence.length > 20, sentence)
  const written = exampleTest('node:test')
  const calls = [...sentence.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((code) => code.includes('('))
  t.ok(calls.length, 'the sentence shows how a test uses the setup file')
  for (const code of calls) t.ok(written.includes(code), `init's example test has ${code}`)
  t.notMatch(sentence, /millisecond/, 'a copy takes 0.1-0.5 s (measured 250-470 ms on a laptop): not milliseconds')
  t.notMatch(setupFile('node:test', 'seeds'), /millisecond/, 'the setup file init writes says the same')
})

t.test("the README's task table lists every built-in task", async (t) => {
  const table = readme.slice(readme.indexOf('| task | what it does |'))
  for (const task of Object.keys(TASKS)) t.match(table, new RegExp(`^\\| \`${task}\\b`, 'm'), task)
})

t.test("init's commented example task type-checks under init's own tsconfig once uncommented", async (t) => {
  const { dir } = await initialised(t)
  const file = path.join(dir, 'tasks.ts')
  const text = await readFile(file, 'utf8')
  const lines = text.split('\n')
  const first = lines.findIndex((l) => /^\s*\/\/ '[\w-]+': \{/.test(l))
  t.ok(first > 0, 'tasks.ts has a commented task')
  let depth = 0
  for (let i = first; i < lines.length; i++) {
    lines[i] = lines[i]!.replace(/^(\s*)\/\/ /, '$1')
    depth += (lines[i]!.match(/\{/g) ?? []).length - (lines[i]!.match(/\}/g) ?? []).length
    if (depth === 0) break
  }
  await writeFile(file, lines.join('\n'))
  // seedbed as the package it is (its types from dist/), @types/node for init's types: ['node'].
  await mkdir(path.join(dir, 'node_modules'), { recursive: true })
  await symlink(ROOT, path.join(dir, 'node_modules', 'seedbed'))
  await symlink(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'))
  await writeFile(path.join(dir, 'tsconfig.tasks.json'), JSON.stringify({ extends: './tsconfig.json', files: ['tasks.ts'] }))
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  const out = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.tasks.json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
  t.equal(out.code, 0, `tsc: ${out.out}\n${lines.join('\n')}`)
})

t.test('retry warnings are single-spaced', async (t) => {
  const db = await testDatabase(t)
  await db.sql`CREATE TABLE items (name text PRIMARY KEY)`
  await db.sql`CREATE SEQUENCE flaky_tries`
  const r = await runCli(['seed', '--seeds', fixture('flaky/seeds'), '--max-retries', '3'], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 0, r.stderr)
  const out = r.stdout + r.stderr
  t.match(out, /retry 1\/3 in \d+ ms: serialization failure \(40001\)\n[^\n]*retry 2\/3/, 'the second retry on the line after the first')
  t.notMatch(out, /\n\n[^\n]*retry \d\/3/, 'no blank line before a retry')
})

t.test('undo --dry-run --diff lists only the seeds with rows to restore or delete, and says when there are none', async (t) => {
  const db = await testDatabase(t)
  const seedsDir = await seedsFolder(t)
  await db.sql`CREATE TABLE a (name text PRIMARY KEY)`
  await db.sql`CREATE TABLE b (name text PRIMARY KEY, n int)`
  await writeFile(
    path.join(seedsDir, 'a.ts'),
    `export default { async run({ upsert }) { await upsert('a', [{ name: 'x' }], { conflict: ['name'] }) } }\n`,
  )
  await writeFile(
    path.join(seedsDir, 'b.ts'),
    `export default { async run({ upsert }) { await upsert('b', [{ name: 'y', n: Number(process.env.B_N ?? 1) }], { conflict: ['name'] }) } }\n`,
  )
  const options = { databaseUrl: db.url, seedsDir }
  t.ok((await seed(options)).ok)
  // The same run again: it writes nothing.
  t.ok((await seed(options)).ok)
  const none = formatUndo(await undo({ ...options, dryRun: true, diff: true }))
  t.notMatch(none, /restore 0, delete 0/)
  t.match(none, /^no rows to restore or delete: a, b$/m)
  await undo(options)
  // Now one seed changes a row, the other writes nothing.
  process.env.B_N = '2'
  try {
    t.ok((await seed(options)).ok)
  } finally {
    delete process.env.B_N
  }
  const one = formatUndo(await undo({ ...options, dryRun: true, diff: true }))
  t.match(one, /^undo of b:\n {2}public\.b: would restore 1, delete 0$/m)
  t.notMatch(one, /undo of a:/)
  t.match(one, /^no rows to restore or delete: a$/m)
})

t.test("a dry run's diff notes spent sequence values only when a table with a sequence got rows", async (t) => {
  const db = await testDatabase(t)
  const seedsDir = await seedsFolder(t)
  await db.sql`CREATE TABLE plain (name text PRIMARY KEY)`
  await db.sql`CREATE TABLE counted (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text UNIQUE)`
  await db.sql`CREATE TABLE serial_ids (id serial PRIMARY KEY, name text UNIQUE)`
  const upsertInto = (table: string) =>
    `export default { async run({ upsert }) { await upsert('${table}', [{ name: 'x' }], { conflict: ['name'] }) } }\n`
  await writeFile(path.join(seedsDir, 'plain.ts'), upsertInto('plain'))
  await writeFile(path.join(seedsDir, 'counted.ts'), upsertInto('counted'))
  await writeFile(path.join(seedsDir, 'serial_ids.ts'), upsertInto('serial_ids'))
  const dry = (only: string[]) => seed({ databaseUrl: db.url, seedsDir, only, dryRun: true, diff: true })
  const plain = await dry(['plain'])
  t.match(formatSummary(plain), /would create 1/)
  t.notOk(formatSummary(plain).includes(SEQUENCE_NOTE), 'no sequence behind plain: no note')
  t.ok(formatSummary(await dry(['counted'])).includes(SEQUENCE_NOTE), 'an identity column: the note')
  t.ok(formatSummary(await dry(['serial_ids'])).includes(SEQUENCE_NOTE), 'a serial column: the note')
})
