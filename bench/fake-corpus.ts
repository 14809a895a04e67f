/**
 * ctx.fake on issue 29's corpus of real schemas (test/fixtures/schemas/*), against `psql \copy` of the
 * same rows in the same run:
 *
 *   npm run bench:fake-corpus -- [--rows 1000000] [--runs 3] [--parents 1000] [--rows-per-table 10000] [--only table|database] [--schema lago]
 *
 * 1. The largest table of the corpus: adventureworks's sales.salesorderheader, the widest (25 columns,
 *    tied with production.product) and the most constrained (15 constraints: 8 foreign keys, 6 CHECKs,
 *    among them the judged `duedate >= orderdate`, and its primary key). The tables it refers to,
 *    transitively, are filled first with `--parents` rows each (not timed); then, `--runs` times, the
 *    table is emptied and filled with `--rows` rows by `ctx.fake`, and emptied again and loaded by `psql
 *    \copy` from a file of the very rows `fake` made (dumped with `\copy ... TO` after the first run), into
 *    the same table with its keys and constraints in place. The ratio is rows/s of fake over rows/s of psql.
 * 2. The whole-database fill of a corpus schema (`--schema`, default lago: 138 tables, the largest of the
 *    corpus; adventureworks has 68): every
 *    table, parents first, by `ctx.fake(table, --rows-per-table)` (fewer where a unique key has fewer
 *    distinct values: the count the error names), each in its own transaction; against `psql \copy` of the
 *    rows of every table (dumped after the fill) into a fresh copy of the DDL, in the same order, in one psql.
 *
 * DATABASE_URL selects the server (else the embedded PostgreSQL); the databases `seedbed_bench_corpus*`
 * are created on it and dropped at the end. Every fake runs in a child process of its own.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type postgres from 'postgres'
import { createPool, databaseUrl, openDatabase } from '../lib/db/connect.ts'
import { codes, SeedbedError } from '../lib/errors/errors.ts'
import { redactUrl } from '../lib/errors/redact.ts'
import { createContext } from '../lib/execution/context.ts'
import { createLogger, type Logger } from '../lib/output/log.ts'
import { digests, loadDdl, tablesInOrder } from '../test/corpus.ts'
import { type Measure, median, report, runChild } from './measure.ts'

const HERE = fileURLToPath(import.meta.url)
/** A corpus schema's DDL. */
const schemaFile = (name: string) => fileURLToPath(new URL(`../test/fixtures/schemas/${name}/schema.sql`, import.meta.url))
const SCHEMA = schemaFile('adventureworks')
const TARGET = 'sales.salesorderheader'
const DB = 'seedbed_bench_corpus'

const fmt = (n: number) => new Intl.NumberFormat('en-US').format(Math.round(n))

/** One table by ctx.fake in a transaction of its own. */
async function fakeOne(sql: postgres.Sql, log: Logger, table: string, count: number): Promise<number> {
  return sql.begin(async (tx) => {
    const { ctx } = createContext(tx, log, { seed: 'bench', env: 'development', secrets: [] })
    const r = await ctx.fake(table, count)
    return r.created + r.updated + r.skipped
  })
}

/**
 * Fills the tables in order, `count` rows each, or as many as the table's unique keys allow (the count
 * E_FAKE_DOMAIN names, then a second attempt). Per table: its rows, or the code of its refusal.
 */
async function fillTables(sql: postgres.Sql, log: Logger, tables: readonly string[], count: number) {
  const out: Record<string, number | string> = {}
  for (const table of tables) {
    try {
      out[table] = await fakeOne(sql, log, table, count)
    } catch (err) {
      if (!(err instanceof SeedbedError)) throw err
      const most = err.code === codes.FAKE_DOMAIN && /has only (\d+) distinct/.exec(err.message)
      out[table] = most ? await fakeOne(sql, log, table, Number(most[1])) : err.code
    }
  }
  return out
}

// ---- children: one fake each, timed ----
async function child(method: string, rows: number, url: string) {
  const sql = createPool(url, 1)
  const log = createLogger({ level: -999 })
  let detail = ''
  let t0 = performance.now()
  if (method === 'fake') {
    detail = `${await fakeOne(sql, log, TARGET, rows)} rows`
  } else if (method === 'fill') {
    const tables = await tablesInOrder(sql)
    t0 = performance.now()
    detail = JSON.stringify(await fillTables(sql, log, tables, rows))
  }
  const ms = performance.now() - t0
  await sql.end()
  report(ms, detail)
}

