import { type RunOptions } from './execution/api.js';
import { databaseUrl } from './db/connect.js';
import type { RunResult } from './contract/types.js';
export { databaseUrl };
export interface TemplateOptions {
    /** Any database URL of the server (its database is only used to connect). */
    serverUrl: string;
    /** Name of the template database (dropped and re-created). */
    template: string;
    /** Schema folder applied before seeding (default: settings' schema folder). */
    schemaDir: string;
    /** Seeding options: seeds folder, only, scale... */
    seed?: Omit<RunOptions, 'databaseUrl' | 'sql'>;
}
/**
 * Builds a seeded template database once (before a test suite): create, apply the schema, seed,
 * then mark it a template. Each test then gets its copy in milliseconds with `cloneDatabase`.
 */
export declare function prepareTemplate(options: TemplateOptions): Promise<RunResult>;
export interface Clone {
    name: string;
    url: string;
    drop(): Promise<void>;
}
/** A fresh copy of a template database (a file-level copy inside PostgreSQL: no re-seeding). */
export declare function cloneDatabase(serverUrl: string, template: string, name: string): Promise<Clone>;
/** Drops a template made by `prepareTemplate`. */
export declare function dropTemplate(serverUrl: string, template: string): Promise<void>;
/**
 * The other reset: empty every table of the public schema in one statement, then seed again.
 * Slower than a clone when seeding is expensive, but needs no CREATE DATABASE privilege.
 */
export declare function truncateAndReplant(url: string, options: Omit<RunOptions, 'databaseUrl' | 'sql'>): Promise<RunResult>;
export interface TestServer {
    /** A URL of the server (its `postgres` database): pass it to prepareTemplate and cloneDatabase. */
    url: string;
    /** Stops the embedded server if this call started it; a DATABASE_URL server is left alone. */
    stop(): Promise<void>;
}
/**
 * The server tests run on: DATABASE_URL's when it is set, else the embedded PostgreSQL in `dataDir`
 * (default `.seedbed/`, the folder `seed` uses), started or joined as `seed` does.
 */
export declare function testServer(options?: {
    dataDir?: string;
}): Promise<TestServer>;
