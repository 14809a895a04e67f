import type postgres from 'postgres';
type Sql = postgres.TransactionSql | postgres.Sql;
type Fragment = postgres.PendingQuery<postgres.Row[]>;
/** Joins tagged-template fragments with a separator (postgres.js nests fragments but has no join). */
export declare function joinFragments(sql: Sql, fragments: Fragment[], separator?: 'comma' | 'and'): Fragment;
/**
 * `"a", "b"` or, with a qualifier, `q."a", q."b"`. Built from single identifiers because
 * postgres.js reads `sql(array)` by the keyword before it: after INSERT it would take the names
 * for rows of values.
 */
export declare function columnList(sql: Sql, columns: readonly string[], qualifier?: string): Fragment;
export {};
