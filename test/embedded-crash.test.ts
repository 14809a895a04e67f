/**
 * The embedded server after a crash: its postmaster killed with SIGKILL leaves `postmaster.pid` behind
 * (saying `ready`), and the next start has to run crash recovery before it accepts connections. The
 * first query after that start must succeed, not meet `57P03 the database system is starting up`.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { startEmbedded } from '../lib/db/embedded.ts'
import { createLogger } from '../lib/output/log.ts'
import { processAlive } from '../lib/util/pid.ts'
import { tempDir } from './helpers.ts'

const dataDir = path.join(await tempDir(t, 'seedbed-crash-'), 'data')
const log = createLogger({ level: -999 })
const pidFile = path.join(dataDir, 'pg', 'postmaster.pid')
const pidFileLines = async () => (await readFile(pidFile, 'utf8')).split('\n')

/** The processes whose parent is `pid` (the postmaster's backends and workers). */
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // Field 4 is the parent pid; the command name (field 2) may hold spaces, so count from its `)`.
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry))
  }
  return found
}

async function waitGone(pids: number[]): Promise<void> {
  while (pids.some(processAlive)) await new Promise((r) => setTimeout(r, 50))
}

t.test('the first query after a start that follows a crash succeeds', async (t) => {
  const first = await startEmbedded({ dataDir, log })
  const sql = postgres(first.url, { max: 1, onnotice: () => {} })
  // Enough WAL after the last checkpoint that the next start spends a while in crash recovery.
  // The server commits without waiting for the disk (synchronous_commit=off): these rows wait for it.
  await sql`SET synchronous_commit = on`
  await sql`CREATE TABLE written (id int PRIMARY KEY, filler text)`
  await sql`INSERT INTO written SELECT g, repeat('x', 200) FROM generate_series(1, 300000) g`
  await sql.end()
  const postmaster = Number((await pidFileLines())[0])
  const workers = await childrenOf(postmaster)
  process.kill(postmaster, 'SIGKILL')
  // Its backends and workers notice and exit; the pid file stays, saying the server is ready.
  await waitGone([postmaster, ...workers])
  t.equal((await pidFileLines())[7]?.trim(), 'ready', 'the crashed server left its pid file saying ready')
  await first.stop()

  const again = await startEmbedded({ dataDir, log })
  t.teardown(() => again.stop())
  const after = postgres(again.url, { max: 1, onnotice: () => {} })
  t.teardown(() => after.end())
  const [{ n }] = await after<[{ n: number }]>`SELECT count(*)::int AS n FROM written`
  t.equal(n, 300000, 'the first query after the start answers, with the rows written before the crash')
})
