import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { runCli, seedsFolder, testDatabase } from './helpers.ts'

// --keep-going (SEEDBED_KEEP_GOING, keepGoing): every seed whose dependencies succeeded runs, the
// seeds below a failure are not run (their reason names it), and every failure is reported at once.
const db = await testDatabase(t)
await db.sql`CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`

const add = (name: string) => `await upsert('items', [{ name: '${name}' }], { conflict: ['name'] })`
const FILES: Record<string, string> = {
  // level 0
  base: `export default { name: 'base', async run({ upsert }) { ${add('base')} } }\n`,
  fail_one: `export default { name: 'fail_one', async run() { throw new Error('fail_one broke') } }\n`,
  // level 1
  fail_two: `export default { name: 'fail_two', dependsOn: ['base'], async run({ sql }) { await sql\`INSERT INTO items (name) VALUES (NULL)\` } }\n`,
  child: `export default { name: 'child', dependsOn: ['fail_one'], async run({ upsert }) { ${add('child')} } }\n`,
  late: `export default { name: 'late', dependsOn: ['base'], async run({ upsert }) { ${add('late')} } }\n`,
  // level 2
  grandchild: `export default { name: 'grandchild', dependsOn: ['child'], async run({ upsert }) { ${add('grandchild')} } }\n`,
}

async function project(tt: Parameters<typeof seedsFolder>[0]): Promise<string> {
  const dir = await seedsFolder(tt)
  for (const [name, body] of Object.entries(FILES)) await writeFile(path.join(dir, `${name}.ts`), body)
  return dir
}

const items = async () => (await db.sql<{ name: string }[]>`SELECT name FROM items ORDER BY name`).map((r) => r.name)
const statuses = (seeds: { name: string; status: string }[]) => Object.fromEntries(seeds.map((s) => [s.name, s.status]))
async function lastRun() {
  const [run] = await db.sql<{ id: number; status: string }[]>`SELECT id::int AS id, status FROM seedbed.runs ORDER BY id DESC LIMIT 1`
  const seeds = await db.sql<{ seed: string; status: string; error_code: string | null }[]>`
    SELECT seed, status, error_code FROM seedbed.seed_runs WHERE run_id = ${run!.id} ORDER BY seed`
  return { status: run!.status, seeds: Object.fromEntries(seeds.map((s) => [s.seed, [s.status, s.error_code]])) }
}

t.beforeEach(async () => {
  await db.sql`TRUNCATE items`
})

/** Each seed's outcome when the run keeps going: the two failures, what depends on them not run, the rest succeeded. */
const KEPT_GOING = {
  base: 'succeeded',
  fail_one: 'failed',
  fail_two: 'failed',
  child: 'not_executed',
  late: 'succeeded',
  grandchild: 'not_executed',
}

t.test('without --keep-going the run stops at the first failing level, as before', async (t) => {
  const seedsDir = await project(t)
  const result = await seed({ databaseUrl: db.url, seedsDir, variables: {} })
  t.equal(result.ok, false)
  t.same(statuses(result.seeds), {
    base: 'succeeded',
    fail_one: 'failed',
    fail_two: 'not_executed',
    child: 'not_executed',
    late: 'not_executed',
    grandchild: 'not_executed',
  })
  t.same(
    result.seeds.filter((s) => s.status === 'not_executed').map((s) => s.error),
    [null, null, null, null],
    'the seeds after the failing level carry no reason: the run stopped',
  )
  t.notOk('errors' in result, 'no list of every failure')
  t.same(await items(), ['base'])
  const ledger = await lastRun()
  t.equal(ledger.status, 'failed')
})

