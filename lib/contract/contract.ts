import type { Faker } from '@faker-js/faker'
import type postgres from 'postgres'
import type {
  FakeCount,
  FakeOverrides,
  FakePerParent,
  LoadOptions,
  LoadResult,
  Logger,
  RowSource,
  SeedCounts,
  UpsertOptions,
  UpsertResult,
} from './types.ts'

/**
 * The project's tables, as `seedbed types` writes them (`seeds/_tables.ts`): each table's insert
 * shape by the names a seed writes (`'public.customers'`, and `customers` for a table of the search
 * path). Empty, as it is until that file exists, `upsert`, `load` and `fake` take any table and any
 * columns; filled, a table or column that is not in it is a type error.
 *
 * ```ts
 * declare module 'seedbed' {
 *   interface Tables {
 *     customers: { id?: number; email: string; name?: string | null }
 *   }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the declarations `seedbed types` writes (declaration merging)
export interface Tables {}

declare const anyTable: unique symbol
/**
 * A table name `upsert`, `load` and `fake` take unchecked once {@link Tables} is filled: a table the
 * generated file does not know (made by the seed itself, in a schema left out with `--schema`).
 * `upsert('audit_tmp' as AnyTable, rows, ...)`: its rows take any columns.
 */
export type AnyTable = string & { readonly [anyTable]: true }
/** The table names the helpers take: any string while {@link Tables} is empty, else its names (or an {@link AnyTable}). */
export type TableName = keyof Tables extends never ? string : (keyof Tables & string) | AnyTable
/** A row for table `T`: its insert shape from {@link Tables}, else any columns. */
export type TableRow<T> = T extends keyof Tables ? Tables[T] : Record<string, unknown>
/** A column name of table `T` (any string for a table {@link Tables} does not hold). */
export type ColumnOf<T> = keyof TableRow<T> & string
/**
 * `Row` with no key outside table `T`'s columns: a misspelled column is a type error even for rows
 * built elsewhere, whose message names it (`'nmae is not a column of customers'`).
 */
type Exact<Row, T> =
  true extends IsUnion<T>
    ? Row
    : Row & { [K in keyof Row]: K extends keyof TableRow<T> ? Row[K] : `${K & string} is not a column of ${T & string}` }
/**
 * Whether `T` is a union: the table is not known when type arguments are given by hand
 * (`upsert<Row, Ret>(...)`, T left at its default, every name), so the row is taken as `Row` says.
 */
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never
/** `load`'s options, its column lists checked against the table. */
export type TableLoadOptions<T> = Omit<LoadOptions, 'onProgress' | 'columns' | 'conflict' | 'update'> & {
  columns: readonly ColumnOf<T>[]
  conflict?: readonly ColumnOf<T>[]
  update?: readonly ColumnOf<T>[]
}
/** `load`'s rows: arrays in `columns` order, or objects keyed by the table's columns. */
export type TableRows<T> = Iterable<readonly unknown[] | Partial<TableRow<T>>> | AsyncIterable<readonly unknown[] | Partial<TableRow<T>>>
/** One column's override in `fake`: a value of the column's type, a list of them cycled through, or a function of the row index. */
export type ColumnOverride<V> = V | readonly V[] | ((row: number, faker: Faker) => V)
/** `fake`'s overrides for table `T`: per column of {@link Tables}, else {@link FakeOverrides}. */
export type TableOverrides<T> = T extends keyof Tables
  ? { readonly [C in keyof Tables[T]]?: ColumnOverride<Exclude<Tables[T][C], undefined>> }
  : FakeOverrides

