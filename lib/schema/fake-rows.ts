import type { Faker } from '@faker-js/faker'
import type { FakeOverride, FakeOverrides } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { stableHash } from '../helpers/fake.ts'
import { cellRandom } from './cell-random.ts'
import { breaksLimits } from './checks.ts'
import type { ForeignKey } from './foreign-keys.ts'
import type { Column, TableInfo, UniqueKey, UnreadCheck } from './table.ts'
import { type Next, type People, Unsupported, type ValueGenerator, valueGenerator } from './values.ts'
import type { Words } from './words.ts'

/** The keys of a parent table's rows (text, in key column order), read once and sorted. */
export type ParentKeys = readonly (readonly string[])[]

/**
 * One generated part of a row. A plain column, or a foreign key's columns taken together (a composite
 * reference is one choice among the parent's keys), or an override.
 */
interface Unit {
  columns: string[]
  kind: 'value' | 'reference' | 'self' | 'override'
  values?: ValueGenerator
  parents?: ParentKeys
  /** For a self-reference to columns seedbed makes: the units of the referenced columns. */
  selfKey?: Unit[]
  override?: FakeOverride
  /** Left NULL in about one row in ten. */
  nullable: boolean
  /** Distinct values available. */
  size: number
  /** Unique assignment: value index `floor(row / divisor) % radix`. */
  divisor?: number
  radix?: number
  /** Always NULL (a nullable reference to a parent with no rows, a nullable column of an unsupported type). */
  alwaysNull?: boolean
  /** The reference rows are made per parent of: the first row of each parent's, and the row count last. */
  starts?: readonly number[]
  /** Unique within each parent's rows (in a key with the reference rows are made per): its value index counts those rows. */
  byChild?: boolean
}

/** What makes the rows: the columns in row order, the key to merge on, and the rows themselves. */
export interface FakePlan {
  columns: string[]
  conflict: string[]
  /** Notes for the seed's log: columns left NULL, and why. */
  notes: string[]
  /** The CHECKs the server judges (of other forms than seedbed reads), and whether another attempt changes a row's values for it. */
  checks: (UnreadCheck & { remade: boolean })[]
  /** The rows; `attempts` gives the attempt of each row that needs another than the first (lib/schema/check-judge.ts). */
  rows(count: number, attempts?: ReadonlyMap<number, number>): Generator<unknown[]>
  /**
   * Row `index` as attempt `attempt` makes it (attempt 0 is the row `rows` gives with no attempts). With
   * `columns` (the same array on every call), only their values are made: the rest of the row is left out.
   */
  row(index: number, attempt: number, columns?: readonly string[]): unknown[]
}

export interface FakePlanInput {
  table: TableInfo
  /** The key per foreign key name, for the references seedbed fills from existing rows. */
  parents: ReadonlyMap<string, ParentKeys>
  overrides: FakeOverrides
  /** Keys the sequence: the seed's name and the table. */
  key: string
  faker: Faker
  words: Words
  /** Rows per parent (lib/schema/fake-per-parent.ts): the foreign key's name, each parent's row count in key order, the bounds asked. */
  perParent?: { fk: string; counts: readonly number[]; min: number; max: number }
}

const NULL_SHARE = 0.1
/** The attempt (lib/schema/check-judge.ts) from which the nullable columns of a failing CHECK are left NULL. */
const NULL_AFTER = 8

const unsupported = (table: string, what: string, hint: string, extra: { constraint?: string } = {}) =>
  new SeedbedError(codes.FAKE_UNSUPPORTED, `fake ${table}: ${what}`, { table, hint, ...extra })

/** A reference whose parent is this table, filled from rows this run makes (their key columns are made here). */
function selfReferencing(fk: ForeignKey, table: TableInfo): boolean {
  return fk.refOid === table.oid
}

/**
 * One person per row, for every name-like column of it (email, first_name, name...): fakePerson's
 * shape (`first.last.<row>@example.com`), drawn from the locale's name lists on a cell sequence of its
 * own rather than through faker's methods (a third of the cost, which a million rows feel).
 */
