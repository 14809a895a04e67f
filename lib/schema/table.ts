import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import { quotedName } from '../sql/fragments.ts'
import { addCondition, type ColumnLimits, type Condition, constantDefault, lengthBounds, parseCheck, readableConjuncts } from './checks.ts'
import { type ForeignKey, readForeignKeys } from './foreign-keys.ts'
import { type ResolvedType, resolveTypes } from './types.ts'

/** Why the server, not seedbed, fills a column: an identity, a generated expression, or a default. */
export type ServerFilled = 'identity always' | 'identity' | 'generated' | 'default'

export interface Column {
  name: string
  /** `format_type()`: `character varying(40)`, `numeric(10,2)`, `mood[]`... */
  typeName: string
  resolved: ResolvedType
  notNull: boolean
  serverFills?: ServerFilled
  /** The limits of the table's simple CHECKs on this column and of its domains, merged. */
  limits: ColumnLimits
  /** The sequence that fills it (an identity, a serial or a `nextval()` default), quoted as regclass prints it. */
  sequence?: string
  /** Its DEFAULT's value as text, when the DEFAULT is a constant (lib/schema/checks.ts constantDefault). */
  constantDefault?: string
  /** Its DEFAULT expression (not a GENERATED one), as `pg_get_expr` prints it. */
  defaultExpr?: string
}

/**
 * A unique key: the primary key, a unique constraint, or a unique index. A partial index or one on
 * expressions (`WHERE active`, `lower(email)`) is `partial`: its columns (those of its expressions too)
 * are made unique all the same, but ON CONFLICT cannot merge on it.
 */
export interface UniqueKey {
  name: string
  columns: string[]
  primary: boolean
  partial?: boolean
}

/** A CHECK constraint that is not one of the simple forms (lib/schema/checks.ts), and its columns. */
export interface UnreadCheck {
  name: string
  definition: string
  columns: string[]
}

/** What seedbed reads of one table to make rows for it. */
export interface TableInfo {
  oid: number
  /** `schema.table`, each part quoted when it needs to be (`format('%I.%I')`). */
  qualified: string
  /** The name as the caller gave it, as errors name the table. */
  name: string
  columns: Column[]
  keys: UniqueKey[]
  foreignKeys: ForeignKey[]
  unreadChecks: UnreadCheck[]
}

interface ColumnRow {
  name: string
  type_name: string
  type_oid: number
  type_mod: number
  not_null: boolean
  identity: string
  generated: string
  has_default: boolean
  sequence: string | null
  default_expr: string | null
}

/**
 * A table by name as `load` and `fake` take it (`orders`, `public.orders`, `app."Accounts"`): `to_regclass`
 * of the name quoted as postgres.js quotes it, so `Users` and `app.Users` stay mixed-case. Its oid and
 * `schema.table` quoted where needed (`format('%I.%I')`), or undefined when there is no such table.
 */
export async function findTable(
  sql: postgres.Sql | postgres.TransactionSql,
  table: string,
): Promise<{ oid: number; qualified: string } | undefined> {
  const [found] = await sql<[{ oid: number | null; qualified: string | null }]>`
    SELECT c.oid::int AS oid, CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', n.nspname, c.relname) END AS qualified
    FROM (SELECT to_regclass(${quotedName(table)}) AS oid) r
    LEFT JOIN pg_class c ON c.oid = r.oid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`
  return found?.oid ? { oid: found.oid, qualified: found.qualified! } : undefined
}

/**
 * Reads a table's columns, types, unique keys, foreign keys and CHECKs from the catalog, by oid
 * (`to_regclass` of the name quoted as postgres.js quotes it: `Users` and `app.Users` stay mixed-case).
 * A table that does not exist is E_MISSING_TABLE.
 */
