import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { settle } from '../lib/execution/lifecycle.ts'
import { codes, SeedbedError } from '../lib/errors/errors.ts'
import { createLogger } from '../lib/output/log.ts'
import { acquireLock } from '../lib/db/lock.ts'
import { NO_CHILD_COVERAGE, ROOT, tempDir, testDatabase } from './helpers.ts'

const db = await testDatabase(t)
await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`

/** A seeds folder in a temp dir: one file per entry, named after the seed. */
async function seedsFolder(tt: Parameters<typeof tempDir>[0], files: Record<string, string>): Promise<string> {
  const root = await tempDir(tt)
  // ESM like a project of seedbed's users: seed files and scripts use export and top-level await.
  await writeFile(path.join(root, 'package.json'), '{ "type": "module" }\n')
  const dir = path.join(root, 'seeds')
  await mkdir(dir)
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, `${name}.ts`), body)
  return dir
}

const sleepingBackends = async () =>
  (
    await db.sql`SELECT pid FROM pg_stat_activity WHERE datname = ${db.name} AND query LIKE '%pg_sleep(%' AND state = 'active' AND pid <> pg_backend_pid()`
  ).length

t.test('60 seeds with a run timeout: no MaxListenersExceededWarning', async (t) => {
  const files: Record<string, string> = {}
  for (let i = 0; i < 60; i++) files[`s${i}`] = `export default { name: 's${i}', run: async ({ sql }) => { await sql\`SELECT 1\` } }\n`
  const seedsDir = await seedsFolder(t, files)
  const warnings: string[] = []
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`)
  process.on('warning', onWarning)
  t.teardown(() => void process.off('warning', onWarning))
  const result = await seed({ databaseUrl: db.url, seedsDir, only: [], timeoutMs: 60_000 })
  t.ok(result.ok)
  t.equal(result.seeds.length, 60)
  await new Promise((r) => setTimeout(r, 50)) // warnings are emitted on a later tick
  t.same(
    warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
    [],
  )
})

t.test('a script awaiting seed() exits by itself promptly once it resolved', async (t) => {
  const seedsDir = await seedsFolder(t, { one: "export default { name: 'one', run: async ({ sql }) => { await sql`SELECT 1` } }\n" })
  const script = path.join(path.dirname(seedsDir), 'script.ts')
  await writeFile(
    script,
    `import { seed } from ${JSON.stringify(path.join(ROOT, 'lib', 'index.ts'))}
const r = await seed({ databaseUrl: process.env.DATABASE_URL, seedsDir: ${JSON.stringify(seedsDir)}, only: [] })
console.log('resolved', r.ok)
`,
  )
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: db.url, ...NO_CHILD_COVERAGE },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let resolvedAt = 0
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
    if (!resolvedAt && stdout.includes('resolved')) resolvedAt = performance.now()
  })
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const lingered = performance.now() - resolvedAt
  t.equal(code, 0, stderr)
  t.match(stdout, /resolved true/)
  t.ok(resolvedAt > 0 && lingered < 1000, `exited ${Math.round(lingered)} ms after seed() resolved`)
})

t.test('an interrupt cancels the running seed, rolls it back, and the ledger says interrupted', async (t) => {
  await db.sql`TRUNCATE items`
  const seedsDir = await seedsFolder(t, {
    sleeper: `export default { name: 'sleeper', run: async ({ sql, upsert }) => {
  await upsert('items', [{ name: 'sleeper' }], { conflict: ['name'] })
  await sql\`SELECT pg_sleep(8)\`
} }\n`,
  })
  const controller = new AbortController()
  const running = seed({ databaseUrl: db.url, seedsDir, only: [], signal: controller.signal })
  for (let i = 0; i < 200 && (await sleepingBackends()) === 0; i++) await new Promise((r) => setTimeout(r, 25))
  t.equal(await sleepingBackends(), 1, 'the seed is sleeping on the server')
  const t0 = performance.now()
  controller.abort(new SeedbedError(codes.INTERRUPTED, 'interrupted by SIGINT; transactions in progress were rolled back'))
  const result = await running
  const took = performance.now() - t0
  t.ok(took < 2000, `settled ${Math.round(took)} ms after the abort`)
  t.equal(result.ok, false)
  t.same([result.seeds[0]!.status, result.seeds[0]!.error?.code], ['interrupted', codes.INTERRUPTED])
  const [run] = await db.sql`SELECT status, ended_at FROM seedbed.runs ORDER BY id DESC LIMIT 1`
  t.equal(run!.status, 'interrupted')
  t.ok(run!.ended_at instanceof Date, 'with an end time')
  t.same(await db.sql`SELECT name FROM items`, [], 'nothing committed')
  t.equal(await sleepingBackends(), 0, 'the server is no longer running the query')
})