function peopleOf(key: string, words: Words): People {
  const rand = cellRandom(stableHash(`${key}:person`))
  const { firstNames, lastNames, firstSlugs, lastSlugs } = words
  let last = -1
  let person: ReturnType<People> | undefined
  return (row) => {
    if (row !== last || !person) {
      rand.at(row, 0)
      const f = Math.floor(rand.next() * firstNames.length)
      const l = Math.floor(rand.next() * lastNames.length)
      const firstName = firstNames[f]!
      const lastName = lastNames[l]!
      person = { firstName, lastName, name: `${firstName} ${lastName}`, email: `${firstSlugs[f]}.${lastSlugs[l]}.${row}@example.com` }
      last = row
    }
    return person
  }
}

/**
 * Plans the rows of a table: which columns seedbed fills (not the identity, generated and default
 * columns, which the server fills, unless overridden), how each unique key stays unique (a mixed-radix
 * split of the row number over the key's parts, so that no value is drawn twice and retried), where
 * references come from. Every problem that can be seen before a row is made is an error here.
 */
export function planFakeRows(input: FakePlanInput): FakePlan {
  const { table, overrides, words } = input
  const name = table.name
  const byName = new Map(table.columns.map((c) => [c.name, c]))
  const notes: string[] = []
  for (const column of Object.keys(overrides)) {
    const c = byName.get(column)
    if (!c) {
      throw new SeedbedError(codes.FAKE_OVERRIDE, `fake ${name}: override for '${column}', which is not a column of ${table.qualified}`, {
        table: name,
        hint: `its columns are ${table.columns.map((x) => x.name).join(', ')}`,
      })
    }
    if (c.serverFills === 'generated' || c.serverFills === 'identity always') {
      throw new SeedbedError(
        codes.FAKE_OVERRIDE,
        `fake ${name}: column '${column}' is ${c.serverFills === 'generated' ? 'GENERATED' : 'GENERATED ALWAYS AS IDENTITY'}: the server fills it, no value may be given`,
        {
          table: name,
          hint: `remove the override for '${column}'`,
        },
      )
    }
  }
  // A constant DEFAULT that breaks a CHECK seedbed reads (`DEFAULT 0.00` with `CHECK (x > 0)`) would fail
  // every row: seedbed fills that column instead.
  const breaksCheck = (c: Column) =>
    c.serverFills === 'default' && c.constantDefault !== undefined && breaksLimits(c.constantDefault, c.limits)
  // The columns of the reference rows are made per parent of are seedbed's, a DEFAULT or not.
  const perColumns = new Set(table.foreignKeys.find((fk) => fk.name === input.perParent?.fk)?.columns)
  // A reference to another table with a DEFAULT (`node varchar DEFAULT '/' REFERENCES document`): the default
  // names one parent that may not exist, and in a key it would be the same in every row; seedbed takes the
  // parents' keys instead, as for any reference.
  const defaultReference = new Set(table.foreignKeys.filter((fk) => !selfReferencing(fk, table)).flatMap((fk) => fk.columns))
  const referenceDefault = (c: Column) => c.serverFills === 'default' && !c.sequence && defaultReference.has(c.name)
  const makes = (c: Column) => !(c.name in overrides) && (!c.serverFills || breaksCheck(c) || perColumns.has(c.name) || referenceDefault(c))
  // A DEFAULT (not a sequence) in a CHECK the server judges beside a column seedbed makes (`duedate >= orderdate`,
  // orderdate DEFAULT now()): seedbed fills it, so the CHECK compares values it chose and that stay the same.
  const judgedDefault = (c: Column) =>
    c.serverFills === 'default' &&
    !c.sequence &&
    table.unreadChecks.some((k) => k.columns.includes(c.name) && k.columns.some((n) => makes(byName.get(n)!)))
  const written = table.columns.filter((c) => c.name in overrides || makes(c) || judgedDefault(c))
  const writtenNames = new Set(written.map((c) => c.name))

  const unitOf = new Map<string, Unit>()
  const units: Unit[] = []
  const add = (unit: Unit) => {
    units.push(unit)
    for (const c of unit.columns) unitOf.set(c, unit)
  }
  for (const c of written)
    if (c.name in overrides) add({ columns: [c.name], kind: 'override', override: overrides[c.name], nullable: false, size: Infinity })

  // References: every column of the foreign key made here (a part filled by the server or overridden
  // leaves the rest to the user), one unit per key.
  const selfKeys: { unit: Unit; fk: ForeignKey }[] = []
  for (const fk of table.foreignKeys) {
    if (!fk.columns.every((c) => writtenNames.has(c) && !(c in overrides))) continue
    const taken = fk.columns.find((c) => unitOf.has(c))
    if (taken) {
      throw unsupported(
        name,
        `column '${taken}' is in two foreign keys (${fk.name} and another)`,
        `give '${taken}' an override: seedbed fills each column from one reference`,
        { constraint: fk.name },
      )
    }
    // NOT NULL by a CHECK seedbed reads too (`(a IS NOT NULL AND b >= 1) OR (...)` takes its readable side).
    const nullable = !fk.required && !fk.columns.some((c) => byName.get(c)!.notNull)
    const parents = input.parents.get(fk.name) ?? []
    if (fk.name === input.perParent?.fk) {
      if (!parents.length && input.perParent.min > 0) throw parentEmpty(table, fk)
      if (!parents.length) notes.push(`no rows made: ${fk.refTable} has no rows to make them per (foreign key ${fk.name})`)
      add(perParentUnit(fk, parents, input.perParent.counts))
      continue
    }
    const self = selfReferencing(fk, table) && fk.refColumns.every((c) => writtenNames.has(c) && !fk.columns.includes(c))
    if (self) {
      const unit: Unit = { columns: fk.columns, kind: 'self', nullable, size: Infinity }
      selfKeys.push({ unit, fk })
      add(unit)
      continue
    }
    if (selfReferencing(fk, table)) {
      // Its parents would be the rows of earlier runs, so a re-run would change every row: left NULL.
      if (!nullable) {
        throw new SeedbedError(
          codes.FAKE_PARENT_EMPTY,
          `fake ${name}: ${table.qualified} refers to itself by NOT NULL ${fk.columns.join(', ')} (foreign key ${fk.name}) to a key the server assigns (${fk.refColumns.join(', ')}), so no row it makes has a parent to refer to`,
          {
            table: name,
            constraint: fk.name,
            hint: `override ${fk.columns.join(', ')}, or make the key one seedbed fills (a natural key without a default)`,
          },
        )
      }
      add({ columns: fk.columns, kind: 'reference', nullable, size: 0, alwaysNull: true })
      notes.push(
        `${fk.columns.join(', ')} left NULL: foreign key ${fk.name} refers to this table's ${fk.refColumns.join(', ')}, which the server assigns (override it to link rows)`,
      )
      continue
    }
    if (!parents.length) {
      if (nullable) {
        add({ columns: fk.columns, kind: 'reference', nullable, size: 0, alwaysNull: true })
        notes.push(`${fk.columns.join(', ')} left NULL: ${fk.refTable} has no rows to refer to (foreign key ${fk.name})`)
        continue
      }
      throw parentEmpty(table, fk)
    }
    add({ columns: fk.columns, kind: 'reference', parents, nullable, size: parents.length })
  }

  const people = peopleOf(input.key, words)
  const addValue = (c: Column) => {
    const unit = valueUnit(name, c, words, people)
    if (unit.alwaysNull) notes.push(`${c.name} left NULL: ${unit.why} (type ${c.typeName})`)
    add(unit)
  }
  for (const c of written) if (!unitOf.has(c.name)) addValue(c)

  // A key that is NULL in every row never finds a row again (NULLs are distinct): never one to merge on.
  const nullEverywhere = new Set(
    units.filter((u) => u.alwaysNull || (u.kind === 'override' && allNull(u.override))).flatMap((u) => u.columns),
  )
  const usable = (k: UniqueKey) => !k.columns.some((c) => nullEverywhere.has(c))
  const serverKey = serverFilledKey(table, writtenNames, usable)
  for (const c of serverKey) {
    written.push(byName.get(c)!)
    writtenNames.add(c)
    addValue(byName.get(c)!)
  }
  written.sort((a, b) => table.columns.indexOf(a) - table.columns.indexOf(b))

  // CHECKs of other forms than those seedbed reads: the server judges the rows (lib/schema/check-judge.ts),
  // and remakes the columns of a failing one seedbed makes (not overridden, not a unique key's).
  const judged = table.unreadChecks.filter((check) => check.columns.some((c) => writtenNames.has(c) && !(c in overrides)))

  const keys = table.keys.filter((k) => k.columns.every((c) => writtenNames.has(c)) && usable(k))
  const conflictKey = keys.find((k) => !k.partial)
  if (!conflictKey) {
    throw new SeedbedError(
      codes.FAKE_NO_KEY,
      `fake ${name}: ${table.qualified} has no primary key or unique key seedbed can fill and merge on${table.keys.length ? ` (${table.keys.map((k) => `${k.name}: ${k.columns.join(', ')}`).join('; ')}: each is partial or on expressions, or holds a GENERATED column or one NULL in every row)` : ''}, so a second run could not tell its rows from new ones`,
      {
        table: name,
        hint: 'add a primary key or a unique key on columns that are not GENERATED (a serial or identity key is fine), or override a key column NULL in every row',
      },
    )
  }
  for (const key of [...keys].sort((a, b) => a.columns.length - b.columns.length)) assignUnique(name, key, unitOf)
  // A self-reference's key columns, unit by unit, in the order of the referenced columns.
  for (const { unit, fk } of selfKeys) {
    unit.selfKey = fk.refColumns.map((c) => {
      const u = unitOf.get(c)!
      if (u.columns.length !== 1 || u.kind === 'self') {
        throw unsupported(
          name,
          `foreign key ${fk.name} refers to columns of this table that a reference fills`,
          `override ${fk.columns.join(', ')}`,
          {
            constraint: fk.name,
          },
        )
      }
      return u
    })
  }

  const make = rowMaker(input, written, units)
  // Made again on a later attempt: the units (not a unique key's, not an override) holding a judged CHECK's columns.
  const remade = (check: UnreadCheck) =>
    check.columns
      .map((c) => unitOf.get(c))
      .filter((u): u is Unit => u !== undefined && u.kind !== 'override' && u.divisor === undefined && !u.starts)
  const varying = new Set(judged.flatMap(remade))
  const partial = new WeakMap<readonly string[], ReadonlySet<Unit>>()
  return {
    columns: written.map((c) => c.name),
    conflict: conflictKey.columns,
    notes,
    checks: judged.map((check) => ({ ...check, remade: remade(check).length > 0 })),
    rows(count, attempts) {
      checkCapacity(name, units, keys, { count, perParent: input.perParent?.max }, unitOf)
      return makeRows(make, count, varying, attempts)
    },
    row: (index, attempt, columns) => {
      if (!columns) return make(index, attempt, varying)
      const only = partial.get(columns) ?? new Set(columns.map((c) => unitOf.get(c)!))
      partial.set(columns, only)
      return make(index, attempt, varying, only)
    },
  }
}

