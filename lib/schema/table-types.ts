import { createHash } from 'node:crypto'
import type postgres from 'postgres'
import { LEDGER_SCHEMA } from '../db/ledger.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { type ResolvedType, resolveTypes } from './types.ts'

/**
 * The tables of the catalog as TypeScript sees them (`seedbed types`): each table's insert shape, keyed
 * by the names a seed writes. The description is plain data with no oids, sorted, so its sha256 (the
 * `catalog:` of the generated file's header) is the same for the same schema on any database.
 */

/** A column as a row for the table takes it. */
export interface TypedColumn {
  name: string
  /** The TypeScript type of a value (`number`, `Date | string`, `'free' | 'pro'`...), without `| null`. */
  type: string
  /** It may be left out: a DEFAULT, an identity, a serial, or NULL allowed. */
  optional: boolean
  nullable: boolean
}

export interface TypedTable {
  /** `schema.table`, each part as the identifier itself (`app.Users`, not `app."Users"`). */
  name: string
  /** The table name alone, when it resolves to this table on the search path (`customers` for `public.customers`). */
  bare?: string
  /** In the table's order; generated columns left out (nothing can be written to them). */
  columns: TypedColumn[]
}

export interface CatalogTypes {
  /** The schemas asked for (`--schema`), or undefined for every schema but the system ones and seedbed's ledger. */
  schemas?: string[]
  tables: TypedTable[]
}

