import { codes, SeedbedError } from './errors.ts'

/** The fields of a PostgreSQL error these mappings read (postgres.js puts them on the error). */
interface CopyFailure {
  code?: string
  message?: string
  detail?: string
  where?: string
  column_name?: string
  constraint_name?: string
}

/** Keys named in a duplicate-key error: the first few, then a note that there are more. */
export const MAX_KEYS_NAMED = 5

/** `(a, b)`: how PostgreSQL writes a key's columns and values in its messages. */
const tuple = (items: readonly string[]) => `(${items.join(', ')})`

/**
 * The rows given to one `load` or `upsert` call repeat a key: a bug in the generator, reported
 * the same way whichever path found it. `keys` are the repeated key values, each formatted as
 * PostgreSQL does (`(a@x)`, `(1, x)`); the message passes through the redactor.
 */
export function duplicateKeyError(
  verb: 'load into' | 'upsert into',
  table: string,
  conflict: readonly string[],
  keys: readonly string[],
  extra: { more?: boolean; sqlState?: string; constraint?: string; cause?: unknown } = {},
): SeedbedError {
  const named = keys.slice(0, MAX_KEYS_NAMED)
  const more = extra.more || keys.length > named.length
  const list = named.length ? `: ${named.join(', ')}${more ? ' and more' : ''}` : ''
  return new SeedbedError(codes.DUPLICATE_KEY, `${verb} ${table}: the rows repeat the key ${tuple(conflict)}${list}`, {
    table,
    constraint: extra.constraint,
    sqlState: extra.sqlState,
    cause: extra.cause,
    hint: `give each row its own ${tuple(conflict)}: fix the generator (rows of one call are never merged with each other)`,
  })
}

/** `conflict` is not the key of a unique index or constraint, so ON CONFLICT cannot use it. */
export function conflictKeyError(verb: 'load into' | 'upsert into', table: string, conflict: readonly string[], cause?: unknown) {
  return new SeedbedError(codes.CONFLICT_KEY, `${verb} ${table}: no unique index or constraint of ${table} is on ${tuple(conflict)}`, {
    table,
    cause,
    hint: `pass as conflict the columns of a unique constraint or primary key of ${table}, or add one on ${tuple(conflict)} to the schema`,
  })
}

const unquote = (name: string) => (name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name)

/**
 * A unique violation's `detail` (`Key (a, b)=(1, x) already exists.`) split into the key's
 * columns and its values as written; undefined when the server sent no detail.
 */
export function keyFromDetail(detail: string | undefined): { columns: string[]; value: string } | undefined {
  // "already exists" from an insert or a COPY; "is duplicated" from building a unique index over the rows.
  const m = detail?.match(/^Key \((.*?)\)=(\(.*\)) (?:already exists|is duplicated)\.$/s)
  return m ? { columns: m[1]!.split(', ').map(unquote), value: m[2]! } : undefined
}

/** `COPY t, line 3, column age: "abc"` → line 3, column age, value `"abc"` (or `null`). */
export function copyPosition(where: string | undefined): { line: number; column?: string; value?: string } | undefined {
  // A trigger or a function may add lines of context before COPY's own.
  const m = where?.match(/^COPY .+?, line (\d+)(?:, column (.+?))?(?:: (null input|"[\s\S]*"))?$/m)
  if (!m) return undefined
  const value = m[3] === 'null input' ? 'null' : m[3]
  return { line: Number(m[1]), ...(m[2] !== undefined && { column: m[2] }), ...(value !== undefined && { value }) }
}

/** SQLSTATEs of a value the column cannot take: data exceptions (class 22), and NULL in a NOT NULL column. */
const isDataError = (code: string | undefined) => !!code && (code.startsWith('22') || code === '23502')

/**
 * A value COPY rejected, as E_COPY_DATA naming `table` (the table the caller loads, also when the
 * COPY went to a staging table), the column, the row (line N of a COPY is row N of the rows given)
 * and the value. Undefined for any other error, which keeps its own mapping.
 */
export function copyDataError(err: unknown, table: string): SeedbedError | undefined {
  const e = (err ?? {}) as CopyFailure
  if (!isDataError(e.code)) return undefined
  const at = copyPosition(e.where)
  if (!at) return undefined
  const column = at.column ?? e.column_name ?? '?'
  // NOT NULL names the line but not the value: it is the NULL (the line itself would show every column).
  const value = at.column ? at.value : e.code === '23502' ? 'null' : undefined
  const message = `row ${at.line} of the rows for ${table}, column ${column}${value ? `, value ${value}` : ''}: ${e.message}`
  return new SeedbedError(codes.COPY_DATA, message, {
    table,
    sqlState: e.code,
    cause: err,
    hint: `row ${at.line} of the rows given to load/copy for table ${table} has a value column ${column} cannot take: fix the generator`,
  })
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c) => b.includes(c))

/**
 * A unique violation on the `conflict` key raised while COPYing into a table that was empty
 * before: the input itself repeats that key, so it is E_DUPLICATE_KEY like the merge path's.
 * Undefined for any other error (a violation of another unique constraint keeps its mapping).
 */
export function inputDuplicateError(err: unknown, table: string, conflict: readonly string[]): SeedbedError | undefined {
  const e = (err ?? {}) as CopyFailure
  if (e.code !== '23505') return undefined
  const key = keyFromDetail(e.detail)
  if (!key || !sameColumns(key.columns, conflict)) return undefined
  return duplicateKeyError('load into', table, conflict, [key.value], { sqlState: e.code, constraint: e.constraint_name, cause: err })
}

/**
 * A row given as an object has no value (the key is absent, or undefined) for one of the columns:
 * for upsert the union of every row's keys, for load and copy their `columns`. Never taken as NULL
 * or as the column's default: an absent key is as often a typo or a generator's forgotten field as
 * a wish, and `null` says NULL. `index` counts from 0, as the rows' array does.
 */
export function missingValueError(
  verb: 'upsert into' | 'load into' | 'copy into',
  table: string,
  index: number,
  column: string,
  columns: readonly string[],
): SeedbedError {
  const why = verb === 'upsert into' ? "the union of the rows' keys" : 'its `columns`'
  return new SeedbedError(
    codes.ROW_COLUMN,
    `${verb} ${table}: row ${index} (counted from 0) has no value for column ${column}, one of ${why} (${columns.join(', ')})`,
    {
      table,
      hint: `give every row a value for every column: null for NULL (an absent or undefined key is never read as NULL or as the column's default); to leave a column to its default, leave it out of every row${verb === 'upsert into' ? '' : ' and out of `columns`'}`,
    },
  )
}

/** Upsert's conflict columns are empty, or one is in no row: ON CONFLICT could not name a key. */
export function conflictColumnError(
  table: string,
  conflict: readonly string[],
  absent: readonly string[],
  columns: readonly string[],
): SeedbedError {
  return new SeedbedError(
    codes.CONFLICT_COLUMN,
    absent.length
      ? `upsert into ${table}: conflict column${absent.length > 1 ? 's' : ''} ${absent.join(', ')} ${absent.length > 1 ? 'are' : 'is'} in none of the rows (their keys: ${columns.join(', ')})`
      : `upsert into ${table}: conflict is empty`,
    {
      table,
      hint: `conflict names the columns of a unique constraint or primary key of ${table}; give every row a value for each (conflict: ${conflict.length ? conflict.join(', ') : 'none'})`,
    },
  )
}
