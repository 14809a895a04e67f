import t from 'tap'
import { createContext } from '../lib/execution/context.ts'
import { codes } from '../lib/errors/errors.ts'
import { createLogger } from '../lib/output/log.ts'
import { tallyRows, MAX_PARAMETERS } from '../lib/sql/upsert.ts'
import { testDatabase } from './helpers.ts'

const db = await testDatabase(t)
await db.sql`CREATE TABLE wide (id int PRIMARY KEY, a text, b int, c boolean, d jsonb)`
const log = createLogger({ level: -999 })
/** Runs fn with a seed context in a transaction, returning fn's result and the tally. */
const inSeed = <T>(fn: (ctx: ReturnType<typeof createContext>['ctx']) => Promise<T>) =>
  db.sql.begin(async (tx) => {
    const { ctx, counts } = createContext(tx, log, { seed: 'test', env: 'development', secrets: ['SEED_T_SECRET'] })
    const value = await fn(ctx)
    return { value, counts: { ...counts } }
  })

t.test('tally counts inserted, updated and skipped rows', async (t) => {
  t.same(tallyRows([{ inserted: true }, { inserted: false }, { inserted: true }], 5), { created: 2, updated: 1, skipped: 2 })
})

t.test('rows past the 65,535-parameter limit go in batches, and counts are exact', async (t) => {
  const n = 20_000 // 5 columns: 100,000 parameters, more than one statement can carry
  t.ok(n * 5 > MAX_PARAMETERS)
  const rows = Array.from({ length: n }, (_, i) => ({ id: i, a: `row ${i}`, b: i % 7, c: i % 2 === 0, d: { i } }))
  const first = await inSeed((ctx) => ctx.upsert('wide', rows, { conflict: ['id'] }))
  t.same(first.counts, { created: n, updated: 0, skipped: 0 })
  const [{ count }] = await db.sql<[{ count: number }]>`SELECT count(*)::int AS count FROM wide`
  t.equal(count, n)

  const changed = rows.map((r) => (r.id % 1000 === 0 ? { ...r, b: -1 } : r))
  const second = await inSeed((ctx) => ctx.upsert('wide', changed, { conflict: ['id'] }))
  t.same(second.counts, { created: 0, updated: n / 1000, skipped: n - n / 1000 })
})

t.test('update: [] inserts only; returning gives the written rows', async (t) => {
  await db.sql`TRUNCATE wide`
  const rows = [
    { id: 1, a: 'x' },
    { id: 2, a: 'y' },
  ]
  const first = await inSeed((ctx) =>
    ctx.upsert<{ id: number; a: string }, { id: number }>('wide', rows, { conflict: ['id'], update: [], returning: ['id'] }),
  )
  t.same(first.value.rows.map((r) => r.id).sort(), [1, 2])
  const second = await inSeed((ctx) =>
    ctx.upsert(
      'wide',
      [
        { id: 1, a: 'changed' },
        { id: 3, a: 'z' },
      ],
      { conflict: ['id'], update: [] },
    ),
  )
  t.same(second.counts, { created: 1, updated: 0, skipped: 1 })
  t.equal((await db.sql`SELECT a FROM wide WHERE id = 1`)[0]!.a, 'x', 'DO NOTHING left the row alone')
})

t.test('an empty row list writes nothing; bad conflict columns are a coded error', async (t) => {
  const empty = await inSeed((ctx) => ctx.upsert('wide', [], { conflict: ['id'] }))
  t.same(empty.counts, { created: 0, updated: 0, skipped: 0 })
  await t.rejects(
    inSeed((ctx) => ctx.upsert('wide', [{ id: 1 }], { conflict: [] })),
    { code: codes.CONFLICT_COLUMN, message: /conflict is empty/ },
  )
  await t.rejects(
    inSeed((ctx) => ctx.upsert('wide', [{ id: 1 }], { conflict: ['nope' as 'id'] })),
    { code: codes.CONFLICT_COLUMN, message: /conflict column nope is in none of the rows \(their keys: id\)/ },
  )
})

t.test('count() adds to the tally; hashPassword keeps a matching hash; tokens differ', async (t) => {
  process.env.SEEDBED_BCRYPT_COST = '4'
  const { value, counts } = await inSeed(async (ctx) => {
    ctx.count({ created: 2, skipped: 1 })
    const h1 = await ctx.hashPassword('pw-one')
    return {
      h1,
      same: await ctx.hashPassword('pw-one', h1),
      other: await ctx.hashPassword('pw-two', h1),
      tokens: [ctx.randomToken(), ctx.randomToken(16)],
    }
  })
  t.same(counts, { created: 2, updated: 0, skipped: 1 })
  t.equal(value.same, value.h1)
  t.not(value.other, value.h1)
  t.not(value.tokens[0], value.tokens[1])
  t.match(value.tokens[0], /^[A-Za-z0-9_-]{43}$/)
})

t.test('secret(): development default only in development', async (t) => {
  delete process.env.SEED_T_SECRET
  await t.resolves(inSeed(async (ctx) => t.equal(ctx.secret('SEED_T_SECRET', { devDefault: 'dev-value' }), 'dev-value')))
  await t.rejects(
    db.sql.begin(async (tx) =>
      createContext(tx, log, { seed: 'test', env: 'production', secrets: ['SEED_T_SECRET'] }).ctx.secret('SEED_T_SECRET', {
        devDefault: 'dev-value',
      }),
    ),
    { code: codes.SECRET_MISSING, message: /SEED_T_SECRET is not set \(environment 'production'\)/ },
  )
})