/** Everything a seed's `run` and `validate` receive. */
export interface SeedContext {
  /**
   * postgres.js bound to this seed's own transaction: every statement commits or rolls back
   * with the seed. Write tagged templates (`sql\`... ${value}\``): values are always parameters.
   */
  sql: postgres.TransactionSql
  /** consola tagged with the seed's name. Secrets are redacted from whatever it prints. */
  log: Logger
  /** The environment seedbed runs in (`development` unless configured). */
  env: string
  /**
   * `INSERT ... ON CONFLICT` for many rows, batched below PostgreSQL's parameter limit, counting
   * created / updated / skipped from the statement itself (`RETURNING (xmax = 0)`). A row whose
   * values already match is left alone and counted as skipped, so re-runs write nothing.
   * Counts add to the seed's tally.
   */
  upsert<Row extends TableRow<T>, Ret = Record<string, unknown>, T extends TableName = TableName>(
    table: T,
    rows: readonly Exact<Row, T>[],
    options: UpsertOptions<Row>,
  ): Promise<UpsertResult<Ret>>
  /**
   * For hand-written upserts: pass the rows of a statement ending in
   * `RETURNING (xmax = 0) AS inserted` and how many rows it tried to write. Rows returned with
   * `inserted` true are created, false updated; rows not returned were skipped by
   * `DO NOTHING` or the `DO UPDATE ... WHERE`. Counts add to the seed's tally.
   */
  tally(rows: readonly { inserted: boolean }[], attempted: number): SeedCounts
  /** Adds counts the helpers did not see (for example rows deleted and re-created). */
  count(counts: Partial<SeedCounts>): void
  /**
   * Streams rows into a table with `COPY ... FROM STDIN` (no conflict handling: use it on tables
   * the seed owns, or `load` for re-runnable loads). Rows are arrays in `columns` order or objects
   * keyed by column; any sync or async iterable, so generators keep memory flat. Counts as created.
   */
  copy(table: string, rows: RowSource, options: { columns: readonly string[] }): Promise<number>
  /**
   * Idempotent bulk load at COPY speed: straight COPY when the table is empty, else staged in a
   * temporary table and merged with `INSERT ... SELECT ... ON CONFLICT`, writing only new or changed
   * rows. Counts created / updated / skipped into the seed's tally.
   */
  load<T extends TableName>(table: T, rows: TableRows<T>, options: TableLoadOptions<T>): Promise<LoadResult>
  /**
   * `count` rows for `table`, made from the database's catalog and loaded like `load` (COPY, merged on
   * the table's primary key or first unique key seedbed fills): a second run is all skipped, a changed
   * override counts as updated. Every column gets a value of its type (varchar(n) within n,
   * numeric(p,s), enums, domains, arrays, json, uuid, inet, bytea, dates around a fixed date...) or is
   * left to the server (identity, generated, DEFAULT); unique and primary keys are unique by
   * construction; simple CHECKs (`IN`, `=`, `>`, `>=`, `<`, `<=`, `BETWEEN`) hold; foreign keys take the
   * keys of the parent's existing rows; names like email, first_name, city, phone, slug steer the text.
   * The same seed, table, count and schema give the same rows.
   *
   * `overrides` per column: a constant, a list cycled through, or a function of the row index (from 0)
   * and a faker seeded for that row. See docs/schema-seeding.md for what is covered and the errors
   * (E_FAKE_UNSUPPORTED, E_FAKE_DOMAIN, E_FAKE_PARENT_EMPTY, E_FAKE_OVERRIDE, E_FAKE_NO_KEY).
   *
   * ```ts
   * async run({ fake, scaled }) {
   *   await fake('customers', scaled(1000))
   *   await fake('orders', scaled(2000), { status: ['paid', 'shipped'], note: (i, faker) => faker.lorem.sentence() })
   * }
   * ```
   *
   * `count` may instead give the rows per parent: `{ per, min, max }` makes, for each row of the parent
   * `per` names (a table one of this table's foreign keys refers to, or the referencing column when
   * several keys refer to that table), between `min` and `max` rows referring to it: the same number
   * for the same parent on every run (drawn from the seed, the table and the parent's key, not its
   * position, so new parents leave the others' counts alone). Nesting is by declaring each level per
   * its parent, as Snaplet's `x(n)` nests. Per-parent counts are not scaled (scale the parents).
   *
   * ```ts
   * await fake('customers', 100)
   * await fake('orders', { per: 'customers', min: 0, max: 5 })
   * await fake('order_items', { per: 'orders', min: 1, max: 4 })
   * ```
   */
  fake<T extends TableName>(table: T, count: FakeCount, overrides?: TableOverrides<T>): Promise<LoadResult>
  /**
   * @faker-js/faker seeded from the seed's name with a fixed reference date: the same rows on every
   * run and machine. Values under a unique constraint need the row number in them (`uniqueEmail`).
   */
  readonly faker: Faker
  /** The scale setting (`--scale`, SEEDBED_SCALE; default 1). */
  scale: number
  /** `base` rows times the scale, rounded, at least 1: `ctx.scaled(1000)` is 1,000 by default. */
  scaled(base: number): number
  /**
   * bcrypt hash of `plain` (cost 10). Pass the stored hash as `current`: when it already
   * matches `plain` it is returned unchanged, so a re-run does not rewrite the row.
   */
  hashPassword(plain: string, current?: string | null): Promise<string>
  /** A URL-safe random token from the operating system's secure generator. */
  randomToken(bytes?: number): string
  /**
   * Reads a secret from the environment and registers it for redaction. `devDefault` is used
   * only in the development environment; elsewhere a missing secret is `E_SECRET_MISSING`.
   * The name must be listed in the seed's `secrets`, in every environment (`E_SECRET_UNDECLARED`).
   */
  secret(name: string, options?: { devDefault?: string }): string
  /**
   * Runs a statement built with sql-template-strings (`SQL\`...\``, exported by seedbed as `SQL`) in
   * this seed's transaction, with its values as parameters: for seeds ported from node-postgres code.
   * Prefer `ctx.sql` for new seeds (identifiers with `sql(name)`, fragments, nesting).
   *
   * ```ts
   * await query(SQL`UPDATE products SET price = ${price} WHERE sku = ${sku}`)
   * ```
   */
  query<Row = Record<string, unknown>>(statement: { text: string; values: unknown[] }): Promise<Row[]>
}

