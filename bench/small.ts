/**
 * Small seeds: 50 one-row seeds in 5 levels of 10 (each seed depends on one of the level before),
 * generated in a temporary folder and run against a fresh database, each run in this process through
 * the API. Prints the run's time against its critical path, measured in the same run:
 *
 * - critical path: the sum over levels of the slowest seed's duration in that run (a level cannot
 *   end before its slowest seed), what a run with no overhead between seeds would take;
 * - the same seeds on a pool already open and warm (`seed({ sql })`), a fresh database each time.
 *
 *   npm run bench:small -- [--runs 5] [--seeds 50] [--levels 5]
 *
 * DATABASE_URL selects the server (else the embedded PostgreSQL); databases `seedbed_small_*` are
 * created and dropped on it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { RunResult } from '../lib/contract/types.ts'
import { createPool, databaseUrl, openDatabase } from '../lib/db/connect.ts'
import { seed } from '../lib/execution/api.ts'
import { createLogger } from '../lib/output/log.ts'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, seeds: { type: 'string', default: '50' }, levels: { type: 'string', default: '5' } },
})
const runs = Number(values.runs)
const seedCount = Number(values.seeds)
const levelCount = Number(values.levels)
const perLevel = Math.ceil(seedCount / levelCount)
const CONTRACT = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../lib/contract/contract.ts')).href
const SCHEMA = 'CREATE TABLE small (name text PRIMARY KEY, v integer NOT NULL);\n'

/** Seed `s<level>_<i>` upserts one row; from level 1 on it depends on `s<level-1>_<i>`. */
async function writeProject(dir: string) {
  await mkdir(path.join(dir, 'seeds'))
  await mkdir(path.join(dir, 'schema'))
  await writeFile(path.join(dir, 'schema', '001_small.sql'), SCHEMA)
  for (let n = 0; n < seedCount; n++) {
    const level = Math.floor(n / perLevel)
    const i = n % perLevel
    const name = `s${level}_${i}`
    const deps = level ? [`s${level - 1}_${i}`] : []
    await writeFile(
      path.join(dir, 'seeds', `${name}.ts`),
      `import { defineSeed } from '${CONTRACT}'
export default defineSeed({
  name: '${name}',
  dependsOn: ${JSON.stringify(deps)},
  async run({ upsert }) {
    await upsert('small', [{ name: '${name}', v: 1 }], { conflict: ['name'] })
  },
})
`,
    )
  }
}

/** The sum over levels of the slowest seed's duration. */
function criticalPath(result: RunResult): number {
  const slowest = new Map<number, number>()
  for (const s of result.seeds) slowest.set(s.level, Math.max(slowest.get(s.level) ?? 0, s.durationMs))
  return [...slowest.values()].reduce((a, b) => a + b, 0)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main() {
  const log = createLogger()
  const admin = await openDatabase({ url: process.env.DATABASE_URL || undefined, poolSize: 1, dataDir: path.resolve('.seedbed'), log })
  const dir = await mkdtemp(path.join(tmpdir(), 'seedbed-small-'))
  await writeProject(dir)
  const options = { seedsDir: path.join(dir, 'seeds'), schemaDir: path.join(dir, 'schema'), applySchema: true }
  const fresh = async (name: string) => {
    await admin.sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.sql.unsafe(`CREATE DATABASE ${name}`)
    return databaseUrl(admin.url, name)
  }
  const rows: { run: number; critical: number; medianSeed: number; firstLevel: number; warm: number; wall: number }[] = []
  try {
    for (let r = 0; r < runs; r++) {
      // A run as `seed` makes it: it opens (and warms) its own pool.
      const url = await fresh('seedbed_small_run')
      const t0 = performance.now()
      const result = await seed({ ...options, databaseUrl: url })
      const wall = performance.now() - t0
      if (!result.ok) throw new Error(`the run failed: ${JSON.stringify(result.seeds.find((s) => s.error)?.error)}`)
      const durations = result.seeds.map((s) => s.durationMs)
      // The same seeds on a pool whose connections are already open (the run's lock takes one more).
      const warmUrl = await fresh('seedbed_small_warm')
      const pool = createPool(warmUrl, 11)
      await Promise.all(Array.from({ length: 11 }, () => pool`select 1`))
      const warm = await seed({ ...options, databaseUrl: warmUrl, sql: pool })
      await pool.end()
      if (!warm.ok) throw new Error('the warm run failed')
      rows.push({
        run: result.durationMs,
        critical: criticalPath(result),
        medianSeed: median(durations),
        firstLevel: Math.max(...result.seeds.filter((s) => s.level === 0).map((s) => s.durationMs)),
        warm: warm.durationMs,
        wall,
      })
    }
  } finally {
    await admin.sql.unsafe('DROP DATABASE IF EXISTS seedbed_small_run WITH (FORCE)').catch(() => undefined)
    await admin.sql.unsafe('DROP DATABASE IF EXISTS seedbed_small_warm WITH (FORCE)').catch(() => undefined)
    await admin.close()
    await rm(dir, { recursive: true, force: true })
  }
  const m = (k: keyof (typeof rows)[number]) => median(rows.map((x) => x[k]))
  console.log(`${seedCount} one-row seeds in ${levelCount} levels, median of ${runs} runs (each on a fresh database)`)
  console.log('| measure | ms | ratio to critical path |')
  console.log('| --- | --- | --- |')
  const line = (name: string, ms: number) => console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / m('critical')).toFixed(2)}x |`)
  line('critical path (sum of each level’s slowest seed)', m('critical'))
  line('run (executeLevels, warm-up included)', m('run'))
  line('same seeds on a pool already open', m('warm'))
  line('slowest seed of level 0', m('firstLevel'))
  line('median seed', m('medianSeed'))
  line('seed() call, wall (discovery, connect, lock, ledger)', m('wall'))
  console.log(`run / critical path per run: ${rows.map((x) => (x.run / x.critical).toFixed(2)).join(' ')}`)
}

await main()
