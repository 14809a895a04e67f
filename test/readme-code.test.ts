/**
 * What the README and docs/architecture.md say of the code, read against the code (issue 28, item 11):
 * the `--json` document's shape against a real run's, the statuses against SEED_STATUSES, the context
 * table against a real context, the layer table against lib/'s folders.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { SEED_STATUSES } from '../lib/contract/types.ts'
import { createContext } from '../lib/execution/context.ts'
import { createLogger } from '../lib/output/log.ts'
import { fixture, ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
const architecture = await readFile(path.join(ROOT, 'docs', 'architecture.md'), 'utf8')
const section = (text: string, from: string, to: string) => {
  const start = text.indexOf(from)
  return start < 0 ? '' : text.slice(start, text.indexOf(to, start + from.length))
}
/** The first cells of a markdown table's rows, from the line after `header`. */
const firstCells = (text: string, header: string) => {
  const lines = text.slice(text.indexOf(header)).split('\n').slice(2)
  const rows = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith('|')),
  )
  return rows.map((r) => r.split(/(?<!\\)\|/)[1]!.trim())
}

/** The key set of a JSON value, nested: objects by key, arrays by their elements' shapes. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shape(v)]),
    )
  }
  return value === null ? null : typeof value
}

t.test("the README's `seed --json` example has the shape of a real run's document", async (t) => {
  const block = section(readme, '`seed --json` prints one JSON document', '\n```\n\n')
  const example = JSON.parse(block.slice(block.indexOf('```json') + 7))
  const db = await testDatabase(t)
  await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text UNIQUE)`
  // The example's three seeds: base succeeds, dup fails in the same level, after never starts.
  const dir = await tempDir(t)
  for (const name of ['base', 'dup', 'after']) {
    const source = await readFile(fixture(`failing/seeds/${name}.ts`), 'utf8')
    await writeFile(
      path.join(dir, `${name}.ts`),
      source.replace('../../../../lib/contract/contract.ts', path.join(ROOT, 'lib/contract/contract.ts')),
    )
  }
  const out = await runCli(['seed', '--seeds', dir, '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(out.code, 1, out.stderr)
  const real = JSON.parse(out.stdout)
  t.same(shape(example), shape(real), 'every key of the real document is in the example and no other')
  t.same(
    example.seeds.map((s: { name: string; status: string }) => [s.name, s.status]),
    real.seeds.map((s: { name: string; status: string }) => [s.name, s.status]),
  )
})

t.test("the README's list of seed statuses is the code's", async (t) => {
  const sentence = section(readme, '`status` is one of', '. ')
  const listed = [...sentence.matchAll(/`([a-z_]+)`/g)].map((m) => m[1])
  t.same(listed, ['status', ...SEED_STATUSES], sentence)
})

t.test("the README's context table has a row for every member of a seed's context, and only those", async (t) => {
  const db = await testDatabase(t)
  const members = await db.sql.begin(async (tx) => {
    const { ctx } = createContext(tx, createLogger({ level: -999 }), { seed: 'readme', env: 'development', secrets: [] })
    return Object.keys(ctx).sort()
  })
  const cells = firstCells(readme, '| member | what it is |')
  const named = cells.flatMap((cell) => [...cell.matchAll(/`([a-zA-Z]+)/g)].map((m) => m[1]!)).sort()
  t.same(named, members)
})

t.test("docs/architecture.md's layer table names every folder of lib/, and only those", async (t) => {
  const folders = (await readdir(path.join(ROOT, 'lib'), { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => `${e.name}/`)
    .sort()
  const rows = firstCells(architecture, '| layer | what it holds |').map((c) => c.replaceAll('`', ''))
  t.same([...rows].sort(), folders)
})
