/**
 * Fresh loads against psql \copy, measured in one run on one server:
 *
 * 1. seedbed `fresh --scale N` of the example project (each run in a new database): the time of the
 *    seeds that fill customers, orders and order_items (they run one after another: each depends on
 *    the one before), and of the whole fresh (schema, every seed, ledger).
 * 2. The baseline: those three tables as seedbed left them, dumped with `\copy ... TO`, then
 *    `psql \copy` of the files into freshly created identical tables (the schema files applied to a
 *    new database, the small tables copied in untimed), in foreign-key order, one psql process.
 * 2b. The floor under seedbed's time: the three seeds run with a `load` that only encodes their
 *    rows (generation with faker and COPY encoding in Node, nothing sent).
 * 3. One indexed empty table (primary key, a unique key, three secondary indexes), 10,000 x N
 *    plain rows: seedbed `load` with the fast path, the same with `fastLoad: false`, and psql \copy
 *    of the same rows from a file.
 *
 *   npm run bench:fresh -- [--scale 100] [--runs 3]
 *
 * DATABASE_URL selects the server (else the embedded PostgreSQL). Databases seedbed_bench_*_<pid>
 * are created and dropped. Ratios are psql's time over seedbed's: above 1, seedbed is faster.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createPool, databaseUrl, openDatabase } from '../lib/db/connect.ts'
import { writeRowsFile } from './rows-file.ts'
import { fresh } from '../lib/execution/api.ts'
import type { CopyRow } from '../lib/contract/types.ts'
import { rowEncoder } from '../lib/sql/copy.ts'
import { createContext } from '../lib/execution/context.ts'
import type { Seed } from '../lib/contract/contract.ts'
import { loadRows } from '../lib/sql/load.ts'
import { applySchema } from '../lib/db/schema.ts'
import { createLogger } from '../lib/output/log.ts'
import { redactUrl } from '../lib/errors/redact.ts'
import { median } from './measure.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SEEDS = path.join(ROOT, 'seeds')
const SCHEMA = path.join(ROOT, 'schema')
/** The bulk tables, in foreign-key order, with the columns their seeds load. */
const BULK: [table: string, seed: string, columns: string[]][] = [
  ['customers', 'customers', ['email', 'name', 'password_hash', 'created_at', 'score']],
  ['orders', 'orders', ['order_no', 'customer_email', 'placed_at', 'status', 'total_cents']],
  ['order_items', 'order_items', ['order_no', 'line_no', 'product_sku', 'quantity', 'price_cents']],
]
/** The small tables the bulk ones reference, copied into the baseline database untimed (every column). */
const SMALL = ['roles', 'permissions', 'role_permissions', 'users', 'categories', 'products']

const LOAD_TABLE = 'bench_indexed'
const LOAD_COLUMNS = ['id', 'email', 'name', 'created_at', 'score']
const LOAD_DDL = `CREATE TABLE ${LOAD_TABLE} (
    id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL, score integer NOT NULL);
  CREATE INDEX ${LOAD_TABLE}_score ON ${LOAD_TABLE} (score);
  CREATE INDEX ${LOAD_TABLE}_created ON ${LOAD_TABLE} (created_at);
  CREATE INDEX ${LOAD_TABLE}_name ON ${LOAD_TABLE} (lower(name))`

function* plainRows(n: number): Generator<CopyRow> {
  const base = Date.UTC(2026, 0, 1)
  // Names and emails out of key order, as real data is: an index build sorts, an insert seeks.
  for (let i = 1; i <= n; i++) {
    const k = (i * 7919) % n
    yield [i, `user${k}.${i}@example.com`, `User ${k}`, new Date(base - k * 1000), k % 1000]
  }
}

