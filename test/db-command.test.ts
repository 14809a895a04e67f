/**
 * `seedbed db start|stop|status|url|psql` and `seedbed --version`: the embedded server kept running for
 * the application between runs, shared with the runs, and stopped by `db stop`. Always on an embedded
 * server of its own (a temporary data folder), whatever DATABASE_URL says.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { ROOT, runCli, tempDir } from './helpers.ts'

const dir = await tempDir(t, 'seedbed-db-')
const env = { SEEDBED_DATA_DIR: path.join(dir, 'data') }
const answers = async (url: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 })
  try {
    return (await sql`SELECT 1 AS one`).length === 1
  } catch {
    return false
  } finally {
    await sql.end()
  }
}

t.test('--version and -v print the package version', async (t) => {
  const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'))
  for (const flag of ['--version', '-v']) {
    const r = await runCli([flag])
    t.equal(r.code, 0)
    t.equal(r.stdout.trim(), `seedbed ${version}`, flag)
  }
})

t.test('db start keeps the server for the app; runs share it; db stop stops it', async (t) => {
  const stopped = await runCli(['db', 'status', '--json'], { env })
  t.equal(stopped.code, 0)
  t.equal(JSON.parse(stopped.stdout).running, false)
  const noUrl = await runCli(['db', 'url'], { env })
  t.equal(noUrl.code, 1)
  t.match(noUrl.stdout + noUrl.stderr, /E_DB_NOT_RUNNING: .* is not running\n\s+hint: start it with `?seedbed db start/)

  const envFile = path.join(dir, '.env.local')
  const start = await runCli(['db', 'start', '--write-env', envFile], { env })
  t.equal(start.code, 0, start.stderr)
  const url = /^DATABASE_URL=(\S+)$/m.exec(start.stdout)?.[1]
  t.ok(url, 'the URL is printed')
  t.equal(await readFile(envFile, 'utf8'), `DATABASE_URL=${url}\n`, 'and written for the app')
  t.ok(await answers(url!), 'the server runs after the command ended')
  t.equal((await runCli(['db', 'url'], { env })).stdout.trim(), url, 'db url prints it alone')

  const seed = await runCli(['seed', '--apply-schema', '--json'], { env })
  t.equal(seed.code, 0, seed.code ? seed.stderr : 'a run joins it')
  t.ok(await answers(url!), 'a run on it leaves it running')
  const status = JSON.parse((await runCli(['db', 'status', '--json'], { env })).stdout)
  t.match(status, { running: true, pinned: true, url, users: [] })

  const again = await runCli(['db', 'start'], { env })
  t.match(again.stdout, /^already running/, 'a second start says so')
  t.equal(/^DATABASE_URL=(\S+)$/m.exec(again.stdout)?.[1], url, 'same URL')

  const stop = await runCli(['db', 'stop'], { env })
  t.equal(stop.code, 0)
  t.match(stop.stdout, /^stopped: /)
  t.notOk(await answers(url!), 'stopped')

  const restart = await runCli(['db', 'start'], { env })
  t.equal(/^DATABASE_URL=(\S+)$/m.exec(restart.stdout)?.[1], url, 'a restart keeps the port, so the URL in .env stays right')
  t.equal((await runCli(['db', 'stop'], { env })).code, 0)
})

t.test('an unknown action is a usage error naming the actions', async (t) => {
  const r = await runCli(['db', 'launch'], { env })
  t.equal(r.code, 2)
  t.match(r.stdout + r.stderr, /E_BAD_OPTION: unknown db action 'launch'\n\s+hint: use one of: start, stop, status, url, psql/)
})