/**
 * A seed file's export. Write it with {@link defineSeed} so that mistakes are type errors.
 *
 * ```ts
 * import { defineSeed } from './contract.ts'
 *
 * export default defineSeed({
 *   name: 'roles',
 *   description: 'The roles every environment needs',
 *   async run({ upsert }) {
 *     await upsert('roles', [{ name: 'admin' }, { name: 'member' }], { conflict: ['name'] })
 *   },
 * })
 * ```
 */
export interface Seed {
  /** Unique name: lower case letters, digits, `_` and `-`. Defaults to the file's name. */
  name?: string
  /** One line saying what the seed provides; shown by `plan`. */
  description?: string
  /**
   * Names of seeds whose rows this one needs; they run in earlier levels. `'auto'`: the seeds that
   * write the tables its tables' foreign keys refer to (from the catalog, for the tables in `writes`
   * and those the ledger saw it write); `plan` shows which were inferred and from which constraint.
   *
   * ```ts
   * export default defineSeed({ name: 'orders', dependsOn: 'auto', writes: ['orders'], run: ... })
   * ```
   */
  dependsOn?: readonly string[] | 'auto'
  /**
   * Tables the seed writes, for the plan's foreign-key check (`plan --check`) and `dependsOn: 'auto'`
   * before the ledger has seen it run (a run records the tables its helpers write). Names as `load`
   * takes them: `orders`, `app.Accounts`.
   */
  writes?: readonly string[]
  /**
   * Tables to fill with `ctx.fake`, declared as data: table (as `fake` takes it) -> a count, or
   * `{ count, overrides }`. Its tables count as declared `writes`, so `dependsOn: 'auto'` and
   * `plan --check` know them before any run. They are filled parents first (the foreign keys among
   * them; a cycle is broken at a nullable key, left NULL), in the seed's transaction, before `run`.
   * `'*'`: every other table of the database (outside the system schemas and seedbed's ledger).
   *
   * ```ts
   * export default defineSeed({ name: 'shop', dependsOn: 'auto', fill: { customers: 100, orders: { count: 300, overrides: { status: ['paid', 'shipped'] } } } })
   * ```
   */
  fill?: Fill
  /** Order within a level: lower runs first (default 100). Ties go by name. */
  priority?: number
  /**
   * Environments the seed runs in. Default: every environment but production; a seed runs in
   * production only when it lists `production` here and the profile's allow-list (SEEDBED_ALLOW)
   * names it.
   */
  environments?: readonly string[]
  /**
   * Environment variables the seed reads with `ctx.secret`; reading one not listed here is
   * E_SECRET_UNDECLARED. Outside development they have no default: a missing one stops the run
   * before anything is written (E_SECRET_MISSING).
   */
  secrets?: readonly string[]
  /** Seconds the seed may take before it is cancelled and rolled back (overrides --seed-timeout). */
  timeout?: number
  /**
   * Writes the seed's rows, idempotently. Counts come from the `upsert`/`tally` helpers;
   * if `run` returns counts instead, those are reported as they are. Optional when `fill` is given
   * (it runs after the fill, in the same transaction); a seed needs one of the two.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: `async run() {}` returns Promise<void>, which must be accepted
  run?(ctx: SeedContext): Promise<SeedCounts | void>
  /**
   * Optional check of the result, run in the same transaction before commit: throw to fail the
   * seed and roll it back. `validate` runs it alone, in a read-only transaction.
   */
  validate?(ctx: SeedContext): Promise<void>
  /**
   * How `undo` reverses this seed's run. Omitted: from the undo records a real run keeps (rows
   * created are deleted, rows updated get their old values back), which works when the seed writes
   * only through `upsert`, `load` and `copy`; a seed that writes otherwise cannot be undone unless it
   * gives this function, which gets a context whose `sql` is bound to the undo's transaction.
   * `false`: keep no undo records for this seed (it cannot be undone).
   *
   * ```ts
   * async undo({ sql }) { await sql`DELETE FROM audit_notes WHERE source = 'seed'` }
   * ```
   */
  undo?: false | ((ctx: SeedContext) => Promise<void>)
}

