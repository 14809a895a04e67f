import { Writable } from 'node:stream'
import type { LogObject } from 'consola'
import t from 'tap'
import { createLogger } from '../lib/output/log.ts'
import { createProgress } from '../lib/output/progress.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

t.test('without a terminal: a plain log line per interval with rows and rows/s', async (t) => {
  const lines: LogObject[] = []
  const log = createLogger({ reporters: [{ log: (o) => lines.push(o) }] })
  const p = createProgress({ log, live: false, intervalMs: 20 })
  const { tick, end } = p.start('orders')
  tick(1000) // inside the first interval: not shown
  await sleep(30)
  tick(2000)
  tick(3000) // again inside the interval
  end()
  t.equal(lines.length, 1)
  t.equal(lines[0]!.tag, 'orders')
  t.match(String(lines[0]!.args[0]), /^2,000 rows, [\d,]+ rows\/s$/)
})

t.test('on a terminal: one line rewritten in place for all running seeds, cleared at the end', async (t) => {
  let out = ''
  const stream = new Writable({
    write: (c, _e, cb) => {
      out += c
      cb()
    },
  })
  const p = createProgress({ log: createLogger({ level: -999 }), live: true, stream, intervalMs: 0 })
  const a = p.start('customers')
  const b = p.start('orders')
  a.tick(1500)
  b.tick(250)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the live line is drawn with ANSI escapes
  t.match(out, /\r\x1b\[2Kcustomers 1,500 rows, [\d,]+ rows\/s \| orders 250 rows/)
  a.end()
  b.end()
  t.ok(out.endsWith('\r\x1b[2K'), 'the line is cleared')
})
