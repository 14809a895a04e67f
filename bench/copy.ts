/**
 * Bulk-loading benchmark: the same N rows loaded by several methods into one database in one run,
 * each reported as wall time, rows/s, the ratio to `psql \copy` of the same rows (the limit), and
 * the peak RSS of the process that did the work.
 *
 *   npm run bench -- [--rows 1000000] [--runs 1] [--huge]
 *
 * DATABASE_URL selects the server (else the embedded PostgreSQL); a database `seedbed_bench` is
 * created on it and dropped at the end. Every seedbed method runs in a child process of its own so
 * that its peak RSS is its own. `--huge` adds the 10M-row memory check. Faker rows come in two
 * forms: as docs/bulk-loading.md recommends (`fakePerson`), and through faker's template engine (`fullName`).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createPool, databaseUrl, openDatabase } from '../lib/db/connect.ts'
import { writeRowsFile } from './rows-file.ts'
import type { CopyRow } from '../lib/contract/types.ts'
import { copyRows, rowEncoder } from '../lib/sql/copy.ts'
import { loadRows } from '../lib/sql/load.ts'
import { createLogger } from '../lib/output/log.ts'
import { redactUrl } from '../lib/errors/redact.ts'
import { type Measure, median, report, runChild } from './measure.ts'

const TABLE = 'bench_users'
const COLUMNS = ['id', 'email', 'name', 'created_at', 'score']
const HERE = fileURLToPath(import.meta.url)

/** Plain rows: cheap to make, so the load itself is what is measured. */
function* plainRows(n: number): Generator<CopyRow> {
  const base = Date.UTC(2026, 0, 1)
  for (let i = 1; i <= n; i++) yield [i, `user${i}@example.com`, `User ${i}`, new Date(base - i * 1000), i % 1000]
}

// faker is loaded only by the runs that use it, so the plain runs' RSS does not carry its locale data.
const needsFaker = !process.argv.includes('--child') || process.argv.includes('faker') || process.argv.includes('templates')
const { fakerFor, fakePerson, uniqueEmail } = needsFaker
  ? await import('../lib/helpers/fake.ts')
  : ({} as typeof import('../lib/helpers/fake.ts'))

/**
 * Realistic rows from seeded faker, written as docs/bulk-loading.md recommends: `fakePerson` draws the name
 * once for the name and the email (the row number keeps emails unique), faker for the rest.
 */
function* fakerRows(n: number): Generator<CopyRow> {
  const faker = fakerFor('bench')
  for (let i = 1; i <= n; i++) {
    const p = fakePerson(faker, i)
    yield [i, p.email, p.name, faker.date.past({ years: 3 }), faker.number.int({ min: 0, max: 1000 })]
  }
}

/** The same columns through faker's template engine: `uniqueEmail` and `faker.person.fullName()`. */
function* templateRows(n: number): Generator<CopyRow> {
  const faker = fakerFor('bench')
  for (let i = 1; i <= n; i++) {
    yield [i, uniqueEmail(faker, i), faker.person.fullName(), faker.date.past({ years: 3 }), faker.number.int({ min: 0, max: 1000 })]
  }
}

const generators = { plain: plainRows, faker: fakerRows, templates: templateRows }
type Kind = keyof typeof generators

