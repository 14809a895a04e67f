import postgres from 'postgres'
import t from 'tap'
import { resolveSettings } from '../lib/config/config.ts'
import { acquireLock } from '../lib/db/lock.ts'
import { codes } from '../lib/errors/errors.ts'
import { runCustomTask } from '../lib/execution/task.ts'
import { createLogger } from '../lib/output/log.ts'
import { databaseUrl } from '../lib/testing.ts'
import { testDatabase } from './helpers.ts'
import { requirePgbouncer, startPgbouncer } from './pgbouncer-helpers.ts'

// A project's task runs through the same lifecycle as `seed`: the pooler's lease, the run's signal.
requirePgbouncer(t)
const db = await testDatabase(t)
const silent = createLogger({ level: -999 })
const task = (settings: ReturnType<typeof resolveSettings>, signal = new AbortController().signal) => ({
  settings,
  log: silent,
  args: [],
  flags: {},
  signal,
  database: true,
  lock: true,
})

t.test('behind a transaction-mode pooler a task holds a lease, not a session advisory lock', async (t) => {
  const through = await startPgbouncer(t, db.url)
  const settings = resolveSettings({}, {}, process.cwd(), { databaseUrl: through(db.name), lockTimeoutMs: 20_000 })
  const seen = await runCustomTask(task(settings), async ({ sql }) => {
    const [lease] = await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM seedbed.lease WHERE expires_at > clock_timestamp()`
    const [locks] = await db.sql<[{ n: number }]>`
      SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND a.datname = current_database()`
    return { lease: lease.n, advisory: locks.n }
  })
  t.same(seen, { lease: 1, advisory: 0 }, 'the lease is held while the task runs; no advisory lock on any server connection')
  const [after] = await db.sql<[{ n: number }]>`SELECT count(*)::int AS n FROM seedbed.lease WHERE expires_at > clock_timestamp()`
  t.equal(after.n, 0, 'released when the task ends')
})

t.test("the run's signal stops a task waiting for the lock", async (t) => {
  const holder = postgres(databaseUrl(db.url, db.name), { max: 2, onnotice: () => {} })
  t.teardown(() => holder.end({ timeout: 5 }))
  const lock = await acquireLock(holder, 1000, silent)
  t.teardown(() => lock.release())
  const controller = new AbortController()
  const lines: string[] = []
  const log = createLogger({ level: 3, reporters: [{ log: (o) => lines.push(o.args.join(' ')) }] })
  const settings = resolveSettings({}, {}, process.cwd(), { databaseUrl: db.url, lockTimeoutMs: 30_000 })
  let ran = false
  const waiting = runCustomTask({ ...task(settings, controller.signal), log }, async () => {
    ran = true
  })
  // Aborted once it says it waits: before the fix it waited out the whole lock timeout (E_LOCK_TIMEOUT).
  for (let i = 0; i < 200 && !lines.some((l) => l.includes('waiting for another seedbed run')); i++)
    await new Promise((r) => setTimeout(r, 50))
  t.ok(
    lines.some((l) => l.includes('waiting for another seedbed run')),
    'it waits for the lock',
  )
  controller.abort()
  await t.rejects(waiting, { code: codes.INTERRUPTED }, 'interrupted, not a lock timeout')
  t.equal(ran, false, 'the task never ran')
})
