import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { ROOT, tempDir, testDatabase } from './helpers.ts'

t.test("ctx.query runs sql-template-strings statements in the seed's transaction, values as parameters", async (t) => {
  const db = await testDatabase(t)
  await db.sql`CREATE TABLE books (name text PRIMARY KEY, author text NOT NULL)`
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await writeFile(
    path.join(dir, 'books.ts'),
    `import { defineSeed, SQL } from '${path.join(ROOT, 'lib', 'index.ts')}'
export default defineSeed({
  async run({ query, tally }) {
    const name = "Robert'); DROP TABLE books;--"
    const rows = await query<{ inserted: boolean }>(SQL\`INSERT INTO books (name, author) VALUES (\${name}, \${'Anon'})
      ON CONFLICT (name) DO NOTHING RETURNING (xmax = 0) AS inserted\`)
    tally(rows, 1)
    const [found] = await query<{ n: number }>(SQL\`SELECT count(*)::int AS n FROM books WHERE author = \${'Anon'}\`)
    if (process.env.SEEDBED_QUERY_FAIL && found?.n === 1) throw new Error('roll me back')
  },
})
`,
  )
  const first = await seed({ databaseUrl: db.url, seedsDir: dir })
  t.ok(first.ok)
  t.same([first.seeds[0]!.created, first.seeds[0]!.skipped], [1, 0])
  const second = await seed({ databaseUrl: db.url, seedsDir: dir })
  t.same([second.seeds[0]!.created, second.seeds[0]!.skipped], [0, 1], 'idempotent through ON CONFLICT')
  t.same(await db.sql`SELECT name FROM books`, [{ name: "Robert'); DROP TABLE books;--" }], 'the value was a parameter')
  await db.sql`TRUNCATE books`
  process.env.SEEDBED_QUERY_FAIL = '1'
  t.teardown(() => {
    delete process.env.SEEDBED_QUERY_FAIL
  })
  const failed = await seed({ databaseUrl: db.url, seedsDir: dir })
  t.notOk(failed.ok)
  t.equal((await db.sql`SELECT count(*)::int AS n FROM books`)[0]!.n, 0, 'rolled back with the seed')
})
