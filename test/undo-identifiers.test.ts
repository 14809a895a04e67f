import t from 'tap'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { seed, status, undo } from '../lib/execution/api.ts'
import { seedsFolder, testDatabase } from './helpers.ts'

// Undo, diff and status on tables whose names SQL folds, quotes or qualifies: a mixed-case table beside
// a lowercase twin of other columns, a name holding `"`, a mixed-case schema, and a name holding a dot.
// Each case's seed upserts over a row that was there before (restored by undo) and adds one (deleted).

const db = await testDatabase(t)
const seedsDir = await seedsFolder(t)

interface Case {
  seed: string
  /** The name the seed hands to upsert() (postgres.js quotes it, a dot separating schema and table). */
  given: string
  /**
   * The table in SQL, and the lowercase twin SQL would fold an unquoted name to: of other columns
   * (undo failed on "Reduce of empty array"), or of some of the same (undo restored only those).
   */
  table: string
  twin?: string
  /** The name undo reports. */
  shown: string
}

const cases: Case[] = [
  { seed: 'mixed', given: 'Acct', table: '"Acct"', twin: 'acct (id int PRIMARY KEY, z text)', shown: 'public."Acct"' },
  { seed: 'quoted', given: 'we"ird', table: '"we""ird"', shown: 'public."we""ird"' },
  // Unquoted, this one is invalid name syntax (42602); the next reads as the first case's table.
  { seed: 'quote-first', given: '"quo', table: '"""quo"', shown: 'public."""quo"' },
  { seed: 'quoted-twin', given: '"Acct"', table: '"""Acct"""', shown: 'public."""Acct"""' },
  {
    seed: 'schema',
    given: 'Sales.Acct',
    table: '"Sales"."Acct"',
    twin: 'sales.acct (id int PRIMARY KEY, a text)',
    shown: '"Sales"."Acct"',
  },
  // A schema whose name holds a dot cannot be named through postgres.js (a dot always separates), but
  // the name seedbed records for a table must not be split there either: it is reached by search_path.
  { seed: 'dotted', given: 'Acct2', table: '"v1.2"."Acct2"', twin: 'acct2 (id int PRIMARY KEY, a text)', shown: '"v1.2"."Acct2"' },
]

await db.sql.unsafe(`CREATE SCHEMA "Sales"; CREATE SCHEMA sales; CREATE SCHEMA "v1.2"`)
await db.sql.unsafe(`ALTER DATABASE "${db.name}" SET search_path = public, "v1.2"`)
for (const c of cases) {
  await db.sql.unsafe(`CREATE TABLE ${c.table} (id int PRIMARY KEY, a text, b text)`)
  await db.sql.unsafe(`INSERT INTO ${c.table} VALUES (1, 'a0', 'b0')`)
  if (c.twin) await db.sql.unsafe(`CREATE TABLE ${c.twin}`)
  await writeFile(
    path.join(seedsDir, `${c.seed}.ts`),
    `export default { async run({ upsert }) {
      await upsert(${JSON.stringify(c.given)}, [{ id: 1, a: 'a1', b: 'b1' }, { id: 2, a: 'a2', b: 'b2' }], { conflict: ['id'] })
    } }\n`,
  )
}

const rows = (c: Case) => db.sql.unsafe(`SELECT id, a, b FROM ${c.table} ORDER BY id`).then((r) => r.map((x) => ({ ...x })))
const lastRunId = async () => Number((await db.sql`SELECT max(id) AS id FROM seedbed.runs`)[0]!.id)

