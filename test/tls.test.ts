import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { withRedactor } from '../lib/errors/redact.ts'
import { startEmbedded } from '../lib/db/embedded.ts'
import { tlsFor } from '../lib/db/tls.ts'
import { codes } from '../lib/errors/errors.ts'
import { seed } from '../lib/execution/api.ts'
import { createLogger } from '../lib/output/log.ts'
import { ROOT, runCli, tempDir } from './helpers.ts'

const schemaDir = path.join(ROOT, 'schema')
const seedsDir = path.join(ROOT, 'seeds')
const silent = createLogger({ level: -999 })

/** A CA, a second CA, and two server certificates signed by the first: one for localhost and 127.0.0.1, one for localhost only. */
function makeCertificates(dir: string) {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', ...key, '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=seedbed test ${ca}`)
  }
  for (const [name, alt] of [
    ['server', 'DNS:localhost,IP:127.0.0.1'],
    ['server-localhost', 'DNS:localhost'],
  ] as const) {
    openssl('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=localhost')
    writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${alt}\n`)
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    )
    // PostgreSQL wants its key private to the user it runs as (`postgres` when we are root).
    const keyFile = path.join(dir, `${name}.key`)
    chmodSync(keyFile, 0o600)
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
      chownSync(keyFile, uid, gid)
    }
  }
  return (file: string) => path.join(dir, file)
}