// ---- child: one method, timed, then its peak RSS ----
async function child(method: string, kind: Kind, rows: number, url: string) {
  const sql = createPool(url, 1)
  const t0 = performance.now()
  let detail = ''
  if (method === 'copy') {
    await sql.begin((tx) => copyRows(tx, TABLE, COLUMNS, generators[kind](rows)))
  } else if (method === 'rerun') {
    const r = await sql.begin((tx) => loadRows(tx, TABLE, generators[kind](rows), { columns: COLUMNS, conflict: ['id'] }))
    detail = `created ${r.created}, updated ${r.updated}, skipped ${r.skipped}`
  } else if (method === 'insert') {
    await sql.begin(async (tx) => {
      let batch: Record<string, unknown>[] = []
      const flush = async () => {
        // biome-ignore lint/suspicious/noExplicitAny: postgres.js's helper types cannot follow a dynamic row list
        await (tx as any)`INSERT INTO ${tx(TABLE)} ${(tx as any)(batch, COLUMNS)}`
        batch = []
      }
      for (const r of generators[kind](rows)) {
        const v = r as unknown[]
        batch.push({ id: v[0], email: v[1], name: v[2], created_at: v[3], score: v[4] })
        if (batch.length === 1000) await flush()
      }
      if (batch.length) await flush()
    })
  } else if (method === 'generate') {
    // Rows made and encoded, sent nowhere: what generation alone costs.
    const encode = rowEncoder(COLUMNS, TABLE)
    let i = 0
    for (const r of generators[kind](rows)) encode(r, i++)
  }
  const ms = performance.now() - t0
  await sql.end()
  report(ms, detail)
}

// ---- parent ----
const runMethod = (method: string, kind: Kind, rows: number, url: string): Measure =>
  runChild(['--import', 'tsx', HERE, '--child', method, '--kind', kind, '--rows', String(rows), '--url', url], {
    label: `${method} (${kind})`,
  })
const fmt = (n: number) => new Intl.NumberFormat('en-US').format(Math.round(n))

