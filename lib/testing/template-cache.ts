import { createHash } from 'node:crypto'
import type postgres from 'postgres'
import type { RunResult } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { seed } from '../execution/api.ts'
import { type RunOptions, settle } from '../execution/lifecycle.ts'
import { createPool, databaseUrl } from '../db/connect.ts'
import { projectId, templateHash } from './template-hash.ts'

/** Database names seedbed makes: plain lower-case identifiers, so they need no quoting rules. */
export const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || name.length > 63) {
    throw new SeedbedError(codes.BAD_OPTION, `database name '${name}' must be lower case letters, digits and _ (at most 63)`, {
      hint: 'pick a plain name',
    })
  }
  return `"${name}"`
}

/** Advisory lock class of template builds (two-key form: apart from the run lock's one-key LOCK_KEY). */
const BUILD_LOCK_CLASS = 0x5eedbe0
/** Held shared by every open handle on its template, so that a build for other files never drops it in use. */
const IN_USE_LOCK_CLASS = 0x5eedbe1
const lockKeyOf = (text: string) => createHash('sha256').update(text).digest().readInt32BE(0)

/**
 * This test worker's id, for clone names: vitest's `VITEST_POOL_ID` (or `VITEST_WORKER_ID`), jest's
 * `JEST_WORKER_ID`, tap's `TAP_CHILD_ID`; with none of them (node:test runs a process per file), `p`.
 * Clone names carry the process id as well, so two runs of one suite never share a name.
 */
export function workerId(env: NodeJS.ProcessEnv = process.env): string {
  const id = env.VITEST_POOL_ID ?? env.VITEST_WORKER_ID ?? env.JEST_WORKER_ID ?? env.TAP_CHILD_ID ?? 'p'
  return (
    id
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '')
      .slice(0, 8) || 'p'
  )
}

export interface TemplateCacheOptions {
  /** Any URL of the server; its database is where the admin connection and the build lock live. */
  serverUrl: string
  /** Schema folder applied before seeding (default: the settings' one, `schema`). Not used with `seed.migrate`. */
  schemaDir?: string | undefined
  /** Seeding options: seedsDir, only, scale, env, migrate... as for `seed()`. */
  seed?: Omit<RunOptions, 'databaseUrl' | 'sql' | 'applySchema'> | undefined
  /** With `seed.migrate`: the folders of migration files, hashed instead of the schema folder (default `migrations`). */
  migrationsDir?: string | string[] | undefined
  /** More files or folders whose content changes the rows (factories, fixtures the seeds read): hashed too. */
  inputs?: string[] | undefined
  /** Names the project on the server (default: from its seeds folder's path); its older templates are dropped. */
  project?: string | undefined
  /** Keep the project's templates of other hashes (default false: they are dropped after a build). */
  keepOld?: boolean | undefined
  /**
   * `false`: build the template on every call even when one of the same hash exists (for a suite that
   * must not trust a template a previous run left). Default true: reuse it while the files are the same.
   */
  cache?: boolean | undefined
  /**
   * How clones are copied. `auto` (default): `STRATEGY FILE_COPY` with `file_copy_method = clone` when
   * `reflink` is true and the server has the setting (PostgreSQL 18), else the server's default.
   * `clone`: try that on any server, falling back to the default where the setting is refused.
   * `default`: plain `CREATE DATABASE ... TEMPLATE`.
   */
  strategy?: 'auto' | 'clone' | 'default' | undefined
  /** Whether the server's data folder copies files by reference (testServer knows it for the embedded one). */
  reflink?: boolean | undefined
}

export interface Clone {
  name: string
  url: string
  drop(): Promise<void>
}

export interface TemplateCache {
  /** The template's name: `seedbed_tpl_<project>_<hash>`. */
  template: string
  /** The content hash (hex) it is named by. */
  hash: string
  /** True when this call built the template; false when it was found, built by an earlier run or another worker. */
  built: boolean
  /** The seeding run's result, when this call built it. */
  result?: RunResult
  /** How clones are made: `clone` (FILE_COPY with file_copy_method = clone) or `default`. */
  strategy: 'clone' | 'default'
  /** A copy of the template, over the handle's open connection. Names default to `seedbed_test_<project>_<worker>_<pid>_<handle>_<n>`. */
  clone(name?: string): Promise<Clone>
  /** Drops the clones this handle made that are still there and closes its connection. */
  close(): Promise<void>
}