/** The three bulk seeds with a `load` that encodes the rows and sends them nowhere: Node's share. */
async function generateOnly(seedUrl: string, scale: number): Promise<number> {
  const sql = createPool(seedUrl, 1)
  const log = createLogger({ level: -999 })
  try {
    const t0 = performance.now()
    for (const [, name] of BULK) {
      const seed = (await import(path.join(SEEDS, `${name}.ts`))).default as Seed
      // Rolled back: the customers seed reads its stored password hash, nothing is written.
      await sql
        .begin(async (tx) => {
          const { ctx } = createContext(tx, log, { seed: name, env: 'development', scale, secrets: seed.secrets })
          const encodeOnly: typeof ctx.load = async (table, rows, options) => {
            const encode = rowEncoder(options.columns, table)
            let i = 0
            for await (const row of rows) encode(row, i++)
            return { mode: 'copy', created: i, updated: 0, skipped: 0 }
          }
          await seed.run?.(Object.assign(Object.create(ctx), { load: encodeOnly }))
          throw new Error('rollback')
        })
        .catch((err) => {
          if ((err as Error).message !== 'rollback') throw err
        })
    }
    return performance.now() - t0
  } finally {
    await sql.end()
  }
}

const fmt = (n: number) => new Intl.NumberFormat('en-US').format(Math.round(n))
const psql = (url: string, ...commands: string[]) =>
  execFileSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...commands.flatMap((c) => ['-c', c])], { encoding: 'utf8' })
