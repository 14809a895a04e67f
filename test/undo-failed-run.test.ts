import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { seed, status, undo } from '../lib/execution/api.ts'
import { formatUndo } from '../lib/output/summary.ts'
import { runCli, seedsFolder, testDatabase } from './helpers.ts'

// A run that failed or was interrupted after some of its seeds committed: those seeds can be undone
// (else only `fresh` removes them), and a plain `undo` takes that run, and says which run it took.

const db = await testDatabase(t)
const seedsDir = await seedsFolder(t)
await db.sql`CREATE TABLE items (name text PRIMARY KEY, n int)`
await writeFile(
  path.join(seedsDir, 'old.ts'),
  `export default { async run({ upsert }) { await upsert('items', [{ name: 'old', n: 1 }], { conflict: ['name'] }) } }\n`,
)
await writeFile(
  path.join(seedsDir, 'first.ts'),
  `export default { async run({ upsert }) { await upsert('items', [{ name: 'first', n: 1 }, { name: 'old', n: 2 }], { conflict: ['name'] }) } }\n`,
)
// Runs after `first`: fails with BREAK=fail, waits to be interrupted with BREAK=wait.
await writeFile(
  path.join(seedsDir, 'second.ts'),
  `export default { dependsOn: ['first'], async run({ sql, upsert }) {
    await upsert('items', [{ name: 'second', n: 1 }], { conflict: ['name'] })
    if (process.env.BREAK === 'fail') throw new Error('second breaks')
    if (process.env.BREAK === 'wait') await sql\`SELECT pg_sleep(60)\`
  } }\n`,
)

const options = { databaseUrl: db.url, seedsDir }
const rows = async () =>
  (await db.sql<{ name: string; n: number }[]>`SELECT name, n FROM items ORDER BY name`).map((r) => `${r.name}=${r.n}`)
const lastRunId = async () => Number((await db.sql`SELECT max(id) AS id FROM seedbed.runs`)[0]!.id)

async function withBreak<T>(how: string, fn: () => Promise<T>): Promise<T> {
  process.env.BREAK = how
  try {
    return await fn()
  } finally {
    delete process.env.BREAK
  }
}

t.test('a failed run: the seeds it committed are undone, by a plain undo, which says it took that run', async (t) => {
  t.ok((await seed({ ...options, only: ['old'] })).ok)
  const older = await lastRunId()
  const failed = await withBreak('fail', () => seed({ ...options, only: ['second'] }))
  t.notOk(failed.ok)
  const failedRun = await lastRunId()
  t.same(await rows(), ['first=1', 'old=2'], '`first` committed, `second` rolled back')

  const listed = await status(options)
  t.equal(listed.runs.find((r) => r.id === failedRun)?.undo, 'yes', 'status: the failed run can be undone')

  const undone = await undo(options)
  t.equal(undone.run, failedRun, `the failed run, not the older run ${older}`)
  t.equal(undone.picked, true, 'no run was named: undo picked it')
  t.equal(undone.runStatus, 'failed')
  t.same(
    undone.seeds.map((s) => s.name),
    ['first'],
  )
  t.same(await rows(), ['old=1'], 'what the failed run committed is gone, the older run’s row is back')
  t.match(
    formatUndo(undone),
    new RegExp(`undo took run ${failedRun}, the last seed run not undone \\(it failed: the seeds it committed\\)`),
  )
})

t.test(
  'an interrupted run: a plain undo takes it and says so (--json too); a failed run that committed nothing is passed over',
  async (t) => {
    const stop = new AbortController()
    const interrupted = withBreak('wait', () => seed({ ...options, only: ['second'], signal: stop.signal }))
    // `first` commits, then `second` waits: interrupt it then (as Ctrl-C does).
    for (;;) {
      const [row] = await db.sql`SELECT 1 FROM seedbed.seed_runs sr JOIN seedbed.runs r ON r.id = sr.run_id
      WHERE sr.seed = 'first' AND sr.status = 'succeeded' AND r.status = 'running'`
      if (row) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    stop.abort()
    t.notOk((await interrupted).ok)
    const runId = await lastRunId()
    t.equal((await db.sql`SELECT status FROM seedbed.runs WHERE id = ${runId}`)[0]!.status, 'interrupted')

    // A failed run that committed nothing after it: a plain undo passes over it.
    await db.sql`ALTER TABLE items ADD CONSTRAINT small CHECK (n < 100)`
    await writeFile(
      path.join(seedsDir, 'bad.ts'),
      `export default { async run({ upsert }) { await upsert('items', [{ name: 'bad', n: 1000 }], { conflict: ['name'] }) } }\n`,
    )
    t.notOk((await seed({ ...options, only: ['bad'] })).ok)
    const nothing = await lastRunId()
    await t.rejects(undo({ ...options, run: nothing }), { code: 'E_UNDO_NOTHING', message: /committed nothing/ })

    const cli = await runCli(['undo', '--seeds', seedsDir, '--json'], { env: { DATABASE_URL: db.url } })
    t.equal(cli.code, 0, cli.stderr)
    const result = JSON.parse(cli.stdout)
    t.same([result.run, result.picked, result.runStatus], [runId, true, 'interrupted'])
    t.match(cli.stderr, new RegExp(`undo: no run named, taking run ${runId} \\(seed, interrupted; its committed seeds: first\\)`))
    t.same(await rows(), ['old=1'])
  },
)
