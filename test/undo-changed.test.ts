import t from 'tap'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { seed, undo } from '../lib/execution/api.ts'
import { seedsFolder, testDatabase } from './helpers.ts'

// E_UNDO_CHANGED says what can be done. Its hint once said "put those rows back as run N left them",
// which can never work: undo knows a run's rows by their xmin, which any later write replaces.

const db = await testDatabase(t)
const seedsDir = await seedsFolder(t)
await db.sql`CREATE TABLE shared (id int PRIMARY KEY, v text)`
for (const [name, v] of [
  ['owner', 'mine'],
  ['other', 'theirs'],
]) {
  await writeFile(
    path.join(seedsDir, `${name}.ts`),
    `export default { async run({ upsert }) { await upsert('shared', [{ id: 1, v: '${v}' }], { conflict: ['id'] }) } }\n`,
  )
}
const opts = { databaseUrl: db.url, seedsDir }
const lastRunId = async () => Number((await db.sql`SELECT max(id) AS id FROM seedbed.runs`)[0]!.id)

t.test('changed by a later run of another seed: undo that run first, then this one', async (t) => {
  t.ok((await seed({ ...opts, only: ['owner'] })).ok)
  const owner = await lastRunId()
  t.ok((await seed({ ...opts, only: ['other'] })).ok)
  const other = await lastRunId()
  const error = await undo({ ...opts, run: owner }).catch((e) => e)
  t.equal(error.code, 'E_UNDO_CHANGED')
  t.match(
    error.hint,
    new RegExp(`^run ${other} \\(seed 'other'\\) wrote public\\.shared after run ${owner}: undo it first \\(\`undo ${other}\`\\)`),
  )
  t.notMatch(error.hint, /put those rows back/)
  t.equal((await undo({ ...opts, run: other })).run, other)
  t.equal((await undo({ ...opts, run: owner })).run, owner, 'then the first run undoes')
  t.same(await db.sql`SELECT * FROM shared`, [])
})

t.test('changed outside seedbed, even back to the same value: the hint says why that cannot help', async (t) => {
  t.ok((await seed({ ...opts, only: ['owner'] })).ok)
  const owner = await lastRunId()
  await db.sql`UPDATE shared SET v = 'mine'`
  const error = await undo({ ...opts, run: owner }).catch((e) => e)
  t.equal(error.code, 'E_UNDO_CHANGED')
  t.match(
    error.hint,
    /^the change was made outside seedbed .*\(xmin\), so writing the old values back does not make it undoable again: restore that data another way/,
  )
  t.same(await db.sql`SELECT v FROM shared`, [{ v: 'mine' }], 'nothing undone')
})