const isTemplate = async (sql: postgres.Sql, name: string) =>
  (await sql<{ t: boolean }[]>`SELECT datistemplate AS t FROM pg_database WHERE datname = ${name}`)[0]?.t === true

async function dropDatabase(sql: postgres.Sql, name: string) {
  await sql.unsafe(`ALTER DATABASE ${ident(name)} WITH IS_TEMPLATE false`).catch(() => undefined)
  await sql.unsafe(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
}

/**
 * Finds or builds the template for what the project is now, and opens one admin connection for clones.
 * A template is built under a temporary name (`<template>_b`) while the build lock is held, then marked a
 * template and renamed in one transaction: a build that fails or is killed leaves only the temporary
 * database, which is never cloned and is dropped by the next build.
 */
export async function templateCache(options: TemplateCacheOptions): Promise<TemplateCache> {
  const given = { ...options.seed, ...(options.schemaDir !== undefined && { schemaDir: options.schemaDir }) }
  const { settings } = settle({ ...given, databaseUrl: options.serverUrl })
  const migrationsDirs = [options.migrationsDir ?? 'migrations'].flat()
  const hash = await templateHash({ settings, migrationsDirs, inputs: options.inputs ?? [] })
  const project = projectId(settings, options.project)
  const prefix = `seedbed_tpl_${project}_`
  const template = `${prefix}${hash.slice(0, 16)}`
  const sql = createPool(options.serverUrl, 1)
  let built = false
  let result: RunResult | undefined
  try {
    const reuse = options.cache !== false
    if (!reuse || !(await isTemplate(sql, template))) {
      const lockKey = lockKeyOf(project)
      await sql`SELECT pg_advisory_lock(${BUILD_LOCK_CLASS}, ${lockKey})`
      try {
        // Another worker may have built it while this one waited.
        if (!reuse || !(await isTemplate(sql, template))) {
          result = await buildTemplate(sql, options, template, given)
          built = true
          if (!options.keepOld) await dropOthers(sql, prefix, template)
        }
      } finally {
        await sql`SELECT pg_advisory_unlock(${BUILD_LOCK_CLASS}, ${lockKey})`
      }
    }
    // Until close() ends this connection: another run's build (other files, another hash) skips it.
    await sql`SELECT pg_advisory_lock_shared(${IN_USE_LOCK_CLASS}, ${lockKeyOf(template)})`
  } catch (e) {
    await sql.end()
    throw e
  }
  const strategy = await chooseStrategy(sql, options)
  const made = new Set<string>()
  // The process id tells runs and node:test files apart, the worker id threads of one process, and
  // the handle's own letters two handles of one worker.
  const own = `${workerId()}_${process.pid}_${Math.random().toString(36).slice(2, 6)}`
  let n = 0
  let closed = false
  const drop = async (name: string) => {
    if (!made.delete(name)) return
    await sql.unsafe(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
  }
  return {
    template,
    hash,
    built,
    ...(result && { result }),
    strategy,
    async clone(name = `seedbed_test_${project}_${own}_${++n}`) {
      if (closed)
        throw new SeedbedError(codes.BAD_OPTION, `clone() of ${template} after close()`, { hint: 'clone before closing the handle' })
      await sql.unsafe(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}${strategy === 'clone' ? ' STRATEGY FILE_COPY' : ''}`)
      made.add(name)
      return { name, url: databaseUrl(options.serverUrl, name), drop: () => drop(name) }
    },
    async close() {
      if (closed) return
      closed = true
      try {
        for (const name of [...made]) await drop(name)
      } finally {
        await sql.end()
      }
    },
  }
}

/** Seeds a new database under the temporary name; on success it becomes the template. */
export async function buildTemplate(
  sql: postgres.Sql,
  options: Pick<TemplateCacheOptions, 'serverUrl'>,
  template: string,
  given: Omit<RunOptions, 'databaseUrl'>,
): Promise<RunResult> {
  const building = `${template}_b`
  await dropDatabase(sql, building) // left by a build that was killed
  await dropDatabase(sql, template) // a database of that name that is not a template: not ours to trust
  await sql.unsafe(`CREATE DATABASE ${ident(building)}`)
  try {
    const result = await seed({ ...given, databaseUrl: databaseUrl(options.serverUrl, building), applySchema: true })
    if (!result.ok) {
      const why = result.error ?? result.seeds.find((s) => s.error)?.error
      throw new SeedbedError(codes.SEED_FAILED, `seeding the template ${template} failed${why ? `: ${why.code}: ${why.message}` : ''}`, {
        hint: 'run the seeds against a database to see why; no template was kept',
      })
    }
    // Frozen, hinted and analysed once here rather than in every copy on its first queries.
    const built = createPool(databaseUrl(options.serverUrl, building), 1)
    try {
      await built`VACUUM (FREEZE, ANALYZE)`
    } finally {
      await built.end()
    }
    await sql.begin(async (tx) => {
      await tx.unsafe(`ALTER DATABASE ${ident(building)} WITH IS_TEMPLATE true`)
      await tx.unsafe(`ALTER DATABASE ${ident(building)} RENAME TO ${ident(template)}`)
    })
    return result
  } catch (e) {
    await dropDatabase(sql, building).catch(() => undefined)
    throw e
  }
}

/**
 * Drops the project's other templates (older hashes) and their leftover builds, but not one an open
 * handle holds (a concurrent run of other files): that one goes with a later build. Called under the
 * build lock.
 */
async function dropOthers(sql: postgres.Sql, prefix: string, keep: string) {
  const rows = await sql<{ datname: string }[]>`
    SELECT datname FROM pg_database WHERE left(datname, ${prefix.length}) = ${prefix} AND datname <> ${keep}`
  for (const { datname } of rows) {
    const key = lockKeyOf(datname)
    const [{ free }] = await sql<[{ free: boolean }]>`SELECT pg_try_advisory_lock(${IN_USE_LOCK_CLASS}, ${key}) AS free`
    if (!free) continue
    try {
      await dropDatabase(sql, datname)
    } finally {
      await sql`SELECT pg_advisory_unlock(${IN_USE_LOCK_CLASS}, ${key})`
    }
  }
}

/** `clone` when asked for (or `auto` on a reflink filesystem) and the server takes the setting; else `default`. */
async function chooseStrategy(sql: postgres.Sql, options: TemplateCacheOptions): Promise<'clone' | 'default'> {
  const wanted = options.strategy ?? 'auto'
  if (wanted === 'default' || (wanted === 'auto' && !options.reflink)) return 'default'
  // A setting of this session (the handle's one connection): PostgreSQL before 18 does not know it.
  return sql`SELECT set_config('file_copy_method', 'clone', false)`.then(
    () => 'clone' as const,
    () => 'default' as const,
  )
}

/**
 * Drops the test databases seedbed made on a server: every template (`seedbed_tpl_*`) and clone
 * (`seedbed_test_*`) of the project, or of every project when `project` is not given. For clones a
 * killed test run left behind, or to free the space. Returns the names dropped.
 */
export async function pruneTestDatabases(serverUrl: string, options: { project?: string; seedsDir?: string } = {}): Promise<string[]> {
  const sql = createPool(serverUrl, 1)
  try {
    let id = ''
    if (options.project !== undefined || options.seedsDir !== undefined) {
      const { settings } = settle({ ...(options.seedsDir !== undefined && { seedsDir: options.seedsDir }), databaseUrl: serverUrl })
      id = `${projectId(settings, options.project)}_`
    }
    const rows = await sql<{ datname: string }[]>`
      SELECT datname FROM pg_database
      WHERE left(datname, ${12 + id.length}) = ${`seedbed_tpl_${id}`} OR left(datname, ${13 + id.length}) = ${`seedbed_test_${id}`}
      ORDER BY datname`
    for (const { datname } of rows) await dropDatabase(sql, datname)
    return rows.map((r) => r.datname)
  } finally {
    await sql.end()
  }
}