const timed = (fn: () => unknown) => {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

async function main() {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: '100' }, runs: { type: 'string', default: '1' } } })
  const scale = Number(values.scale)
  const runs = Number(values.runs)
  if (!(scale > 0) || !Number.isInteger(runs) || runs < 1) throw new Error('--scale takes a positive number, --runs a positive integer')
  if (spawnCheck()) throw new Error('psql is needed for the baseline: install the PostgreSQL client')

  const log = createLogger()
  const db = await openDatabase({ url: process.env.DATABASE_URL || undefined, poolSize: 1, dataDir: path.join(ROOT, '.seedbed'), log })
  const work = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-fresh-'))
  // Named by process: two runs on one server must not drop each other's databases.
  const names = {
    seeded: `seedbed_bench_fresh_${process.pid}`,
    base: `seedbed_bench_psql_${process.pid}`,
    load: `seedbed_bench_load_${process.pid}`,
  }
  const drop = async () => {
    for (const name of Object.values(names)) await db.sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
  const url = (name: string) => databaseUrl(db.url, name)
  log.info(`scale ${scale}, ${runs} run(s), server ${redactUrl(db.url)}`)
  try {
    await drop()
    const seedMs: number[] = []
    const freshMs: number[] = []
    const psqlMs: number[] = []
    const genMs: number[] = []
    let rows = 0
    for (let run = 0; run < runs; run++) {
      await db.sql.unsafe(`DROP DATABASE IF EXISTS ${names.seeded} WITH (FORCE)`)
      await db.sql.unsafe(`CREATE DATABASE ${names.seeded}`)
      const t0 = performance.now()
      const result = await fresh({ databaseUrl: url(names.seeded), seedsDir: SEEDS, schemaDir: SCHEMA, scale, env: 'development' })
      freshMs.push(performance.now() - t0)
      if (!result.ok) throw new Error(`fresh failed: ${JSON.stringify(result.error ?? result.seeds.find((s) => s.error)?.error)}`)
      const bulk = BULK.map(([, seed]) => result.seeds.find((s) => s.name === seed)!)
      seedMs.push(bulk.reduce((sum, s) => sum + s.durationMs, 0))
      rows = bulk.reduce((sum, s) => sum + s.created, 0)
      log.info(
        `fresh: ${(freshMs.at(-1)! / 1000).toFixed(2)} s, the three bulk seeds ${(seedMs.at(-1)! / 1000).toFixed(2)} s (${fmt(rows)} rows)`,
      )

      // The baseline: the same rows, dumped, then \copy'd into the same schema in a new database.
      const file = (table: string) => path.join(work, `${table}.copy`)
      psql(
        url(names.seeded),
        ...SMALL.map((t) => `\\copy ${t} TO '${file(t)}'`),
        ...BULK.map(([t, , cols]) => `\\copy ${t} (${cols.join(', ')}) TO '${file(t)}'`),
      )
      await db.sql.unsafe(`DROP DATABASE IF EXISTS ${names.base} WITH (FORCE)`)
      await db.sql.unsafe(`CREATE DATABASE ${names.base}`)
      const base = createPool(url(names.base), 1)
      try {
        await applySchema(base, SCHEMA)
      } finally {
        await base.end()
      }
      psql(url(names.base), ...SMALL.map((t) => `\\copy ${t} FROM '${file(t)}'`))
      psqlMs.push(timed(() => psql(url(names.base), ...BULK.map(([t, , cols]) => `\\copy ${t} (${cols.join(', ')}) FROM '${file(t)}'`))))
      log.info(`psql \\copy of the same rows: ${(psqlMs.at(-1)! / 1000).toFixed(2)} s`)
      genMs.push(await generateOnly(url(names.seeded), scale))
      log.info(`the three seeds' rows generated and encoded only: ${(genMs.at(-1)! / 1000).toFixed(2)} s`)
    }

    // One indexed table, plain rows: the load itself, on and off.
    const loadRowsN = Math.round(10_000 * scale)
    const loadFile = path.join(work, `${LOAD_TABLE}.copy`)
    await writeRowsFile(loadFile, LOAD_COLUMNS, LOAD_TABLE, plainRows(loadRowsN))
    await db.sql.unsafe(`CREATE DATABASE ${names.load}`)
    const sql = createPool(url(names.load), 1)
    const on: number[] = []
    const off: number[] = []
    const baseline: number[] = []
    const recreate = () => sql.unsafe(`DROP TABLE IF EXISTS ${LOAD_TABLE}; ${LOAD_DDL}`).simple()
    const load = async (fastLoad: boolean) => {
      await recreate()
      const t0 = performance.now()
      await sql.begin((tx) => loadRows(tx, LOAD_TABLE, plainRows(loadRowsN), { columns: LOAD_COLUMNS, conflict: ['id'], fastLoad }))
      return performance.now() - t0
    }
    try {
      for (let run = 0; run < runs; run++) {
        on.push(await load(true))
        off.push(await load(false))
        await recreate()
        baseline.push(timed(() => psql(url(names.load), `\\copy ${LOAD_TABLE} (${LOAD_COLUMNS.join(', ')}) FROM '${loadFile}'`)))
        log.info(
          `indexed table: fast ${(on.at(-1)! / 1000).toFixed(2)} s, fastLoad off ${(off.at(-1)! / 1000).toFixed(2)} s, psql \\copy ${(baseline.at(-1)! / 1000).toFixed(2)} s`,
        )
      }
    } finally {
      await sql.end()
    }

    const p = median(psqlMs)
    const b = median(baseline)
    const table: string[][] = [
      ['measurement', 'rows', 's', 'psql \\copy / this'],
      ['psql \\copy into the indexed example tables (baseline)', fmt(rows), (p / 1000).toFixed(2), '1.00'],
      [
        'seedbed fresh: seeding customers, orders, order_items',
        fmt(rows),
        (median(seedMs) / 1000).toFixed(2),
        (p / median(seedMs)).toFixed(2),
      ],
      [
        'the same seeds, rows generated and encoded only (no load)',
        fmt(rows),
        (median(genMs) / 1000).toFixed(2),
        (p / median(genMs)).toFixed(2),
      ],
      [
        'seedbed fresh: the whole command (schema, all seeds)',
        fmt(rows),
        (median(freshMs) / 1000).toFixed(2),
        (p / median(freshMs)).toFixed(2),
      ],
      [`psql \\copy into ${LOAD_TABLE} (baseline)`, fmt(loadRowsN), (b / 1000).toFixed(2), '1.00'],
      ['seedbed load, fast path (FREEZE, indexes after)', fmt(loadRowsN), (median(on) / 1000).toFixed(2), (b / median(on)).toFixed(2)],
      ['seedbed load, fastLoad: false', fmt(loadRowsN), (median(off) / 1000).toFixed(2), (b / median(off)).toFixed(2)],
    ]
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
    console.log(`\nscale ${scale}, median of ${runs} run(s); above 1.00 in the last column, seedbed is faster`)
    console.log(table.map((row) => `| ${row.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`).join('\n'))
  } finally {
    await drop().catch(() => undefined)
    await db.close()
    await rm(work, { recursive: true, force: true })
  }
}

/** True when psql is missing. */
function spawnCheck(): boolean {
  try {
    execFileSync('psql', ['--version'], { stdio: 'ignore' })
    return false
  } catch {
    return true
  }
}

await main()
