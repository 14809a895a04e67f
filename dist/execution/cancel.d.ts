import type postgres from 'postgres';
/**
 * Wraps a seed's transaction so that it can be stopped: every query it starts is tracked, and
 * `cancel(reason)` sends PostgreSQL a cancel request for the one still running (on a socket of its
 * own, so a full pool cannot delay it) and makes any later query fail with `reason`. The transaction
 * then rolls back: the server stops working on it instead of seedbed merely ceasing to wait.
 */
export declare function cancellable(tx: postgres.TransactionSql): {
    sql: postgres.TransactionSql;
    cancel(reason: Error): void;
};