const runMethod = (method: string, rows: number, url: string) =>
  runChild(['--conditions=seedbed-source', '--import', 'tsx', HERE, '--child', method, '--rows', String(rows), '--url', url])

/** Runs a psql script; its wall time. */
async function psqlScript(url: string, file: string, lines: string[]): Promise<Measure> {
  await writeFile(file, `${lines.join('\n')}\n`)
  const t0 = performance.now()
  execFileSync('psql', [url, '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-f', file], { stdio: ['ignore', 'ignore', 'inherit'] })
  return { ms: performance.now() - t0 }
}

interface Dumped {
  table: string
  columns: string
  file: string
}

/** Writes every table's rows to a file of its own with `\copy ... TO` (the columns COPY FROM takes: not generated ones). */
async function dumpTables(sql: postgres.Sql, url: string, work: string, tables: readonly string[]): Promise<Dumped[]> {
  const dumped: Dumped[] = []
  for (const [i, table] of tables.entries()) {
    const [{ columns }] = await sql<[{ columns: string }]>`
      SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS columns FROM pg_attribute
      WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''`
    dumped.push({ table, columns, file: path.join(work, `${i}.copy`) })
  }
  const lines = dumped.map((d) => `\\copy (SELECT ${d.columns} FROM ${d.table}) TO '${d.file}'`)
  await psqlScript(url, path.join(work, 'dump.sql'), lines)
  return dumped
}

/** `psql \copy` of dumped files, in order, in one psql: its wall time. */
const psqlLoad = (url: string, work: string, dumped: readonly Dumped[]) =>
  psqlScript(
    url,
    path.join(work, 'load.sql'),
    dumped.map((d) => `\\copy ${d.table} (${d.columns}) FROM '${d.file}'`),
  )

function printTable(lines: string[][]) {
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)))
  process.stdout.write(`${lines.map((l) => l.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n')}\n`)
}

interface Options {
  rows: number
  runs: number
  parents: number
  log: Logger
  work: string
}

/** Part 1: the largest table, fake against psql \copy of the same rows, `runs` times. */
async function largestTable(serverUrl: string, admin: postgres.Sql, o: Options) {
  await admin.unsafe(`CREATE DATABASE ${DB}`)
  const url = databaseUrl(serverUrl, DB)
  const sql = createPool(url, 1)
  try {
    await loadDdl(url, SCHEMA)
    const ancestors = (await tablesInOrder(sql, [TARGET])).filter((t) => t !== TARGET)
    const filled = await fillTables(sql, createLogger({ level: -999 }), ancestors, o.parents)
    o.log.info(
      `parents of ${TARGET} (not timed): ${Object.entries(filled)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
    )
    const fakes: number[] = []
    const copies: number[] = []
    let dumped: Dumped[] = []
    for (let i = 0; i < o.runs; i++) {
      await sql.unsafe(`TRUNCATE ${TARGET} CASCADE`)
      const f = runMethod('fake', o.rows, url)
      fakes.push(f.ms)
      const fakeDigest = i === 0 ? await digests(sql, [TARGET]) : {}
      if (i === 0) dumped = await dumpTables(sql, url, o.work, [TARGET])
      await sql.unsafe(`TRUNCATE ${TARGET} CASCADE`)
      const p = await psqlLoad(url, o.work, dumped)
      copies.push(p.ms)
      if (i === 0) o.log.info(`same rows as fake's: ${JSON.stringify(await digests(sql, [TARGET])) === JSON.stringify(fakeDigest)}`)
      o.log.info(
        `run ${i + 1}: fake ${(f.ms / 1000).toFixed(2)} s (${f.detail}, peak RSS ${f.rssMb?.toFixed(0)} MB), psql \\copy ${(p.ms / 1000).toFixed(2)} s: ${(p.ms / f.ms).toFixed(2)}x`,
      )
    }
    const [f, p] = [median(fakes), median(copies)]
    printTable([
      [`${TARGET}, ${fmt(o.rows)} rows, median of ${o.runs}`, 'wall s', 'rows/s', 'rows/s over psql \\copy'],
      ['psql \\copy of the same rows (keys and constraints in place)', (p / 1000).toFixed(2), fmt((o.rows * 1000) / p), '1.00x'],
      ['ctx.fake (catalog read, rows made, fast path)', (f / 1000).toFixed(2), fmt((o.rows * 1000) / f), `${(p / f).toFixed(2)}x`],
      ['each run (psql / fake)', copies.map((c, i) => (c / fakes[i]!).toFixed(2)).join(' '), '', ''],
    ])
  } finally {
    await sql.end()
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  }
}

