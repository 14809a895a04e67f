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
