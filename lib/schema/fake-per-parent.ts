import type postgres from 'postgres'
import { perParentProblem } from '../contract/contract.ts'
import type { FakeOverrides, FakePerParent } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { fmix32, stableHash } from '../helpers/fake.ts'
import { cellRandom } from './cell-random.ts'
import type { ParentKeys } from './fake-rows.ts'
import type { ForeignKey } from './foreign-keys.ts'
import { findTable, type TableInfo } from './table.ts'

/** `{ per, min, max }` with `per` resolved to one of the table's foreign keys. */
export interface PerParent {
  fk: ForeignKey
  min: number
  max: number
}

const EXAMPLE = "fake('orders', { per: 'customers', min: 0, max: 5 })"

const malformed = (table: string, what: string, hint: string) =>
  new SeedbedError(codes.FAKE_OVERRIDE, `fake ${table}: ${what}`, { table, hint })

const isWhole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0

/** `count` as `ctx.fake` takes it: a whole number of rows, or `{ per, min, max }` with 0 <= min <= max. */
export function countOf(table: string, count: unknown): number | FakePerParent {
  if (typeof count !== 'object' || count === null) {
    if (isWhole(count)) return count
    throw malformed(
      table,
      `count must be a whole number of rows, got ${String(count)}`,
      `pass the number of rows, for example ctx.scaled(1000), or rows per parent: ${EXAMPLE}`,
    )
  }
  const problem = perParentProblem(count)
  if (problem) throw malformed(table, problem.what, problem.hint)
  const { per, min, max } = count as FakePerParent
  return { per, min, max }
}

const describe = (fk: ForeignKey) => `${fk.columns.join(', ')} -> ${fk.refTable}`

/**
 * The foreign key `per` names: one whose referencing columns include it (`customer_id`), else the only
 * one referring to the table it names, resolved as `load` and `fake` resolve a table name
 * (`customers`, `public.customers`, `app."Accounts"`). Then checks what rows per parent need: the key's
 * columns not overridden nor GENERATED, not a reference to the table itself, and `max` 1 when the key's
 * columns are unique (one child per parent at most).
 */
export async function perParentOf(
  sql: postgres.TransactionSql,
  info: TableInfo,
  count: FakePerParent,
  overrides: FakeOverrides,
): Promise<PerParent> {
  const { per, min, max } = count
  const table = info.name
  const error = (what: string, hint: string) => malformed(table, `per '${per}': ${what}`, hint)
  const keys = info.foreignKeys
  const byColumn = keys.filter((fk) => fk.columns.includes(per))
  const parent = byColumn.length ? undefined : await findTable(sql, per)
  const found = byColumn.length ? byColumn : keys.filter((fk) => fk.refOid === parent?.oid)
  if (!found.length) {
    throw error(
      parent
        ? `${info.qualified} has no foreign key to ${parent.qualified}`
        : `names no table and no referencing column of ${info.qualified}`,
      keys.length
        ? `name the parent table or a referencing column of one of its foreign keys: ${keys.map(describe).join('; ')}`
        : `${info.qualified} has no foreign keys: give a number of rows instead`,
    )
  }
  if (found.length > 1) {
    throw error(
      `several foreign keys ${byColumn.length ? 'hold that column' : `refer to ${parent!.qualified}`} (${found.map(describe).join('; ')})`,
      `name the referencing column instead, for example { per: '${found[0]!.columns[0]}', min: ${min}, max: ${max} }`,
    )
  }
  const fk = found[0]!
  const given = fk.columns.filter((c) => c in overrides)
  if (given.length) {
    throw error(
      `${given.join(', ')} overridden, but rows per parent take those columns from the parent's keys`,
      `remove the override of ${given.join(', ')}, or give a number of rows`,
    )
  }
  const generated = info.columns.find((c) => fk.columns.includes(c.name) && c.serverFills === 'generated')
  if (generated)
    throw error(
      `column '${generated.name}' is GENERATED: the server fills it, so rows cannot be made per parent`,
      'give a number of rows instead',
    )
  if (fk.refOid === info.oid) {
    throw error(`foreign key ${fk.name} refers to ${info.qualified} itself, whose rows this call makes`, 'give a number of rows instead')
  }
  const unique = info.keys.find((k) => k.columns.every((c) => fk.columns.includes(c)))
  if (unique && max > 1) {
    throw error(
      `${unique.columns.join(', ')} ${unique.columns.length === 1 ? 'is' : 'are'} unique (${unique.name}), so each parent has at most one row (a 1:1 relation)`,
      `max must be 1: { per: '${per}', min: ${Math.min(min, 1)}, max: 1 }`,
    )
  }
  return { fk, min, max }
}

/**
 * How many rows each parent gets, in [min, max]: a draw keyed by `key` (the seed and the table) and the
 * parent's key, not its position, so a parent keeps its count when others come or go.
 */
export function childCounts(key: string, parents: ParentKeys, min: number, max: number): number[] {
  const rand = cellRandom(stableHash(`${key}:per-parent`))
  return parents.map((parent) => {
    rand.at(fmix32(stableHash(parent.join('\u0000'))), 0)
    return min + Math.floor(rand.next() * (max - min + 1))
  })
}
