import path from 'node:path'
import t from 'tap'
import { seed, plan, validate, status, type RunResult } from '../lib/index.ts'
import { applySchema } from '../lib/db/schema.ts'
import { ROOT, testDatabase } from './helpers.ts'

process.env.SEEDBED_BCRYPT_COST = '4'
const db = await testDatabase(t)
await applySchema(db.sql, path.join(ROOT, 'schema'))

t.test('the API runs on an existing postgres.js pool, leaves it open, prints nothing, never exits', async (t) => {
  const writes: string[] = []
  const original = process.stdout.write.bind(process.stdout)
  const originalErr = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stdout.write
  process.stderr.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stderr.write
  let result: RunResult
  try {
    result = await seed({ sql: db.sql, seedsDir: path.join(ROOT, 'seeds'), only: ['roles'] })
  } finally {
    process.stdout.write = original
    process.stderr.write = originalErr
  }
  t.same(writes, [], 'silent without a logger')
  t.same(
    result!.seeds.map((s) => [s.name, s.status, s.created]),
    [['roles', 'succeeded', 3]],
  )
  t.same(await db.sql`SELECT count(*)::int AS n FROM roles`, [{ n: 3 }], 'the pool is still open')
  const planned = await plan({ seedsDir: path.join(ROOT, 'seeds'), only: ['products'] })
  t.same(
    planned.levels.map((l) => l.seeds.map((s) => s.name)),
    [['roles', 'categories'], ['users'], ['products']],
  )
  t.ok((await validate({ sql: db.sql, seedsDir: path.join(ROOT, 'seeds'), only: ['roles'] })).ok)
  const st = await status({ sql: db.sql, seedsDir: path.join(ROOT, 'seeds'), only: [] })
  t.equal(st.seeds.find((s) => s.name === 'roles')!.file, 'unchanged')
})
