import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { systemUserIds } from '../lib/db/embedded-auth.ts'
import { startEmbedded } from '../lib/db/embedded.ts'
import { createLogger } from '../lib/output/log.ts'
import { fixture, NO_CHILD_COVERAGE, runCli, tempDir } from './helpers.ts'

// Always the embedded default, whatever DATABASE_URL the suite runs with: this is the README's
// `make seed` on a machine with no PostgreSQL server.
const dataDir = path.join(await tempDir(t, 'seedbed-embedded-'), 'data')
const env = { SEEDBED_DATA_DIR: dataDir }
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const postmasterPid = async () =>
  Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '0')).split('\n')[0])

t.test('seed works with no DATABASE_URL, twice, the second run all skipped, and stops the server', async (t) => {
  const first = await runCli(['seed', '--apply-schema', '--json'], { env })
  t.equal(first.code, 0, `exit 0 ${first.code ? first.stderr : ''}`.trim())
  t.match(first.stderr, /initialising the embedded PostgreSQL/)
  t.ok(JSON.parse(first.stdout).seeds.every((s: { created: number }) => s.created > 0))
  t.equal(await postmasterPid(), 0, 'the server was stopped')

  const second = await runCli(['seed', '--json'], { env })
  t.equal(second.code, 0, `exit 0 ${second.code ? second.stderr : ''}`.trim())
  t.notMatch(second.stderr, /initialising/, 'the data folder is reused')
  const seeds = JSON.parse(second.stdout).seeds as { created: number; updated: number; skipped: number }[]
  t.ok(
    seeds.every((s) => s.created === 0 && s.updated === 0 && s.skipped > 0),
    'second run all skipped',
  )
})

t.test('a server orphaned by a killed run does not break the next run', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('start-embedded.ts'), dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...NO_CHILD_COVERAGE },
  })
  const [line] = (await once(child.stdout, 'data')) as [Buffer]
  t.match(String(line), /^ready \d+/)
  const orphan = await postmasterPid()
  t.ok(orphan > 0 && alive(orphan), 'postmaster running')
  child.kill('SIGKILL')
  await once(child, 'exit')
  t.ok(alive(orphan), 'postmaster survived its parent: an orphan')

  const r = await runCli(['seed', '--json'], { env })
  t.equal(r.code, 0, `exit 0 ${r.code ? r.stderr : ''}`.trim())
  t.match(r.stderr, /left running by an earlier run/)
  t.notOk(alive(orphan), 'the orphan was shut down')
  t.equal(await postmasterPid(), 0, 'and the new server stopped at the end')
})

t.test('a second run joins a server another live run owns, and leaves it running', async (t) => {
  const server = await startEmbedded({ dataDir, log: createLogger({ level: -999 }) })
  t.teardown(() => server.stop())
  const r = await runCli(['seed', '--json'], { env })
  t.equal(r.code, 0, `exit 0 ${r.code ? r.stderr : ''}`.trim())
  const sql = postgres(server.url, { max: 1 })
  t.teardown(() => sql.end())
  const [{ n }] = await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM products`
  t.equal(n, 8, 'the owner can still query its server')
})

t.test('a wrong password is E_AUTH naming user and host, never the password', async (t) => {
  const server = await startEmbedded({ dataDir, log: createLogger({ level: -999 }) })
  t.teardown(() => server.stop())
  const password = 'Wrong-Pass-777'
  const r = await runCli(['seed', '--json'], { env: { DATABASE_URL: `postgres://postgres:${password}@127.0.0.1:${server.port}/postgres` } })
  t.equal(r.code, 1)
  t.equal(JSON.parse(r.stdout).error.code, 'E_AUTH')
  t.match(r.stderr, new RegExp(`authentication failed for user 'postgres' at 127\\.0\\.0\\.1:${server.port}`))
  t.notMatch(r.stdout + r.stderr, password)
})

t.test('a port that is taken is E_EMBEDDED with a hint, and leaves nothing running', async (t) => {
  const { createServer } = await import('node:net')
  const blocker = createServer().listen(0, '127.0.0.1')
  await once(blocker, 'listening')
  t.teardown(() => blocker.close())
  const port = (blocker.address() as { port: number }).port
  const r = await runCli(['seed'], { env: { ...env, SEEDBED_EMBEDDED_PORT: String(port) } })
  t.equal(r.code, 1)
  t.match(r.stderr, /E_EMBEDDED: embedded PostgreSQL failed to start/)
  t.match(r.stderr, /hint: set DATABASE_URL/)
  t.equal(await postmasterPid(), 0)
})

t.test('Ctrl-C during a run stops the embedded server too', async (t) => {
  const server = await startEmbedded({ dataDir, log: createLogger({ level: -999 }) })
  const sql = postgres(server.url, { max: 1, onnotice: () => {} })
  await sql`CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
  await sql.end()
  await server.stop()

  let child: import('node:child_process').ChildProcess | undefined
  const done = runCli(['seed', '--seeds', fixture('slow/seeds')], { env, onSpawn: (c) => (child = c) })
  let pid = 0
  for (let i = 0; i < 200 && !pid; i++) {
    await new Promise((r) => setTimeout(r, 50))
    const port = Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[3])
    if (!port) continue
    const probe = postgres(server.url.replace(/:\d+\//, `:${port}/`), { max: 1, onnotice: () => {} })
    const busy = await probe`SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`.catch(() => [])
    await probe.end()
    if (busy.length) pid = await postmasterPid()
  }
  t.ok(pid > 0, 'the seed is running on the embedded server')
  child!.kill('SIGINT')
  const r = await done
  t.equal(r.code, 130, 'exit 130')
  t.match(r.stderr, 'E_INTERRUPTED')
  t.notOk(alive(pid), 'the embedded server was stopped')
})

t.test(
  'as root, a server user that cannot be made is E_EMBEDDED saying what to do',
  { skip: process.getuid?.() === 0 ? false : 'root only: the server runs as the postgres user then' },
  async (t) => {
    // A name groupadd and useradd refuse: the lookup fails, the creation fails, the lookup again.
    const err = await systemUserIds('no such user!').catch((e: unknown) => e)
    t.match(err, {
      code: 'E_EMBEDDED',
      message: /the embedded PostgreSQL runs as the `no such user!` system user, which is missing and could not be made/,
      hint: /create a `no such user!` user .*or set DATABASE_URL/,
    })
    t.same(
      await systemUserIds('postgres'),
      { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) },
      'an existing user is found',
    )
  },
)
