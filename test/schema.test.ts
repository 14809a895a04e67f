import path from 'node:path'
import t from 'tap'
import { applySchema } from '../lib/db/schema.ts'
import { formatSummary } from '../lib/output/summary.ts'
import { seed } from '../lib/execution/api.ts'
import { ROOT, runCli, testDatabase } from './helpers.ts'

const schemaDir = path.join(ROOT, 'schema')
const seedsDir = path.join(ROOT, 'seeds')

t.test('a dry run says so: in the summary table and as dryRun in JSON, which real runs report as false', async (t) => {
  const db = await testDatabase(t)
  await applySchema(db.sql, schemaDir)
  const env = { DATABASE_URL: db.url }

  const dry = await runCli(['seed', '--only', 'roles', '--dry-run'], { env })
  t.equal(dry.code, 0, dry.stderr)
  t.match(dry.stdout, /^total \(dry run\)\s+ok\s+3\s+0\s+0/m, 'the total line names the dry run')
  t.match(dry.stdout, /^dry run: nothing was committed$/m)
  t.same(await db.sql`SELECT count(*)::int AS n FROM roles`, [{ n: 0 }], 'and nothing was')

  const dryJson = JSON.parse((await runCli(['seed', '--only', 'roles', '--dry-run', '--json'], { env })).stdout)
  t.equal(dryJson.dryRun, true)

  const real = await runCli(['seed', '--only', 'roles', '--json'], { env })
  t.equal(real.code, 0, real.stderr)
  const report = JSON.parse(real.stdout)
  t.equal(report.dryRun, false, 'a real run reports dryRun: false, not nothing')
  t.equal(report.seeds[0].created, 3)
  const summary = formatSummary(report)
  t.match(summary, /^total\s+ok/m)
  t.notMatch(summary, /dry run/, 'a real run does not claim to be a dry run')

  const api = await seed({ databaseUrl: db.url, seedsDir, only: ['roles'] })
  t.equal(api.dryRun, false, 'the API result has it too')
})
