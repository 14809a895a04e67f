import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { parseDatabaseLines } from '../lib/config/database-list.ts'
import { databaseUrl } from '../lib/db/connect.ts'
import { checkDatabases, databaseLabel, seedMany } from '../lib/execution/many.ts'
import { parseDatabaseUrl } from '../lib/db/connect.ts'
import { createLogger } from '../lib/output/log.ts'
import { fixture, runCli, tempDir, testDatabase } from './helpers.ts'

const SEEDS = fixture('many/seeds')
const SCHEMA = fixture('many/schema')
const schemaSql = await readFile(path.join(SCHEMA, '001_tenant.sql'), 'utf8')

// One server for the whole file (DATABASE_URL's, or one embedded PostgreSQL), many databases on it.
const first = await testDatabase(t)
/** The trust-auth service ignores a password, so a URL without one gets a fake one to prove it never shows. */
const withPassword = (url: string) => {
  const u = new URL(url)
  if (!u.password) u.password = 'secret-pw'
  return u.toString()
}
const serverUrl = withPassword(first.url)
const PASSWORD = decodeURIComponent(new URL(serverUrl).password)
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
t.teardown(() => admin.end({ timeout: 5 }))

let made = 0
/** A new empty database on the server, dropped at teardown. */
async function tenant(): Promise<{ url: string; label: string; sql: postgres.Sql }> {
  const name = `${first.name}_t${++made}`
  await admin.unsafe(`CREATE DATABASE "${name}"`)
  const url = databaseUrl(serverUrl, name)
  const sql = postgres(url, { max: 2, onnotice: () => {} })
  t.teardown(async () => {
    await sql.end({ timeout: 5 })
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  })
  return { url, label: databaseLabel(parseDatabaseUrl(url)), sql }
}
const count = async (sql: postgres.Sql, table: string) => (await sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n as number
const hasLedger = async (sql: postgres.Sql) => (await sql`SELECT to_regclass('seedbed.runs') IS NOT NULL AS yes`)[0]!.yes as boolean

// A and B have the tables; C's schema is broken: its `features` table is missing.
const [a, b, c] = [await tenant(), await tenant(), await tenant()]
await a.sql.unsafe(schemaSql)
await b.sql.unsafe(schemaSql)
await c.sql`CREATE TABLE plans (code text PRIMARY KEY, name text NOT NULL)`

t.test('a list: blank lines and # comments skipped, lines counted from 1, each database once', async (t) => {
  t.same(parseDatabaseLines('# tenants\n\npostgres://h/a  # the first\r\npostgres://h/b\n', 'list.txt'), [
    { url: 'postgres://h/a', where: 'list.txt line 3' },
    { url: 'postgres://h/b', where: 'list.txt line 4' },
  ])
  t.same(databaseLabel(parseDatabaseUrl('postgres://u:pw@db.internal/tenant_a')), 'db.internal/tenant_a')
  t.same(databaseLabel(parseDatabaseUrl('postgres://u@db.internal:6432/tenant_a')), 'db.internal:6432/tenant_a')
  t.throws(
    () =>
      checkDatabases([
        { url: 'postgres://u:x1@h/a', where: 'f line 1' },
        { url: 'postgres://v@h:5432/a', where: 'f line 2' },
      ]),
    {
      code: 'E_BAD_OPTION',
      message: 'f line 2 names h/a again (f line 1)',
    },
  )
  t.throws(() => checkDatabases([]), { code: 'E_BAD_OPTION' })
})

t.test('a bad URL in the list is E_BAD_OPTION naming its line, redacted, before anything runs', async (t) => {
  const dir = await tempDir(t)
  const file = path.join(dir, 'tenants.txt')
  await writeFile(file, `# tenants\n${a.url}\n\npostgres://u:hidden-pw@127.0.0.1:notaport/db\n`)
  const r = await runCli(['seed', '--databases-file', file, '--seeds', SEEDS])
  t.equal(r.code, 2)
  t.match(r.stderr, `E_BAD_OPTION: ${file} line 4 is not a postgres:// URL: postgres://u:***@127.0.0.1:notaport/db`)
  t.notMatch(r.stderr + r.stdout, 'hidden-pw')
  t.notMatch(r.stderr + r.stdout, PASSWORD)
  t.equal(await hasLedger(a.sql), false, 'the good database on line 2 was not touched')
  t.equal(await count(a.sql, 'plans'), 0)
})

t.test('three databases, one with a broken schema: two seeded, one failed, exit 1, no password anywhere', async (t) => {
  const dir = await tempDir(t)
  const list = path.join(dir, 'tenants.txt')
  const metrics = path.join(dir, 'seedbed.prom')
  await writeFile(list, `# one per line\n${a.url}\n${b.url}\n${c.url}\n`)
  const r = await runCli(['seed', '--json', '--seeds', SEEDS, '--metrics-file', metrics], { env: { SEEDBED_DATABASES_FILE: list } })
  t.equal(r.code, 1, r.stderr)
  t.notMatch(r.stdout + r.stderr, PASSWORD, 'the password is in neither the JSON nor the logs')
  const doc = JSON.parse(r.stdout)
  t.equal(doc.ok, false)
  t.type(doc.durationMs, 'number')
  t.same(
    doc.databases.map((d: { database: string; ok: boolean }) => [d.database, d.ok]),
    [
      [a.label, true],
      [b.label, true],
      [c.label, false],
    ],
  )
  for (const d of doc.databases.slice(0, 2)) {
    t.same(
      d.result.seeds.map((s: { name: string; status: string; created: number }) => [s.name, s.status, s.created]),
      [
        ['plans', 'succeeded', 2],
        ['features', 'succeeded', 3],
      ],
    )
  }
  const broken = doc.databases[2].result.seeds
  t.same([broken[0].status, broken[1].status, broken[1].error.code], ['succeeded', 'failed', 'E_MISSING_TABLE'])
  t.match(broken[1].error.message, /features/)
  // The failure in C changed nothing in A and B, and C keeps what succeeded there.
  for (const db of [a, b]) t.same([await count(db.sql, 'plans'), await count(db.sql, 'features')], [2, 3])
  t.equal(await count(c.sql, 'plans'), 2)
  // One ledger per database.
  for (const db of [a, b, c]) t.equal(await count(db.sql, 'seedbed.runs'), 1)

  const prom = await readFile(metrics, 'utf8')
  t.match(prom, `seedbed_last_run_success{env="development",database="${a.label}"} 1`)
  t.match(prom, `seedbed_last_run_success{env="development",database="${c.label}"} 0`)
  t.match(prom, `seedbed_records_created_total{seed="features",status="succeeded",env="development",database="${b.label}"} 3`)
  t.match(
    prom,
    `seedbed_seed_errors_total{seed="features",status="failed",env="development",database="${c.label}",code="E_MISSING_TABLE"} 1`,
  )
  t.notMatch(prom, PASSWORD)

  // Again, from repeated flags and as text: the good ones all skipped, C fails again, and both say so.
  const again = await runCli(['seed', '--seeds', SEEDS, '--database-url', a.url, '--database-url', b.url, '--database-url', c.url])
  t.equal(again.code, 1)
  t.notMatch(again.stdout + again.stderr, PASSWORD)
  t.match(again.stdout, `database ${a.label}: ok`)
  t.match(again.stdout, `database ${b.label}: ok`)
  t.match(again.stdout, `database ${c.label}: FAILED`)
  const row = (label: string, rest: string) => new RegExp(`^${label.replace(/[.]/g, '\\.')}\\s+${rest}\\s+\\d+$`, 'm')
  t.match(again.stdout, row(a.label, 'ok\\s+0\\s+0\\s+5'), 'A: everything skipped')
  t.match(again.stdout, row(b.label, 'ok\\s+0\\s+0\\s+5'), 'B: everything skipped')
  t.match(again.stdout, row(c.label, 'FAILED\\s+0\\s+0\\s+2'), 'C: plans skipped, features failed')
  t.match(again.stdout, /^total \(3 databases\)\s+FAILED\s+0\s+0\s+12\s+\d+$/m)
  t.match(again.stdout, `1 of 3 databases FAILED: ${c.label}; 2 ok`)
})

t.test('--database-concurrency bounds how many databases run at once (from the ledgers)', async (t) => {
  const dbs = [await tenant(), await tenant(), await tenant(), await tenant()]
  for (const db of dbs) await db.sql.unsafe(schemaSql)
  /** The most runs in progress at one moment, from each database's last ledger row. */
  const mostAtOnce = async () => {
    const spans = await Promise.all(
      dbs.map(async (db) => {
        const [run] = await db.sql`SELECT started_at, ended_at FROM seedbed.runs ORDER BY id DESC LIMIT 1`
        return [run!.started_at.getTime(), run!.ended_at.getTime()] as const
      }),
    )
    return Math.max(...spans.map(([s]) => spans.filter(([s2, e2]) => s2 <= s && s < e2).length))
  }
  const urls = dbs.map((d) => d.url)
  const two = await seedMany(urls, { seedsDir: SEEDS, databaseConcurrency: 2 })
  t.equal(two.ok, true)
  t.equal(await mostAtOnce(), 2)
  const one = await seedMany(urls, { seedsDir: SEEDS, databaseConcurrency: 1 })
  t.equal(one.ok, true)
  t.equal(await mostAtOnce(), 1)
  t.same(
    one.databases.map((d) => d.result!.seeds.map((s) => s.skipped)),
    dbs.map(() => [2, 3]),
  )
  await t.rejects(seedMany(urls, { seedsDir: SEEDS, databaseConcurrency: 0 }), { code: 'E_BAD_OPTION', message: /databaseConcurrency/ })
})

t.test('a database that cannot be reached fails alone; validate and fresh run on every database', async (t) => {
  const missing = databaseUrl(serverUrl, `${first.name}_nobody`)
  const lines: string[] = []
  const logger = createLogger({ reporters: [{ log: (o) => lines.push(`[${o.tag}] ${o.args.join(' ')}`) }] })
  const many = await seedMany([a.url, missing], { seedsDir: SEEDS, maxRetries: 0, logger })
  t.equal(many.ok, false)
  t.same(
    many.databases.map((d) => [d.ok, d.error?.code]),
    [
      [true, undefined],
      [false, 'E_DATABASE_MISSING'],
    ],
  )
  t.notMatch(JSON.stringify(many), PASSWORD)
  const missingLabel = databaseLabel(parseDatabaseUrl(missing))
  t.ok(
    lines.some((l) => l.startsWith(`[${missingLabel}] E_DATABASE_MISSING:`)),
    'what stopped the database is logged under its name',
  )
  t.notMatch(lines.join('\n'), PASSWORD)

  const checked = await seedMany([a.url, b.url, c.url], { seedsDir: SEEDS, command: 'validate' })
  t.same(
    checked.databases.map((d) => [d.ok, d.result?.seeds.map((s) => `${s.name} ${s.status}`)]),
    [a, b, c].map(() => [true, ['plans succeeded']]),
  )
  // fresh rebuilds C's broken schema from the schema files: every database is whole afterwards.
  const rebuilt = await seedMany([a.url, b.url, c.url], { seedsDir: SEEDS, schemaDir: SCHEMA, command: 'fresh' })
  t.equal(rebuilt.ok, true)
  for (const db of [a, b, c]) t.same([await count(db.sql, 'plans'), await count(db.sql, 'features')], [2, 3])
})

t.test('--databases-command lists the databases; a failing command is E_DATABASES_COMMAND', async (t) => {
  const dir = await tempDir(t)
  const list = path.join(dir, 'tenants.txt')
  await writeFile(list, `${a.url}\n${b.url}\n`)
  const r = await runCli(['validate', '--json', '--seeds', SEEDS, '--databases-command', `cat '${list}'`])
  t.equal(r.code, 0, r.stderr)
  t.same(
    JSON.parse(r.stdout).databases.map((d: { database: string; ok: boolean }) => [d.database, d.ok]),
    [
      [a.label, true],
      [b.label, true],
    ],
  )
  const failed = await runCli(['seed', '--seeds', SEEDS, '--databases-command', 'echo registry down >&2; exit 3'])
  t.equal(failed.code, 1)
  // Every database refused for the same wrong input: nothing ran anywhere, exit 2.
  const disabled = await runCli(['seed', '--json', '--seeds', SEEDS, '--database-url', a.url, '--database-url', b.url], {
    env: { SEEDBED_ENABLED: 'false' },
  })
  t.equal(disabled.code, 2)
  t.same(
    JSON.parse(disabled.stdout).databases.map((d: { ok: boolean; error: { code: string } }) => [d.ok, d.error.code]),
    [
      [false, 'E_SEEDING_DISABLED'],
      [false, 'E_SEEDING_DISABLED'],
    ],
  )
  t.match(failed.stderr, /E_DATABASES_COMMAND: --databases-command .*exit 3`? exited with code 3:\n\s*registry down/)
})
