import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { runCli, tempDir, testDatabase } from './helpers.ts'

// What a seed itself prints, and the passwords libpq's variables hold, go through the run's redactor.
const db = await testDatabase(t)

async function seedsWith(t: Parameters<typeof tempDir>[0], source: string) {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await writeFile(path.join(dir, 'talk.ts'), source)
  return dir
}

t.test("a seed's console.log under --json goes to stderr: stdout is one JSON document", async (t) => {
  const dir = await seedsWith(
    t,
    "export default { async run() { console.log('hello from the seed', { n: 1 }); console.info('info too') } }\n",
  )
  const out = await runCli(['seed', '--seeds', dir, '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(out.code, 0, out.stderr)
  const document = JSON.parse(out.stdout)
  t.equal(document.ok, true, 'stdout parses as the result')
  t.match(out.stderr, 'hello from the seed { n: 1 }', "the seed's line is on stderr")
  t.match(out.stderr, 'info too')
  const text = await runCli(['seed', '--seeds', dir], { env: { DATABASE_URL: db.url } })
  t.match(text.stdout, 'hello from the seed', 'without --json it stays on stdout')
})

t.test('passwords from PGPASSWORD and PGPASSFILE are redacted like the URL', async (t) => {
  const dir = await seedsWith(
    t,
    `export default { async run(ctx) {
  ctx.log.info('env says ' + process.env.PGPASSWORD)
  console.log('file says ' + process.env.SEEDBED_TEST_FILE_PW)
  throw new Error('failed with ' + process.env.PGPASSWORD + ' and "' + JSON.stringify(process.env.PGPASSWORD) + '"')
} }
`,
  )
  const passfile = path.join(dir, 'pgpass')
  await writeFile(passfile, '# host:port:db:user:password\n*:*:*:*:file-p\\:w-1234\n', { mode: 0o600 })
  const password = 'pg"pass\\word-5678'
  const env = { DATABASE_URL: db.url, PGPASSWORD: password, PGPASSFILE: passfile, SEEDBED_TEST_FILE_PW: 'file-p:w-1234' }
  for (const args of [
    ['seed', '--seeds', dir],
    ['seed', '--seeds', dir, '--json'],
  ]) {
    const out = await runCli(args, { env })
    t.equal(out.code, 1, `${args.join(' ')}: the seed failed`)
    const all = out.stdout + out.stderr
    t.match(all, 'env says ***', 'the line was printed, redacted')
    t.match(all, 'file says ***', "the pgpass file's password too")
    t.notMatch(all, 'pass\\word-5678', 'no raw form')
    t.notMatch(all, 'pass\\\\word-5678', 'no JSON-escaped form')
    t.notMatch(all, 'file-p:w-1234')
  }
})