/** A NOT NULL reference (or one rows are made per parent of) to a table with no rows. */
function parentEmpty(table: TableInfo, fk: ForeignKey): SeedbedError {
  const self = fk.refTable === table.qualified
  return new SeedbedError(
    codes.FAKE_PARENT_EMPTY,
    `fake ${table.name}: ${self ? `${table.qualified} refers to itself` : `${table.qualified} refers to ${fk.refTable}`} (foreign key ${fk.name} on ${fk.columns.join(', ')}), and ${fk.refTable} has no rows${self ? ' whose key it could take (the server assigns that key)' : ''}`,
    {
      table: table.name,
      constraint: fk.name,
      hint: self
        ? `seed some rows of ${fk.refTable} first (another ctx.fake or load), or override ${fk.columns.join(', ')}`
        : `fill ${fk.refTable} first: add the seed that writes it to dependsOn (or use dependsOn: 'auto'), or override ${fk.columns.join(', ')}`,
    },
  )
}

/** The reference rows are made per parent of: parent after parent in key order, `counts[p]` rows each, never NULL. */
function perParentUnit(fk: ForeignKey, parents: ParentKeys, counts: readonly number[]): Unit {
  const starts = [0]
  for (const n of counts) starts.push(starts[starts.length - 1]! + n)
  return { columns: fk.columns, kind: 'reference', parents, nullable: false, size: parents.length, starts }
}

