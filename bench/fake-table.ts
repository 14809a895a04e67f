/**
 * ctx.fake benchmark: N rows (default 1M) of a 10-column table with a unique email, a foreign key,
 * a CHECK, an enum-like text and numeric/timestamp/boolean columns, made from the catalog and loaded
 * by ctx.fake, against `psql \copy` of the same rows from a file (written first, outside the timing)
 * in the same run; then ctx.fake's re-run (all skipped); and drizzle-seed on the same table when a
 * folder where it is installed is given (it is not a dependency of seedbed):
 *
 *   npm run bench:fake-table -- [--rows 1000000] [--drizzle /tmp/drizzle-scratch]
 *
 * (`mkdir /tmp/drizzle-scratch && cd $_ && npm init -y && npm install --no-save drizzle-seed drizzle-orm postgres`)
 *
 * DATABASE_URL selects the server (else the embedded PostgreSQL); a database `seedbed_bench_fake` is
 * created on it and dropped at the end. Each method runs in a child process of its own, so its peak
 * RSS is its own.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createPool, databaseUrl, openDatabase } from '../lib/db/connect.ts'
import { redactUrl } from '../lib/errors/redact.ts'
import { type Measure, report, runChild } from './measure.ts'
import { createLogger } from '../lib/output/log.ts'
import { writeRowsFile } from './rows-file.ts'

const HERE = fileURLToPath(import.meta.url)
const PARENTS = 1000
const SCHEMA = `
  CREATE TABLE bench_teams (id integer PRIMARY KEY, name text NOT NULL);
  INSERT INTO bench_teams SELECT g, 'team ' || g FROM generate_series(1, ${PARENTS}) g;
  CREATE TABLE bench_members (
    id         bigint PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    first_name text NOT NULL,
    last_name  text NOT NULL,
    city       text,
    team_id    integer NOT NULL REFERENCES bench_teams,
    status     text NOT NULL CHECK (status IN ('active', 'invited', 'left')),
    score      integer NOT NULL CHECK (score BETWEEN 0 AND 100),
    balance    numeric(10, 2) NOT NULL,
    joined_at  timestamptz NOT NULL
  )`

// ---- children: one method each, timed, then the process's peak RSS ----
async function child(method: string, rows: number, url: string, file?: string) {
  const sql = createPool(url, 1)
  const t0 = performance.now()
  let detail = ''
  if (method === 'fake') {
    const { createContext } = await import('../lib/execution/context.ts')
    const r = await sql.begin((tx) =>
      createContext(tx, createLogger({ level: 1 }), { seed: 'bench', env: 'development' }).ctx.fake('bench_members', rows),
    )
    detail = `${r.mode}: created ${r.created}, updated ${r.updated}, skipped ${r.skipped}`
  } else if (method === 'file') {
    // The same rows ctx.fake makes, written as a COPY file for psql (not timed against anything).
    const { readTable } = await import('../lib/schema/table.ts')
    const { planFakeRows } = await import('../lib/schema/fake-rows.ts')
    const { fakerFor } = await import('../lib/helpers/fake.ts')
    const { wordsOf } = await import('../lib/schema/words.ts')
    await sql.begin(async (tx) => {
      const table = await readTable(tx, 'bench_members')
      const teams = await tx<{ k: string[] }[]>`SELECT ARRAY[id::text] AS k FROM bench_teams GROUP BY id ORDER BY id`
      const key = `fake:bench:${table.qualified}`
      const faker = fakerFor(key)
      const plan = planFakeRows({
        table,
        parents: new Map([[table.foreignKeys[0]!.name, teams.map((t) => t.k)]]),
        overrides: {},
        key,
        faker,
        words: wordsOf(faker),
      })
      await writeRowsFile(file!, plan.columns, 'bench_members', plan.rows(rows))
      detail = plan.columns.join(',')
    })
  }
  const ms = performance.now() - t0
  await sql.end()
  report(ms, detail)
}

const runMethod = (method: string, rows: number, url: string, file?: string) =>
  runChild([
    '--conditions=seedbed-source',
    '--import',
    'tsx',
    HERE,
    '--child',
    method,
    '--rows',
    String(rows),
    '--url',
    url,
    ...(file ? ['--file', file] : []),
  ])

/** drizzle-seed on the same table (its own generators: it fills the parent table too, with PARENTS rows). */
const DRIZZLE = `
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import { pgTable, bigint, integer, text, timestamp, numeric } from 'drizzle-orm/pg-core'
import { seed, reset } from 'drizzle-seed'
const [url, rows] = [process.argv[2], Number(process.argv[3])]
const teams = pgTable('bench_teams', { id: integer('id').primaryKey(), name: text('name').notNull() })
const members = pgTable('bench_members', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  email: text('email').notNull().unique(),
  first_name: text('first_name').notNull(),
  last_name: text('last_name').notNull(),
  city: text('city'),
  team_id: integer('team_id').notNull().references(() => teams.id),
  status: text('status').notNull(),
  score: integer('score').notNull(),
  balance: numeric('balance', { precision: 10, scale: 2 }).notNull(),
  joined_at: timestamp('joined_at', { withTimezone: true }).notNull(),
})
const client = postgres(url, { max: 1, onnotice: () => {} })
const db = drizzle(client)
await reset(db, { members, teams })
const t0 = performance.now()
await seed(db, { members, teams }).refine((f) => ({
  teams: { count: ${PARENTS} },
  members: {
    count: rows,
    columns: {
      email: f.email(), first_name: f.firstName(), last_name: f.lastName(), city: f.city(),
      status: f.valuesFromArray({ values: ['active', 'invited', 'left'] }), score: f.int({ minValue: 0, maxValue: 100 }),
      balance: f.number({ minValue: 0, maxValue: 1000, precision: 100 }), joined_at: f.timestamp(),
    },
  },
}))
const ms = performance.now() - t0
const [{ n }] = await client\`SELECT count(*)::int AS n FROM bench_members\`
await client.end()
process.stdout.write(JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024, detail: n + ' rows' }) + '\\n')
`

