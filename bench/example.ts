/**
 * The example project at scale against `psql \copy` of the same rows into the same tables.
 *
 * 1. `fresh --scale N` of this repository's seeds (schema dropped and applied, every seed run) into
 *    a database `seedbed_bench_example`, in a child process (its peak RSS is its own).
 * 2. Every table it filled is dumped with `COPY ... TO` files, a second database gets the same
 *    schema, and one psql process loads the files with `\copy` in foreign-key order: the rows per
 *    second COPY reaches on these tables, indexes and constraints, with no generation at all.
 *
 * Prints rows, seconds and rows/s of each, their ratio, and each seed's rows/s.
 *
 *   npm run bench:example -- [--scale 400]
 *
 * DATABASE_URL selects the server (else the embedded PostgreSQL); both databases are dropped at the end.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { RunResult } from '../lib/contract/types.ts'
import { createPool, databaseUrl, openDatabase } from '../lib/db/connect.ts'
import { applySchema } from '../lib/db/schema.ts'
import { redactUrl } from '../lib/errors/redact.ts'
import { createLogger } from '../lib/output/log.ts'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const HERE = fileURLToPath(import.meta.url)
/** The example's tables, parents before children. */
const TABLES = ['roles', 'permissions', 'role_permissions', 'users', 'categories', 'products', 'customers', 'orders', 'order_items']

const { values } = parseArgs({ options: { scale: { type: 'string', default: '400' }, child: { type: 'string' } } })
const scale = Number(values.scale)

if (values.child) {
  // The child: `fresh` through the API, as `npm run fresh -- --scale N` runs it.
  const { fresh } = await import('../lib/execution/api.ts')
  const t0 = performance.now()
  const result = await fresh({
    databaseUrl: values.child,
    seedsDir: path.join(ROOT, 'seeds'),
    schemaDir: path.join(ROOT, 'schema'),
    scale,
    env: 'development',
  })
  const wallMs = performance.now() - t0
  process.stdout.write(`${JSON.stringify({ result, wallMs, rssMb: process.resourceUsage().maxRSS / 1024 })}\n`)
} else {
  await main()
}

async function main() {
  const log = createLogger()
  const admin = await openDatabase({ url: process.env.DATABASE_URL || undefined, poolSize: 1, dataDir: path.resolve('.seedbed'), log })
  const work = await mkdtemp(path.join(tmpdir(), 'seedbed-example-'))
  const names = ['seedbed_bench_example', 'seedbed_bench_example_copy']
  const fmt = (n: number) => new Intl.NumberFormat('en-US').format(Math.round(n))
  try {
    for (const name of names) {
      await admin.sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.sql.unsafe(`CREATE DATABASE ${name}`)
    }
    const [seeded, copied] = names.map((n) => databaseUrl(admin.url, n)) as [string, string]
    log.info(`fresh --scale ${scale} on ${redactUrl(seeded)}`)
    const child = spawnSync(
      process.execPath,
      ['--conditions=seedbed-source', '--import', 'tsx', HERE, '--scale', String(scale), '--child', seeded],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
        env: { ...process.env, SEEDBED_BCRYPT_COST: process.env.SEEDBED_BCRYPT_COST ?? '10' },
      },
    )
    if (child.status !== 0) throw new Error(`fresh failed: ${redactUrl(child.stderr)}`)
    const { result, wallMs, rssMb } = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
      result: RunResult
      wallMs: number
      rssMb: number
    }
    if (!result.ok) throw new Error(`fresh failed: ${JSON.stringify(result.seeds.find((s) => s.error)?.error)}`)
    const rows = result.seeds.reduce((n, s) => n + s.created + s.updated + s.skipped, 0)

    log.info('dumping the tables with COPY ... TO, loading them with psql \\copy into the same schema')
    const file = (t: string) => path.join(work, `${t}.copy`)
    execFileSync('psql', [seeded, '-v', 'ON_ERROR_STOP=1', '-q', ...TABLES.flatMap((t) => ['-c', `\\copy ${t} TO '${file(t)}'`])])
    const target = createPool(copied, 1)
    await applySchema(target, path.join(ROOT, 'schema'))
    await target.end()
    const t0 = performance.now()
    // \timing prints each \copy's time, in table order: the per-table baseline.
    const out = execFileSync(
      'psql',
      [copied, '-v', 'ON_ERROR_STOP=1', '-c', '\\timing on', ...TABLES.flatMap((t) => ['-c', `\\copy ${t} FROM '${file(t)}'`])],
      { encoding: 'utf8' },
    )
    const psqlMs = performance.now() - t0
    const tableMs = new Map([...out.matchAll(/^Time: ([\d.]+) ms/gm)].map((m, i) => [TABLES[i]!, Number(m[1])]))

    const seededRate = (rows * 1000) / result.durationMs
    const psqlRate = (rows * 1000) / psqlMs
    console.log(`\nexample project, scale ${scale}: ${fmt(rows)} rows (node ${process.version})`)
    console.log('| method | rows | s | rows/s | vs psql \\copy | peak RSS MB |')
    console.log('| --- | --- | --- | --- | --- | --- |')
    console.log(
      `| psql \\copy of the dumped tables, FK order, a transaction each | ${fmt(rows)} | ${(psqlMs / 1000).toFixed(1)} | ${fmt(psqlRate)} | 1.00 | psql |`,
    )
    console.log(
      `| seedbed fresh --scale ${scale} (the run's seeds) | ${fmt(rows)} | ${(result.durationMs / 1000).toFixed(1)} | ${fmt(seededRate)} | ${(seededRate / psqlRate).toFixed(2)} | ${fmt(rssMb)} |`,
    )
    console.log(
      `| seedbed fresh --scale ${scale}, whole command (schema, lock, ledger) | ${fmt(rows)} | ${(wallMs / 1000).toFixed(1)} | ${fmt((rows * 1000) / wallMs)} | ${((rows * 1000) / wallMs / psqlRate).toFixed(2)} | |`,
    )
    console.log('\n| seed | level | rows | ms | rows/s | psql \\copy of its table, ms | vs psql \\copy |')
    console.log('| --- | --- | --- | --- | --- | --- | --- |')
    for (const s of result.seeds) {
      const base = tableMs.get(s.name)
      const ratio = base && s.durationMs ? (base / s.durationMs).toFixed(2) : 'n/a'
      console.log(
        `| ${s.name} | ${s.level} | ${fmt(s.created + s.updated + s.skipped)} | ${fmt(s.durationMs)} | ${fmt(s.rowsPerSecond)} | ${base === undefined ? 'n/a' : fmt(base)} | ${ratio} |`,
      )
    }
  } finally {
    for (const name of names) await admin.sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)
    await admin.close()
    await rm(work, { recursive: true, force: true })
  }
}
