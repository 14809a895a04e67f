import type postgres from 'postgres';
import type { LoadOptions, LoadResult, RowSource } from '../contract/types.js';
/**
 * Loads rows idempotently at COPY speed, inside the caller's transaction: a failure anywhere
 * (a bad row, a constraint, the source throwing) leaves the table as it was.
 *
 * The merge path stages rows in a temporary table (dropped at commit), then writes only the
 * rows that are new or differ: an anti-join drops unchanged rows before the INSERT, so an
 * all-skipped re-run never touches the target. Counts come from the statement itself.
 */
export declare function loadRows(sql: postgres.TransactionSql, table: string, rows: RowSource, options: LoadOptions): Promise<LoadResult>;