interface ColumnRow {
  schema: string
  table: string
  bare: boolean
  name: string
  type_oid: number
  type_mod: number
  not_null: boolean
  generated: boolean
  filled: boolean
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** A string literal of TypeScript. */
/** A string literal of TypeScript source, single-quoted. */
export const quoted = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

/** A value of a PostgreSQL type as postgres.js takes it for a parameter. */
export function tsType(resolved: ResolvedType): string {
  const t = resolved.type
  switch (t.kind) {
    case 'int':
      return t.bits === 64 ? 'string | number | bigint' : 'number'
    case 'numeric':
      return 'string | number'
    case 'float':
      return 'number'
    case 'bool':
      return 'boolean'
    case 'date':
    case 'timestamp':
      return 'Date | string'
    case 'json':
      return 'unknown'
    case 'bytea':
      return 'Uint8Array'
    case 'enum':
      return t.labels.length ? t.labels.map(quoted).join(' | ') : 'string'
    case 'array':
      return `readonly (${tsType(t.of)} | null)[]`
    default:
      // text, uuid, time, interval, inet, macaddr, text forms, and whatever seedbed does not know: as text.
      return 'string'
  }
}

/** Checks that every schema asked for exists: E_TYPES_SCHEMA names the unknown one and lists those there are. */
async function checkSchemas(sql: postgres.Sql | postgres.TransactionSql, schemas: readonly string[]): Promise<void> {
  const rows = await sql<{ name: string }[]>`
    SELECT nspname AS name FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', ${LEDGER_SCHEMA}) AND nspname NOT LIKE 'pg\\_%' ORDER BY 1`
  const known = new Set(rows.map((r) => r.name))
  const unknown = schemas.find((s) => !known.has(s))
  if (unknown === undefined) return
  throw new SeedbedError(codes.TYPES_SCHEMA, `--schema ${unknown}: there is no schema ${unknown} in the database`, {
    hint: `the schemas there are: ${[...known].join(', ') || '(none)'}; fix the name, or leave --schema out for all of them`,
  })
}

/**
 * Reads every table (and partition) of `schemas`, or of every schema but the system ones and the
 * ledger's, with its columns' insert shape. `strict`: a schema that does not exist is E_TYPES_SCHEMA
 * (`seedbed types`); else it just has no tables (`plan --check` comparing with an older file).
 */
export async function readCatalogTypes(
  sql: postgres.Sql | postgres.TransactionSql,
  schemas?: readonly string[],
  strict = true,
): Promise<CatalogTypes> {
  if (schemas && strict) await checkSchemas(sql, schemas)
  const rows = await sql<ColumnRow[]>`
    SELECT n.nspname AS schema, c.relname AS table, coalesce(to_regclass(quote_ident(c.relname)) = c.oid, false) AS bare,
           a.attname AS name, a.atttypid::int AS type_oid, a.atttypmod AS type_mod, a.attnotnull AS not_null,
           a.attgenerated <> '' AS generated,
           (a.atthasdef OR a.attidentity <> '' OR coalesce(t.typdefault IS NOT NULL, false)) AS filled
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_type t ON t.oid = a.atttypid AND t.typtype = 'd'
    WHERE c.relkind IN ('r', 'p')
      AND ${
        schemas
          ? sql`n.nspname = ANY(${schemas as string[]})`
          : sql`n.nspname NOT IN ('pg_catalog', 'information_schema', ${LEDGER_SCHEMA}) AND n.nspname NOT LIKE 'pg\\_%'`
      }
    ORDER BY n.nspname, c.relname, a.attnum`
  const types = await resolveTypes(
    sql,
    rows.map((r) => ({ typeOid: r.type_oid, typeMod: r.type_mod })),
  )
  const tables = new Map<string, TypedTable>()
  rows.forEach((r, i) => {
    const name = `${r.schema}.${r.table}`
    const table = tables.get(name) ?? { name, ...(r.bare ? { bare: r.table } : {}), columns: [] }
    tables.set(name, table)
    if (r.generated) return
    const resolved = types[i]!
    const nullable = !(r.not_null || resolved.limits.notNull)
    table.columns.push({ name: r.name, type: tsType(resolved), optional: r.filled || nullable, nullable })
  })
  const sorted = [...tables.values()].sort((a, b) => byText(a.name, b.name))
  return { ...(schemas ? { schemas: [...schemas] } : {}), tables: sorted }
}

/**
 * sha256 of the description: tables and columns sorted by name, so neither order nor oids change it;
 * without the bare names, which follow the connection's search_path, not the schema.
 */
export function catalogHash(catalog: CatalogTypes): string {
  const tables = catalog.tables.map(({ bare: _, ...t }) => ({
    ...t,
    columns: [...t.columns].sort((a, b) => byText(a.name, b.name)),
  }))
  return createHash('sha256')
    .update(JSON.stringify({ schemas: catalog.schemas ?? null, tables }))
    .digest('hex')
}

/** A property name as TypeScript takes it: bare when it is an identifier, else quoted. */
export const property = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : quoted(name))

/** The first line of a file `seedbed types` wrote: how `plan --check` finds it. */
export const TYPES_HEADER = '// Generated by `seedbed types`'

/**
 * The declarations file: an augmentation of seedbed's `Tables` with each table's insert shape under
 * `schema.table` and, for a table of the search path, its bare name too.
 */
export function renderTypes(catalog: CatalogTypes, source: string): string {
  const lines = [
    `${TYPES_HEADER} from ${source} — do not edit; re-run after migrations. catalog: ${catalogHash(catalog)}`,
    `// schemas: ${catalog.schemas?.join(',') ?? 'all'}`,
    "declare module 'seedbed' {",
    '  interface Tables {',
  ]
  const used = new Set(catalog.tables.map((t) => t.name))
  for (const table of catalog.tables) {
    lines.push(`    ${property(table.name)}: {`)
    for (const c of table.columns) lines.push(`      ${property(c.name)}${c.optional ? '?' : ''}: ${c.type}${c.nullable ? ' | null' : ''}`)
    lines.push('    }')
    if (table.bare && !used.has(table.bare)) {
      used.add(table.bare)
      lines.push(`    ${property(table.bare)}: Tables[${quoted(table.name)}]`)
    }
  }
  lines.push('  }', '}', 'export {}', '')
  return lines.join('\n')
}