/** The parent of row `row`: the last `p` with `starts[p] <= row` (a parent with no rows has the same start as the next). */
function parentAt(starts: readonly number[], row: number): number {
  let lo = 0
  let hi = starts.length - 2
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= row) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * When no full unique key (not partial, not on expressions) is made of the columns seedbed writes, the
 * server-filled columns of the first one the server fills by an identity, a serial or another default
 * (not a GENERATED column): the ordinary `id serial PRIMARY KEY` table. seedbed fills them by construction
 * (1, 2, 3... for an integer), so a re-run knows its rows; COPY and the merge write identity columns,
 * GENERATED ALWAYS too, and fake moves the sequence past them after.
 */
function serverFilledKey(table: TableInfo, written: ReadonlySet<string>, usable: (k: UniqueKey) => boolean): string[] {
  const full = table.keys.filter((k) => !k.partial && usable(k))
  if (full.some((k) => k.columns.every((c) => written.has(c)))) return []
  const byName = new Map(table.columns.map((c) => [c.name, c]))
  // A server-filled column in a foreign key (`DEFAULT '/'` referencing a parent) would need a reference, not a value.
  const referencing = new Set(table.foreignKeys.flatMap((fk) => fk.columns))
  const key = full.find((k) =>
    k.columns.every((c) => written.has(c) || (byName.get(c)!.serverFills !== 'generated' && !referencing.has(c))),
  )
  return key ? key.columns.filter((c) => !written.has(c)) : []
}

