import t from 'tap'
import type { RunResult, SeedDiff } from '../lib/contract/types.ts'
import { applySchema } from '../lib/db/schema.ts'
import { seed } from '../lib/execution/api.ts'
import { formatSummary } from '../lib/output/summary.ts'
import { fixture, runCli, testDatabase } from './helpers.ts'

// `seed --dry-run --diff`: the rows a run would create and the columns it would change, from the
// statements seedbed builds (upsert, load, copy) and what hand-written ones return to tally().

const seedsDir = fixture('diff/seeds')
const db = await testDatabase(t)
await applySchema(db.sql, fixture('diff/schema'))

const run = async (options: Record<string, unknown> = {}, variant = '1'): Promise<RunResult> => {
  const before = process.env.DIFF_VARIANT
  process.env.DIFF_VARIANT = variant
  try {
    return await seed({ databaseUrl: db.url, seedsDir, ...options })
  } finally {
    if (before === undefined) delete process.env.DIFF_VARIANT
    else process.env.DIFF_VARIANT = before
  }
}
const diffOf = (result: RunResult, name: string): SeedDiff => {
  const s = result.seeds.find((x) => x.name === name)
  if (!s?.diff) throw new Error(`no diff for ${name}`)
  return s.diff
}
const digest = async () => {
  const [row] = await db.sql<[{ d: string }]>`SELECT md5(
    (SELECT coalesce(string_agg(t::text, ',' ORDER BY slug), '') FROM teams t) ||
    (SELECT coalesce(string_agg(p::text, ',' ORDER BY email), '') FROM people p) ||
    (SELECT coalesce(string_agg(n::text, ',' ORDER BY id), '') FROM notes n)) AS d`
  return row.d
}

t.test('into empty tables: every row would be created, and shown', async (t) => {
  const result = await run({ dryRun: true, diff: true })
  t.ok(result.ok)
  t.same(diffOf(result, 'teams').tables, [
    {
      table: 'teams',
      key: ['slug'],
      created: 2,
      updated: 0,
      createdRows: [
        { slug: 'core', name: 'Core', api_token: '***' },
        { slug: 'ops', name: 'Operations', api_token: '***' },
      ],
      updatedRows: [],
      sequence: false,
    },
  ])
  // load() straight into the empty table (COPY): the rows sent are the rows created.
  t.same(diffOf(result, 'people').tables[0]!.createdRows, [
    { email: 'p0@x.io', team: 'ops', score: 0 },
    { email: 'p1@x.io', team: 'core', score: 1 },
    { email: 'p2@x.io', team: 'ops', score: 2 },
  ])
  const notes = diffOf(result, 'notes')
  t.same(notes.tables, [
    { table: '(hand-written statement)', key: [], created: 2, updated: 0, createdRows: [{ id: 1 }, { id: 2 }], updatedRows: [] },
  ])
  const [{ n }] = await db.sql<[{ n: number }]>`SELECT (SELECT count(*) FROM teams) + (SELECT count(*) FROM people) AS n`
  t.equal(Number(n), 0, 'a dry run commits nothing')
})

t.test('after a real run: creates and updates, old -> new, secrets hidden, nothing committed', async (t) => {
  t.ok((await run()).ok, 'the first real run')
  const before = await digest()
  const result = await run({ dryRun: true, diff: true }, '2')
  t.ok(result.ok)
  t.same(diffOf(result, 'teams').tables[0], {
    table: 'teams',
    key: ['slug'],
    created: 0,
    updated: 1,
    createdRows: [],
    updatedRows: [{ key: { slug: 'core' }, changes: { name: { old: 'Core', new: 'Kernel' }, api_token: { old: '***', new: '***' } } }],
  })
  // load() merging through its staging table: two new people, two changed scores (p0's 0 stays 0).
  t.same(diffOf(result, 'people').tables[0], {
    table: 'people',
    key: ['email'],
    created: 2,
    updated: 2,
    createdRows: [
      { email: 'p3@x.io', team: 'core', score: 6 },
      { email: 'p4@x.io', team: 'ops', score: 8 },
    ],
    updatedRows: [
      { key: { email: 'p1@x.io' }, changes: { score: { old: 1, new: 2 } } },
      { key: { email: 'p2@x.io' }, changes: { score: { old: 2, new: 4 } } },
    ],
    sequence: false,
  })
  const notes = diffOf(result, 'notes')
  t.same(notes.unseen, { created: 0, updated: 1, skipped: 2, by: ['tally()', 'count()'] }, 'what seedbed cannot see is counted, and how')
  t.equal(await digest(), before, 'nothing committed')

  const text = formatSummary(result)
  t.match(
    text,
    /diff of teams:\n {2}teams: would create 0, update 1\n {4}~ \(slug="core"\) name: "Core" -> "Kernel", api_token: "\*\*\*" -> "\*\*\*"/,
  )
  t.match(text, /\+ email="p3@x\.io" team="core" score=6/)
  t.match(text, /~ \(email="p2@x\.io"\) score: 2 -> 4/)
  t.match(text, /written by tally\(\), count\(\): would create 0, update 1, skip 2 \(seedbed cannot see these rows\)/)
  t.notMatch(text, /tok-/, 'no token value printed')
})

t.test('--diff-limit keeps the first rows of each kind; the counts stay exact', async (t) => {
  t.ok((await run()).ok, 'the first variant seeded (a no-op after the test above)')
  const result = await run({ dryRun: true, diff: true, diffLimit: 1 }, '2')
  const people = diffOf(result, 'people').tables[0]!
  t.equal(people.created, 2)
  t.equal(people.updated, 2)
  t.same(
    people.createdRows.map((r) => r.email),
    ['p3@x.io'],
  )
  t.same(
    people.updatedRows.map((r) => r.key.email),
    ['p1@x.io'],
  )
  t.match(formatSummary(result), /\.\.\. 1 more created, 1 more updated not shown \(--diff-limit 1; 0 shows all\)/)
})

t.test('the CLI: --json carries the diff; --diff without --dry-run is refused', async (t) => {
  const env = { DATABASE_URL: db.url, DIFF_VARIANT: '2' }
  const json = await runCli(['seed', '--seeds', seedsDir, '--dry-run', '--diff', '--json'], { env })
  t.equal(json.code, 0, json.stderr)
  const doc = JSON.parse(json.stdout) as RunResult
  t.equal(doc.dryRun, true)
  t.same(doc.seeds.find((s) => s.name === 'people')!.diff!.tables[0]!.updatedRows[1], {
    key: { email: 'p2@x.io' },
    changes: { score: { old: 2, new: 4 } },
  })
  t.notMatch(json.stdout, /tok-new|tok-old/)

  const refused = await runCli(['seed', '--seeds', seedsDir, '--diff', '--json'], { env })
  t.equal(refused.code, 2)
  t.equal(JSON.parse(refused.stdout).error.code, 'E_BAD_OPTION')
  t.match(JSON.parse(refused.stdout).error.message, /--diff .* needs seed --dry-run/)
  await t.rejects(run({ diff: true, dryRun: false }), { code: 'E_BAD_OPTION' }, 'the API refuses it the same way')
})