export async function readTable(sql: postgres.Sql | postgres.TransactionSql, table: string): Promise<TableInfo> {
  const found = await findTable(sql, table)
  if (!found) {
    throw new SeedbedError(codes.MISSING_TABLE, `fake: table ${table} does not exist`, {
      table,
      hint: 'apply the schema first (seed --apply-schema), or fix the table name (schema-qualify it when it is not on the search_path)',
    })
  }
  const oid = found.oid
  const [rows, keys, checks, foreignKeys, referenced] = await Promise.all([
    sql<ColumnRow[]>`
      SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type_name, a.atttypid::int AS type_oid,
             a.atttypmod AS type_mod, a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated,
             a.atthasdef AS has_default,
             (SELECT s.oid::regclass::text FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
               WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid
                 AND d.refobjsubid = a.attnum AND d.deptype IN ('a', 'i')
              UNION ALL
              SELECT s.oid::regclass::text FROM pg_attrdef ad
               JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
               JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
               WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum
              LIMIT 1) AS sequence,
             (SELECT pg_get_expr(ad.adbin, ad.adrelid) FROM pg_attrdef ad WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum
              AND a.attgenerated = '') AS default_expr
      FROM pg_attribute a WHERE a.attrelid = ${oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    // An expression's columns: those whose quoted name stands as a word in the expression's text.
    sql<{ name: string; columns: string[]; primary: boolean; partial: boolean }[]>`
      SELECT ic.relname AS name, i.indisprimary AS primary, (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL) AS partial,
             ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                   WHERE k.n <= i.indnkeyatts ORDER BY k.n)
             || ARRAY(SELECT a.attname::text FROM pg_attribute a
                      WHERE i.indexprs IS NOT NULL AND a.attrelid = i.indrelid AND a.attnum > 0 AND NOT a.attisdropped
                        AND NOT a.attnum = ANY (i.indkey::int2[])
                        AND strpos(regexp_replace(pg_get_expr(i.indexprs, i.indrelid), '[^[:alnum:]_"$]+', ' ', 'g') || ' ',
                                   ' ' || quote_ident(a.attname) || ' ') > 0
                      ORDER BY a.attnum) AS columns
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE i.indrelid = ${oid} AND i.indisunique
      ORDER BY i.indisprimary DESC, (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL), i.indnkeyatts, ic.relname`,
    sql<{ name: string; definition: string; columns: string[] }[]>`
      SELECT c.conname AS name, pg_get_expr(c.conbin, c.conrelid) AS definition,
             ARRAY(SELECT a.attname::text FROM unnest(c.conkey) k(attnum)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns
      FROM pg_constraint c WHERE c.conrelid = ${oid} AND c.contype = 'c' ORDER BY c.conname`,
    readForeignKeys(sql, oid),
    sql<{ name: string }[]>`
      SELECT DISTINCT a.attname AS name FROM pg_constraint k CROSS JOIN LATERAL unnest(k.confkey) u(attnum)
      JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
      WHERE k.contype = 'f' AND k.confrelid = ${oid}`,
  ])
  const types = await resolveTypes(
    sql,
    rows.map((r) => ({ typeOid: r.type_oid, typeMod: r.type_mod })),
  )
  const columns: Column[] = rows.map((r, i) => {
    const resolved = types[i]!
    const serverFills: ServerFilled | undefined =
      r.identity === 'a'
        ? 'identity always'
        : r.identity === 'd'
          ? 'identity'
          : r.generated
            ? 'generated'
            : r.has_default
              ? 'default'
              : undefined
    return {
      name: r.name,
      typeName: r.type_name,
      resolved,
      notNull: r.not_null || Boolean(resolved.limits.notNull),
      ...(serverFills ? { serverFills } : {}),
      limits: resolved.limits,
      ...(r.sequence ? { sequence: r.sequence } : {}),
      ...(constantDefault(r.default_expr) !== undefined ? { constantDefault: constantDefault(r.default_expr) } : {}),
      ...(r.default_expr ? { defaultExpr: r.default_expr } : {}),
    }
  })
  const byName = new Map(columns.map((c) => [c.name, c]))
  const unreadChecks: UnreadCheck[] = []
  const apply = (conditions: readonly Condition[]) => {
    for (const condition of conditions) {
      const column = byName.get(condition.column)
      if (!column) continue
      column.limits = addCondition(column.limits, condition)
      if (column.limits.notNull) column.notNull = true
    }
  }
  for (const check of checks) {
    const conditions = parseCheck(check.definition)
    if (conditions?.every((c) => byName.has(c.column))) apply(conditions)
    else {
      // The server judges it (lib/schema/check-judge.ts); its simple AND parts still narrow the values.
      unreadChecks.push(check)
      apply(readableConjuncts(check.definition))
      for (const { column, minLength, maxLength, chars } of lengthBounds(check.definition)) {
        const c = byName.get(column)
        if (!c) continue
        if (minLength !== undefined) c.limits = { ...c.limits, minLength: Math.max(minLength, c.limits.minLength ?? 0) }
        if (maxLength !== undefined) c.limits = { ...c.limits, maxLength: Math.min(maxLength, c.limits.maxLength ?? Infinity) }
        const held = c.limits.chars
        if (chars !== undefined)
          c.limits = { ...c.limits, chars: held === undefined ? chars : [...held].filter((x) => chars.includes(x)).join('') }
      }
    }
  }
  const uniqueKeys = distinctKeys(keys)
  takeDefaults(columns, [...uniqueKeys, ...foreignKeys], new Set(referenced.map((r) => r.name)))
  // A foreign key on a column a CHECK keeps NULL (the other side of `(a IS NOT NULL) <> (b IS NOT NULL)`) is met
  // by that NULL: no parent is looked for, the column is left NULL.
  const keptNull = (c: string) => byName.get(c)!.limits.isNull && !byName.get(c)!.notNull
  const references = foreignKeys.filter((fk) => !fk.columns.some(keptNull))
  return { oid, qualified: found.qualified, name: table, columns, keys: uniqueKeys, foreignKeys: references, unreadChecks }
}

/** The unique keys, each once: a unique constraint on the primary key's columns is the same key. */
function distinctKeys(keys: readonly (Omit<UniqueKey, 'partial'> & { partial: boolean })[]): UniqueKey[] {
  const seen = new Set<string>()
  const out: UniqueKey[] = []
  for (const { partial, ...k } of keys) {
    const id = [...k.columns].sort().join('\0')
    if (seen.has(id) || !k.columns.length) continue
    seen.add(id)
    out.push(partial ? { ...k, partial } : k)
  }
  return out
}

/**
 * The DEFAULT columns seedbed fills, as it would one without a DEFAULT (from the parents, for a reference):
 * a DEFAULT (not a sequence) that is a constant in a unique key (`display_name DEFAULT ''`, `version DEFAULT 0`
 * of a composite key: it could fill one row only) or in a foreign key (`language_code DEFAULT 'en'`: a parent
 * seedbed may not have made), or any DEFAULT of a key other tables refer to (`id uuid DEFAULT
 * gen_random_uuid()`: the children's references would differ in every database).
 */
function takeDefaults(columns: Column[], keys: readonly { columns: readonly string[] }[], referenced: ReadonlySet<string>): void {
  const keyed = new Set(keys.flatMap((k) => k.columns))
  const made = (c: Column) => referenced.has(c.name) || (c.constantDefault !== undefined && keyed.has(c.name))
  for (const c of columns) if (c.serverFills === 'default' && !c.sequence && made(c)) delete c.serverFills
}
