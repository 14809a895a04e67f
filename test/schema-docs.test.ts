import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

const page = await readFile(path.join(ROOT, 'README.md'), 'utf8')
/** The code block right after `<!-- example:NAME -->` in the README's section on seeds that know the schema. */
const example = (name: string) => {
  const m = page.match(new RegExp(`<!-- example:${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``))
  if (!m) throw new Error(`README.md has no example:${name} block`)
  return m[1]!
}

t.test("the README's schema session runs as written: plan --check prints what it shows, then created, then skipped", async (t) => {
  const db = await testDatabase(t)
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await mkdir(path.join(dir, 'seeds'))
  // The examples import 'seedbed'; in this temporary folder that resolves nowhere, so point them at the sources.
  const local = (source: string) => source.replace("'seedbed'", `'${path.join(ROOT, 'lib', 'index.ts')}'`)
  await writeFile(path.join(dir, 'seeds', 'authors.ts'), local(example('fake-authors')))
  await writeFile(path.join(dir, 'seeds', 'books.ts'), local(example('fake-books')))
  await db.sql.unsafe(example('fake-schema'))
  const plan = await runCli(['plan', '--check', '--seeds', path.join(dir, 'seeds')], { env: { DATABASE_URL: db.url } })
  t.equal(plan.code, 0, plan.stderr)
  t.equal(plan.stdout, example('fake-plan'))
  const options = { databaseUrl: db.url, seedsDir: path.join(dir, 'seeds') }
  const counts = async () => {
    const r = await seed(options)
    t.ok(r.ok, JSON.stringify(r.seeds.find((s) => s.error)?.error))
    return r.seeds.map((s) => [s.name, s.created, s.updated, s.skipped])
  }
  t.same(await counts(), [
    ['authors', 200, 0, 0],
    ['books', 1000, 0, 0],
  ])
  t.same(await counts(), [
    ['authors', 0, 0, 200],
    ['books', 0, 0, 1000],
  ])
  const [books] = await db.sql`
    SELECT count(DISTINCT author_id)::int AS authors, bool_and(price > 0) AS price, bool_and(pages BETWEEN 20 AND 2000) AS pages,
           min(isbn) AS first, count(*) FILTER (WHERE tags = '{essay,history}')::int AS essays FROM books`
  t.ok(books!.authors > 150, `books refer to ${books!.authors} of the 200 authors`)
  t.same({ ...books, authors: 0 }, { authors: 0, price: true, pages: true, first: '9780000000000', essays: 333 })
})
