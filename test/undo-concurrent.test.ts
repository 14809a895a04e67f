import t from 'tap'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { seed, undo } from '../lib/execution/api.ts'
import { seedsFolder, testDatabase } from './helpers.ts'

// Two plain `undo` calls started at once: each names the run it targets before it waits for the run
// lock. The first undoes the last run; the second, which chose the same run, refuses once it holds the
// lock (E_UNDO_TARGET_CHANGED) instead of undoing the run before it, which nobody asked for.

const db = await testDatabase(t)
const seedsDir = await seedsFolder(t)
await db.sql`CREATE TABLE first_rows (id int PRIMARY KEY)`
await db.sql`CREATE TABLE second_rows (id int PRIMARY KEY)`
await writeFile(
  path.join(seedsDir, 'first.ts'),
  `export default { async run({ upsert }) { await upsert('first_rows', [{ id: 1 }], { conflict: ['id'] }) } }\n`,
)
// Its undo() holds the run lock a second: long enough for the other undo to have chosen its run.
await writeFile(
  path.join(seedsDir, 'second.ts'),
  `export default {
    async run({ upsert }) { await upsert('second_rows', [{ id: 1 }], { conflict: ['id'] }) },
    async undo({ sql }) { await sql\`SELECT pg_sleep(1)\`; await sql\`DELETE FROM second_rows\` },
  }\n`,
)
const opts = { databaseUrl: db.url, seedsDir }
const lastRunId = async () => Number((await db.sql`SELECT max(id) AS id FROM seedbed.runs`)[0]!.id)

t.test('two undo calls at once undo one run, not two', async (t) => {
  t.ok((await seed({ ...opts, only: ['first'] })).ok)
  const first = await lastRunId()
  t.ok((await seed({ ...opts, only: ['second'] })).ok)
  const second = await lastRunId()

  const started = performance.now()
  const timed = async () => {
    const start = performance.now() - started
    const outcome = await undo(opts).then(
      (r) => ({ undid: r.run as number | null, code: null as string | null, message: '' }),
      (e: { code: string; message: string }) => ({ undid: null, code: e.code, message: e.message }),
    )
    return { ...outcome, start, end: performance.now() - started }
  }
  const outcomes = await Promise.all([timed(), timed()])
  t.comment(outcomes.map((o) => `${o.start.toFixed(0)}-${o.end.toFixed(0)} ms: ${o.undid ?? o.code}`).join('; '))
  t.ok(
    outcomes.every((o) => o.start < Math.min(...outcomes.map((x) => x.end))),
    'both started before either ended: they ran at the same time',
  )
  t.same(
    outcomes.map((o) => o.undid).filter((r) => r !== null),
    [second],
    'one undo undid the last run, and only it',
  )
  const refused = outcomes.find((o) => o.undid === null)!
  t.equal(refused.code, 'E_UNDO_TARGET_CHANGED')
  t.match(
    refused.message,
    new RegExp(
      `the last run to undo was run ${second} when this undo started, and it is run ${first} now .*run \\d+ undid run ${second} meanwhile`,
    ),
  )
  t.same(
    (await db.sql`SELECT run_id::int FROM seedbed.undos ORDER BY run_id`).map((r) => r.run_id),
    [second],
    'the ledger: only the last run undone',
  )
  t.same(await db.sql`SELECT id FROM first_rows`, [{ id: 1 }], "the first run's rows are still there")

  // Naming the run, or a plain undo started afterwards, undoes the first run as asked.
  t.equal((await undo(opts)).run, first)
})