/** A constant NULL override, or a list of NULLs only. */
function allNull(o: FakeOverride | undefined): boolean {
  return o === null || (Array.isArray(o) && o.length > 0 && o.every((v) => v === null))
}

/** A plain column's unit: its values, or always NULL (with why) for a nullable column of a type seedbed cannot make. */
function valueUnit(table: string, c: Column, words: Words, people: People): Unit & { why?: string } {
  const why = c.resolved.unreadChecks[0]
  if (why) {
    throw unsupported(
      table,
      `column '${c.name}' has a domain CHECK seedbed cannot read: ${why}`,
      `override '${c.name}' with values that satisfy it`,
    )
  }
  if (c.limits.isNull && !c.notNull) {
    return {
      columns: [c.name],
      kind: 'value',
      nullable: true,
      size: 0,
      alwaysNull: true,
      why: 'a CHECK is met by leaving it NULL (col IS NULL OR ...)',
    }
  }
  try {
    if (c.limits.isNull) throw new Unsupported('a CHECK is met only by leaving it NULL, and it is NOT NULL')
    const values = valueGenerator(c.name, c.resolved.type, c.limits, words, people)
    return { columns: [c.name], kind: 'value', values, nullable: !c.notNull, size: values.size }
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err
    if (!c.notNull) return { columns: [c.name], kind: 'value', nullable: true, size: 0, alwaysNull: true, why: err.message }
    throw unsupported(
      table,
      `column '${c.name}' (${c.typeName}, NOT NULL): ${err.message}`,
      `override it: fake('${table}', n, { ${c.name}: (i, faker) => ... })`,
    )
  }
}

/** Whether some of `assigned` together determine the row number: their divisors chain 1, r1, r1*r2, ... to the end. */
function coverage(assigned: readonly Unit[]): number {
  let reach = 1
  for (const u of [...assigned].sort((a, b) => a.divisor! - b.divisor!)) if (u.divisor === reach) reach *= u.radix!
  return reach
}

