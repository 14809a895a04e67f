import t from 'tap'
import { addSecret, currentRedactor, Redactor, redact, redactUrl, redactValue, withRedactor } from '../lib/errors/redact.ts'
import { SeedbedError, codes, formatError } from '../lib/errors/errors.ts'
import { createLogger } from '../lib/output/log.ts'
import type { LogObject } from 'consola'

t.test('connection strings lose their password whatever it is', async (t) => {
  t.equal(redactUrl('postgres://app:s3cr%40t@db:5432/x'), 'postgres://app:***@db:5432/x')
  t.equal(redactUrl('see postgresql://u:p@h/d and postgres://h/d'), 'see postgresql://u:***@h/d and postgres://h/d')
})

t.test('registered secrets are redacted raw and URL-encoded, in text and nested data', (t) =>
  withRedactor(async () => {
    addSecret('hunter2@x')
    t.equal(redact('password hunter2@x, encoded hunter2%40x'), 'password ***, encoded ***')
    t.same(redactValue({ a: ['hunter2@x'], b: { c: 'x hunter2@x' }, n: 1 }), { a: ['***'], b: { c: 'x ***' }, n: 1 })
    const err = redactValue(new Error('failed with hunter2@x'))
    t.equal(err.message, 'failed with ***')
    addSecret('ab') // too short to redact without mangling ordinary words
    t.equal(redact('abc'), 'abc')
  }),
)

t.test('a secret is redacted in its JSON-escaped form too (a report, a --json document)', async (t) => {
  const r = new Redactor()
  const secret = 'pa"ss\\word\nx'
  r.add(secret)
  const document = JSON.stringify({ error: `login as ${secret} failed` })
  t.notMatch(r.text(document), 'ss\\\\word', 'the escaped backslash form is gone')
  t.equal(r.text(document), '{"error":"login as *** failed"}')
  t.equal(r.text(`raw ${secret}`), 'raw ***')
})

t.test('each run has its own secrets: none outlives its run or reaches another', async (t) => {
  const seen: string[] = []
  await Promise.all([
    withRedactor(async () => {
      addSecret('first-run-secret')
      await new Promise((r) => setTimeout(r, 20))
      seen.push(redact('a: first-run-secret second-run-secret'))
    }),
    withRedactor(async () => {
      addSecret('second-run-secret')
      await new Promise((r) => setTimeout(r, 10))
      seen.push(redact('b: first-run-secret second-run-secret'))
    }),
  ])
  t.same(seen.sort(), ['a: *** second-run-secret', 'b: first-run-secret ***'], 'two runs at once: each hides only its own')
  t.equal(redact('first-run-secret second-run-secret'), 'first-run-secret second-run-secret', 'nothing is remembered after the runs')
  addSecret('outside-any-run')
  t.equal(currentRedactor().text('outside-any-run'), 'outside-any-run', 'outside a run nothing is registered')
  t.equal(redactUrl('postgres://u:pw@h/d'), 'postgres://u:***@h/d', 'connection strings are redacted by shape everywhere')
})

t.test('errors and log lines never carry a secret', (t) =>
  withRedactor(async () => {
    addSecret('pa55word-xyz')
    const e = new SeedbedError(codes.AUTH, 'login with pa55word-xyz failed', { hint: 'not pa55word-xyz' })
    t.notMatch(formatError(e), /pa55word-xyz/)
    const seen: LogObject[] = []
    const log = createLogger({ reporters: [{ log: (o) => seen.push(o) }] })
    log.withTag('users').info('connecting with', 'postgres://u:pa55word-xyz@h/d', { password: 'pa55word-xyz' })
    t.equal(seen.length, 1)
    t.notMatch(JSON.stringify(seen[0]!.args), /pa55word-xyz/)
    t.equal(seen[0]!.tag, 'users')
  }),
)
