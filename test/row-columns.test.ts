import t from 'tap'
import { createContext } from '../lib/execution/context.ts'
import { codes } from '../lib/errors/errors.ts'
import { createLogger } from '../lib/output/log.ts'
import { testDatabase } from './helpers.ts'

// Which columns a write takes from rows given as objects, and what a row without one of them is.
// upsert: the union of every row's keys (it took the first row's only: a later row's extra key was
// dropped, stored NULL and counted created; a later row lacking a key failed with postgres.js's
// UNDEFINED_VALUE, naming no row or column). load and copy: their `columns` (an absent key was
// loaded as NULL). The one rule: every row has a value for every column, null for NULL; a row
// without one is E_ROW_COLUMN naming the row's index and the column, and nothing is written.

const db = await testDatabase(t)
await db.sql`CREATE TABLE items (id int PRIMARY KEY, a text, w text DEFAULT 'default')`
const log = createLogger({ level: -999 })
const inSeed = <T>(fn: (ctx: ReturnType<typeof createContext>['ctx']) => Promise<T>) =>
  db.sql.begin(async (tx) => fn(createContext(tx, log, { seed: 'rows', env: 'development' }).ctx))
const rows = async () => (await db.sql`SELECT id, a, w FROM items ORDER BY id`).map((r) => ({ ...r }))

t.beforeEach(async () => {
  await db.sql`TRUNCATE items`
  await db.sql`INSERT INTO items VALUES (1, 'a1', 'w1')`
})

t.test('upsert: a key only a later row has is E_ROW_COLUMN for the first row without it, not dropped', async (t) => {
  const upsert = inSeed((ctx) =>
    ctx.upsert(
      'items',
      [
        { id: 1, a: 'x' },
        { id: 2, a: 'y', w: 'new' },
      ],
      { conflict: ['id'] },
    ),
  )
  await t.rejects(upsert, {
    code: codes.ROW_COLUMN,
    table: 'items',
    message: /^upsert into items: row 0 \(counted from 0\) has no value for column w, one of the union of the rows' keys \(id, a, w\)/,
  })
  t.same(await rows(), [{ id: 1, a: 'a1', w: 'w1' }], 'nothing written')
})

t.test('upsert: a key a later row lacks, or holds undefined, names that row', async (t) => {
  const lacks = [
    { id: 1, a: 'x', w: 'w' },
    { id: 2, a: 'y', w: 'w' },
    { id: 3, a: 'z' },
  ]
  await t.rejects(
    inSeed((ctx) => ctx.upsert('items', lacks, { conflict: ['id'] })),
    { code: codes.ROW_COLUMN, message: /row 2 \(counted from 0\) has no value for column w/ },
  )
  await t.rejects(
    inSeed((ctx) =>
      ctx.upsert(
        'items',
        [
          { id: 1, a: 'x' },
          { id: 2, a: undefined },
        ],
        { conflict: ['id'] },
      ),
    ),
    { code: codes.ROW_COLUMN, message: /row 1 \(counted from 0\) has no value for column a/ },
  )
  t.same(await rows(), [{ id: 1, a: 'a1', w: 'w1' }])
})

t.test('upsert: keys in another order, and null for NULL, are fine', async (t) => {
  const result = await inSeed((ctx) =>
    ctx.upsert(
      'items',
      [
        { id: 1, a: 'x', w: null },
        { w: 'w2', a: 'y', id: 2 },
      ],
      { conflict: ['id'] },
    ),
  )
  t.same([result.created, result.updated], [1, 1])
  t.same(await rows(), [
    { id: 1, a: 'x', w: null },
    { id: 2, a: 'y', w: 'w2' },
  ])
})

for (const path of ['merge', 'copy'] as const) {
  t.test(
    `load (${path === 'merge' ? 'into a table with rows: staged, merged' : 'into an empty table: COPY'}): an object row without a column is E_ROW_COLUMN`,
    async (t) => {
      if (path === 'copy') await db.sql`TRUNCATE items`
      const before = await rows()
      const given = [
        { id: 2, a: 'b', w: 'w' },
        { id: 3, a: 'c' },
      ]
      await t.rejects(
        inSeed((ctx) => ctx.load('items', given, { columns: ['id', 'a', 'w'], conflict: ['id'] })),
        {
          code: codes.ROW_COLUMN,
          table: 'items',
          message: /^load into items: row 1 \(counted from 0\) has no value for column w, one of its `columns` \(id, a, w\)/,
        },
      )
      t.same(await rows(), before, 'nothing written (it was loaded as NULL)')
    },
  )
}

t.test('copy: the same rule; keys beyond `columns` are not loaded', async (t) => {
  await db.sql`TRUNCATE items`
  await t.rejects(
    inSeed((ctx) => ctx.copy('items', [{ id: 1 }], { columns: ['id', 'a'] })),
    { code: codes.ROW_COLUMN, message: /^copy into items: row 0 \(counted from 0\) has no value for column a/ },
  )
  t.same(await rows(), [])
  const n = await inSeed((ctx) => ctx.copy('items', [{ id: 1, a: null, extra: 'not a column' }], { columns: ['id', 'a'] }))
  t.equal(n, 1)
  t.same(await rows(), [{ id: 1, a: null, w: 'default' }], 'null loads NULL; a column left out of `columns` gets its default')
})