/** Makes a key unique by construction, or says why it cannot be (E_FAKE_DOMAIN is checked per count). */
function assignUnique(table: string, key: UniqueKey, unitOf: ReadonlyMap<string, Unit>): void {
  const parts = [...new Set(key.columns.map((c) => unitOf.get(c)!))].filter((u) => u.kind !== 'override')
  if (!parts.length) return // every column overridden: the values are the user's to keep unique
  const self = parts.find((u) => u.kind === 'self' || u.alwaysNull)
  if (self) {
    throw unsupported(
      table,
      `key ${key.name} (${key.columns.join(', ')}) holds ${self.columns.join(', ')}, which seedbed cannot make unique (${self.alwaysNull ? 'always NULL' : 'a reference to the same table'})`,
      `override ${self.columns.join(', ')}`,
      { constraint: key.name },
    )
  }
  // With the reference rows are made per parent of, the other parts need only be unique within a
  // parent's rows: they count those rows (1, 2, 3... per order), unless some already count all rows.
  const per = parts.find((u) => u.starts)
  const rest = parts.filter((u) => u !== per)
  // The reference alone: at most one row per parent (fake-per-parent.ts checks max); or with parts already unique per parent.
  if (per && rest.every((u) => u.byChild)) return
  const assigned = rest.filter((u) => u.divisor !== undefined && !u.byChild)
  const free = rest.filter((u) => u.divisor === undefined).sort((a, b) => a.size - b.size)
  const byChild = per !== undefined && !assigned.length
  const reach = coverage(assigned)
  if (!free.length) {
    if (reach === Infinity) return
    throw unsupported(
      table,
      `unique keys ${key.name} and another share columns in a way seedbed cannot keep both unique`,
      `override one of ${key.columns.join(', ')}`,
      { constraint: key.name },
    )
  }
  // The free parts take the row number's digits above those the assigned parts already take: the
  // key's parts together then determine the row. A reference first: each parent gets its rows in turn.
  free.sort((a, b) => Number(b.kind === 'reference') - Number(a.kind === 'reference'))
  let divisor = reach === Infinity ? 1 : reach
  free.forEach((u, i) => {
    u.divisor = divisor
    u.radix = i === free.length - 1 ? Infinity : u.size
    if (byChild) u.byChild = true
    divisor *= u.size
  })
}

/**
 * Each key's last digit takes `floor(row / divisor)`: it runs out after `divisor * size` rows. Checked
 * before any row is made, so asking for more rows than a key has values is an error, never a loop.
 */
function checkCapacity(
  table: string,
  units: readonly Unit[],
  keys: readonly UniqueKey[],
  asked: { count: number; perParent: number | undefined },
  unitOf: ReadonlyMap<string, Unit>,
) {
  for (const unit of units) {
    if (unit.radix !== Infinity) continue
    const capacity = unit.divisor! * unit.size
    // A part unique within each parent's rows runs out at the most rows a parent may have.
    const count = unit.byChild ? asked.perParent! : asked.count
    if (count <= capacity) continue
    const key = keys.find((k) => k.columns.some((c) => unitOf.get(c) === unit))!
    const parts = [...new Set(key.columns.map((c) => unitOf.get(c)!))].filter((u) => u.kind !== 'override')
    const sizes = parts.map(
      (u) =>
        `${u.columns.join(', ')}: ${u.size} ${u.kind === 'reference' ? `parent row${u.size === 1 ? '' : 's'}` : `value${u.size === 1 ? '' : 's'}`}`,
    )
    throw new SeedbedError(
      codes.FAKE_DOMAIN,
      `fake ${table}: ${count} rows asked${unit.byChild ? ' per parent (max)' : ''}, but key ${key.name} (${key.columns.join(', ')}) has only ${capacity} distinct value${capacity === 1 ? '' : 's'} (${sizes.join('; ')})`,
      {
        table,
        constraint: key.name,
        hint: `ask for at most ${capacity} rows${unit.byChild ? ' per parent' : ''}, widen the column's type or CHECK, or add parent rows`,
      },
    )
  }
}

/** Makes row `row` at attempt `attempt`: the units in `varying` draw from another sequence on each attempt, the rest never change. */
type RowMaker = (row: number, attempt: number, varying: ReadonlySet<Unit>, only?: ReadonlySet<Unit>) => unknown[]

function* makeRows(
  make: RowMaker,
  count: number,
  varying: ReadonlySet<Unit>,
  attempts: ReadonlyMap<number, number> = new Map(),
): Generator<unknown[]> {
  for (let row = 0; row < count; row++) yield make(row, attempts.get(row) ?? 0, varying)
}

