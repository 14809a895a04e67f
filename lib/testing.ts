import postgres from 'postgres'
import { seed, type RunOptions } from './execution/api.ts'
import { createPool, databaseUrl } from './db/connect.ts'
import { codes, SeedbedError } from './errors/errors.ts'
import { applySchema } from './db/schema.ts'
import type { RunResult } from './contract/types.ts'

export { databaseUrl }

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new SeedbedError(codes.BAD_OPTION, `database name '${name}' must be lower case letters, digits and _`, {
      hint: 'pick a plain name',
    })
  }
  return `"${name}"`
}

export interface TemplateOptions {
  /** Any database URL of the server (its database is only used to connect). */
  serverUrl: string
  /** Name of the template database (dropped and re-created). */
  template: string
  /** Schema folder applied before seeding (default: settings' schema folder). */
  schemaDir: string
  /** Seeding options: seeds folder, only, scale... */
  seed?: Omit<RunOptions, 'databaseUrl' | 'sql'>
}

/**
 * Builds a seeded template database once (before a test suite): create, apply the schema, seed,
 * then mark it a template. Each test then gets its copy in milliseconds with `cloneDatabase`.
 */
export async function prepareTemplate(options: TemplateOptions): Promise<RunResult> {
  const admin = postgres(options.serverUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${ident(options.template)} WITH (FORCE)`)
    await admin.unsafe(`CREATE DATABASE ${ident(options.template)}`)
    const url = databaseUrl(options.serverUrl, options.template)
    const sql = createPool(url, 4)
    let result: RunResult
    try {
      await applySchema(sql, options.schemaDir)
      result = await seed({ ...options.seed, databaseUrl: url })
    } finally {
      // CREATE DATABASE ... TEMPLATE needs the template to have no connections.
      await sql.end()
    }
    if (!result.ok)
      throw new SeedbedError(codes.SEED_FAILED, `seeding the template ${options.template} failed`, {
        hint: 'run the seeds against it to see why',
      })
    await admin.unsafe(`ALTER DATABASE ${ident(options.template)} WITH IS_TEMPLATE true`)
    return result
  } finally {
    await admin.end()
  }
}

export interface Clone {
  name: string
  url: string
  drop(): Promise<void>
}

/** A fresh copy of a template database (a file-level copy inside PostgreSQL: no re-seeding). */
export async function cloneDatabase(serverUrl: string, template: string, name: string): Promise<Clone> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}`)
  } finally {
    await admin.end()
  }
  return {
    name,
    url: databaseUrl(serverUrl, name),
    async drop() {
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} })
      await a.unsafe(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
      await a.end()
    },
  }
}

/** Drops a template made by `prepareTemplate`. */
export async function dropTemplate(serverUrl: string, template: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
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
  const sql = postgres(url, { max: 1, onnotice: () => {} })
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
  /** Stops the embedded server if this call started it; a DATABASE_URL server is left alone. */
  stop(): Promise<void>
}

/**
 * The server tests run on: DATABASE_URL's when it is set, else the embedded PostgreSQL in `dataDir`
 * (default `.seedbed/`, the folder `seed` uses), started or joined as `seed` does.
 */
export async function testServer(options: { dataDir?: string } = {}): Promise<TestServer> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} }
  const { startEmbedded } = await import('./db/embedded.ts')
  const { createLogger } = await import('./output/log.ts')
  const server = await startEmbedded({ dataDir: options.dataDir ?? '.seedbed', log: createLogger({ level: -999 }) })
  return { url: server.url, stop: () => server.stop() }
}
