import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { codes } from '../lib/errors/errors.ts'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
/** The code block right after `<!-- example:NAME -->`. */
const example = (name: string) => {
  const m = readme.match(new RegExp(`<!-- example:${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``))
  if (!m) throw new Error(`README has no example:${name} block`)
  return m[1]!
}

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

t.test('every error code is documented', async (t) => {
  for (const code of Object.values(codes)) t.match(readme, `| \`${code}\` |`, code)
})

t.test('every flag of every task is documented', async (t) => {
  for (const task of ['seed', 'plan', 'fresh', 'validate', 'new']) {
    const help = (await runCli([task, '--help'])).stdout
    for (const [flag] of help.matchAll(/--[a-z-]+/g)) t.match(readme, `\`${flag}`, `${task} ${flag}`)
  }
})

t.test('every environment variable the code reads is documented', async (t) => {
  const sources = ['lib/config/config.ts', 'lib/helpers/secrets.ts', 'seeds/users.ts']
  const text = (await Promise.all(sources.map((f) => readFile(path.join(ROOT, f), 'utf8')))).join('\n')
  const names = new Set([...text.matchAll(/env\.([A-Z_]+)|secret\('([A-Z_]+)'|process\.env\.([A-Z_]+)/g)].map((m) => m[1] ?? m[2] ?? m[3]))
  t.ok(names.size >= 8)
  for (const name of names) t.match(readme, `| \`${name}\` |`, name!)
})

t.test("the README's Mermaid graph is what `plan --format mermaid` prints", async (t) => {
  const block = readme.match(/```mermaid\n([\s\S]*?)```/)
  t.ok(block, 'the README has a mermaid block')
  const r = await runCli(['plan', '--format', 'mermaid'])
  t.equal(r.stdout, block![1])
})
