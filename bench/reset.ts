/**
 * Fast reset between tests, measured: for the example project (scale 1 unless --scale), the wall
 * time of giving a test a freshly seeded database by (a) a full reseed into a new empty database,
 * (b) a copy of a seeded template (CREATE DATABASE ... TEMPLATE), (c) truncate-and-replant of an
 * existing database. Median of --runs (default 5), all in one run against one server.
 *
 *   npm run bench:reset -- [--runs 5] [--scale 1]
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { seed } from '../lib/execution/api.ts'
import { openDatabase } from '../lib/db/connect.ts'
import { createLogger } from '../lib/output/log.ts'
import { applySchema } from '../lib/db/schema.ts'
import { cloneDatabase, databaseUrl, dropTemplate, prepareTemplate, truncateAndReplant } from '../lib/testing.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, scale: { type: 'string', default: '1' } } })
const runs = Number(values.runs)
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const seedOptions = { seedsDir: path.join(root, 'seeds'), only: [] as string[], scale: Number(values.scale) }
const schemaDir = path.join(root, 'schema')
const log = createLogger()
const db = await openDatabase({ url: process.env.DATABASE_URL || undefined, poolSize: 2, dataDir: path.join(root, '.seedbed'), log })
const server = db.url
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const time = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}
const dropDb = async (name: string) => db.sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)

try {
  const full: number[] = []
  const clone: number[] = []
  const replant: number[] = []
  await prepareTemplate({ serverUrl: server, template: 'seedbed_reset_tpl', schemaDir, seed: seedOptions })
  await dropDb('seedbed_reset_replant')
  await db.sql.unsafe('CREATE DATABASE seedbed_reset_replant TEMPLATE seedbed_reset_tpl')
  for (let i = 0; i < runs; i++) {
    full.push(
      await time(async () => {
        await db.sql.unsafe('CREATE DATABASE seedbed_reset_full')
        const url = databaseUrl(server, 'seedbed_reset_full')
        const sql = postgres(url, { max: 1, onnotice: () => {} })
        await applySchema(sql, schemaDir)
        await sql.end()
        const r = await seed({ ...seedOptions, databaseUrl: url })
        if (!r.ok) throw new Error('full reseed failed')
      }),
    )
    await dropDb('seedbed_reset_full')
    clone.push(await time(() => cloneDatabase(server, 'seedbed_reset_tpl', 'seedbed_reset_clone')))
    await dropDb('seedbed_reset_clone')
    replant.push(await time(() => truncateAndReplant(databaseUrl(server, 'seedbed_reset_replant'), seedOptions)))
  }
  const f = median(full)
  const rows = [
    ['full reseed (new database, schema, seeds)', f],
    ['copy of a seeded template (CREATE DATABASE ... TEMPLATE)', median(clone)],
    ['truncate and replant (same database)', median(replant)],
  ] as const
  console.log(`\nexample project at scale ${values.scale}, median of ${runs}:`)
  console.log('| method | ms | vs full reseed |\n|---|---|---|')
  for (const [name, ms] of rows) console.log(`| ${name} | ${Math.round(ms)} | ${(ms / f).toFixed(2)} |`)
} finally {
  await dropDb('seedbed_reset_replant')
  await dropTemplate(server, 'seedbed_reset_tpl')
  await db.close()
}