/** Part 2: every table of `schema` by fake, against psql \copy of the same rows into a fresh copy of the DDL. */
async function wholeDatabase(serverUrl: string, admin: postgres.Sql, o: Options & { schema: string }) {
  const [fillDb, copyDb] = [`${DB}_fill`, `${DB}_copy`]
  const urls = [databaseUrl(serverUrl, fillDb), databaseUrl(serverUrl, copyDb)] as const
  for (const name of [fillDb, copyDb]) await admin.unsafe(`CREATE DATABASE ${name}`)
  const [a, b] = urls.map((u) => createPool(u, 1)) as [postgres.Sql, postgres.Sql]
  try {
    for (const u of urls) await loadDdl(u, schemaFile(o.schema))
    const order = await tablesInOrder(a)
    const f = runMethod('fill', o.rows, urls[0])
    const results = JSON.parse(f.detail!) as Record<string, number | string>
    const tables = order.filter((t) => typeof results[t] === 'number')
    const total = tables.reduce((s, t) => s + (results[t] as number), 0)
    const fewer = tables.filter((t) => results[t] !== o.rows).map((t) => `${t} ${results[t]}`)
    const refused = order.filter((t) => typeof results[t] === 'string').map((t) => `${t} ${results[t]}`)
    o.log.info(
      `fake filled ${tables.length} of ${order.length} tables, ${fmt(total)} rows; fewer rows (key domain): ${fewer.join(', ') || 'none'}`,
    )
    if (refused.length) o.log.info(`refused: ${refused.join(', ')}`)
    const dumped = await dumpTables(a, urls[0], o.work, tables)
    // Rows the DDL itself inserts (a Rails structure.sql fills schema_migrations) are in the dump too.
    await b.unsafe(`TRUNCATE ${tables.join(', ')} CASCADE`)
    const p = await psqlLoad(urls[1], o.work, dumped)
    o.log.info(`same rows in every table: ${JSON.stringify(await digests(a, tables)) === JSON.stringify(await digests(b, tables))}`)
    printTable([
      [`${o.schema}, ${tables.length} of ${order.length} tables, ${fmt(total)} rows`, 'wall s', 'rows/s', 'rows/s over psql \\copy'],
      ['psql \\copy of the same rows, every table in order', (p.ms / 1000).toFixed(2), fmt((total * 1000) / p.ms), '1.00x'],
      [
        'ctx.fake of every table, each its own transaction',
        (f.ms / 1000).toFixed(2),
        fmt((total * 1000) / f.ms),
        `${(p.ms / f.ms).toFixed(2)}x`,
      ],
    ])
  } finally {
    await a.end()
    await b.end()
    for (const name of [fillDb, copyDb]) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      parents: { type: 'string', default: '1000' },
      'rows-per-table': { type: 'string', default: '10000' },
      only: { type: 'string' },
      schema: { type: 'string', default: 'lago' },
      child: { type: 'string' },
      url: { type: 'string' },
    },
  })
  const [rows, runs, parents, perTable] = [values.rows, values.runs, values.parents, values['rows-per-table']].map(Number) as number[]
  for (const [name, n] of Object.entries({ rows, runs, parents, 'rows-per-table': perTable })) {
    if (!Number.isInteger(n) || n! < 1) throw new Error(`--${name} takes a positive integer`)
  }
  if (values.child) return child(values.child, rows!, values.url!)
  if (values.only && !['table', 'database'].includes(values.only)) throw new Error('--only takes table or database')

  const log = createLogger()
  const db = await openDatabase({ url: process.env.DATABASE_URL || undefined, poolSize: 1, dataDir: path.resolve('.seedbed'), log })
  const work = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-corpus-'))
  const drop = () => Promise.all(['', '_fill', '_copy'].map((s) => db.sql.unsafe(`DROP DATABASE IF EXISTS ${DB}${s} WITH (FORCE)`)))
  log.info(`server ${redactUrl(db.url)}`)
  try {
    await drop()
    const o = { runs: runs!, parents: parents!, log, work }
    if (values.only !== 'database') await largestTable(db.url, db.sql, { ...o, rows: rows! })
    if (values.only !== 'table') await wholeDatabase(db.url, db.sql, { ...o, rows: perTable!, schema: values.schema! })
  } finally {
    await drop()
    await db.close()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