t.test("a caller's plain abort is an interruption too, even while the run waits for the lock", async (t) => {
  const seedsDir = await seedsFolder(t, {
    one: "export default { name: 'one', run: async ({ sql }) => { await sql`SELECT pg_sleep(8)` } }\n",
  })
  const plain = new AbortController()
  const running = seed({ databaseUrl: db.url, seedsDir, only: [], signal: plain.signal })
  for (let i = 0; i < 200 && (await sleepingBackends()) === 0; i++) await new Promise((r) => setTimeout(r, 25))
  plain.abort()
  const result = await running
  t.same(
    [result.seeds[0]!.error?.code, result.seeds[0]!.error?.message],
    [codes.INTERRUPTED, 'the run was stopped by its caller; running seeds were cancelled and rolled back'],
  )
  t.equal((await db.sql`SELECT status FROM seedbed.runs ORDER BY id DESC LIMIT 1`)[0]!.status, 'interrupted')

  const lock = await acquireLock(db.sql, 1000, createLogger({ level: -999 }))
  t.teardown(() => lock.release())
  const waiting = new AbortController()
  const t0 = performance.now()
  const blocked = seed({ databaseUrl: db.url, seedsDir, only: [], lockTimeoutMs: 20_000, signal: waiting.signal })
  setTimeout(() => waiting.abort(new SeedbedError(codes.INTERRUPTED, 'interrupted by SIGTERM')), 300)
  const error = await blocked.catch((e) => e)
  const took = performance.now() - t0
  t.same([error.code, error.message], [codes.INTERRUPTED, 'interrupted by SIGTERM'])
  t.ok(took < 2000, `gave up waiting for the lock ${Math.round(took)} ms after it started, not after --lock-timeout`)
})

t.test('seed timeouts cancel at once while every pool connection is busy', async (t) => {
  await db.sql`TRUNCATE items`
  const sleeper = (name: string) => `export default { name: '${name}', run: async ({ sql, upsert }) => {
  await upsert('items', [{ name: '${name}' }], { conflict: ['name'] })
  await sql\`SELECT pg_sleep(8)\`
} }\n`
  const seedsDir = await seedsFolder(t, { one: sleeper('one'), two: sleeper('two') })
  const t0 = performance.now()
  // Two seeds on a pool of two (plus the lock's connection): no slot is free for a cancel.
  const result = await seed({ databaseUrl: db.url, seedsDir, only: [], poolSize: 2, seedTimeoutMs: 500 })
  const took = performance.now() - t0
  t.ok(took < 4000, `settled after ${Math.round(took)} ms, not after the 8 s sleeps`)
  t.same(
    result.seeds.map((s) => [s.name, s.error?.code]),
    [
      ['one', codes.TIMEOUT],
      ['two', codes.TIMEOUT],
    ],
  )
  t.same(await db.sql`SELECT name FROM items`, [], 'both rolled back')
  t.equal(await sleepingBackends(), 0, 'the server is no longer running either query')
})

t.test("the ledger records a successful seed's duration", async (t) => {
  const seedsDir = await seedsFolder(t, {
    nap: "export default { name: 'nap', run: async ({ sql }) => { await sql`SELECT pg_sleep(0.05)` } }\n",
  })
  const result = await seed({ databaseUrl: db.url, seedsDir, only: [] })
  t.ok(result.ok)
  const reported = result.seeds[0]!.durationMs
  const [row] = await db.sql`SELECT duration_ms FROM seedbed.seed_runs WHERE seed = 'nap' ORDER BY finished_at DESC LIMIT 1`
  t.ok(row!.duration_ms >= 50, `stored ${row!.duration_ms} ms for a seed that sleeps 50 ms`)
  t.ok(Math.abs(row!.duration_ms - reported) <= 25, `stored ${row!.duration_ms} ms, reported ${reported} ms`)
})

t.test('API options are validated exactly like flags', async (t) => {
  const seedsDir = await seedsFolder(t, { one: "export default { name: 'one', run: async () => {} }\n" })
  const base = { databaseUrl: db.url, seedsDir, only: [] }
  t.same(
    [settle({ ...base, poolSize: 2 }).settings.concurrency, settle(base).settings.concurrency],
    [2, 10],
    'concurrency follows poolSize',
  )
  const error = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e) => ({ code: e.code, message: e.message }),
    )
  t.match(await error(seed({ ...base, concurrency: 5, poolSize: 2 })), {
    code: codes.BAD_OPTION,
    message: /concurrency 5 exceeds the connection pool size 2/,
  })
  t.match(await error(seed({ ...base, timeoutMs: -1 })), { code: codes.BAD_OPTION, message: /timeoutMs must be an integer from 0/ })
  t.match(await error(seed({ ...base, maxRetries: 1.5 })), { code: codes.BAD_OPTION, message: /maxRetries/ })
  t.match(await error(seed({ ...base, poolsize: 2 } as never)), { code: codes.BAD_OPTION, message: /unknown option 'poolsize'/ })
  t.equal((await db.sql`SELECT count(*)::int AS n FROM seedbed.runs WHERE status = 'running'`)[0]!.n, 0, 'no run was started')
})

t.test('a retry wait stops at once when the run is stopped', async (t) => {
  const seedsDir = await seedsFolder(t, {
    conflict: `export default { name: 'conflict', run: async ({ sql }) => {
  await sql\`DO $$ BEGIN RAISE EXCEPTION 'simulated conflict' USING ERRCODE = '40001'; END $$\`
} }\n`,
  })
  const controller = new AbortController()
  let abortedAt = 0
  // Stops the run during the first wait of a second or more (backoff is random).
  const logger = createLogger({
    reporters: [
      {
        log: (o) => {
          const m = /retry \d+\/20 in (\d+) ms/.exec(o.args.join(' '))
          if (m && Number(m[1]) >= 1000 && !abortedAt) {
            abortedAt = performance.now()
            controller.abort(new SeedbedError(codes.INTERRUPTED, 'stopped by the test'))
          }
        },
      },
    ],
  })
  const result = await seed({ databaseUrl: db.url, seedsDir, only: [], maxRetries: 20, signal: controller.signal, logger })
  const took = performance.now() - abortedAt
  t.ok(abortedAt > 0, 'a long wait happened')
  t.ok(took < 300, `settled ${Math.round(took)} ms after the abort`)
  t.equal(result.seeds[0]!.error?.code, codes.INTERRUPTED)
})
