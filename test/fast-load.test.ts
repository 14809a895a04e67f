import { execFileSync } from 'node:child_process'
import { chown, readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import type { CopyRow } from '../lib/contract/types.ts'
import { codes, type SeedbedError } from '../lib/errors/errors.ts'
import { fresh, seed } from '../lib/execution/api.ts'
import { loadRows } from '../lib/sql/load.ts'
import { fixture, ROOT, tempDir, testDatabase } from './helpers.ts'

const db = await testDatabase(t)
const { sql } = db

/**
 * Every index and constraint of the tables of `schema`, as definitions with the schema name taken
 * out (so two schemas compare), and the oids apart: a rebuilt index or constraint has a new oid.
 */
async function shape(schema: string) {
  const strip = (s: string | null) => s?.replaceAll(`${schema}.`, '') ?? null
  const indexes = await sql`
    SELECT c.relname AS table, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisunique, i.indisprimary,
           i.indimmediate, i.indisclustered, i.indisvalid, coalesce(ts.spcname, '') AS tablespace,
           obj_description(i.indexrelid, 'pg_class') AS comment, i.indexrelid::int8::text AS oid
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_tablespace ts ON ts.oid = ic.reltablespace
    WHERE c.relnamespace = ${schema}::regnamespace ORDER BY 1, 2`
  const constraints = await sql`
    SELECT c.relname AS table, con.conname AS name, con.contype, pg_get_constraintdef(con.oid) AS def, con.condeferrable,
           con.condeferred, con.convalidated, obj_description(con.oid, 'pg_constraint') AS comment, con.oid::int8::text AS oid
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
    WHERE c.relnamespace = ${schema}::regnamespace ORDER BY 1, 2`
  const defs = [...indexes, ...constraints].map(({ oid, ...rest }) => ({ ...rest, def: strip(rest.def) }))
  const oids = Object.fromEntries([...indexes, ...constraints].map((r) => [`${r.table}.${r.name}`, r.oid]))
  return { defs, oids }
}

/** A table with one of everything the fast path drops, keeps or rebuilds, in `schema`. */
const richSchema = (s: string) => `
  CREATE SCHEMA ${s};
  CREATE TABLE ${s}.parent (id int PRIMARY KEY, code text UNIQUE);
  INSERT INTO ${s}.parent SELECT g, 'p' || g FROM generate_series(1, 10) g;
  CREATE TABLE ${s}.items (
    id int, sku text NOT NULL, parent_id int, parent_code text, qty int CHECK (qty >= 0), note text, span int4range,
    CONSTRAINT items_pkey PRIMARY KEY (id) WITH (fillfactor = 80),
    CONSTRAINT items_sku_key UNIQUE (sku) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT items_note_qty_key UNIQUE NULLS NOT DISTINCT (note, qty),
    CONSTRAINT items_parent_fkey FOREIGN KEY (parent_id) REFERENCES ${s}.parent (id) ON DELETE CASCADE DEFERRABLE,
    CONSTRAINT items_parent_code_fkey FOREIGN KEY (parent_code) REFERENCES ${s}.parent (code) MATCH FULL,
    CONSTRAINT items_span_excl EXCLUDE USING gist (span WITH &&),
    CONSTRAINT items_self_fkey FOREIGN KEY (parent_id) REFERENCES ${s}.items (id) NOT VALID
  );
  CREATE INDEX items_lower_note ON ${s}.items (lower(note)) WHERE qty > 0;
  CREATE INDEX items_qty ON ${s}.items (qty DESC NULLS LAST) INCLUDE (note) WITH (fillfactor = 70);
  CREATE INDEX items_hash ON ${s}.items USING hash (sku);
  CREATE UNIQUE INDEX items_sku_parent ON ${s}.items (sku, parent_id);
  COMMENT ON INDEX ${s}.items_qty IS 'by quantity, it''s sorted';
  COMMENT ON CONSTRAINT items_sku_key ON ${s}.items IS 'the sku';
  COMMENT ON CONSTRAINT items_parent_code_fkey ON ${s}.items IS 'the parent''s code';
  ALTER TABLE ${s}.items CLUSTER ON items_qty;
  CREATE TABLE ${s}.child (id int PRIMARY KEY, sku text, parent_id int, FOREIGN KEY (sku, parent_id) REFERENCES ${s}.items (sku, parent_id));`

const ITEM_COLUMNS = ['id', 'sku', 'parent_id', 'parent_code', 'qty', 'note', 'span']
function* items(n: number): Generator<CopyRow> {
  for (let i = 1; i <= n; i++) {
    const p = (i % 10) + 1
    yield [i, `sku${(i * 7) % n}-${i}`, p, `p${p}`, i % 50, i % 13 === 0 && i < 650 ? null : `note ${i}`, `[${i * 10},${i * 10 + 5})`]
  }
}

/** Whether the rows of `table` are frozen: a snapshot taken before the load, in another session, sees them. */
async function frozenAfter(table: string, load: () => Promise<unknown>): Promise<boolean> {
  const other = await sql.reserve()
  try {
    await other`BEGIN ISOLATION LEVEL REPEATABLE READ`
    await other`SELECT 1` // the snapshot
    await load()
    // Rows written by a transaction that committed after this snapshot are visible only when frozen.
    const [row] = await other<[{ n: number }]>`SELECT count(*)::int AS n FROM ${other(table)}`
    await other`COMMIT`
    return row!.n > 0
  } finally {
    await other`ROLLBACK` // a no-op after COMMIT; ends the snapshot when the load failed
    other.release()
  }
}

const stuck = () => sql`SELECT state FROM pg_stat_activity WHERE datname = ${db.name} AND state LIKE 'idle in transaction%'`
const count = async (table: string) => (await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM ${sql(table)}`)[0]!.n

t.test('the fast path leaves the same rows, indexes and constraints as a plain load, rebuilt, and frozen rows', async (t) => {
  await sql.unsafe(richSchema('plain') + richSchema('fast')).simple()
  const before = await shape('fast')
  t.same(before.defs, (await shape('plain')).defs, 'the two schemas start alike')
  const options = { columns: ITEM_COLUMNS, conflict: ['id'] }
  const plainFrozen = await frozenAfter('plain.items', () =>
    sql.begin((tx) => loadRows(tx, 'plain.items', items(3000), { ...options, fastLoad: false })),
  )
  let result: unknown
  const fastFrozen = await frozenAfter('fast.items', async () => {
    result = await sql.begin((tx) => loadRows(tx, 'fast.items', items(3000), options))
  })
  t.same(result, { mode: 'copy', created: 3000, updated: 0, skipped: 0 })
  t.equal(plainFrozen, false, 'a plain COPY: invisible to the older snapshot')
  t.equal(fastFrozen, true, 'COPY FREEZE: rows frozen, visible to the older snapshot')

  const after = await shape('fast')
  t.same(after.defs, (await shape('plain')).defs, 'same definitions, names, comments, deferrability, clustering as the plain load')
  t.same(after.defs, before.defs, 'and as before the load')
  const rebuilt = Object.keys(before.oids).filter((k) => before.oids[k] !== after.oids[k])
  t.same(
    rebuilt.sort(),
    [
      'items.items_hash',
      'items.items_lower_note',
      'items.items_note_qty_key',
      'items.items_parent_code_fkey',
      'items.items_parent_fkey',
      'items.items_pkey',
      'items.items_qty',
      'items.items_self_fkey',
      'items.items_sku_key',
    ],
    'dropped and rebuilt: secondary indexes, unique and primary keys nothing references, the foreign keys',
  )
  t.equal(before.oids['items.items_sku_parent'], after.oids['items.items_sku_parent'], 'kept: the unique index a foreign key references')
  t.equal(before.oids['items.items_span_excl'], after.oids['items.items_span_excl'], 'kept: the exclusion constraint')
  const rows = (s: string) => sql.unsafe(`SELECT to_jsonb(i) AS r FROM ${s}.items i ORDER BY id`)
  t.same(await rows('fast'), await rows('plain'), 'the same rows')
  t.equal(await count('fast.parent'), 10, 'the referenced table is untouched')
  t.same(await stuck(), [])
})

t.test('fastLoad: false, a table with rows, a repeatable read transaction, a partitioned table: the plain COPY', async (t) => {
  await sql
    .unsafe(`
    CREATE TABLE off_t (id int PRIMARY KEY, v text); CREATE INDEX off_v ON off_t (v);
    CREATE TABLE rr_t (id int PRIMARY KEY, v text); CREATE INDEX rr_v ON rr_t (v);
    CREATE TABLE part_t (id int, region text, v text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
    CREATE TABLE part_t_eu PARTITION OF part_t FOR VALUES IN ('eu'); CREATE INDEX part_v ON part_t (v);`)
    .simple()
  const rows = Array.from({ length: 100 }, (_, i) => [i, `v${i}`])
  const oids = async (table: string) =>
    (await sql`SELECT array_agg(indexrelid::int8 ORDER BY indexrelid) AS o FROM pg_index WHERE indrelid = ${table}::regclass`)[0]!.o
  const off = await oids('off_t')
  t.equal(
    await frozenAfter('off_t', () =>
      sql.begin((tx) => loadRows(tx, 'off_t', rows, { columns: ['id', 'v'], conflict: ['id'], fastLoad: false })),
    ),
    false,
  )
  t.same(await oids('off_t'), off, 'fastLoad: false: indexes kept during the load')
  const rr = await oids('rr_t')
  await sql.begin('isolation level repeatable read', (tx) => loadRows(tx, 'rr_t', rows, { columns: ['id', 'v'], conflict: ['id'] }))
  t.same(await oids('rr_t'), rr, 'repeatable read: plain COPY')
  t.equal(await count('rr_t'), 100)
  const part = await oids('part_t_eu')
  const r = await sql.begin((tx) =>
    loadRows(
      tx,
      'part_t',
      rows.map(([id, v]) => [id, 'eu', v]),
      { columns: ['id', 'region', 'v'], conflict: ['id', 'region'] },
    ),
  )
  t.same(r, { mode: 'copy', created: 100, updated: 0, skipped: 0 })
  t.same(await oids('part_t_eu'), part, 'partitioned: plain COPY')
})

t.test('rows of a referencing table are never truncated: no FREEZE then, indexes still built after', async (t) => {
  await sql
    .unsafe(`
    CREATE TABLE ref_target (id int PRIMARY KEY, v text); CREATE INDEX ref_target_v ON ref_target (v);
    CREATE TABLE ref_holder (id int PRIMARY KEY, target_id int REFERENCES ref_target (id));
    INSERT INTO ref_holder VALUES (1, NULL), (2, NULL);`)
    .simple()
  const before = await sql`SELECT indexrelid::int8 AS o FROM pg_index WHERE indexrelid = 'ref_target_v'::regclass`
  const frozen = await frozenAfter('ref_target', () =>
    sql.begin((tx) => loadRows(tx, 'ref_target', [[1, 'a']], { columns: ['id', 'v'], conflict: ['id'] })),
  )
  t.equal(frozen, false, 'no TRUNCATE, so no FREEZE')
  t.equal(await count('ref_holder'), 2, "the referencing table's rows are all there")
  const after = await sql`SELECT indexrelid::int8 AS o FROM pg_index WHERE indexrelid = 'ref_target_v'::regclass`
  t.not(after[0]?.o, before[0]!.o, 'the secondary index was rebuilt after the load')
})

t.test("fastLoad: 'indexes' rebuilds the indexes but keeps the foreign keys, and locks no referenced table", async (t) => {
  await sql
    .unsafe(`
    CREATE TABLE keep_parent (id int PRIMARY KEY); INSERT INTO keep_parent SELECT generate_series(1, 3);
    CREATE TABLE keep_child (id int PRIMARY KEY, parent_id int REFERENCES keep_parent (id), v text);
    CREATE INDEX keep_child_v ON keep_child (v);`)
    .simple()
  const objects = () => sql<{ o: string }[]>`
    SELECT 'index ' || indexrelid::int8 AS o FROM pg_index WHERE indexrelid = 'keep_child_v'::regclass
    UNION ALL SELECT 'fk ' || oid::int8 FROM pg_constraint WHERE conrelid = 'keep_child'::regclass AND contype = 'f' ORDER BY 1`
  const before = await objects()
  const parentLocked = await sql.begin(async (tx) => {
    await loadRows(
      tx,
      'keep_child',
      [
        [1, 2, 'a'],
        [2, 3, 'b'],
      ],
      { columns: ['id', 'parent_id', 'v'], conflict: ['id'], fastLoad: 'indexes' },
    )
    const [row] = await tx`SELECT count(*)::int AS n FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'keep_parent'::regclass
      AND mode = 'AccessExclusiveLock'`
    return row!.n
  })
  t.equal(parentLocked, 0, 'the referenced table is not ACCESS EXCLUSIVE-locked')
  const after = await objects()
  t.equal(after.find((x) => x.o.startsWith('fk'))?.o, before.find((x) => x.o.startsWith('fk'))?.o, 'the foreign key is the same object')
  t.not(after.find((x) => x.o.startsWith('index'))?.o, before.find((x) => x.o.startsWith('index'))?.o, 'the index was rebuilt')
  t.equal(await count('keep_child'), 2)
  const bad = await sql
    .begin((tx) => loadRows(tx, 'keep_child', [[3, 9, 'c']], { columns: ['id', 'parent_id', 'v'], conflict: ['id'], fastLoad: 'indexes' }))
    .catch((e) => e)
  t.equal(bad.code, '23503', 'the foreign key still checks the rows')
})

const FAIL_DDL = `
  CREATE SCHEMA f;
  CREATE TABLE f.parent (id int PRIMARY KEY);
  INSERT INTO f.parent SELECT generate_series(1, 5);
  CREATE TABLE f.items (id int PRIMARY KEY, email text UNIQUE, parent_id int REFERENCES f.parent (id), n int NOT NULL CHECK (n >= 0));
  CREATE INDEX items_n ON f.items (n);
  COMMENT ON INDEX f.items_n IS 'n';
  CREATE TABLE f.child (id int PRIMARY KEY, item_id int REFERENCES f.items (id));`
const FAIL_COLUMNS = { columns: ['id', 'email', 'parent_id', 'n'], conflict: ['id'] }
/** 3,000 good rows, with `bad` changing row 1,500 (1-based). */
const failRows = (bad: (row: unknown[]) => unknown[]) =>
  Array.from({ length: 3000 }, (_, i) => {
    const row = [i + 1, `u${i + 1}@x`, (i % 5) + 1, i % 7]
    return i === 1499 ? bad(row) : row
  })

t.test('a bad row, a repeated key, an FK violation mid-load: the same codes as the plain load, schema and data as before', async (t) => {
  await sql.unsafe(FAIL_DDL).simple()
  const before = await shape('f')
  const cases: [string, CopyRow[] | (() => AsyncGenerator<CopyRow>), Record<string, unknown>][] = [
    [
      'bad value',
      failRows((r) => [r[0], r[1], r[2], 'abc']),
      { code: codes.COPY_DATA, message: /^row 1500 of the rows for f\.items, column n/ },
    ],
    ['check violation', failRows((r) => [r[0], r[1], r[2], -1]), { code: '23514', constraint_name: 'items_n_check' }],
    [
      'repeated conflict key',
      failRows((r) => [7, r[1], r[2], r[3]]),
      { code: codes.DUPLICATE_KEY, message: /^load into f\.items: the rows repeat the key \(id\): \(7\)/, table: 'f.items' },
    ],
    ['repeated other unique key', failRows((r) => [r[0], 'u3@x', r[2], r[3]]), { code: '23505', constraint_name: 'items_email_key' }],
    [
      'FK violation',
      failRows((r) => [r[0], r[1], 99, r[3]]),
      { code: '23503', constraint_name: 'items_parent_id_fkey', table_name: 'items' },
    ],
    [
      'the source throws',
      () =>
        (async function* () {
          yield* failRows((r) => r).slice(0, 2000)
          throw new Error('generator broke')
        })(),
      { message: 'generator broke' },
    ],
  ]
  for (const [name, rows, expected] of cases) {
    const source = () => (typeof rows === 'function' ? rows() : rows)
    const plain = await sql.begin((tx) => loadRows(tx, 'f.items', source(), { ...FAIL_COLUMNS, fastLoad: false })).catch((e) => e)
    const fast = await sql.begin((tx) => loadRows(tx, 'f.items', source(), FAIL_COLUMNS)).catch((e: SeedbedError) => e)
    t.match(fast, expected, `${name}: the error`)
    t.match(plain, expected, `${name}: the same as the plain load's`)
    const after = await shape('f')
    t.same(after.defs, before.defs, `${name}: every index and constraint still there`)
    t.same(after.oids, before.oids, `${name}: the very same ones (rolled back, not rebuilt)`)
    t.equal(await count('f.items'), 0, `${name}: no rows`)
  }
  t.equal(await count('f.parent'), 5)
  t.same(await stuck(), [], 'no connection left idle in a transaction')
})

