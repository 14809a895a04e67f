import postgres from 'postgres';
import type { Logger } from '../output/log.js';
import { type Target } from '../errors/pg-errors.js';
export interface Database {
    sql: postgres.Sql;
    /** Host, port, user and database: what error messages may name. */
    target: Target;
    /** The connection string with its password replaced by `***`. */
    display: string;
    /** The connection string itself, password included: for child processes, never for output. */
    url: string;
    embedded: boolean;
    /** Closes the pool and stops the embedded server if this run started it. */
    close(): Promise<void>;
}
export interface OpenOptions {
    /** DATABASE_URL; without it, the embedded PostgreSQL. */
    url?: string;
    poolSize: number;
    /** Embedded server's folder and port (used only without a URL). */
    dataDir: string;
    embeddedPort?: number;
    /** Tries of the first connection while the server is not ready yet (default 0). */
    retries?: number;
    log: Logger;
}
/** Parses a connection string, remembering its password as a secret. */
export declare function parseDatabaseUrl(url: string): Target;
/** The same server, another database. */
export declare function databaseUrl(serverUrl: string, database: string): string;
/** A postgres.js pool for a URL, quiet about NOTICEs, named in pg_stat_activity. */
export declare function createPool(url: string, max: number): postgres.Sql;
/**
 * Opens the database a run works on: DATABASE_URL when given, else the embedded server. The
 * connection is checked at once so that a wrong password or host fails before any seed starts.
 */
export declare function openDatabase(options: OpenOptions): Promise<Database>;