t.test('sslmode as libpq defines it, against a server with a certificate made here', async (t) => {
  const dir = await tempDir(t, 'seedbed-tls-')
  const file = makeCertificates(dir)
  const tlsFlags = (cert: string) => [
    '-c',
    'ssl=on',
    '-c',
    `ssl_cert_file=${file(`${cert}.crt`)}`,
    '-c',
    `ssl_key_file=${file(`${cert}.key`)}`,
  ]
  // One cluster, restarted with other settings (flags outrank ALTER SYSTEM).
  let server = await startEmbedded({ dataDir: path.join(dir, 'data'), log: silent, extraFlags: tlsFlags('server') })
  let admin = postgres(server.url, { max: 1, onnotice: () => {} })
  const restart = async (extraFlags: string[]) => {
    await admin.end({ timeout: 5 })
    await server.stop()
    server = await startEmbedded({ dataDir: path.join(dir, 'data'), log: silent, extraFlags })
    admin = postgres(server.url, { max: 1, onnotice: () => {} })
  }
  t.teardown(async () => {
    await admin.end({ timeout: 5 })
    await server.stop()
  })
  t.same(await admin`SHOW ssl`, [{ ssl: 'on' }])
  const at = (host: string, query: string) => `postgres://postgres:${server.password}@${host}:${server.port}/postgres?${query}`
  const run = (databaseUrl: string, only = ['roles']) =>
    seed({ databaseUrl, seedsDir, schemaDir, applySchema: true, only, maxRetries: 2 }).then(
      (r) => ({ ok: r.ok, created: r.seeds.find((s) => s.name === 'roles')?.created, error: undefined }),
      (e) => ({ ok: false, created: undefined, error: e as { code: string; message: string; hint?: string } }),
    )
  /** Whether the server saw this connection as TLS (pg_stat_ssl), through seedbed's own pool settings. */
  const usedTls = async (url: string) => {
    const { createPool } = await import('../lib/db/connect.ts')
    const sql = createPool(url, 1)
    try {
      return (await sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`)[0]!.ssl as boolean
    } finally {
      await sql.end()
    }
  }

  await t.test('verify-full with the right CA and host localhost connects over TLS and seeds', async (t) => {
    const url = at('localhost', `sslmode=verify-full&sslrootcert=${file('ca.crt')}`)
    t.equal(await usedTls(url), true)
    const r = await run(url)
    t.equal(r.error, undefined)
    t.equal(r.ok, true)
    t.equal(r.created, 3, 'three roles written over TLS')
    t.same(await admin`SELECT count(*)::int AS n FROM roles`, [{ n: 3 }])
  })

  await t.test('another CA: E_TLS naming the CA file, at once (no retries, no 10 s wait)', async (t) => {
    const started = Date.now()
    const r = await run(at('localhost', `sslmode=verify-full&sslrootcert=${file('other-ca.crt')}`))
    t.equal(r.error?.code, codes.TLS)
    t.match(r.error?.message, `the server's certificate is not signed by the CA in ${file('other-ca.crt')}`)
    t.ok(Date.now() - started < 5000, `failed in ${Date.now() - started} ms`)
  })

  await t.test('verify-full without sslrootcert: the system CAs, which do not know this one', async (t) => {
    const r = await run(at('localhost', 'sslmode=verify-full'))
    t.equal(r.error?.code, codes.TLS)
    t.match(r.error?.message, /not signed by a CA this system trusts/)
  })

  await t.test('a missing sslrootcert file is E_BAD_OPTION naming it', async (t) => {
    const missing = path.join(dir, 'nope.crt')
    const r = await run(at('localhost', `sslmode=verify-full&sslrootcert=${missing}`))
    t.equal(r.error?.code, codes.BAD_OPTION)
    t.match(r.error?.message, `sslrootcert in DATABASE_URL names ${missing}, which cannot be read (ENOENT)`)
  })

  await t.test('an unknown sslmode is E_BAD_OPTION', async (t) => {
    t.throws(() => tlsFor(at('localhost', 'sslmode=verify')), { code: codes.BAD_OPTION, message: /sslmode 'verify'/ })
  })

  await t.test('a certificate for localhost only, reached as 127.0.0.1', async (t) => {
    await restart(tlsFlags('server-localhost'))
    const full = await run(at('127.0.0.1', `sslmode=verify-full&sslrootcert=${file('ca.crt')}`))
    t.equal(full.error?.code, codes.TLS, 'verify-full: E_TLS')
    t.match(full.error?.message, /^the certificate is for localhost, not 127\.0\.0\.1/)
    const ca = await run(at('127.0.0.1', `sslmode=verify-ca&sslrootcert=${file('ca.crt')}`))
    t.equal(ca.error, undefined, 'verify-ca checks the CA only')
    t.equal(ca.ok, true)
    const wrongCa = await run(at('127.0.0.1', `sslmode=verify-ca&sslrootcert=${file('other-ca.crt')}`))
    t.equal(wrongCa.error?.code, codes.TLS, 'but verify-ca still checks the CA')
  })

  await t.test('require encrypts without a CA; disable does not', async (t) => {
    const url = at('127.0.0.1', 'sslmode=require')
    t.equal(await usedTls(url), true)
    const r = await run(url)
    t.equal(r.error, undefined)
    t.equal(r.ok, true)
    t.equal(await usedTls(at('127.0.0.1', 'sslmode=disable')), false)
    t.equal(await usedTls(at('127.0.0.1', 'sslmode=prefer')), true)
  })

  await t.test('a server without TLS: require is E_TLS, prefer connects in the clear', async (t) => {
    await restart([])
    t.same(await admin`SHOW ssl`, [{ ssl: 'off' }])
    const started = Date.now()
    const r = await run(at('127.0.0.1', 'sslmode=require'))
    t.equal(r.error?.code, codes.TLS)
    t.match(r.error?.message, /^the server does not accept TLS \(127\.0\.0\.1:\d+, sslmode=require\)/)
    t.ok(Date.now() - started < 5000, `failed in ${Date.now() - started} ms, not retried`)
    t.equal(await usedTls(at('127.0.0.1', 'sslmode=prefer')), false)
  })

  await t.test('the CLI: E_TLS, exit 1, and the password never printed', async (t) => {
    await restart(tlsFlags('server'))
    const res = await runCli(['seed', '--only', 'roles', '--apply-schema'], {
      env: { DATABASE_URL: at('localhost', `sslmode=verify-full&sslrootcert=${file('other-ca.crt')}`) },
    })
    t.equal(res.code, 1, res.stderr)
    t.match(res.stderr, /E_TLS: the server's certificate is not signed by the CA in/)
    t.notMatch(res.stdout + res.stderr, server.password)
  })
})

t.test('TLS parameters: taken out of the URL postgres.js gets, the key passphrase kept secret', (t) =>
  // A run's secrets live in its redactor: the test is one run.
  withRedactor(async () => {
    const { redact, redactUrl } = await import('../lib/errors/redact.ts')
    const tls = tlsFor('postgres://app@db.internal:5432/shop?sslmode=require&sslpassword=hunter2-key&application_name=x')
    t.equal(tls.url, 'postgres://app@db.internal:5432/shop?application_name=x')
    t.equal(tls.mode, 'require')
    t.match(tls.ssl, { rejectUnauthorized: false, passphrase: 'hunter2-key' })
    t.equal(
      redactUrl('postgres://app@db/shop?sslmode=require&sslpassword=hunter2-key'),
      'postgres://app@db/shop?sslmode=require&sslpassword=***',
    )
    t.equal(redact('key passphrase hunter2-key'), 'key passphrase ***')
    t.same(tlsFor('postgres://app@db/shop'), { url: 'postgres://app@db/shop' }, 'no TLS parameter: the URL untouched')
    t.equal(tlsFor('postgres://app@db/shop?sslrootcert=system').mode, 'verify-full', 'sslrootcert=system means verify-full')
  }),
)
