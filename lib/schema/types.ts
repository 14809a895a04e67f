import type postgres from 'postgres'
import { addCondition, type ColumnLimits, parseCheck } from './checks.ts'
import { EXTENSION_TEXT_FORMS, TEXT_FORMS } from './text-forms.ts'

/**
 * A column's type as the row generator sees it: domains resolved to their base type (their CHECKs
 * and NOT NULL kept as limits), arrays to their element type, enums with their labels in order.
 */
export type ColumnType =
  | { kind: 'int'; bits: 16 | 32 | 64 }
  | { kind: 'numeric'; precision?: number; scale?: number }
  | { kind: 'float' }
  | { kind: 'text'; max?: number; fixed?: boolean }
  | { kind: 'bool' }
  | { kind: 'date' }
  | { kind: 'timestamp'; tz: boolean }
  | { kind: 'time' }
  | { kind: 'interval' }
  | { kind: 'uuid' }
  | { kind: 'json' }
  | { kind: 'inet'; cidr: boolean }
  | { kind: 'macaddr' }
  | { kind: 'bytea' }
  | { kind: 'enum'; labels: string[] }
  | { kind: 'array'; of: ResolvedType }
  /** A type written by its text form (lib/schema/text-forms.ts): tsvector, xml, point, ranges, bit(n)... */
  | { kind: 'textform'; name: string; bits?: number }
  | { kind: 'unsupported'; name: string }

/** A type with the limits its domains put on it (`CREATE DOMAIN ... CHECK (VALUE > 0) NOT NULL`). */
export interface ResolvedType {
  type: ColumnType
  limits: ColumnLimits
  /** The domain CHECKs seedbed could not read (their text), which a generated value might break. */
  unreadChecks: string[]
}

interface TypeRow {
  oid: number
  name: string
  schema: string
  kind: string
  category: string
  elem: number
  base: number
  base_mod: number
  not_null: boolean
  labels: string[] | null
  checks: string[] | null
}

const BUILT_IN: Record<string, ColumnType> = {
  int2: { kind: 'int', bits: 16 },
  int4: { kind: 'int', bits: 32 },
  int8: { kind: 'int', bits: 64 },
  float4: { kind: 'float' },
  float8: { kind: 'float' },
  bool: { kind: 'bool' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp', tz: false },
  timestamptz: { kind: 'timestamp', tz: true },
  time: { kind: 'time' },
  interval: { kind: 'interval' },
  uuid: { kind: 'uuid' },
  json: { kind: 'json' },
  jsonb: { kind: 'json' },
  inet: { kind: 'inet', cidr: false },
  cidr: { kind: 'inet', cidr: true },
  macaddr: { kind: 'macaddr' },
  bytea: { kind: 'bytea' },
  text: { kind: 'text' },
  citext: { kind: 'text' },
  name: { kind: 'text', max: 63 },
}

/** The type modifier's meaning for the types that have one (varchar(n), char(n), numeric(p,s)). */
function withModifier(name: string, mod: number): ColumnType | undefined {
  if (name === 'varchar' || name === 'bpchar') {
    return mod > 4
      ? { kind: 'text', max: mod - 4, fixed: name === 'bpchar' }
      : { kind: 'text', ...(name === 'bpchar' ? { max: 1, fixed: true } : {}) }
  }
  if (name === 'bit' || name === 'varbit') return { kind: 'textform', name, ...(mod > 0 ? { bits: mod } : {}) }
  if (name === 'numeric') {
    if (mod < 4) return { kind: 'numeric' }
    const m = mod - 4
    return { kind: 'numeric', precision: (m >> 16) & 0xffff, scale: m & 0xffff }
  }
  return undefined
}

/** Reads the types behind `oids` and everything they are built on (domain bases, array elements). */
async function readTypes(sql: postgres.Sql | postgres.TransactionSql, oids: readonly number[]): Promise<Map<number, TypeRow>> {
  const types = new Map<number, TypeRow>()
  let wanted = [...new Set(oids)]
  while (wanted.length) {
    const rows = await sql<TypeRow[]>`
      SELECT t.oid::int AS oid, t.typname AS name, n.nspname AS schema, t.typtype AS kind, t.typcategory AS category,
             t.typelem::int AS elem, t.typbasetype::int AS base, t.typtypmod AS base_mod, t.typnotnull AS not_null,
             CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
             CASE WHEN t.typtype = 'd' THEN ARRAY(SELECT pg_get_expr(c.conbin, 0) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) END AS checks
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.oid = ANY(${wanted}::oid[])`
    for (const row of rows) types.set(row.oid, row)
    wanted = rows.flatMap((r) => [r.kind === 'd' ? r.base : 0, r.category === 'A' ? r.elem : 0]).filter((o) => o && !types.has(o))
  }
  return types
}

function resolve(types: Map<number, TypeRow>, oid: number, mod: number): ResolvedType {
  const row = types.get(oid)
  if (!row) return { type: { kind: 'unsupported', name: `type ${oid}` }, limits: {}, unreadChecks: [] }
  if (row.kind === 'd') {
    const base = resolve(types, row.base, row.base_mod)
    let limits = row.not_null ? { ...base.limits, notNull: true } : base.limits
    const unreadChecks = [...base.unreadChecks]
    for (const check of row.checks ?? []) {
      const conditions = parseCheck(check)
      if (conditions?.every((c) => c.column === 'VALUE')) for (const c of conditions) limits = addCondition(limits, c)
      else unreadChecks.push(check)
    }
    return { type: base.type, limits, unreadChecks }
  }
  if (row.kind === 'e') return { type: { kind: 'enum', labels: row.labels ?? [] }, limits: {}, unreadChecks: [] }
  if (row.category === 'A' && row.elem) return { type: { kind: 'array', of: resolve(types, row.elem, mod) }, limits: {}, unreadChecks: [] }
  const builtIn = row.schema === 'pg_catalog' || row.name === 'citext'
  const type = (builtIn ? (withModifier(row.name, mod) ?? BUILT_IN[row.name]) : undefined) ??
    ((builtIn && TEXT_FORMS.has(row.name)) || EXTENSION_TEXT_FORMS.has(row.name) ? { kind: 'textform', name: row.name } : undefined) ?? {
      kind: 'unsupported',
      name: row.name,
    }
  return { type, limits: {}, unreadChecks: [] }
}

/** Resolves each (type oid, type modifier) pair, in order, with as few round trips as the types are deep. */
export async function resolveTypes(
  sql: postgres.Sql | postgres.TransactionSql,
  columns: readonly { typeOid: number; typeMod: number }[],
): Promise<ResolvedType[]> {
  const types = await readTypes(
    sql,
    columns.map((c) => c.typeOid),
  )
  return columns.map((c) => resolve(types, c.typeOid, c.typeMod))
}
