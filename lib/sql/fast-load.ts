import type postgres from 'postgres'
import { inputDuplicateError } from '../errors/load-errors.ts'
import { quotedName } from './fragments.ts'

type Tx = postgres.TransactionSql

/**
 * The fast load into an empty table: what the fastest loaders do (pgbench -i, pg_bulkload).
 * Secondary indexes, unique and primary keys nothing else depends on, and the table's own foreign
 * keys are dropped, the rows are COPYed (with FREEZE when the table could be truncated in this
 * transaction), then everything is rebuilt from the definitions PostgreSQL gave: one sort per
 * index instead of one insertion per row, one anti-join per foreign key instead of one trigger
 * call per row. All of it is DDL in the seed's transaction: a failure anywhere rolls the schema
 * back with the rows.
 *
 * The rule (see docs/bulk-loading.md, "Fast loads into empty tables"): `load()` in `auto` mode found the
 * table empty, the transaction is READ COMMITTED, the table is a plain table (not partitioned,
 * not a partition, no inheritance, not temporary, no forced row security) that the current role
 * owns, and ACCESS EXCLUSIVE locks on it and on the tables its foreign keys reference are granted at
 * once (NOWAIT). With `foreignKeys` false (`fastLoad: 'indexes'`) the foreign keys stay and no
 * referenced table is locked. Then the
 * table is checked empty again under the lock. FREEZE needs a TRUNCATE as well: the tables that
 * reference it (and theirs) must be empty too, lockable at once, plain, without TRUNCATE triggers,
 * no row security, and the role needs TRUNCATE and SELECT on each; they are truncated with it.
 * Anything else: the plain COPY.
 */

/** What to drop before the load and rebuild after, as the catalog query below returns it. */
interface Plan {
  target: string
  eligible: boolean
  /** ACCESS EXCLUSIVE on these (the target, the tables its foreign keys reference). */
  locks: string[]
  /** Tables referencing the target, transitively: truncated with it for FREEZE. */
  referencing: string[]
  /** The target and `referencing` may all be truncated (privilege, plain tables, no TRUNCATE triggers). */
  truncatable: boolean
  /** Statements that drop, in order. */
  drops: string[]
  /** Statements that rebuild, in order: indexes, their constraints, comments, CLUSTER, then foreign keys. */
  builds: Build[]
  /** The session's default_tablespace, restored after the builds. */
  tablespace: string
}

interface Build {
  statement: string
  /** The tablespace the index lives in ('' for the database's default), set before building it. */
  tablespace?: string
}

/** The ready plan of a fast load; `finish` rebuilds what was dropped. */
export interface FastLoad {
  /** COPY with FREEZE: the table was truncated in this (sub)transaction. */
  freeze: boolean
  /** Rebuilds the indexes and constraints; a repeated conflict key is E_DUPLICATE_KEY as on the plain path. */
  finish(): Promise<void>
}

const LOCK_NOT_AVAILABLE = '55P03'
const INSUFFICIENT_PRIVILEGE = '42501'

/**
 * Prepares a fast load of `table`, which `load` found empty: locks, truncates, drops. Returns
 * undefined when the rule does not allow it (nothing changed: load COPYs as before), or
 * 'not-empty' when rows were committed into the table between the check and the lock.
 */
