import t from 'tap'
import { addSecret, redact, redactUrl, redactValue } from '../lib/errors/redact.ts'
import { SeedbedError, codes, formatError } from '../lib/errors/errors.ts'
import { createLogger } from '../lib/output/log.ts'
import type { LogObject } from 'consola'

t.test('connection strings lose their password whatever it is', async (t) => {
  t.equal(redactUrl('postgres://app:s3cr%40t@db:5432/x'), 'postgres://app:***@db:5432/x')
  t.equal(redactUrl('see postgresql://u:p@h/d and postgres://h/d'), 'see postgresql://u:***@h/d and postgres://h/d')
})

t.test('registered secrets are redacted raw and URL-encoded, in text and nested data', async (t) => {
  addSecret('hunter2@x')
  t.equal(redact('password hunter2@x, encoded hunter2%40x'), 'password ***, encoded ***')
  t.same(redactValue({ a: ['hunter2@x'], b: { c: 'x hunter2@x' }, n: 1 }), { a: ['***'], b: { c: 'x ***' }, n: 1 })
  const err = redactValue(new Error('failed with hunter2@x'))
  t.equal(err.message, 'failed with ***')
  addSecret('ab') // too short to redact without mangling ordinary words
  t.equal(redact('abc'), 'abc')
})

t.test('errors and log lines never carry a secret', async (t) => {
  addSecret('pa55word-xyz')
  const e = new SeedbedError(codes.AUTH, 'login with pa55word-xyz failed', { hint: 'not pa55word-xyz' })
  t.notMatch(formatError(e), /pa55word-xyz/)
  const seen: LogObject[] = []
  const log = createLogger({ reporters: [{ log: (o) => seen.push(o) }] })
  log.withTag('users').info('connecting with', 'postgres://u:pa55word-xyz@h/d', { password: 'pa55word-xyz' })
  t.equal(seen.length, 1)
  t.notMatch(JSON.stringify(seen[0]!.args), /pa55word-xyz/)
  t.equal(seen[0]!.tag, 'users')
})