async function main() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '1' },
      huge: { type: 'boolean', default: false },
      child: { type: 'string' },
      kind: { type: 'string', default: 'plain' },
      url: { type: 'string' },
    },
  })
  const rows = Number(values.rows)
  if (values.child) return child(values.child, values.kind as Kind, rows, values.url!)
  const runs = Number(values.runs)
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(runs) || runs < 1)
    throw new Error('--rows and --runs take positive integers')

  const log = createLogger()
  const db = await openDatabase({ url: process.env.DATABASE_URL || undefined, poolSize: 1, dataDir: path.resolve('.seedbed'), log })
  const work = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-'))
  await db.sql.unsafe('DROP DATABASE IF EXISTS seedbed_bench WITH (FORCE)')
  await db.sql.unsafe('CREATE DATABASE seedbed_bench')
  const benchUrl = databaseUrl(db.url, 'seedbed_bench')
  const sql = createPool(benchUrl, 1)
  try {
    await sql.unsafe(
      `CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL, score integer NOT NULL)`,
    )
    const truncate = () => sql.unsafe(`TRUNCATE ${TABLE}`)
    const psql = spawnSync('psql', ['--version'], { encoding: 'utf8' }).status === 0
    log.info(
      `${fmt(rows)} rows, ${runs} run(s), server ${redactUrl(benchUrl)}${psql ? '' : ' (psql not found: its baselines are skipped)'}`,
    )

    const files: Partial<Record<Kind, string>> = {}
    if (psql) {
      for (const kind of ['plain', 'faker', 'templates'] as Kind[]) {
        files[kind] = path.join(work, `${kind}.copy`)
        log.info(`writing ${kind} rows for psql \\copy`)
        await writeRowsFile(files[kind]!, COLUMNS, TABLE, generators[kind](rows))
      }
    }
    const psqlCopy = (kind: Kind): Measure => {
      const t0 = performance.now()
      execFileSync('psql', [benchUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `\\copy ${TABLE} (${COLUMNS.join(', ')}) FROM '${files[kind]}'`])
      return { ms: performance.now() - t0 }
    }

    const results: { name: string; kind: Kind; m: Measure; baseline?: string }[] = []
    const measure = async (
      name: string,
      kind: Kind,
      fn: () => Measure | Promise<Measure>,
      before: () => Promise<unknown> = truncate,
      baseline?: string,
    ) => {
      const ms: number[] = []
      let rss = 0
      let detail = ''
      for (let i = 0; i < runs; i++) {
        await before()
        const m = await fn()
        ms.push(m.ms)
        rss = Math.max(rss, m.rssMb ?? 0)
        detail = m.detail ?? ''
      }
      const m = { ms: median(ms), rssMb: rss || undefined, detail }
      results.push({ name, kind, m, baseline })
      log.info(`${name}: ${(m.ms / 1000).toFixed(2)} s${detail ? ` (${detail})` : ''}`)
    }
    const none = async () => {}
    if (psql) await measure('psql \\copy, pre-made file', 'plain', () => psqlCopy('plain'))
    await measure(
      'seedbed copy (rows made in JS)',
      'plain',
      () => runMethod('copy', 'plain', rows, benchUrl),
      truncate,
      'psql \\copy, pre-made file',
    )
    // The re-run finds every row in place: the idempotent path of a seed run twice.
    const first = results.at(-1)!.m.ms
    await measure(
      'seedbed load, re-run (all skipped)',
      'plain',
      () => runMethod('rerun', 'plain', rows, benchUrl),
      none,
      'psql \\copy, pre-made file',
    )
    const rerun = results.at(-1)!.m.ms
    await measure(
      'multi-row INSERT, 1,000 rows each',
      'plain',
      () => runMethod('insert', 'plain', rows, benchUrl),
      truncate,
      'psql \\copy, pre-made file',
    )
    if (psql) await measure('psql \\copy, faker rows file', 'faker', () => psqlCopy('faker'))
    await measure(
      'seedbed copy, faker rows',
      'faker',
      () => runMethod('copy', 'faker', rows, benchUrl),
      truncate,
      'psql \\copy, faker rows file',
    )
    await measure(
      'faker rows generated only (no load)',
      'faker',
      () => runMethod('generate', 'faker', rows, benchUrl),
      none,
      'psql \\copy, faker rows file',
    )

    if (psql) await measure('psql \\copy, faker-template rows file', 'templates', () => psqlCopy('templates'))
    await measure(
      'seedbed copy, faker-template rows (fullName)',
      'templates',
      () => runMethod('copy', 'templates', rows, benchUrl),
      truncate,
      'psql \\copy, faker-template rows file',
    )
    await measure(
      'faker-template rows generated only',
      'templates',
      () => runMethod('generate', 'templates', rows, benchUrl),
      none,
      'psql \\copy, faker-template rows file',
    )

    const table = [['method', 'rows', 'wall s', 'rows/s', 'vs psql \\copy', 'peak RSS MB']]
    for (const r of results) {
      const base = results.find((x) => x.name === r.baseline)
      table.push([
        r.name,
        fmt(rows),
        (r.m.ms / 1000).toFixed(2),
        fmt((rows * 1000) / r.m.ms),
        r.baseline ? (base ? (base.m.ms / r.m.ms).toFixed(2) : 'n/a') : '1.00',
        r.m.rssMb ? fmt(r.m.rssMb) : 'psql',
      ])
    }
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
    console.log(`\n${table.map((row) => row.map((c, i) => (i ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')).join('\n')}`)
    console.log(`\nidempotent re-run / first load: ${(rerun / first).toFixed(2)}x`)

    // Memory stays flat with the row count: seedbed copy at growing sizes.
    const sizes = [100_000, 1_000_000, ...(values.huge ? [10_000_000] : [])]
    const rss: string[] = []
    for (const n of sizes) {
      await truncate()
      const m = runMethod('copy', 'plain', n, benchUrl)
      rss.push(`${fmt(n)} rows: ${fmt(m.rssMb!)} MB in ${(m.ms / 1000).toFixed(1)} s`)
    }
    console.log(`peak RSS of seedbed copy by row count: ${rss.join('; ')}${values.huge ? '' : ' (--huge adds 10M)'}`)
  } finally {
    await sql.end()
    await db.sql.unsafe('DROP DATABASE IF EXISTS seedbed_bench WITH (FORCE)').catch(() => undefined)
    await db.close()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
