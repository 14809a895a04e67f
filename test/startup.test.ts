import { spawn } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { applySchema } from '../lib/db/schema.ts'
import { seedOnStartup } from '../lib/execution/startup.ts'
import { freePort } from '../lib/db/embedded.ts'
import { exampleCounts, NO_CHILD_COVERAGE, ROOT, testDatabase } from './helpers.ts'

process.env.SEEDBED_BCRYPT_COST = '4'
const db = await testDatabase(t)
await applySchema(db.sql, path.join(ROOT, 'schema'))
const base = { databaseUrl: db.url, seedsDir: path.join(ROOT, 'seeds'), envDir: false as const }

t.test('skipped unless the profile asks for it, and in production unless allowed', async (t) => {
  delete process.env.SEEDBED_ON_STARTUP
  t.match(await seedOnStartup(base), { ran: false, reason: /SEEDBED_ON_STARTUP is not true in development/ })
  process.env.SEEDBED_ON_STARTUP = 'true'
  t.teardown(() => void delete process.env.SEEDBED_ON_STARTUP)
  t.match(await seedOnStartup({ ...base, env: 'production' }), { ran: false, reason: /never runs in production/ })
  t.same(
    Object.values(await exampleCounts(db.sql)).filter((n) => n > 0),
    [],
    'nothing written',
  )
})

t.test('three replicas starting at once: one seeds, the others find nothing changed', async (t) => {
  process.env.SEEDBED_ON_STARTUP = 'true'
  t.teardown(() => void delete process.env.SEEDBED_ON_STARTUP)
  const outcomes = await Promise.all([1, 2, 3].map(() => seedOnStartup(base)))
  t.ok(outcomes.every((o) => o.ran && o.result!.ok))
  const seeded = outcomes.filter((o) => o.result!.seeds.length > 0)
  t.equal(seeded.length, 1, 'one replica ran the seeds')
  t.equal(outcomes.filter((o) => o.result!.seeds.length === 0).length, 2, 'the others found nothing changed')
  t.equal((await exampleCounts(db.sql)).customers, 1000)
})

t.test('the example server seeds, then listens', async (t) => {
  await db.sql`TRUNCATE order_items, orders, customers`
  await db.sql`DELETE FROM seedbed.seed_runs WHERE seed IN ('customers', 'orders', 'order_items')`
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples', 'server.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: db.url,
      SEEDBED_ON_STARTUP: 'true',
      PORT: String(port),
      SEEDBED_BCRYPT_COST: '4',
      ...NO_CHILD_COVERAGE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => child.kill())
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  for (let i = 0; i < 200 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 50))
  t.match(out, /listening on http:\/\/127\.0\.0\.1:\d+/)
  const body = await (await fetch(`http://127.0.0.1:${port}/`)).json()
  t.same(body, { ok: true, seeded: true })
  t.equal((await exampleCounts(db.sql)).customers, 1000, 'the changed (re-run) seeds ran before it listened')
})
