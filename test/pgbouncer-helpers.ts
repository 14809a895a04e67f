import { execFileSync, spawnSync } from 'node:child_process'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import type { Test } from 'tap'
import { tempDir } from './helpers.ts'

/**
 * The pooler tests need a real PgBouncer (.ci/run installs it): under CI a missing one fails the
 * file; elsewhere the file is skipped, saying why.
 */
export function requirePgbouncer(t: Test): void {
  const found = spawnSync('pgbouncer', ['--version'], { encoding: 'utf8' })
  if (!found.error) return
  if (process.env.CI) t.fail('pgbouncer is not installed: .ci/run should have installed it (apt-get install -y pgbouncer)')
  else t.plan(0, 'pgbouncer is not installed (apt-get install -y pgbouncer): the pooler tests need the real binary')
  process.exit(process.env.CI ? 1 : 0)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** Starts PgBouncer (transaction mode, trust) in front of the server of `serverUrl`; returns its own URL for a database. */
export async function startPgbouncer(t: Test, serverUrl: string, extra = ''): Promise<(database: string) => string> {
  const server = new URL(serverUrl)
  const user = decodeURIComponent(server.username) || 'postgres'
  const dir = await tempDir(t, 'seedbed-pgbouncer-')
  await chmod(dir, 0o777) // PgBouncer runs as postgres when we are root: it writes its log and pid here
  const port = await freePort()
  const ini = path.join(dir, 'pgbouncer.ini')
  // The auth file's password is the one PgBouncer logs in to the server with (clients are trusted).
  await writeFile(path.join(dir, 'users.txt'), `"${user}" "${decodeURIComponent(server.password)}"\n`)
  await writeFile(
    ini,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'ignore_startup_parameters = extra_float_digits,options',
      'default_pool_size = 20',
      'max_client_conn = 200',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      extra,
    ].join('\n'),
  )
  const root = process.getuid?.() === 0
  execFileSync(root ? 'runuser' : 'pgbouncer', root ? ['-u', 'postgres', '--', 'pgbouncer', '-d', ini] : ['-d', ini])
  let pid = 0
  for (let i = 0; i < 100 && !pid; i++) {
    pid = Number((await readFile(path.join(dir, 'pgbouncer.pid'), 'utf8').catch(() => '')).trim())
    if (!pid) await new Promise((r) => setTimeout(r, 50))
  }
  if (!pid) throw new Error(`pgbouncer did not start: ${await readFile(path.join(dir, 'pgbouncer.log'), 'utf8').catch(() => '')}`)
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {}
  })
  return (database) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`
}
