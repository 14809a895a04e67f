/**
 * What undo records cost: the same seed run with them on and off, through `seed()` (the seed's own
 * transaction, its statistics baseline and its records included).
 *
 *   npm run bench:undo -- [--rows 1000000] [--runs 1]
 *
 * Two cases, each on and off: `load` of N rows into an empty table (COPY straight in: created rows
 * need no record of their own, one row per table), and a `load` re-run that changes every row (the
 * staging merge: the worst case, every old row stored in seedbed.undo_rows). Reported: wall time (the
 * median of --runs), the on/off ratio, and the size of the undo records (pg_total_relation_size)
 * beside the table's. DATABASE_URL selects the server (else the embedded PostgreSQL); a database
 * `seedbed_bench_undo` is created on it and dropped at the end.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createPool, databaseUrl, openDatabase } from '../lib/db/connect.ts'
import { seed } from '../lib/execution/api.ts'
import { createLogger } from '../lib/output/log.ts'
import { redactUrl } from '../lib/errors/redact.ts'
import { median } from './measure.ts'

const TABLE = 'bench_users'
const LIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'index.ts')

/** One seed: N rows, `score` from BENCH_VARIANT so that a second variant changes every row. */
const SEED = `import { defineSeed } from '${LIB}'
export default defineSeed({
  name: 'bench',
  async run({ load }) {
    const n = Number(process.env.BENCH_ROWS)
    const v = Number(process.env.BENCH_VARIANT)
    const base = Date.UTC(2026, 0, 1)
    function* rows() {
      for (let i = 1; i <= n; i++) yield [i, \`user\${i}@example.com\`, \`User \${i}\`, new Date(base - i * 1000), (i + v) % 1000]
    }
    await load('${TABLE}', rows(), { columns: ['id', 'email', 'name', 'created_at', 'score'], conflict: ['id'] })
  },
})
`

const fmt = (n: number) => n.toLocaleString('en-US')
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

async function main() {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '1' } } })
  const rows = Number(values.rows)
  const runs = Number(values.runs)
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(runs) || runs < 1)
    throw new Error('--rows and --runs take positive integers')
  const log = createLogger()
  const db = await openDatabase({ url: process.env.DATABASE_URL || undefined, poolSize: 1, dataDir: path.resolve('.seedbed'), log })
  const work = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-undo-'))
  await db.sql.unsafe('DROP DATABASE IF EXISTS seedbed_bench_undo WITH (FORCE)')
  await db.sql.unsafe('CREATE DATABASE seedbed_bench_undo')
  const url = databaseUrl(db.url, 'seedbed_bench_undo')
  const sql = createPool(url, 1)
  try {
    await writeFile(path.join(work, 'bench.ts'), SEED)
    await sql.unsafe(
      `CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL, score integer NOT NULL)`,
    )
    log.info(`${fmt(rows)} rows, ${runs} run(s), server ${redactUrl(url)}`)
    process.env.BENCH_ROWS = String(rows)
    const once = async (variant: number, undoRecords: boolean) => {
      process.env.BENCH_VARIANT = String(variant)
      const t0 = performance.now()
      const r = await seed({ databaseUrl: url, seedsDir: work, undoRecords, poolSize: 2, concurrency: 1 })
      const ms = performance.now() - t0
      if (!r.ok) throw new Error(`the bench seed failed: ${JSON.stringify(r.seeds[0]?.error)}`)
      return { ms, counts: r.seeds[0]! }
    }
    const sizes = async () => {
      const [row] = await sql<[{ records: string; table: string }]>`
        SELECT (pg_total_relation_size('seedbed.undo_tables') + pg_total_relation_size('seedbed.undo_rows'))::text AS records,
               pg_total_relation_size(${TABLE})::text AS table`
      return { records: Number(row.records), table: Number(row.table) }
    }
    const reset = async () => {
      await sql.unsafe(`TRUNCATE ${TABLE}`)
      await sql.unsafe('TRUNCATE seedbed.runs CASCADE').catch(() => undefined)
      await sql.unsafe('VACUUM seedbed.undo_rows').catch(() => undefined)
    }
    const results: string[][] = [['case', 'undo records', 'ms', 'ratio on/off', 'records', 'table']]
    for (const [name, prepare, variant] of [
      ['load into an empty table (COPY)', async () => undefined, 1],
      ['load re-run changing every row (merge)', async () => void (await once(1, false)), 2],
    ] as const) {
      const times: Record<'on' | 'off', number[]> = { on: [], off: [] }
      let size = { records: 0, table: 0 }
      for (let i = 0; i < runs; i++) {
        // Alternate which goes first, so that neither always meets a warmer cache.
        for (const mode of i % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
          await reset()
          await prepare()
          await sql.unsafe(`VACUUM ANALYZE ${TABLE}`)
          const { ms, counts } = await once(variant, mode === 'on')
          times[mode].push(ms)
          if (mode === 'on') size = await sizes()
          log.info(`${name}, records ${mode}: ${Math.round(ms)} ms (created ${fmt(counts.created)}, updated ${fmt(counts.updated)})`)
        }
      }
      const on = median(times.on)
      const off = median(times.off)
      results.push([name, 'on', String(Math.round(on)), (on / off).toFixed(2), mb(size.records), mb(size.table)])
      results.push([name, 'off', String(Math.round(off)), '', '', ''])
    }
    const widths = results[0]!.map((_, i) => Math.max(...results.map((r) => r[i]!.length)))
    console.log(results.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n'))
  } finally {
    await sql.end({ timeout: 5 })
    await db.sql.unsafe('DROP DATABASE IF EXISTS seedbed_bench_undo WITH (FORCE)').catch(() => undefined)
    await db.close()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
