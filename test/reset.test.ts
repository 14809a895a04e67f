import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { cloneDatabase, dropTemplate, prepareTemplate, truncateAndReplant } from '../lib/testing.ts'
import { exampleCounts, ROOT, testDatabase } from './helpers.ts'

// The pre-test hook recipe of docs/test-databases.md, as a tap `before`: one seeded template, a copy per test.
process.env.SEEDBED_BCRYPT_COST = '4'
const home = await testDatabase(t)
const template = `${home.name}_tpl`
const seedOptions = { seedsDir: path.join(ROOT, 'seeds'), only: [] as string[], scale: 0.2 }

t.before(async () => {
  const result = await prepareTemplate({ serverUrl: home.url, template, schemaDir: path.join(ROOT, 'schema'), seed: seedOptions })
  t.ok(result.ok, 'template seeded once')
})
t.teardown(() => dropTemplate(home.url, template))

t.test('each test gets its own seeded copy, independent of the others', async (t) => {
  const a = await cloneDatabase(home.url, template, `${home.name}_a`)
  const b = await cloneDatabase(home.url, template, `${home.name}_b`)
  t.teardown(async () => {
    await a.drop()
    await b.drop()
  })
  const sa = postgres(a.url, { max: 1, onnotice: () => {} })
  const sb = postgres(b.url, { max: 1, onnotice: () => {} })
  t.teardown(async () => {
    await sa.end()
    await sb.end()
  })
  const counts = await exampleCounts(sa)
  t.same(await exampleCounts(sb), counts, 'both copies hold the seeded data')
  t.equal(counts.customers, 200, 'scale 0.2 of the example')
  await sa`DELETE FROM order_items`
  t.equal((await exampleCounts(sb)).order_items, counts.order_items, 'changing one copy leaves the other alone')
})

t.test('truncate-and-replant restores the same rows in place', async (t) => {
  const c = await cloneDatabase(home.url, template, `${home.name}_c`)
  t.teardown(() => c.drop())
  const sql = postgres(c.url, { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end())
  const before = await exampleCounts(sql)
  await sql`DELETE FROM order_items`
  const result = await truncateAndReplant(c.url, seedOptions)
  t.ok(result.ok)
  t.same(await exampleCounts(sql), before)
})
