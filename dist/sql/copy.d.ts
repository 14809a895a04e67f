import type postgres from 'postgres';
import type { CopyRow, RowSource } from '../contract/types.js';
export interface CopyOptions {
    /** Called after each chunk is handed to the connection, with the rows sent so far. */
    onProgress?: (rows: number) => void;
    /** Rows encoded into one write (default 1,000): one write per row would double the time. */
    chunkRows?: number;
}
/** One field of COPY text: `\N` for NULL, else the value's text with COPY's escapes. */
export declare function encodeField(value: unknown): string;
/** Turns a row into a COPY text line, checking it has one value per column. */
export declare function rowEncoder(columns: readonly string[], table: string): (row: CopyRow, index: number) => string;
/**
 * Streams rows into `table` with `COPY ... FROM STDIN` on the given connection (use the seed's
 * transaction). Rows are encoded in chunks and backpressure is honoured, so memory stays flat
 * whatever the row count. Resolves with the rows sent once the server has accepted them all;
 * a row the server rejects rejects the promise with PostgreSQL's error.
 */
export declare function copyRows(sql: postgres.TransactionSql | postgres.Sql, table: string, columns: readonly string[], rows: RowSource, options?: CopyOptions): Promise<number>;