for (const c of cases) {
  t.test(`${c.seed}: ${c.table}`, async (t) => {
    const opts = { databaseUrl: db.url, seedsDir, only: [c.seed] }
    const dry = await seed({ ...opts, dryRun: true, diff: true })
    t.ok(dry.ok, 'a dry run with --diff')
    const diff = dry.seeds[0]!.diff!.tables[0]!
    t.same([diff.created, diff.updated], [1, 1])
    t.same(
      diff.updatedRows,
      [{ key: { id: 1 }, changes: { a: { old: 'a0', new: 'a1' }, b: { old: 'b0', new: 'b1' } } }],
      'old values of the table itself',
    )

    const result = await seed(opts)
    t.ok(result.ok, 'the real run')
    const run = await lastRunId()
    t.same(await rows(c), [
      { id: 1, a: 'a1', b: 'b1' },
      { id: 2, a: 'a2', b: 'b2' },
    ])
    const listed = await status({ databaseUrl: db.url, seedsDir })
    t.equal(listed.runs.find((r) => r.id === run)!.undo, 'yes', 'status: the run can be undone')

    const preview = await undo({ databaseUrl: db.url, seedsDir, run, dryRun: true, diff: true })
    t.same(preview.seeds[0]!.tables[0]!.restoredRows, [
      { key: { id: 1 }, changes: { a: { old: 'a1', new: 'a0' }, b: { old: 'b1', new: 'b0' } } },
    ])
    t.same(preview.seeds[0]!.tables[0]!.deletedRows, [{ id: 2, a: 'a2', b: 'b2' }])

    const undone = await undo({ databaseUrl: db.url, seedsDir, run })
    t.same(undone.seeds[0]!.tables, [{ table: c.shown, key: ['id'], restored: 1, deleted: 1 }])
    t.same(await rows(c), [{ id: 1, a: 'a0', b: 'b0' }], 'the row as it was, every column; the new row gone')
    if (c.twin) t.same(await db.sql.unsafe(`SELECT * FROM ${c.twin.split(' ')[0]}`), [], 'the twin untouched')
    const after = await status({ databaseUrl: db.url, seedsDir })
    t.equal(after.runs.find((r) => r.id === run)!.undo, `undone by ${undone.undoRun}`)
  })
}

t.test('a table written by hand-written SQL: status names it quoted, undo refuses by code', async (t) => {
  await db.sql`CREATE TABLE "Odd.Name" (id int PRIMARY KEY)`
  await writeFile(
    path.join(seedsDir, 'hand.ts'),
    `export default { async run({ sql }) { await sql\`INSERT INTO "Odd.Name" VALUES (1)\` } }\n`,
  )
  const opts = { databaseUrl: db.url, seedsDir, only: ['hand'] }
  t.ok((await seed(opts)).ok)
  const run = await lastRunId()
  const listed = await status({ databaseUrl: db.url, seedsDir })
  t.match(listed.runs.find((r) => r.id === run)!.undo, /^no: seed 'hand' is irreversible \(.*"Odd\.Name" \(1 written by hand-written SQL/)
  await t.rejects(undo({ databaseUrl: db.url, seedsDir, run }), { code: 'E_UNDO_IRREVERSIBLE' })
})

t.test('a record naming no table now (renamed since, or written unquoted by an earlier seedbed): refused, status says so', async (t) => {
  await db.sql`CREATE TABLE "Gone" (id int PRIMARY KEY, a text, b text)`
  await db.sql`CREATE TABLE gone (id int PRIMARY KEY, a text, b text)`
  await writeFile(
    path.join(seedsDir, 'gone.ts'),
    `export default { async run({ upsert }) { await upsert('Gone', [{ id: 1, a: 'a', b: 'b' }], { conflict: ['id'] }) } }\n`,
  )
  t.ok((await seed({ databaseUrl: db.url, seedsDir, only: ['gone'] })).ok)
  const run = await lastRunId()
  // What an earlier seedbed wrote: the name unquoted, which SQL reads as the lowercase twin.
  await db.sql`UPDATE seedbed.undo_tables SET tbl = 'public.Gone' WHERE run_id = ${run}`
  const listed = await status({ databaseUrl: db.url, seedsDir })
  t.match(listed.runs.find((r) => r.id === run)!.undo, /^no: cannot be undone: no table public\.Gone exists now/)
  await t.rejects(undo({ databaseUrl: db.url, seedsDir, run }), { code: 'E_UNDO_CHANGED', table: 'public.Gone', seed: 'gone' })
  t.same(await db.sql`SELECT count(*)::int AS n FROM "Gone"`, [{ n: 1 }], 'nothing undone')
  await db.sql`UPDATE seedbed.undo_tables SET tbl = 'public."Gone"' WHERE run_id = ${run}`
  await db.sql`ALTER TABLE "Gone" RENAME TO "Gone2"`
  await t.rejects(undo({ databaseUrl: db.url, seedsDir, run }), { code: 'E_UNDO_CHANGED', message: /no table public\."Gone" exists now/ })
})
