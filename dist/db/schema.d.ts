import type postgres from 'postgres';
/**
 * The example project's schema: plain `.sql` files applied in name order, each in a transaction.
 * seedbed is not a migration tool; this is just enough to give seeds their tables.
 */
export declare function applySchema(sql: postgres.Sql, dir: string): Promise<string[]>;
/** Drops everything in the `public` schema (what `fresh` starts from). */
export declare function dropPublicSchema(sql: postgres.Sql): Promise<void>;
