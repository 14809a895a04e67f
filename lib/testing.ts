import { seed, type RunOptions } from './execution/api.ts'
import { createPool, databaseUrl } from './db/connect.ts'
import type { RunResult } from './contract/types.ts'
import { buildTemplate, type Clone, ident, type TemplateCache, type TemplateCacheOptions, templateCache } from './testing/template-cache.ts'

export { databaseUrl }
export { pruneTestDatabases, templateCache, workerId } from './testing/template-cache.ts'
export type { Clone, TemplateCache, TemplateCacheOptions }

export interface TemplateOptions {
  /** Any database URL of the server (its database is only used to connect). */
  serverUrl: string
  /** Name of the template database (dropped and re-created). */
  template: string
  /** Schema folder applied before seeding (default: settings' schema folder). */
  schemaDir: string
  /** Seeding options: seeds folder, only, scale... */
  seed?: Omit<RunOptions, 'databaseUrl' | 'sql'> | undefined
}

/**
 * Builds a seeded template database (before a test suite): create, apply the schema, seed, then
 * mark it a template. Each test then gets its copy with `cloneDatabase`. It rebuilds every time;
 * `testDatabases` keeps the template between runs and rebuilds it only when the files change.
 */
export async function prepareTemplate(options: TemplateOptions): Promise<RunResult> {
  const admin = createPool(options.serverUrl, 1)
  try {
    // The template cache's own build (lib/testing/template-cache.ts): seeded under a temporary name
    // with the schema applied, vacuumed, then marked a template and renamed in one transaction.
    return await buildTemplate(admin, options, options.template, { ...options.seed, schemaDir: options.schemaDir })
  } finally {
    await admin.end()
  }
}

/**
 * A fresh copy of a template database (a file-level copy inside PostgreSQL: no re-seeding). It opens
 * a connection for the copy and another for `drop()`; `testDatabases().clone()` reuses one.
 */
export async function cloneDatabase(serverUrl: string, template: string, name: string): Promise<Clone> {
  const admin = createPool(serverUrl, 1)
  try {
    await admin.unsafe(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}`)
  } finally {
    await admin.end()
  }
  return {
    name,
    url: databaseUrl(serverUrl, name),
    async drop() {
      const a = createPool(serverUrl, 1)
      await a.unsafe(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
      await a.end()
    },
  }
}

/** Drops a template made by `prepareTemplate`. */
export async function dropTemplate(serverUrl: string, template: string): Promise<void> {
  const admin = createPool(serverUrl, 1)
  try {
    await admin.unsafe(`ALTER DATABASE ${ident(template)} WITH IS_TEMPLATE false`).catch(() => undefined)
    await admin.unsafe(`DROP DATABASE IF EXISTS ${ident(template)} WITH (FORCE)`)
  } finally {
    await admin.end()
  }
}

/**
 * The other reset: empty every table of the public schema in one statement, then seed again.
 * The record of applied schema files is kept: the tables they made are still there.
 * Slower than a clone when seeding is expensive, but needs no CREATE DATABASE privilege.
 */
export async function truncateAndReplant(url: string, options: Omit<RunOptions, 'databaseUrl' | 'sql'>): Promise<RunResult> {
  const sql = createPool(url, 1)
  try {
    const tables = await sql<
      { t: string }[]
    >`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname IN ('public', 'seedbed')
        AND (schemaname, tablename) <> ('seedbed', 'schema_files')`
    if (tables.length) await sql.unsafe(`TRUNCATE ${tables.map((x) => x.t).join(', ')} RESTART IDENTITY CASCADE`)
  } finally {
    await sql.end()
  }
  return seed({ ...options, databaseUrl: url })
}

export interface TestServer {
  /** A URL of the server (its `postgres` database): pass it to prepareTemplate and cloneDatabase. */
  url: string
  /** True for the embedded server in a test data folder: fsync, full_page_writes and synchronous_commit off. */
  testProfile: boolean
  /** Whether the embedded server's data folder copies files by reference (reflinks); false for DATABASE_URL's. */
  reflink: boolean
  /** Leaves the embedded server to the other processes using it, or stops it when this is the last. A DATABASE_URL server is left alone. */
  stop(): Promise<void>
}

/**
 * The server tests run on: DATABASE_URL's when it is set, else an embedded PostgreSQL in `dataDir`
 * (default `.seedbed/test`: a data folder for tests alone, apart from `.seedbed/`, which `seed` uses).
 * A folder that is new, or was made by this call, runs with the test profile (fsync off). Several
 * processes (test workers, node:test files) share it: each joins, the last one to stop() stops it.
 */
export async function testServer(options: { dataDir?: string } = {}): Promise<TestServer> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, testProfile: false, reflink: false, stop: async () => {} }
  const { startEmbedded, supportsReflink } = await import('./db/embedded.ts')
  const { createLogger } = await import('./output/log.ts')
  const dataDir = options.dataDir ?? '.seedbed/test'
  const server = await startEmbedded({ dataDir, log: createLogger({ level: -999 }), profile: 'test', shared: true })
  return { url: server.url, testProfile: server.testProfile, reflink: await supportsReflink(dataDir), stop: () => server.stop() }
}

export interface TestDatabasesOptions extends Omit<TemplateCacheOptions, 'serverUrl' | 'reflink'> {
  /** The server (default: `testServer()`: DATABASE_URL's, else the embedded one of `dataDir`). */
  serverUrl?: string | undefined
  /** The embedded test server's folder, without serverUrl and DATABASE_URL (default `.seedbed/test`). */
  dataDir?: string | undefined
}

export interface TestDatabases extends TemplateCache {
  /** The server's URL (its admin database). */
  serverUrl: string
  /** Drops this handle's clones, closes its connection, and leaves or stops the server it started. */
  close(): Promise<void>
}

/**
 * Seeded test databases, fast: the template is named by a hash of what it is built from (seed files,
 * schema or migration files, seedbed's version, scale/only/env/migrate) and kept between runs, so a
 * second `npm test` seeds nothing; it is rebuilt when one of them changes, and the project's older
 * templates are dropped. Workers that start at once build it once (an advisory lock): the others wait
 * and reuse it. `clone()` copies it over one open connection, with a name of this worker's own.
 *
 * @example
 * const dbs = await testDatabases({ schemaDir: 'schema', seed: { seedsDir: 'seeds' } })
 * const db = await dbs.clone()   // { name, url, drop() }
 * // ... connect to db.url
 * await dbs.close()              // drops the clones, closes the connection, stops the server it started
 */
export async function testDatabases(options: TestDatabasesOptions = {}): Promise<TestDatabases> {
  const { serverUrl, dataDir, ...rest } = options
  const server = serverUrl ? undefined : await testServer({ ...(dataDir && { dataDir }) })
  const url = serverUrl ?? server!.url
  let cache: TemplateCache
  try {
    cache = await templateCache({ ...rest, serverUrl: url, reflink: server?.reflink ?? false })
  } catch (e) {
    await server?.stop()
    throw e
  }
  return {
    ...cache,
    serverUrl: url,
    async close() {
      try {
        await cache.close()
      } finally {
        await server?.stop()
      }
    },
  }
}