t.test('--keep-going runs what it can, reports every failure at once, and records each seed', async (t) => {
  const seedsDir = await project(t)
  const out = await runCli(['seed', '--seeds', seedsDir, '--keep-going', '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(out.code, 1, out.stderr)
  const result = JSON.parse(out.stdout)
  t.equal(result.ok, false)
  t.same(statuses(result.seeds), KEPT_GOING)
  const errors = Object.fromEntries(result.errors.map((e: { seed: string }) => [e.seed, e]))
  t.same(Object.keys(errors).sort(), ['child', 'fail_one', 'fail_two', 'grandchild'], 'every failure, and every seed not run, at once')
  t.match(errors.fail_one, { code: 'E_SEED_FAILED', file: /fail_one\.ts$/, message: /fail_one broke/ })
  t.match(errors.fail_two, { code: 'E_NOT_NULL_VIOLATION', file: /fail_two\.ts$/ })
  t.match(errors.child, { code: 'E_DEPENDENCY_FAILED', file: /child\.ts$/, message: /'fail_one' failed/ })
  t.match(errors.grandchild, { code: 'E_DEPENDENCY_FAILED', file: /grandchild\.ts$/, message: /'child'.*'fail_one' failed/ })
  t.same(await items(), ['base', 'late'], 'the independent seed of a later level committed; the dependants wrote nothing')
  const ledger = await lastRun()
  t.equal(ledger.status, 'failed')
  t.same(ledger.seeds, {
    base: ['succeeded', null],
    child: ['not_executed', 'E_DEPENDENCY_FAILED'],
    fail_one: ['failed', 'E_SEED_FAILED'],
    fail_two: ['failed', 'E_NOT_NULL_VIOLATION'],
    grandchild: ['not_executed', 'E_DEPENDENCY_FAILED'],
    late: ['succeeded', null],
  })
})

t.test('SEEDBED_KEEP_GOING=true: the text summary lists every failure', async (t) => {
  const seedsDir = await project(t)
  const out = await runCli(['seed', '--seeds', seedsDir], { env: { DATABASE_URL: db.url, SEEDBED_KEEP_GOING: 'true' } })
  t.equal(out.code, 1, out.stderr)
  t.match(out.stdout, /2 seeds failed, 2 not run:/)
  t.match(out.stdout, /failed: fail_one \(\S*fail_one\.ts\): E_SEED_FAILED: .*fail_one broke/)
  t.match(out.stdout, /failed: fail_two \(\S*fail_two\.ts\): E_NOT_NULL_VIOLATION/)
  t.match(out.stdout, /not run: child \(\S*child\.ts\): E_DEPENDENCY_FAILED: .*'fail_one' failed/)
  t.match(out.stdout, /not run: grandchild/)
  t.same(await items(), ['base', 'late'])
})

t.test('run twice with keepGoing: the committed seeds change nothing the second time', async (t) => {
  const seedsDir = await project(t)
  const first = await seed({ databaseUrl: db.url, seedsDir, variables: {}, keepGoing: true })
  t.match(
    first.seeds.find((s) => s.name === 'late'),
    { status: 'succeeded', created: 1, skipped: 0 },
  )
  const second = await seed({ databaseUrl: db.url, seedsDir, variables: {}, keepGoing: true })
  t.equal(second.ok, false)
  t.match(
    second.seeds.find((s) => s.name === 'late'),
    { status: 'succeeded', created: 0, skipped: 1 },
    'its row is skipped',
  )
  t.equal(second.errors?.length, 4)
  // --changed: the seeds that succeeded are not run again at all; the failing ones are tried again.
  const changed = await seed({ databaseUrl: db.url, seedsDir, variables: {}, keepGoing: true, changed: true })
  t.same(statuses(changed.seeds), { fail_one: 'failed', fail_two: 'failed', child: 'not_executed', grandchild: 'not_executed' })
  t.same(await items(), ['base', 'late'])
})

t.test('a dry run keeps going too, and commits nothing', async (t) => {
  const seedsDir = await project(t)
  const result = await seed({ databaseUrl: db.url, seedsDir, variables: {}, keepGoing: true, dryRun: true })
  t.equal(result.dryRun, true)
  t.same(statuses(result.seeds), KEPT_GOING)
  t.same(result.errors?.map((e) => e.seed).sort(), ['child', 'fail_one', 'fail_two', 'grandchild'])
  t.same(await items(), [], 'rolled back')
})