t.test('a load whose backend is killed mid-COPY leaves the schema as it was', async (t) => {
  const before = await shape('f')
  let release!: () => void
  const reached = new Promise<void>((resolve) => (release = resolve))
  const load = sql
    .begin(async (tx) => {
      const [{ pid }] = await tx<[{ pid: number }]>`SELECT pg_backend_pid() AS pid`
      async function* rows() {
        for (let i = 1; i <= 100_000; i++) {
          if (i === 5000) {
            await sql`SELECT pg_terminate_backend(${pid})`
            release()
            await new Promise((r) => setTimeout(r, 200))
          }
          yield [i, `k${i}@x`, 1, 1]
        }
      }
      return loadRows(tx, 'f.items', rows(), FAIL_COLUMNS)
    })
    .catch((e) => e)
  await reached
  t.ok((await load) instanceof Error, 'the load failed')
  const after = await shape('f')
  t.same(after.oids, before.oids, 'every index and constraint as before')
  t.equal(await count('f.items'), 0)
})

t.test('concurrent loads in one level: one takes the fast path, the other the plain COPY, both succeed', async (t) => {
  await sql
    .unsafe(`
    CREATE TABLE cp (id int PRIMARY KEY); INSERT INTO cp SELECT generate_series(1, 10);
    CREATE TABLE c1 (id int PRIMARY KEY, cp_id int REFERENCES cp (id), v int); CREATE INDEX c1_v ON c1 (v);
    CREATE TABLE c2 (id int PRIMARY KEY, cp_id int REFERENCES cp (id), v int); CREATE INDEX c2_v ON c2 (v);`)
    .simple()
  const rows = () => Array.from({ length: 20_000 }, (_, i) => [i, (i % 10) + 1, i % 100])
  const options = { columns: ['id', 'cp_id', 'v'], conflict: ['id'] }
  const results = await Promise.all(['c1', 'c2'].map((table) => sql.begin((tx) => loadRows(tx, table, rows(), options))))
  t.same(
    results.map((r) => r.created),
    [20_000, 20_000],
  )
  t.equal(await count('c1'), 20_000)
  t.equal(await count('c2'), 20_000)
  const defs = await sql`SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS d FROM pg_constraint
    WHERE conrelid IN ('c1'::regclass, 'c2'::regclass) AND contype IN ('p', 'f') ORDER BY 1, 2`
  t.equal(defs.length, 4, 'both keep their primary and foreign keys')
  t.equal((await sql`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname IN ('c1_v', 'c2_v')`)[0]!.n, 2)

  // A transaction reading the target holds a lock the fast path would wait for: the plain COPY then, no wait.
  await sql.unsafe('CREATE TABLE held (id int PRIMARY KEY, v int); CREATE INDEX held_v ON held (v)').simple()
  const oid = async () => (await sql`SELECT 'held_v'::regclass::int8 AS o`)[0]!.o
  const was = await oid()
  const reader = await sql.reserve()
  try {
    await reader`BEGIN`
    await reader`SELECT count(*) FROM held`
    const r = await sql.begin((tx) => loadRows(tx, 'held', [[1, 1]], { columns: ['id', 'v'], conflict: ['id'] }))
    t.equal(r.created, 1, 'loaded while another transaction reads the table')
    await reader`COMMIT`
  } finally {
    reader.release()
  }
  t.equal(await oid(), was, 'the index was kept: plain COPY')
})

