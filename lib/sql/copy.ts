import { once } from 'node:events'
import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import { copyDataError, missingValueError } from '../errors/load-errors.ts'
import { columnList } from './fragments.ts'
import type { CopyRow, RowSource } from '../contract/types.ts'

export interface CopyOptions {
  /** Called after each chunk is handed to the connection, with the rows sent so far. */
  onProgress?: (rows: number) => void
  /** Rows encoded into one write (default 1,000): one write per row would double the time. */
  chunkRows?: number
  /** The table errors name, when `table` is a staging table standing in for it (default `table`). */
  reportAs?: string
  /** What errors say the rows were for (default `copy into`). */
  verb?: 'load into' | 'copy into'
  /**
   * `COPY ... (FREEZE)`: rows are written frozen. PostgreSQL allows it only when the table was
   * created or truncated in the current (sub)transaction (load's fast path arranges that).
   */
  freeze?: boolean
}

// COPY text format: backslash, tab, newline and carriage return are escaped; \N is NULL.
const SPECIAL = /[\\\t\n\r]/
const SPECIAL_ALL = /[\\\t\n\r]/g
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }
const escapeText = (s: string) => (SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : s)

/** An element inside a PostgreSQL array literal: quoted, with `"` and `\` escaped. */
function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (Array.isArray(value)) return arrayLiteral(value)
  const text = scalarText(value)
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`
}
const arrayLiteral = (values: readonly unknown[]): string => `{${values.map(arrayElement).join(',')}}`

/** The text PostgreSQL parses for a value, before COPY escaping. */
function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
      return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
    case 'bigint':
      return value.toString()
    case 'boolean':
      return value ? 't' : 'f'
  }
  if (value instanceof Date) return value.toISOString()
  // bytea hex format
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
  if (Array.isArray(value)) return arrayLiteral(value)
  return JSON.stringify(value)
}

/** One field of COPY text: `\N` for NULL, else the value's text with COPY's escapes. */
export function encodeField(value: unknown): string {
  return value === null || value === undefined ? '\\N' : escapeText(scalarText(value))
}

/**
 * Turns a row into a COPY text line, checking it has one value per column: an array as long as
 * `columns`, an object with a value for each of them (an absent key is E_ROW_COLUMN, not NULL;
 * keys beyond `columns` are not loaded).
 */
export function rowEncoder(
  columns: readonly string[],
  table: string,
  verb: 'load into' | 'copy into' = 'copy into',
): (row: CopyRow, index: number) => string {
  return (row, index) => {
    let values: readonly unknown[]
    if (Array.isArray(row)) values = row
    else {
      values = columns.map((c) => (row as Record<string, unknown>)[c])
      const at = values.indexOf(undefined)
      if (at >= 0) throw missingValueError(verb, table, index, columns[at]!, columns)
    }
    if (values.length !== columns.length) {
      throw new SeedbedError(
        codes.COPY_ROW,
        `row ${index + 1} for ${table} has ${values.length} values, expected ${columns.length} (${columns.join(', ')})`,
        {
          table,
          hint: 'give every row one value per column, in the order of `columns`',
        },
      )
    }
    let line = ''
    for (let i = 0; i < values.length; i++) line += (i ? '\t' : '') + encodeField(values[i])
    return `${line}\n`
  }
}

/**
 * Streams rows into `table` with `COPY ... FROM STDIN` on the given connection (use the seed's
 * transaction). Rows are encoded in chunks and backpressure is honoured, so memory stays flat
 * whatever the row count. Resolves with the rows sent once the server has accepted them all.
 * A value the server rejects (bad syntax, too long, out of range, NULL in a NOT NULL column) is
 * E_COPY_DATA naming the table, row, column and value; any other rejection is PostgreSQL's error.
 */
export async function copyRows(
  sql: postgres.TransactionSql | postgres.Sql,
  table: string,
  columns: readonly string[],
  rows: RowSource,
  options: CopyOptions = {},
): Promise<number> {
  const encode = rowEncoder(columns, options.reportAs ?? table, options.verb)
  const chunkRows = options.chunkRows ?? 1000
  const stream = await sql`COPY ${sql(table)} (${columnList(sql, columns)}) FROM STDIN${options.freeze ? sql` (FREEZE)` : sql``}`.writable()
  const failed = once(stream, 'error').then(([e]) => Promise.reject(e))
  failed.catch(() => undefined) // observed below; never an unhandled rejection
  // Every wait ends when the COPY fails. The server may end it at any moment, not only in reply to
  // the last row: a cancel (statement_timeout, pg_cancel_backend) arrives while rows are still being
  // sent, and the driver destroys the writable then. A 'drain' awaited after that never comes: the
  // load waited forever, its transaction open (idle in transaction (aborted)), the run lock held.
  const orFailed = <T>(wait: Promise<T>) => Promise.race([wait, failed])
  let count = 0
  let chunk = ''
  let inChunk = 0
  let turned = performance.now()
  const nextTurn = () => {
    turned = performance.now()
    return new Promise<void>((resolve) => setImmediate(resolve))
  }
  /** Adds a row; returns a promise to await before the next row when the event loop is due a turn. */
  const add = (row: CopyRow): Promise<unknown> | undefined => {
    chunk += encode(row, count++)
    if (++inChunk < chunkRows) {
      // A slow generator (tens of us a row) takes tens of ms a chunk: a turn every 5 ms inside a
      // chunk too, so that the small seeds beside it wait ms, not a chunk, for each reply.
      return (inChunk & 127) === 0 && performance.now() - turned >= 5 ? orFailed(nextTurn()) : undefined
    }
    const full = !stream.write(chunk)
    chunk = ''
    inChunk = 0
    options.onProgress?.(count)
    // A turn of the event loop after every chunk, full socket or not. A chunk is larger than the
    // writable's buffer, so write() returns false nearly always, and when the socket takes the chunk
    // at once 'drain' comes on process.nextTick: awaiting it alone never lets I/O run, and a
    // generator slower than the server then starved every other seed of its level (their queries'
    // replies unread until the load ended: 62 s for a 15-row seed beside an 800k-row one), and the
    // lease's heartbeat, time limits and signals with them. One setImmediate per 1,000 rows costs
    // nothing measurable. once() rejects if the stream errors first (a rejected COPY destroys it),
    // and removes both of its listeners either way.
    return orFailed(full ? once(stream, 'drain').then(nextTurn) : nextTurn())
  }
  try {
    // A sync source is walked without `for await`, which would cost a microtask per row.
    if (Symbol.iterator in rows) {
      for (const row of rows) {
        const wait = add(row)
        if (wait) await wait
      }
    } else {
      for await (const row of rows) {
        const wait = add(row)
        if (wait) await wait
      }
    }
    if (chunk) stream.write(chunk)
    await Promise.race([
      new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve()))),
      failed,
    ])
  } catch (err) {
    // A row we could not encode, or a failing source: abort the COPY so the server discards it.
    if (!stream.destroyed) stream.destroy(err as Error)
    throw copyDataError(err, options.reportAs ?? table) ?? err
  }
  options.onProgress?.(count)
  return count
}