export async function prepareFastLoad(
  sql: Tx,
  table: string,
  conflict: readonly string[],
  foreignKeys = true,
): Promise<FastLoad | 'not-empty' | undefined> {
  const [plan] = await sql<[Plan?]>`${planQuery(sql, table, foreignKeys)}`
  if (!plan?.eligible || (!plan.drops.length && !plan.truncatable)) return undefined
  const referencing = plan.truncatable ? plan.referencing : []
  // NOWAIT: a lock another transaction holds means the plain path, never a wait (or a deadlock)
  // behind a concurrent seed. In a savepoint, so that a refusal leaves the seed's transaction usable
  // (postgres.js's savepoint(), which recovers from the error, but never releases it). It sits in one
  // of ours, released after either way: the rows then load in the seed's transaction itself, so their
  // xmin is its id, which the undo records rely on.
  await sql`SAVEPOINT seedbed_fast_load`
  try {
    await sql.savepoint((sp) => sp.unsafe(`LOCK TABLE ${[...plan.locks, ...referencing].join(', ')} IN ACCESS EXCLUSIVE MODE NOWAIT`))
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === LOCK_NOT_AVAILABLE || code === INSUFFICIENT_PRIVILEGE) {
      await sql`RELEASE SAVEPOINT seedbed_fast_load`
      return undefined
    }
    throw err
  }
  await sql`RELEASE SAVEPOINT seedbed_fast_load`
  // Under the lock and in READ COMMITTED this statement sees every committed row: exact.
  const [empty] = await sql.unsafe<[{ target: boolean; referencing: boolean }]>(
    `SELECT NOT EXISTS (SELECT 1 FROM ${plan.target}) AS target,
            ${referencing.map((t) => `NOT EXISTS (SELECT 1 FROM ${t})`).join(' AND ') || 'true'} AS referencing`,
  )
  if (!empty!.target) return 'not-empty'
  for (const statement of plan.drops) await sql.unsafe(statement)
  const freeze = plan.truncatable && empty!.referencing
  // The tables referencing the target are empty: truncating them with it changes no data.
  if (freeze) await sql.unsafe(`TRUNCATE ONLY ${[plan.target, ...referencing].join(', ')}`)
  return {
    freeze,
    async finish() {
      try {
        for (const build of plan.builds) {
          if (build.tablespace !== undefined) await sql`SELECT set_config('default_tablespace', ${build.tablespace}, true)`
          await sql.unsafe(build.statement)
        }
        await sql`SELECT set_config('default_tablespace', ${plan.tablespace}, true)`
      } catch (err) {
        throw inputDuplicateError(err, table, conflict) ?? err
      }
    },
  }
}

/**
 * One catalog query that decides and writes every statement (names quoted by the server, comments
 * with %L). Left in place, never dropped: exclusion constraints and other non-btree constraint
 * indexes, an index something else depends on (the unique key another table's foreign key references), the replica
 * identity index, invalid indexes, an index with per-column statistics targets or owned by an
 * extension. CHECK and NOT NULL constraints stay: they cost little per row.
 */