/** A seed as seedbed holds it once discovered: name and defaults filled in, file known. */
export interface LoadedSeed {
  name: string
  description: string
  dependsOn: readonly string[]
  /** `dependsOn: 'auto'`: `dependsOn` is filled from the catalog's foreign keys before planning. */
  autoDepends?: boolean
  /** The tables the seed declares it writes (`writes`, and the tables of `fill` but `'*'`), as given. */
  writes?: readonly string[]
  /** What `fill` declares, as given. */
  fill?: Fill
  priority: number
  environments?: readonly string[]
  secrets: readonly string[]
  timeout?: number
  file: string
  /** sha256 of the seed file: the ledger tells a changed seed by it. */
  checksum: string
  run?: Seed['run']
  validate?: Seed['validate']
  undo?: Seed['undo']
}

/** How many rows a `fill` entry asks for: what `ctx.fake` takes as its count (a number, or `{ per, min, max }` rows per parent). */
export type FillCount = FakeCount

/** One table of a seed's `fill`: a count (or rows per parent), or a count and the overrides `ctx.fake` takes. */
export type FillEntry = FillCount | { count: FillCount; overrides?: FakeOverrides }

/**
 * What is wrong with `{ per, min, max }` as `ctx.fake` and `fill` take it (its own shape: `per` a name,
 * 0 <= min <= max whole numbers, no other key), with what to do; undefined when nothing is. The catalog's
 * part (which foreign key `per` names) is checked when the rows are made.
 */
export function perParentProblem(count: object): { what: string; hint: string } | undefined {
  const example = "fake('orders', { per: 'customers', min: 0, max: 5 })"
  const { per, min, max, ...rest } = count as Partial<FakePerParent>
  const extra = Object.keys(rest)
  if (extra.length) {
    return {
      what: `count has unknown key${extra.length === 1 ? '' : 's'} ${extra.join(', ')}`,
      hint: `give { per, min, max }, for example ${example}`,
    }
  }
  if (typeof per !== 'string' || !per.trim()) {
    return {
      what: 'count per parent needs `per`, the parent table or referencing column',
      hint: `give { per, min, max }, for example ${example}`,
    }
  }
  const whole = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0
  if (!whole(min) || !whole(max) || (min as number) > (max as number)) {
    return {
      what: `count per ${per}: min and max must be whole numbers with 0 <= min <= max, got min ${String(min)}, max ${String(max)}`,
      hint: `for example { per: '${per}', min: 0, max: 5 }`,
    }
  }
  return undefined
}

/** A fill entry's count and overrides. */
export function entryOf(entry: FillEntry): { count: FillCount; overrides: FakeOverrides } {
  return typeof entry === 'object' && 'count' in entry
    ? { count: entry.count, overrides: entry.overrides ?? {} }
    : { count: entry, overrides: {} }
}

/** A seed's `fill`: table (as `ctx.fake` takes it, or `'*'` for every other table) -> its entry. */
export type Fill = Readonly<Record<string, FillEntry>>

/** Identity function that type-checks a seed definition (excess keys are errors too). */
export function defineSeed<const S extends Seed>(seed: S & Record<Exclude<keyof S, keyof Seed>, never>): S {
  return seed
}

export const DEFAULT_PRIORITY = 100
export const SEED_NAME = /^[a-z0-9][a-z0-9_-]*$/
