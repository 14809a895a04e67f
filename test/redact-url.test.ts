import t from 'tap'
import { parseDatabaseUrl } from '../lib/db/connect.ts'
import { codes } from '../lib/errors/errors.ts'
import { redact, redactUrl, withRedactor } from '../lib/errors/redact.ts'
import { passwordPieces } from './helpers.ts'

// Passwords with the characters that break a connection string, written raw (as people paste
// them) and percent-encoded (as they should be).
const passwords = ['Zq@7xK', 'Zq@7:w/9%Kp', 'a:b:c@d', 'Pw/x?y#z@1', 'pct%41%zz', 'plain-Pw-55']

const pieces = passwordPieces

t.test('redactUrl hides the whole password, raw or percent-encoded', async (t) => {
  for (const pw of passwords) {
    for (const written of [pw, encodeURIComponent(pw)]) {
      const url = `postgres://app:${written}@db.internal:5432/shop`
      const out = redactUrl(url)
      t.equal(out, 'postgres://app:***@db.internal:5432/shop', `${written}`)
      const inText = redactUrl(`connecting to ${url} now`)
      t.equal(inText, 'connecting to postgres://app:***@db.internal:5432/shop now', `${written} inside a sentence`)
    }
  }
  t.equal(redactUrl('postgresql://u:p@h/d and postgres://h/d'), 'postgresql://u:***@h/d and postgres://h/d')
  t.equal(redactUrl('postgres://only-user@h/d'), 'postgres://only-user@h/d', 'no password: nothing to hide')
  t.equal(redactUrl('postgres://h/db?application_name=a'), 'postgres://h/db?application_name=a')
})

t.test('parseDatabaseUrl reads the password as postgres.js does and registers it', (t) =>
  // A run's secrets live in its redactor: the test is one run.
  withRedactor(async () => {
    const target = parseDatabaseUrl('postgres://app:Rk@8mQ@db.internal:6543/shop')
    t.same(target, { host: 'db.internal', port: 6543, user: 'app', database: 'shop' }, 'the host is after the last @')
    t.equal(redact('the password Rk@8mQ, encoded Rk%408mQ'), 'the password ***, encoded ***')
    parseDatabaseUrl(`postgres://app:${encodeURIComponent('Enc@d:ed/9%x')}@db/shop`)
    t.equal(redact('was Enc@d:ed/9%x'), 'was ***')
  }),
)

t.test('a URL postgres.js cannot read is E_BAD_OPTION, and no piece of its password is shown', (t) =>
  // A run's secrets live in its redactor: the test is one run.
  withRedactor(async () => {
    for (const pw of ['Hv@7:w/9%Kp', 'Qz%Kp88', 'Mn@4%Zz']) {
      const url = `postgres://app:${pw}@127.0.0.1:5432/shop`
      const err = (() => {
        try {
          parseDatabaseUrl(url)
        } catch (e) {
          return e as { code: string; message: string; hint?: string }
        }
      })()
      t.equal(err?.code, codes.BAD_OPTION, `${pw}: E_BAD_OPTION`)
      t.match(err?.hint, /percent-encode/, `${pw}: the hint says to percent-encode`)
      const text = `${err?.message} ${err?.hint}`
      for (const piece of pieces(pw)) t.notOk(text.includes(piece), `${pw}: '${piece}' not in the error`)
      t.equal(redact(`echo ${pw}`), 'echo ***', `${pw}: registered as a secret`)
    }
  }),
)

t.test('passwords in key=value form are hidden too (conninfo strings, PGPASSWORD in command output)', async (t) => {
  const { redact } = await import('../lib/errors/redact.ts')
  t.equal(redact('host=db password=s3cr3t-kv dbname=app'), 'host=db password=*** dbname=app')
  t.equal(redact('PGPASSWORD=Zq@7:w/9 psql -h db'), 'PGPASSWORD=*** psql -h db')
  t.equal(redact("password='with space' user=u"), 'password=*** user=u')
  t.equal(redact('no secret here: passwords are hidden'), 'no secret here: passwords are hidden')
})