t.test('through a seed run: an FK violation in a fast load is E_FOREIGN_KEY_VIOLATION naming seed, table and constraint', async (t) => {
  await sql
    .unsafe(`
    CREATE TABLE fk_parent (id int PRIMARY KEY); INSERT INTO fk_parent VALUES (1), (2);
    CREATE TABLE fk_items (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES fk_parent (id)); CREATE INDEX fk_items_parent ON fk_items (parent_id);`)
    .simple()
  const result = await seed({ databaseUrl: db.url, seedsDir: path.join(fixture('fast-load'), 'seeds'), only: ['fk_bad'] })
  t.equal(result.ok, false)
  t.match(result.seeds.find((s) => s.name === 'fk_bad')!.error, {
    code: codes.FOREIGN_KEY_VIOLATION,
    seed: 'fk_bad',
    table: 'fk_items',
    constraint: 'fk_items_parent_id_fkey',
    message:
      /seed 'fk_bad': foreign key violation on table fk_items, constraint fk_items_parent_id_fkey \(Key \(parent_id\)=\(3\) is not present/,
  })
  t.equal(await count('fk_items'), 0)
  t.equal(
    (await sql`SELECT count(*)::int AS n FROM pg_constraint WHERE conrelid = 'fk_items'::regclass AND contype IN ('p', 'f')`)[0]!.n,
    2,
    'its keys are there',
  )
  t.equal((await sql`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'fk_items_parent'`)[0]!.n, 1, 'its index is there')
})

t.test('an index in a tablespace of its own is rebuilt there', async (t) => {
  // A tablespace needs a folder the server's own user owns: possible when the server runs on this
  // machine as `postgres` (the service and the embedded server here); said and skipped otherwise.
  let uid: number
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  } catch {
    t.pass('the index is rebuilt in its tablespace', { skip: 'no postgres system user on this machine: cannot make a tablespace folder' })
    return
  }
  const dir = await tempDir(t, 'seedbed-ts-')
  await chown(dir, uid, uid)
  const space = `seedbed_ts_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  try {
    await sql.unsafe(`CREATE TABLESPACE ${space} LOCATION '${dir}'`)
  } catch (err) {
    t.pass('the index is rebuilt in its tablespace', { skip: `the server cannot use a folder here (${(err as Error).message})` })
    return
  }
  t.teardown(async () => {
    await sql`DROP TABLE IF EXISTS spaced`
    await sql.unsafe(`DROP TABLESPACE IF EXISTS ${space}`)
  })
  await sql
    .unsafe(`
    CREATE TABLE spaced (id int, v text, CONSTRAINT spaced_pkey PRIMARY KEY (id) USING INDEX TABLESPACE ${space});
    CREATE INDEX spaced_v ON spaced (v) TABLESPACE ${space};`)
    .simple()
  const placed = () =>
    sql`SELECT ic.relname, coalesce(ts.spcname, '') AS spc, ic.oid::int8::text AS oid FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        LEFT JOIN pg_tablespace ts ON ts.oid = ic.reltablespace WHERE i.indrelid = 'spaced'::regclass ORDER BY 1`
  const before = await placed()
  await sql.begin((tx) =>
    loadRows(
      tx,
      'spaced',
      [
        [1, 'a'],
        [2, 'b'],
      ],
      { columns: ['id', 'v'], conflict: ['id'] },
    ),
  )
  const after = await placed()
  t.same(
    after.map((r) => [r.relname, r.spc]),
    [
      ['spaced_pkey', space],
      ['spaced_v', space],
    ],
    'both indexes in the tablespace',
  )
  t.not(after[1]!.oid, before[1]!.oid, 'and they were rebuilt')
  t.equal((await sql`SHOW default_tablespace`)[0]!.default_tablespace, '', "the session's default_tablespace is as it was")
})

t.test('a role that does not own the table loads into it with the plain COPY', async (t) => {
  const role = `seedbed_fl_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  await sql
    .unsafe(`
    CREATE ROLE ${role} LOGIN PASSWORD 'fast-load-pw';
    CREATE TABLE np_t (id int PRIMARY KEY, v text); CREATE INDEX np_v ON np_t (v);
    GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT, INSERT ON np_t TO ${role};`)
    .simple()
  const u = new URL(db.url)
  u.username = role
  u.password = 'fast-load-pw'
  const as = postgres(u.toString(), { max: 1, onnotice: () => {} })
  t.teardown(async () => {
    await as.end({ timeout: 5 })
    await sql.unsafe(`DROP OWNED BY ${role}; DROP ROLE ${role}`).simple()
  })
  const oid = async () => (await sql`SELECT 'np_v'::regclass::int8::text AS o`)[0]!.o
  const was = await oid()
  const r = await as.begin((tx) =>
    loadRows(
      tx,
      'np_t',
      [
        [1, 'a'],
        [2, 'b'],
      ],
      { columns: ['id', 'v'], conflict: ['id'] },
    ),
  )
  t.same(r, { mode: 'copy', created: 2, updated: 0, skipped: 0 })
  t.equal(await oid(), was, 'the index was kept')
  t.equal(await count('np_t'), 2)
})

