/**
 * Two runs at once on the embedded default (no DATABASE_URL): both use one server, which stays up
 * until the last of them ends. Before, the first run stopped the server under the second, which
 * then ended with exit 13 (Node's "unsettled top-level await") and no message.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { startEmbedded } from '../lib/db/embedded.ts'
import { LOCK_KEY } from '../lib/db/lock.ts'
import { createLogger } from '../lib/output/log.ts'
import { fixture, runCli, tempDir } from './helpers.ts'

const dataDir = path.join(await tempDir(t, 'seedbed-concurrent-'), 'data')
const env = { SEEDBED_DATA_DIR: dataDir }
const silent = createLogger({ level: -999 })
const postmasterPid = async () =>
  Number((await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '0')).split('\n')[0])

/** Resolves once `pattern` has appeared in the child's stderr. */
const seen = (child: import('node:child_process').ChildProcess, pattern: RegExp) =>
  new Promise<void>((resolve) => {
    let text = ''
    child.stderr!.on('data', (d) => {
      text += d
      if (pattern.test(text)) resolve()
    })
  })

t.test('two runs at once: both finish, the server stops after the last', async (t) => {
  // The slow fixture's seed holds the run lock for a while: the second run waits for it, then runs.
  const prepare = await startEmbedded({ dataDir, log: silent })
  const sql = postgres(prepare.url, { max: 1, onnotice: () => {} })
  await sql`CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`
  await sql.end()
  await prepare.stop()
  t.equal(await postmasterPid(), 0, 'stopped before the runs')

  const started: number[] = []
  const first = runCli(['seed', '--seeds', fixture('slow/seeds'), '--json'], { env, onSpawn: () => started.push(Date.now()) })
  const second = runCli(['seed', '--seeds', fixture('slow/seeds'), '--json'], { env, onSpawn: () => started.push(Date.now()) })
  const [a, b] = await Promise.all([first, second])
  t.equal(a.code, 0, `first: exit 0 ${a.code ? a.stderr : ''}`.trim())
  t.equal(b.code, 0, `second: exit 0 ${b.code ? b.stderr : ''}`.trim())
  const waited = [a, b].filter((r) => /waiting for another seedbed run to finish/.test(r.stderr))
  t.equal(waited.length, 1, 'one of them waited for the other: they overlapped')
  const results = [a, b].map((r) => JSON.parse(r.stdout) as { ok: boolean; seeds: { name: string; status: string }[] })
  t.ok(
    results.every((r) => r.ok && r.seeds.every((s) => s.status === 'succeeded')),
    'both runs report every seed succeeded',
  )
  t.equal(await postmasterPid(), 0, 'the last run to end stopped the server')
})

t.test('a run whose server goes away while it waits for the lock fails with a coded error, never exit 13', async (t) => {
  const holder = await startEmbedded({ dataDir, log: silent })
  t.teardown(() => holder.stop())
  const sql = postgres(holder.url, { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end({ timeout: 0 }).catch(() => undefined))
  const lock = await sql.reserve()
  await lock`SELECT pg_advisory_lock(${LOCK_KEY})`
  let child: import('node:child_process').ChildProcess | undefined
  let waiting: Promise<void> | undefined
  const run = runCli(['seed', '--seeds', fixture('slow/seeds'), '--json'], {
    env,
    onSpawn: (c) => {
      child = c
      waiting = seen(c, /waiting for another seedbed run/)
    },
  })
  await waiting
  t.ok(child, 'the run started')
  // What the first run used to do to the second: stop the server under it.
  process.kill(await postmasterPid(), 'SIGINT')
  const r = await run
  t.not(r.code, 13, 'not the silent exit 13')
  t.equal(r.code, 1, `exit 1 (got ${r.code})`)
  t.match(r.stderr, /E_[A-Z_]+: /, 'a coded error is printed')
})