/**
 * The value index of a keyed unit for a row: its digit `k`, or, for a part whose values lie along a range
 * (dates, times: `spread`) above parts that already tell rows apart, the digit shifted by the row's lower
 * digits (kept inside the range's first values), modulo its size. The shift depends on the lower digits
 * alone, so for each setting of them the index is one-to-one in `k` and the key stays unique; without it
 * every row below the part's first digit (all of them, under a serial id) takes its first value.
 */
function spreadIndex(u: Unit, k: number, row: number): number {
  const spread = u.values?.spread
  return spread && u.divisor! > 1 ? (k + ((row % u.divisor!) % spread)) % u.size : k
}

function rowMaker(input: FakePlanInput, written: readonly Column[], units: readonly Unit[]): RowMaker {
  const { faker } = input
  const hash = stableHash(input.key)
  const rand = cellRandom(hash)
  const next: Next = rand.next
  const position = new Map(written.map((c, i) => [c.name, i]))
  // Per unit, worked out once: its sequence number and where its columns go in the row.
  const slots = new Map(units.map((u, i) => [u, { id: i, at: u.columns.map((c) => position.get(c)!) }]))
  const scratch: unknown[] = []
  let attempt = 0
  let varies: ReadonlySet<Unit> = new Set()
  // Rows per parent: the parent of a row, and the row's number among that parent's rows.
  const starts = units.find((u) => u.starts)?.starts ?? [0]
  let parentRow = -1
  let parent = 0
  const parentOf = (row: number) => {
    if (row !== parentRow) [parentRow, parent] = [row, parentAt(starts, row)]
    return parent
  }

  /** Writes a unit's values for a row into `out` at `at`. Each (row, unit) has its own sequence. */
  const fill = (u: Unit, row: number, out: unknown[], at: readonly number[]): void => {
    rand.at(row, slots.get(u)!.id + (attempt && varies.has(u) ? attempt * units.length : 0))
    const keyed = u.divisor !== undefined
    // From attempt NULL_AFTER a nullable column of a failing CHECK is left NULL (a CHECK that is NULL holds).
    const late = attempt >= NULL_AFTER && varies.has(u)
    if (u.alwaysNull || (!keyed && u.nullable && (next() < NULL_SHARE || late))) {
      for (const i of at) out[i] = null
      return
    }
    const n = u.byChild ? row - starts[parentOf(row)]! : row
    const k = keyed ? (u.radix === Infinity ? Math.floor(n / u.divisor!) : Math.floor(n / u.divisor!) % u.radix!) : -1
    switch (u.kind) {
      case 'value':
        out[at[0]!] = keyed ? u.values!.nth(spreadIndex(u, k, row), next, row) : u.values!.random(next, row)
        return
      case 'reference': {
        const key = u.parents![u.starts ? parentOf(row) : keyed ? k : Math.floor(next() * u.parents!.length)]!
        for (let i = 0; i < at.length; i++) out[at[i]!] = key[i]
        return
      }
      case 'self': {
        // An earlier row of this run (the first row: NULL, or itself when the reference is required).
        if (row === 0 && u.nullable) {
          for (const i of at) out[i] = null
          return
        }
        const target = row === 0 ? 0 : Math.floor(next() * row)
        u.selfKey!.forEach((key, i) => {
          fill(key, target, scratch, [0])
          out[at[i]!] = scratch[0]
        })
        return
      }
      case 'override': {
        const o = u.override
        if (typeof o === 'function') {
          faker.seed([hash, row])
          out[at[0]!] = o(row, faker)
        } else out[at[0]!] = Array.isArray(o) ? o[row % o.length] : o
      }
    }
  }
  const plan = units.map((u) => ({ u, at: slots.get(u)!.at }))
  return (row, rowAttempt, varying, only) => {
    attempt = rowAttempt
    varies = varying
    const out = new Array<unknown>(written.length)
    for (const { u, at } of plan) if (!only || only.has(u)) fill(u, row, out, at)
    return out
  }
}