t.test('through a seed run: two seeds of one level load tables referencing the same parent, concurrently, twice', async (t) => {
  await sql
    .unsafe(`
    CREATE TABLE fl_parent (id int PRIMARY KEY, name text NOT NULL); CREATE INDEX fl_parent_name ON fl_parent (name);
    CREATE TABLE fl_a (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES fl_parent (id), v text UNIQUE); CREATE INDEX fl_a_parent ON fl_a (parent_id);
    CREATE TABLE fl_b (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES fl_parent (id), v text UNIQUE); CREATE INDEX fl_b_parent ON fl_b (parent_id);`)
    .simple()
  const before = await shape('public')
  const options = { databaseUrl: db.url, seedsDir: path.join(fixture('fast-load'), 'seeds'), only: ['fl_a', 'fl_b'], concurrency: 2 }
  const first = await seed(options)
  t.ok(first.ok, 'the run succeeded')
  t.same(
    first.seeds.map((s) => [s.name, s.level, s.created]),
    [
      ['fl_parent', 0, 1000],
      ['fl_a', 1, 20_000],
      ['fl_b', 1, 20_000],
    ],
  )
  const tables = (defs: Record<string, unknown>[]) => defs.filter((d) => /^fl_/.test(String(d.table)))
  t.same(tables((await shape('public')).defs), tables(before.defs), 'every index and constraint as the schema made them')
  const again = await seed(options)
  t.ok(again.ok)
  t.same(
    again.seeds.map((s) => [s.name, s.created, s.skipped]),
    [
      ['fl_parent', 0, 1000],
      ['fl_a', 0, 20_000],
      ['fl_b', 0, 20_000],
    ],
    'a re-run skips every row (the merge path)',
  )
  t.equal(await count('fl_a'), 20_000)
  t.equal(await count('fl_b'), 20_000)
})

