import t from 'tap'
import { resolveSettings } from '../lib/config/config.ts'
import { codes } from '../lib/errors/errors.ts'

// The pooler settings: SEEDBED_POOLER, DIRECT_DATABASE_URL, SEEDBED_LEASE (and their API options).
t.test('defaults: detect the pooler, no direct URL, a 30 s lease', async (t) => {
  const s = resolveSettings({}, {})
  t.same([s.pooler, s.directUrl, s.leaseMs], ['auto', undefined, 30_000])
})

t.test('the environment, then the API options, set them', async (t) => {
  const env = { SEEDBED_POOLER: 'Transaction', DIRECT_DATABASE_URL: 'postgres://u@db:5432/app', SEEDBED_LEASE: '10s' }
  const s = resolveSettings({}, env)
  t.same([s.pooler, s.directUrl, s.leaseMs], ['transaction', 'postgres://u@db:5432/app', 10000])
  const given = resolveSettings({}, env, process.cwd(), { pooler: 'none', directUrl: 'postgres://u@other/app', leaseMs: 6000 })
  t.same([given.pooler, given.directUrl, given.leaseMs], ['none', 'postgres://u@other/app', 6000])
  t.equal(resolveSettings({ pooler: 'session' }, env).pooler, 'session', 'the --pooler flag beats the variable')
})

t.test('bad values name the variable or option', async (t) => {
  t.throws(() => resolveSettings({}, { SEEDBED_POOLER: 'pgbouncer' }), {
    code: codes.BAD_ENV,
    message: /SEEDBED_POOLER must be one of auto, transaction, session, none, got 'pgbouncer'/,
  })
  t.throws(() => resolveSettings({}, { SEEDBED_LEASE: '4s' }), { code: codes.BAD_ENV, message: /SEEDBED_LEASE must be from 5s/ })
  t.throws(() => resolveSettings({}, {}, process.cwd(), { pooler: 'yes' as never }), {
    code: codes.BAD_OPTION,
    message: /pooler must be one of/,
  })
})