function planQuery(sql: Tx, table: string, foreignKeys: boolean) {
  const name = quotedName(table)
  return sql`
    WITH RECURSIVE t AS (
      SELECT c.* FROM pg_class c WHERE c.oid = to_regclass(${name})
    ), idx AS (
      SELECT i.indexrelid, format('%I.%I', n.nspname, ic.relname) AS iname, pg_get_indexdef(i.indexrelid) AS def,
             coalesce(ts.spcname, '') AS spc, con.oid AS conoid, con.conname, con.contype, con.condeferrable, con.condeferred,
             obj_description(i.indexrelid, 'pg_class') AS icomment, obj_description(con.oid, 'pg_constraint') AS ccomment,
             i.indisclustered, ic.relname
      FROM t JOIN pg_index i ON i.indrelid = t.oid
      JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
      LEFT JOIN pg_tablespace ts ON ts.oid = ic.reltablespace
      LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
      WHERE i.indisvalid AND i.indisready AND i.indislive AND NOT i.indisreplident
        AND (con.oid IS NULL OR (con.contype IN ('p', 'u') AND ic.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')))
        -- The table's own foreign keys are dropped first and rebuilt last: a self-reference needs no index kept.
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indexrelid
          AND NOT (${foreignKeys} AND d.classid = 'pg_constraint'::regclass
            AND d.objid IN (SELECT oid FROM pg_constraint WHERE contype = 'f' AND conrelid = t.oid)))
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid AND d.deptype = 'e')
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND a.attstattarget > 0)
    ), fk AS (
      SELECT con.oid, con.conname, con.confrelid, pg_get_constraintdef(con.oid) AS def, obj_description(con.oid, 'pg_constraint') AS ccomment
      -- Not the per-partition copies a key referencing a partitioned table gets (conparentid): they go with it.
      FROM t JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype = 'f' AND con.conparentid = 0
      WHERE ${foreignKeys}
    ), referencing(oid) AS (
      SELECT con.conrelid FROM t JOIN pg_constraint con ON con.confrelid = t.oid AND con.contype = 'f' AND con.conrelid <> t.oid
      UNION
      SELECT con.conrelid FROM referencing r JOIN pg_constraint con ON con.confrelid = r.oid AND con.contype = 'f'
    ), truncated AS (
      SELECT oid FROM t UNION SELECT oid FROM referencing
    )
    SELECT t.oid::regclass::text AS target,
      (t.relkind = 'r' AND NOT t.relispartition AND NOT t.relhassubclass AND t.relpersistence <> 't'
        AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = t.oid)
        AND pg_has_role(t.relowner, 'USAGE') AND NOT t.relforcerowsecurity
        AND current_setting('transaction_isolation') = 'read committed'
        AND NOT EXISTS (SELECT 1 FROM fk JOIN pg_class r ON r.oid = fk.confrelid WHERE NOT has_table_privilege(fk.confrelid, 'REFERENCES'))
      ) AS eligible,
      ARRAY[t.oid::regclass::text] || coalesce((SELECT array_agg(DISTINCT confrelid::regclass::text) FROM fk WHERE confrelid <> t.oid), '{}') AS locks,
      coalesce((SELECT array_agg(oid::regclass::text ORDER BY oid) FROM referencing WHERE oid <> t.oid), '{}') AS referencing,
      NOT EXISTS (
        SELECT 1 FROM truncated x JOIN pg_class c ON c.oid = x.oid
        -- Row security could hide rows from the emptiness check that TRUNCATE would remove.
        WHERE NOT has_table_privilege(c.oid, 'TRUNCATE') OR NOT has_table_privilege(c.oid, 'SELECT') OR c.relrowsecurity
          OR c.relkind <> 'r' OR c.relispartition OR c.relhassubclass
          OR c.relpersistence = 't' OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid)
          OR EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal AND g.tgtype & 32 <> 0)
      ) AS truncatable,
      coalesce((SELECT array_agg(s ORDER BY n) FROM (
        SELECT 1 AS n, format('ALTER TABLE %s %s', t.oid::regclass,
          string_agg(format('DROP CONSTRAINT %I', c.conname), ', ' ORDER BY c.k, c.conname)) AS s
        FROM (SELECT 1 AS k, conname FROM fk UNION ALL SELECT 2, conname FROM idx WHERE conoid IS NOT NULL) c
        HAVING count(*) > 0
        UNION ALL
        SELECT 2, 'DROP INDEX ' || string_agg(iname, ', ' ORDER BY iname) FROM idx WHERE conoid IS NULL HAVING count(*) > 0
      ) d), '{}') AS drops,
      coalesce((SELECT json_agg(b ORDER BY n, k) FROM (
        SELECT 1 AS n, relname AS k, json_build_object('statement', def, 'tablespace', spc) AS b FROM idx
        UNION ALL
        SELECT 2, relname, json_build_object('statement', format('ALTER TABLE %s ADD CONSTRAINT %I %s USING INDEX %I%s', t.oid::regclass, conname,
          CASE contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END, relname,
          CASE WHEN condeferred THEN ' DEFERRABLE INITIALLY DEFERRED' WHEN condeferrable THEN ' DEFERRABLE' ELSE '' END))
        FROM idx WHERE conoid IS NOT NULL
        UNION ALL
        SELECT 3, relname, json_build_object('statement', format('COMMENT ON INDEX %s IS %L', iname, icomment)) FROM idx WHERE icomment IS NOT NULL
        UNION ALL
        SELECT 3, relname, json_build_object('statement', format('COMMENT ON CONSTRAINT %I ON %s IS %L', conname, t.oid::regclass, ccomment))
        FROM idx WHERE ccomment IS NOT NULL
        UNION ALL
        SELECT 4, relname, json_build_object('statement', format('ALTER TABLE %s CLUSTER ON %I', t.oid::regclass, relname)) FROM idx WHERE indisclustered
        UNION ALL
        SELECT 5, conname, json_build_object('statement', format('ALTER TABLE %s ADD CONSTRAINT %I %s', t.oid::regclass, conname, def)) FROM fk
        UNION ALL
        SELECT 6, conname, json_build_object('statement', format('COMMENT ON CONSTRAINT %I ON %s IS %L', conname, t.oid::regclass, ccomment))
        FROM fk WHERE ccomment IS NOT NULL
      ) b), '[]') AS builds,
      current_setting('default_tablespace') AS tablespace
    FROM t`
}