t.test('a foreign key to a partitioned table is dropped and re-added whole', async (t) => {
  await sql
    .unsafe(`
    CREATE SCHEMA pr;
    CREATE TABLE pr.pp (id int PRIMARY KEY) PARTITION BY RANGE (id);
    CREATE TABLE pr.pp_low PARTITION OF pr.pp FOR VALUES FROM (0) TO (500);
    CREATE TABLE pr.pp_high PARTITION OF pr.pp FOR VALUES FROM (500) TO (1000);
    INSERT INTO pr.pp SELECT generate_series(0, 999);
    CREATE TABLE pr.ch (id int PRIMARY KEY, pp_id int REFERENCES pr.pp (id), v int); CREATE INDEX ch_v ON pr.ch (v);`)
    .simple()
  const before = await shape('pr')
  const rows = Array.from({ length: 5000 }, (_, i) => [i, i % 1000, i % 10])
  await sql.begin((tx) => loadRows(tx, 'pr.ch', rows, { columns: ['id', 'pp_id', 'v'], conflict: ['id'] }))
  const after = await shape('pr')
  t.same(after.defs, before.defs, 'the same keys, the per-partition ones included')
  t.not(after.oids['ch.ch_pp_id_fkey'], before.oids['ch.ch_pp_id_fkey'], 'the foreign key was re-added')
  const bad = await sql
    .begin((tx) => loadRows(tx, 'pr.ch', [[99999, 5000, 1]], { columns: ['id', 'pp_id', 'v'], conflict: ['id'], mode: 'copy' }))
    .catch((e) => e)
  t.equal(bad.code, '23503', 'and it holds')
})

