import path from 'node:path'
import t, { type Test } from 'tap'
import postgres from 'postgres'
import { ensureLedger } from '../lib/db/ledger.ts'
import { applySchema } from '../lib/db/schema.ts'
import { databaseUrl } from '../lib/testing.ts'
import { fixture, passwordPieces, ROOT, runCli, testDatabase } from './helpers.ts'

// A role whose password holds the characters that break a connection string: whatever the URL
// looks like, no piece of the password reaches stdout or stderr, in text or --json, on success
// or failure. The service trusts every login, the embedded server checks the password: either way
// the point is the output.
const db = await testDatabase(t)
await applySchema(db.sql, path.join(ROOT, 'schema'))
// The ledger is made here so that the role owns nothing and can be dropped whatever happens.
await ensureLedger(db.sql)
const role = `seedbed_leak_${process.pid}`
const admin = postgres(databaseUrl(db.url, 'postgres'), { max: 1, onnotice: () => {} })
await admin.unsafe(`CREATE ROLE ${role} LOGIN SUPERUSER`)
t.teardown(async () => {
  await admin.unsafe(`DROP ROLE IF EXISTS ${role}`)
  await admin.end()
})
const server = new URL(db.url)
const urlFor = (password: string, database = db.name) => `postgres://${role}:${password}@${server.host}/${database}`

const pieces = passwordPieces

async function setPassword(password: string) {
  await admin.unsafe(`ALTER ROLE ${role} PASSWORD '${password.replaceAll("'", "''")}'`)
}

function noPiece(t: Test, out: string, password: string, label: string) {
  const shown = pieces(password).filter((p) => out.includes(p))
  t.same(shown, [], `${label}: no piece of the password in the output`)
}

t.test('a raw @ in the password: the run connects and never shows it', async (t) => {
  const password = 'Zq@7xK'
  await setPassword(password)
  const url = urlFor(password)
  const text = await runCli(['seed', '--only', 'roles'], { env: { DATABASE_URL: url } })
  t.equal(text.code, 0, text.stderr)
  t.match(text.stdout, `database postgres://${role}:***@${server.host}/${db.name}`, 'the target is shown, its password hidden')
  noPiece(t, text.stdout + text.stderr, password, 'text')
  const json = await runCli(['seed', '--only', 'roles', '--json', '--log-format', 'json', '--verbose'], { env: { DATABASE_URL: url } })
  t.equal(json.code, 0)
  t.equal(JSON.parse(json.stdout).ok, true)
  noPiece(t, json.stdout + json.stderr, password, '--json')
  const failed = await runCli(['seed', '--seeds', path.join(fixture('failing'), 'seeds'), '--only', 'dup', '--json'], {
    env: { DATABASE_URL: url },
  })
  t.equal(failed.code, 1)
  t.equal(JSON.parse(failed.stdout).ok, false)
  noPiece(t, failed.stdout + failed.stderr, password, 'a failing seed')
  const missing = await runCli(['seed', '--json'], { env: { DATABASE_URL: urlFor(password, 'no_such_db_leak') } })
  t.equal(JSON.parse(missing.stdout).error.code, 'E_DATABASE_MISSING')
  noPiece(t, missing.stdout + missing.stderr, password, 'a missing database')
})

t.test('@ : / % in the password: percent-encoded it connects, raw it is E_BAD_OPTION; never shown', async (t) => {
  const password = 'Zq@7:w/9%Kp'
  await setPassword(password)
  const encoded = await runCli(['seed', '--only', 'roles', '--json', '--log-format', 'json'], {
    env: { DATABASE_URL: urlFor(encodeURIComponent(password)) },
  })
  t.equal(encoded.code, 0, encoded.stderr)
  noPiece(t, encoded.stdout + encoded.stderr, password, 'encoded, --json')
  noPiece(t, encoded.stdout + encoded.stderr, encodeURIComponent(password), 'encoded, --json (encoded form)')
  for (const args of [['seed'], ['seed', '--json']]) {
    const raw = await runCli(args, { env: { DATABASE_URL: urlFor(password) } })
    t.equal(raw.code, 2, `${args.join(' ')}: exit 2`)
    t.match(raw.stderr, 'E_BAD_OPTION: DATABASE_URL is not a valid URL')
    t.match(raw.stderr, 'percent-encode the password')
    noPiece(t, raw.stdout + raw.stderr, password, `raw, ${args.join(' ')}`)
  }
})
