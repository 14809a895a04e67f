import type postgres from 'postgres';
import type { SeedCounts, UpsertOptions, UpsertResult } from '../contract/types.js';
/** PostgreSQL's bind-parameter limit per statement (a 16-bit count in the wire protocol). */
export declare const MAX_PARAMETERS = 65535;
/** Created / updated / skipped from rows returned by `RETURNING (xmax = 0) AS inserted`. */
export declare function tallyRows(rows: readonly {
    inserted: boolean;
}[], attempted: number): SeedCounts;
/**
 * Idempotent multi-row upsert. Existing rows whose update columns already hold the given values
 * are not touched (the `WHERE ... IS DISTINCT FROM` clause), so they come back as skipped and a
 * re-run writes nothing. Rows are sent in batches that stay under the parameter limit.
 */
export declare function upsertRows<Row extends Record<string, unknown>, Ret>(sql: postgres.TransactionSql, table: string, rows: readonly Row[], options: UpsertOptions<Row>): Promise<UpsertResult<Ret>>;
