/**
 * SIGTERM and SIGINT stop a run whichever documented command started it. `npx` and `npm run` end on
 * SIGTERM without passing it on; seedbed notices its launcher is gone and stops as if signalled.
 * Ctrl-C is SIGINT to the whole process group, as a terminal sends it. Each case: a seed is running (seen in pg_stat_activity, not after a fixed delay), the signal goes to
 * the command the user typed, the run stops (nothing committed) and the ledger says `interrupted`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { NO_CHILD_COVERAGE, ROOT, tempDir, testDatabase } from './helpers.ts'

const seedFile = `import { defineSeed } from '${path.join(ROOT, 'lib', 'contract', 'contract.ts')}'
export default defineSeed({
  name: 'sleepy',
  async run({ sql, upsert }) {
    await upsert('items', [{ name: 'sleepy' }], { conflict: ['name'] })
    await sql\`SELECT pg_sleep(30)\`
  },
})
`

const commands: [string, string, string[]][] = [
  ['npx tsx tasks.ts seed', 'npx', ['tsx', 'tasks.ts', 'seed']],
  ['npm run seed', 'npm', ['run', 'seed', '--']],
  ['node --import tsx tasks.ts seed (make seed)', process.execPath, ['--conditions=seedbed-source', '--import', 'tsx', 'tasks.ts', 'seed']],
]

for (const [label, command, args] of commands) {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    if (signal === 'SIGINT' && command !== 'npx') continue
    t.test(`${signal} to \`${label}\` stops the run, rolls back and records it interrupted`, async (t) => {
      const db = await testDatabase(t)
      await db.sql`CREATE TABLE items (name text PRIMARY KEY)`
      const dir = await tempDir(t)
      await writeFile(path.join(dir, 'sleepy.ts'), seedFile)
      const child: ChildProcess = spawn(command, [...args, '--seeds', dir, '--max-retries', '0'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: db.url, ...NO_CHILD_COVERAGE },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Ctrl-C on a terminal signals the whole foreground process group: give the command its own.
        detached: signal === 'SIGINT',
      })
      let output = ''
      child.stdout?.on('data', (d) => (output += d))
      child.stderr?.on('data', (d) => (output += d))
      // Wait until the seed is inside pg_sleep on the server.
      const deadline = Date.now() + 60_000
      for (;;) {
        const [row] =
          await db.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${db.name} AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`
        if (row!.n > 0) break
        if (Date.now() > deadline) throw new Error(`the seed never started: ${output}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      const signalled = Date.now()
      if (signal === 'SIGINT') process.kill(-child.pid!, 'SIGINT')
      else child.kill(signal)
      // The seedbed process itself (a descendant of npx/npm) must end: its session leaves the server.
      let stopped = false
      while (!stopped && Date.now() - signalled < 20_000) {
        const [row] = await db.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${db.name} AND pid <> pg_backend_pid()`
        stopped = row!.n === 0
        if (!stopped) await new Promise((r) => setTimeout(r, 100))
      }
      t.ok(stopped, `the run stopped: no session of it left on the server within 20 s of ${signal}: ${output}`)
      t.equal((await db.sql`SELECT count(*)::int AS n FROM items`)[0]!.n, 0, 'nothing committed')
      const [run] = await db.sql`SELECT status, ended_at FROM seedbed.runs ORDER BY id DESC LIMIT 1`
      t.equal(run!.status, 'interrupted', `the ledger says interrupted: ${output}`)
      t.ok(run!.ended_at, 'with an end time')
    })
  }
}
