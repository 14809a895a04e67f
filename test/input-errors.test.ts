import t from 'tap'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { seed } from '../lib/execution/api.ts'
import { runCli, seedsFolder, testDatabase } from './helpers.ts'

// Inputs that each got an error naming something else: `--scale -1` (read as an unknown flag -1, "did
// you mean '--h'?"), `?password=` in DATABASE_URL (sent to the server as a setting: "unrecognized
// configuration parameter", hint "fix the SQL in the seed"), and a conflict column in none of an
// upsert's rows (a generic E_SEED_FAILED).

const db = await testDatabase(t)
const seedsDir = await seedsFolder(t)
await db.sql`CREATE TABLE things (id int PRIMARY KEY, name text)`
await writeFile(
  path.join(seedsDir, 'things.ts'),
  `export default { async run({ upsert }) { await upsert('things', [{ id: 1, name: 'one' }], { conflict: ['id'] }) } }\n`,
)
await writeFile(
  path.join(seedsDir, 'keyless.ts'),
  `export default { async run({ upsert }) { await upsert('things', [{ name: 'one' }], { conflict: ['id'] }) } }\n`,
)

t.test('--scale with a negative number: E_BAD_OPTION naming --scale', async (t) => {
  for (const value of ['-1', '-0.5']) {
    const r = await runCli(['seed', '--scale', value, '--seeds', seedsDir], { env: { DATABASE_URL: db.url } })
    t.equal(r.code, 2, `--scale ${value}: a usage error`)
    t.match(r.stderr, new RegExp(`E_BAD_OPTION: --scale must be a number above 0 \\(at most 1000000\\), got '${value}'`))
    t.notMatch(r.stderr, /unknown flag/)
  }
})

t.test('?password= in DATABASE_URL is the password, as libpq reads it, and never shown', async (t) => {
  const url = new URL(db.url)
  // The server's password; a server that trusts local connections takes any.
  const password = decodeURIComponent(url.password) || 'any-password-1'
  url.password = ''
  const withQuery = (pw: string) => `${url.toString()}?application_name=probe&password=${encodeURIComponent(pw)}`
  const result = await seed({ databaseUrl: withQuery(password), seedsDir, only: ['things'] })
  t.ok(result.ok, 'connected and seeded (it was: unrecognized configuration parameter "password")')
  t.same(await db.sql`SELECT id, name FROM things`, [{ id: 1, name: 'one' }])

  // A server that checks passwords (the embedded one) refuses a wrong one by name; one that trusts does not check.
  const trusts = await seed({ databaseUrl: withQuery('wrong-password-xyz'), seedsDir, only: ['things'] }).then(
    () => true,
    (e) => {
      t.equal(e.code, 'E_AUTH', 'a wrong ?password= is E_AUTH')
      t.notMatch(JSON.stringify(e), /wrong-password-xyz/, 'the password is not in the error')
      return false
    },
  )
  t.comment(trusts ? 'this server trusts local connections: the wrong password was not checked' : 'this server checks passwords')

  const cli = await runCli(['seed', '--seeds', seedsDir, '--only', 'things', '--verbose'], {
    env: { DATABASE_URL: withQuery('q-secret-123456') },
  })
  t.notMatch(cli.stdout + cli.stderr, /q-secret-123456/, 'the password appears nowhere in the output')
  t.notMatch(cli.stderr, /unrecognized configuration parameter/)
})

t.test('a conflict column in none of the rows: E_CONFLICT_COLUMN naming the seed, table and column', async (t) => {
  const result = await seed({ databaseUrl: db.url, seedsDir, only: ['keyless'] })
  t.notOk(result.ok)
  t.match(result.seeds[0]!.error, {
    code: 'E_CONFLICT_COLUMN',
    seed: 'keyless',
    table: 'things',
    message: /^upsert into things: conflict column id is in none of the rows \(their keys: name\)/,
  })
})