const fmt = (n: number) => new Intl.NumberFormat('en-US').format(Math.round(n))

async function main() {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      child: { type: 'string' },
      url: { type: 'string' },
      file: { type: 'string' },
      drizzle: { type: 'string' },
    },
  })
  const rows = Number(values.rows)
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows takes a positive integer')
  if (values.child) return child(values.child, rows, values.url!, values.file)

  const log = createLogger()
  const db = await openDatabase({ url: process.env.DATABASE_URL || undefined, poolSize: 1, dataDir: path.resolve('.seedbed'), log })
  const work = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-fake-'))
  await db.sql.unsafe('DROP DATABASE IF EXISTS seedbed_bench_fake WITH (FORCE)')
  await db.sql.unsafe('CREATE DATABASE seedbed_bench_fake')
  const url = databaseUrl(db.url, 'seedbed_bench_fake')
  const sql = createPool(url, 1)
  const results: { name: string; m: Measure }[] = []
  const note = (name: string, m: Measure) => {
    results.push({ name, m })
    log.info(
      `${name}: ${(m.ms / 1000).toFixed(2)} s${m.detail ? ` (${m.detail})` : ''}${m.rssMb ? `, peak RSS ${m.rssMb.toFixed(0)} MB` : ''}`,
    )
  }
  try {
    await sql.unsafe(SCHEMA)
    const truncate = () => sql.unsafe('TRUNCATE bench_members')
    log.info(`${fmt(rows)} rows into bench_members (10 columns, unique email, a foreign key to ${PARENTS} teams), server ${redactUrl(url)}`)
    const file = path.join(work, 'members.copy')
    const made = runMethod('file', rows, url, file)
    log.info(`rows file written in ${(made.ms / 1000).toFixed(2)} s`)

    const psqlCopy = (table: string) => {
      const t0 = performance.now()
      execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', '-c', `\\copy ${table} (${made.detail}) FROM '${file}'`])
      return { ms: performance.now() - t0 }
    }
    // The floor: the same file into a copy of the table without its indexes and foreign key.
    await sql.unsafe('CREATE TABLE bench_bare (LIKE bench_members)')
    note('psql \\copy into the table without indexes or foreign key', psqlCopy('bench_bare'))
    note('psql \\copy of the same rows from a file', psqlCopy('bench_members'))
    const [psqlDigest] = await sql`SELECT md5(string_agg(m::text, '' ORDER BY id)) AS d FROM bench_members m`
    await truncate()
    note('ctx.fake (catalog read, rows made, COPY fast path)', runMethod('fake', rows, url))
    const [fakeDigest] = await sql`SELECT md5(string_agg(m::text, '' ORDER BY id)) AS d FROM bench_members m`
    log.info(`same rows as the file: ${psqlDigest!.d === fakeDigest!.d}`)
    note('ctx.fake re-run (all skipped)', runMethod('fake', rows, url))

    if (values.drizzle) {
      const script = path.join(values.drizzle, 'seedbed-bench-drizzle.mjs')
      await writeFile(script, DRIZZLE)
      try {
        note('drizzle-seed (fills the parent too)', runChild([script, url, String(rows)], { cwd: values.drizzle }))
      } catch (err) {
        log.warn(`drizzle-seed failed: ${(err as Error).message.slice(0, 600)}`)
      }
    }

    const base = results[1]!.m.ms
    const floor = results[0]!.m.ms
    const lines = [['method', 'wall s', 'rows/s', 'speed vs psql \\copy', 'vs bare-table \\copy', 'peak RSS MB']]
    for (const r of results) {
      lines.push([
        r.name,
        (r.m.ms / 1000).toFixed(2),
        fmt((rows * 1000) / r.m.ms),
        `${(base / r.m.ms).toFixed(2)}x`,
        `${(floor / r.m.ms).toFixed(2)}x`,
        r.m.rssMb ? r.m.rssMb.toFixed(0) : '-',
      ])
    }
    const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)))
    process.stdout.write(`${lines.map((l) => l.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n')}\n`)
  } finally {
    await sql.end()
    await db.sql.unsafe('DROP DATABASE IF EXISTS seedbed_bench_fake WITH (FORCE)')
    await db.close()
    await rm(work, { recursive: true, force: true })
  }
}

await main()
