/**
 * What a dry run and `status` say (issue 18, defects 5 and 6): one tense per line ("would create 0,
 * update 0, skip 2", never "would create 0, updated 0"), no empty diff sections, a note that sequence
 * values are spent, and of a failed run that committed nothing, that there is nothing to undo.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import type { RunResult, SeedReport, TableDiff } from '../lib/contract/types.ts'
import { formatSummary } from '../lib/output/summary.ts'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

const table = (name: string, created: number, updated: number): TableDiff => ({
  table: name,
  key: ['id'],
  created,
  updated,
  createdRows: Array.from({ length: created }, (_, i) => ({ id: i + 1 })),
  updatedRows: [],
})
const seed = (name: string, tables: TableDiff[]): SeedReport => ({
  name,
  level: 0,
  status: 'succeeded',
  created: tables.reduce((n, x) => n + x.created, 0),
  updated: 0,
  skipped: 0,
  durationMs: 1,
  rowsPerSecond: 0,
  attempts: 1,
  error: null,
  diff: { limit: 20, tables, unseen: { created: 0, updated: 0, skipped: 0, by: [] } },
})
const dry = (...seeds: SeedReport[]): RunResult => ({ ok: true, durationMs: 5, dryRun: true, seeds })

t.test('a diff prints only what would change: seeds and tables with nothing are named on one line', async (t) => {
  const text = formatSummary(
    dry(seed('teams', [table('teams', 0, 0)]), seed('users', [table('users', 2, 0), table('audit', 0, 0)]), seed('roles', [])),
  )
  t.notMatch(text, /diff of teams:/, 'no section for a seed that changes nothing')
  t.notMatch(text, /audit: would create 0, update 0/, 'no line for a table with nothing')
  t.match(text, /diff of users:\n {2}users: would create 2, update 0\n {4}\+ id=1\n {4}\+ id=2/)
  t.match(text, /^no change: teams, roles$/m)
  t.match(text, /^note: ids drawn from sequences \(serial, identity\) are spent by the dry run/m, 'the spent ids are said')
  const quiet = formatSummary(dry(seed('teams', [table('teams', 0, 0)])))
  t.notMatch(quiet, /ids drawn from sequences/, 'no note without created rows')
})

t.test('the CLI: a dry run speaks in one tense; status says a failed run that committed nothing has nothing to undo', async (t) => {
  const db = await testDatabase(t)
  const env = { DATABASE_URL: db.url }
  t.equal((await runCli(['seed', '--apply-schema', '--only', 'roles'], { env })).code, 0, 'schema and roles')
  const r = await runCli(['seed', '--only', 'roles', '--dry-run', '--log-format', 'json'], { env })
  t.equal(r.code, 0)
  const roles = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .find((l) => l.tag === 'roles' && l.level === 'success')
  t.match(roles?.message, /^would create 0, update 0, skip 3 \(/)

  const seeds = path.join(await tempDir(t), 'seeds')
  await mkdir(seeds)
  await writeFile(
    path.join(seeds, 'broken.ts'),
    `import { defineSeed } from '${path.join(ROOT, 'lib/contract/contract.ts')}'
export default defineSeed({ name: 'broken', async run() { throw new Error('no such thing') } })
`,
  )
  t.equal((await runCli(['seed', '--seeds', seeds], { env })).code, 1, 'a run that fails before committing anything')
  const status = await runCli(['status', '--seeds', seeds, '--json'], { env })
  t.equal(status.code, 0, status.stderr)
  const last = JSON.parse(status.stdout).runs[0]
  t.equal(last.status, 'failed')
  t.match(last.undo, /committed nothing: there is nothing to undo/)
  t.notMatch(last.undo, /what it committed/)
})