t.test("fresh of the example project leaves the schema files' indexes and constraints, with frozen rows", async (t) => {
  const own = await testDatabase(t)
  const result = await fresh({ databaseUrl: own.url, seedsDir: path.join(ROOT, 'seeds'), schemaDir: path.join(ROOT, 'schema'), scale: 1 })
  t.ok(result.ok, 'fresh succeeded')
  // The schema files again, into a schema of their own, untouched by any load.
  const files = (await readdir(path.join(ROOT, 'schema'))).filter((f) => f.endsWith('.sql')).sort()
  const ddl = (await Promise.all(files.map((f) => readFile(path.join(ROOT, 'schema', f), 'utf8')))).join('\n')
  await own.sql.begin(async (tx) => {
    await tx`CREATE SCHEMA ref`
    await tx`SET LOCAL search_path = ref`
    await tx.unsafe(ddl)
  })
  const shapeOf = async (schema: string) => {
    const strip = (s: string) => s.replaceAll(`${schema}.`, '')
    const rows = await own.sql`
      SELECT c.relname AS t, ic.relname AS n, pg_get_indexdef(i.indexrelid) AS d FROM pg_index i
      JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid WHERE c.relnamespace = ${schema}::regnamespace
      UNION ALL
      SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
      WHERE c.relnamespace = ${schema}::regnamespace ORDER BY 1, 2`
    return rows.map((r) => `${r.t} ${r.n} ${strip(r.d)}`).sort()
  }
  const expected = await shapeOf('ref')
  t.ok(
    expected.some((l) => l.startsWith('order_items order_items_product_sku_fkey')),
    'the reference schema has the foreign keys',
  )
  t.same(await shapeOf('public'), expected, 'every index and constraint as the schema files make them')
  const other = postgres(own.url, { max: 1, onnotice: () => {} })
  t.teardown(() => other.end({ timeout: 5 }))
  // The bulk tables' rows are frozen: every page all-frozen (pg_visibility), else counted by a snapshot check.
  const [ext] = await other`SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'pg_visibility'`
  if (ext!.n) {
    await other`CREATE EXTENSION IF NOT EXISTS pg_visibility`
    for (const table of ['customers', 'orders', 'order_items']) {
      // The pages holding rows (PostgreSQL 16+ extends a relation several empty pages at a time).
      const [v] = await other`
        SELECT count(*)::int AS pages, count(*) FILTER (WHERE v.all_frozen)::int AS frozen
        FROM pg_visibility(${table}::regclass) v
        WHERE v.blkno IN (SELECT DISTINCT (ctid::text::point)[0]::bigint FROM ${other(table)})`
      t.ok(v!.pages > 0 && v!.frozen === v!.pages, `${table}: all ${v!.pages} pages with rows are all-frozen (${v!.frozen})`)
    }
  } else t.pass('the pages with rows are all-frozen', { skip: 'pg_visibility is not available on this server' })
})
