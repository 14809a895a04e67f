import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { fromDriverError } from '../lib/errors/pg-errors.ts'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

// Conditions of the server, not of the seed's SQL: each says what it is and what to do about it,
// never "fix the SQL in the seed". The errors are the server's own (raised with their SQLSTATE).
const db = await testDatabase(t)
const dir = await tempDir(t, 'seedbed-server-conditions-')
const seeds = path.join(dir, 'seeds')
await mkdir(seeds)
const contract = JSON.stringify(path.join(ROOT, 'lib', 'contract', 'contract.ts'))
await db.sql`CREATE TABLE socket_seen (id int PRIMARY KEY, client_addr text)`

/** A seed file: `body` is the seed's run. */
const seed = (name: string, body: string) =>
  writeFile(
    path.join(seeds, `${name}.ts`),
    `import { defineSeed } from ${contract}
export default defineSeed({ name: '${name}', async run({ sql }) { ${body} } })
`,
  )
await seed(
  'full',
  `await sql\`DO $$ BEGIN RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device' USING ERRCODE = '53100'; END $$\``,
)
// The seed records how it reached the server: no client address over a unix socket.
await seed(
  'where',
  "await sql`INSERT INTO socket_seen VALUES (1, coalesce(inet_client_addr()::text, 'socket')) ON CONFLICT (id) DO NOTHING`",
)

const raised = (sqlState: string, message: string) =>
  db.sql.unsafe(`DO $$ BEGIN RAISE EXCEPTION '${message}' USING ERRCODE = '${sqlState}'; END $$`).catch((e: unknown) => e)

t.test('disk full and a server that does not accept connections yet: their own codes and hints', async (t) => {
  const full = fromDriverError(await raised('53100', 'could not extend file: No space left on device'), { seed: 'big' })
  t.equal(full.code, 'E_DISK_FULL')
  t.match(full.message, /seed 'big'.*disk.*full/i)
  t.match(full.hint, /free space/)
  t.notMatch(full.hint, /fix the SQL/)
  const starting = fromDriverError(await raised('57P03', 'the database system is starting up'), {
    target: { host: 'db.internal', port: 5432 },
  })
  t.equal(starting.code, 'E_SERVER_NOT_READY')
  t.match(starting.message, /db\.internal:5432.*not accepting connections.*starting up/)
  t.match(starting.hint, /pg_isready/)
  t.notMatch(starting.hint, /fix the SQL/)
})

t.test('a seed on a full disk: E_DISK_FULL in text and --json', async (t) => {
  const env = { DATABASE_URL: db.url }
  const json = await runCli(['seed', '--seeds', seeds, '--only', 'full', '--json'], { env })
  t.equal(json.code, 1, json.stderr)
  const doc = JSON.parse(json.stdout) as { seeds: { name: string; error?: { code: string; hint: string } }[] }
  t.equal(doc.seeds[0]!.error?.code, 'E_DISK_FULL')
  const text = await runCli(['seed', '--seeds', seeds, '--only', 'full'], { env })
  t.match(text.stdout + text.stderr, /E_DISK_FULL/)
  t.notMatch(text.stdout + text.stderr, /fix the SQL/)
})

// The service of this machine listens on /var/run/postgresql; elsewhere (the embedded server) there is no such socket.
const server = process.env.DATABASE_URL ? new URL(process.env.DATABASE_URL) : undefined
const socket = `/var/run/postgresql/.s.PGSQL.${server?.port || 5432}`
const noSocket = !server ? 'no DATABASE_URL: the embedded server' : !existsSync(socket) ? `no ${socket}` : false

t.test('a unix-socket URL (?host=/var/run/postgresql) runs the seeds through the socket', { skip: noSocket }, async (t) => {
  const user = decodeURIComponent(server!.username) || 'postgres'
  for (const url of [
    `postgres://${user}@localhost/${db.name}?host=/var/run/postgresql`,
    `postgres://${user}@/${db.name}?host=%2Fvar%2Frun%2Fpostgresql&application_name=x`,
  ]) {
    await db.sql`TRUNCATE socket_seen`
    const r = await runCli(['seed', '--seeds', seeds, '--only', 'where'], { env: { DATABASE_URL: url } })
    t.equal(r.code, 0, `${url}: ${r.stdout}${r.stderr}`)
    t.same(await db.sql`SELECT client_addr FROM socket_seen`, [{ client_addr: 'socket' }], `${url}: through the socket`)
  }
})
