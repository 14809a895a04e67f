import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { parseDatabaseUrl } from '../lib/db/connect.ts'
import { redactWholeUrl } from '../lib/errors/redact.ts'
import { type CliResult, passwordPieces, runCli, tempDir } from './helpers.ts'

// Connection strings that do not parse (or parse into something else) hold passwords with the
// characters that break one, written raw. Whatever seedbed makes of them, no piece of the password
// reaches stdout or stderr, in text or --json, through each way a URL is given.
const passwords = ['Kq #Vx7', 'Zw3 Jy9', 'Hz#Tg7', 'Rb@Nm Qf', 'Cj:Lw #X4', 'Sv/Pk #Q9', 'Dp%zz #G9', 'Yq?Mr #F8', 'Fw@Gt #Bk']
/** Connection strings that do not parse whatever the password (`PW` stands for it). */
const forms = ['postgres://app:PW@127.0.0.1:notaport/shop', 'postgres://app:PW@[::1/shop', 'app:PW@127.0.0.1/shop']
const clean = 'Nm7Kq2Vx'

const pieces = passwordPieces

t.test('redactWholeUrl hides the user info of a connection string that does not parse', async (t) => {
  for (const pw of passwords) {
    const out = redactWholeUrl(`postgres://app:${pw}@127.0.0.1:5432/shop`)
    t.equal(out, 'postgres://app:***@127.0.0.1:5432/shop', pw)
  }
  // Cut short by a `#` comment in a databases file: `user:pass` looks like `host:port`.
  t.equal(redactWholeUrl('postgres://app:mypass'), 'postgres://***')
  t.equal(redactWholeUrl('app:secret words@db/shop'), '***@db/shop', 'no scheme')
  t.equal(redactWholeUrl('postgres://Kq #Vx7@db/shop'), 'postgres://***@db/shop', 'a user name that cannot be one')
  t.equal(redactWholeUrl('postgres://db.internal/shop'), 'postgres://db.internal/shop', 'no user info: all shown')
  t.equal(redactWholeUrl('postgres://db/shop?password=a b'), 'postgres://db/shop?password=***')
  t.throws(() => parseDatabaseUrl('postgres://app:Kq #Vx7@db/shop', undefined, 'DIRECT_DATABASE_URL'), {
    code: 'E_BAD_OPTION',
    message: 'DIRECT_DATABASE_URL is not a valid URL: postgres://app:***@db/shop',
  })
})

t.test('the CLI never shows a piece of a raw password, whichever way the URL comes', async (t) => {
  const dir = await tempDir(t)
  const cases: { pw: string; label: string; args: string[]; env?: Record<string, string> }[] = []
  const urls = [
    ...passwords.map((pw, i) => ({ pw, url: `postgres://app:${pw}@127.0.0.1:5432/seedbed_no_such_db_${i}` })),
    ...forms.map((form) => ({ pw: clean, url: form.replace('PW', clean) })),
  ]
  urls.forEach(({ pw, url }, i) => {
    const file = path.join(dir, `list-${i}.txt`)
    cases.push(
      { pw, label: `${url}: DATABASE_URL, seed`, args: ['seed'], env: { DATABASE_URL: url } },
      { pw, label: `${url}: --database-url`, args: ['seed', '--database-url', url] },
      { pw, label: `${url}: --databases-file`, args: ['seed', '--databases-file', file] },
      { pw, label: `${url}: DATABASE_URL, status`, args: ['status'], env: { DATABASE_URL: url } },
    )
    cases.push(...cases.slice(-4).map((c) => ({ ...c, label: `${c.label} --json`, args: [...c.args, '--json'] })))
  })
  await Promise.all(urls.map(({ url }, i) => writeFile(path.join(dir, `list-${i}.txt`), `# tenants\n${url}\n`)))
  // Two at a time: each is a whole CLI process.
  const results: CliResult[] = []
  for (let i = 0; i < cases.length; i += 2) {
    results.push(...(await Promise.all(cases.slice(i, i + 2).map((c) => runCli(c.args, { env: c.env ?? {} })))))
  }
  cases.forEach((c, i) => {
    const out = results[i]!.stdout + results[i]!.stderr
    const pw = c.pw
    t.not(results[i]!.code, 0, `${c.label}: fails`)
    if (c.args.includes('--json')) t.match(results[i]!.stdout, /"code":"E_[A-Z_]+"/, `${c.label}: a coded JSON error`)
    t.same(
      pieces(pw).filter((p) => out.includes(p)),
      [],
      `${c.label}: no piece of the password in the output`,
    )
  })
})
