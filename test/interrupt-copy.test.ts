import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { NO_CHILD_COVERAGE, ROOT, tempDir, testDatabase } from './helpers.ts'

/**
 * Ctrl-C while a seed streams a COPY: one error (E_INTERRUPTED, said by the CLI), the seed reported
 * `interrupted` (not failed with the driver's echo, COPY_IN_PROGRESS), and the run ends by itself:
 * the ledger records it interrupted, which the 5 s forced stop (sockets cut) never gets to write.
 */
for (const helper of ['copy', 'load'] as const) {
  t.test(`SIGINT during ${helper}(): one error, the seed interrupted, a clean end`, async (t) => {
    const db = await testDatabase(t)
    await db.sql`CREATE TABLE stream (id bigint PRIMARY KEY, payload text NOT NULL)`
    const dir = await tempDir(t)
    await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
    const options = helper === 'copy' ? "{ columns: ['id', 'payload'] }" : "{ columns: ['id', 'payload'], conflict: ['id'] }"
    await writeFile(
      path.join(dir, 'streamer.ts'),
      `function* rows() { for (let i = 0; ; i++) yield [i, 'row ' + i] }
export default { async run(ctx) { await ctx.${helper}('stream', rows(), ${options}) } }
`,
    )
    const child = spawn(
      process.execPath,
      [
        '--conditions=seedbed-source',
        '--import',
        'tsx',
        path.join(ROOT, 'tasks.ts'),
        'seed',
        '--seeds',
        dir,
        '--json',
        '--max-retries',
        '0',
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: db.url, ...NO_CHILD_COVERAGE },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    let copying = false
    for (let i = 0; i < 600 && !copying; i++) {
      const [row] = await db.sql<[{ n: number }]>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${db.name} AND query ILIKE 'copy%' AND pid <> pg_backend_pid()`
      copying = row.n > 0
      if (!copying) await new Promise((r) => setTimeout(r, 100))
    }
    t.ok(copying, `the COPY is streaming: ${stderr}`)
    child.kill('SIGINT')
    const code = await exited
    t.equal(code, 130, 'exit 130')
    const errors = stderr.split('\n').filter((l) => /E_[A-Z_]+:/.test(l))
    t.same(
      errors.map((l) => /(E_[A-Z_]+):/.exec(l)![1]),
      ['E_INTERRUPTED'],
      `one error line, E_INTERRUPTED: ${stderr}`,
    )
    t.notMatch(stdout + stderr, 'COPY_IN_PROGRESS', 'no echo of the driver')
    const document = JSON.parse(stdout)
    t.same([document.seeds[0].status, document.seeds[0].error?.code], ['interrupted', 'E_INTERRUPTED'], 'the seed is interrupted')
    const [run] = await db.sql`SELECT status FROM seedbed.runs ORDER BY id DESC LIMIT 1`
    t.equal(run!.status, 'interrupted', 'the ledger recorded the end: the run ended by itself, not by the forced stop')
    const [seedRun] = await db.sql`SELECT status FROM seedbed.seed_runs ORDER BY run_id DESC LIMIT 1`
    t.equal(seedRun?.status, 'interrupted')
    t.equal((await db.sql`SELECT count(*)::int AS n FROM stream`)[0]!.n, 0, 'nothing committed')
  })
}
