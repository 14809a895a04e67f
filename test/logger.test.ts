import path from 'node:path'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { ROOT, testDatabase } from './helpers.ts'

t.test('the API takes any logger with debug/info/warn/error: lines arrive as strings, tagged and redacted', async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(
    'CREATE TABLE roles (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text UNIQUE NOT NULL, description text NOT NULL)',
  )
  const lines: [string, string][] = []
  const logger = {
    debug: (m: string) => lines.push(['debug', m]),
    info: (m: string) => lines.push(['info', m]),
    warn: (m: string) => lines.push(['warn', m]),
    error: (m: string) => lines.push(['error', m]),
  }
  const url = db.url.replace('postgres://postgres@', 'postgres://postgres:a-secret-pw-123@')
  const result = await seed({ databaseUrl: url, seedsDir: path.join(ROOT, 'seeds'), only: ['roles'], logger })
  t.ok(result.ok)
  t.ok(
    lines.every(([, m]) => typeof m === 'string'),
    'plain strings',
  )
  t.ok(
    lines.some(([level, m]) => level === 'info' && /^\[roles\] created 3/.test(m)),
    `the seed's line carries its tag: ${JSON.stringify(lines)}`,
  )
  t.ok(
    lines.some(([, m]) => m.includes('postgres://postgres:***@')),
    'the connection line is there, redacted',
  )
  t.notOk(
    lines.some(([, m]) => m.includes('a-secret-pw-123')),
    'the password never reaches the logger',
  )
})

t.test("a caller's own consola instance is redacted too: ctx.log of a seed never prints a secret", async (t) => {
  const { createConsola } = await import('consola')
  const db = await testDatabase(t)
  const { mkdir, writeFile } = await import('node:fs/promises')
  const { tempDir } = await import('./helpers.ts')
  const dir = await tempDir(t)
  await mkdir(path.join(dir, 'seeds'))
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await writeFile(
    path.join(dir, 'seeds', 'talker.ts'),
    `export default {
  secrets: ['TALKER_TOKEN'],
  async run(ctx) {
    const token = ctx.secret('TALKER_TOKEN')
    ctx.log.info('using token ' + token)
  },
}
`,
  )
  const seen: string[] = []
  const own = createConsola({ level: 4, reporters: [{ log: (o) => seen.push(o.args.map(String).join(' ')) }] })
  const result = await seed({
    databaseUrl: db.url,
    seedsDir: path.join(dir, 'seeds'),
    only: [],
    logger: own,
    variables: { TALKER_TOKEN: 'tok-8d1f-secret-value' },
  })
  t.ok(result.ok, JSON.stringify(result.seeds))
  t.ok(
    seen.some((line) => line.includes('using token ***')),
    `the seed's line reached the caller's consola, redacted: ${JSON.stringify(seen)}`,
  )
  t.notOk(
    seen.some((line) => line.includes('tok-8d1f-secret-value')),
    'the secret never reaches it',
  )
})
