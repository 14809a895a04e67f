/**
 * The programmatic API: `plan`, `seed`, `validate`, `fresh`, `undo` and `status`. Each settles its
 * options, says what would refuse it (lib/execution/refusals.ts), and runs through the one lifecycle
 * (lib/execution/lifecycle.ts); this file holds only what differs between them.
 */
import path from 'node:path'
import type { Settings } from '../config/config.ts'
import type { LoadedSeed } from '../contract/contract.ts'
import type { PlanCheck, PlanResult, RunResult, Status } from '../contract/types.ts'
import { lastRuns, lastSuccesses, type RecordedRun, readRun, recordSeed } from '../db/ledger.ts'
import { runMigrate } from '../db/migrate.ts'
import { applySchema, dropPublicSchema, isNewDatabase } from '../db/schema.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { withRedactor } from '../errors/redact.ts'
import type { Logger } from '../output/log.ts'
import { createProgress } from '../output/progress.ts'
import { planLevels } from '../planning/plan.ts'
import { type Planned, planProject, publicPlan } from '../planning/project.ts'
import { dependantsOf } from '../planning/select.ts'
import { problemText } from '../planning/foreign-keys.ts'
import { checkedLevels, planWithCatalog } from '../schema/plan-catalog.ts'
import { catalogHash, readCatalogTypes, renderTypes } from '../schema/table-types.ts'
import { staleTypesFiles, writeTypesFile } from '../schema/types-file.ts'
import { markSequences } from '../sql/diff.ts'
import { type Run, type RunOptions, settle, withRun } from './lifecycle.ts'
import { confirmProduction, refuseBySettings, refuseMissingSecrets, refuseNotAllowed } from './refusals.ts'
import { executeLevels, type LedgerHooks } from './run.ts'
import { type UndoResult, undoability, undoRun, undoTarget } from './undo.ts'

export type { RunOptions, Planned, PlanCheck, PlanResult, Status }

/** Discovers the seeds and plans their levels for the environment. Touches no database. */
export const plan = (options: RunOptions = {}): Promise<PlanResult> =>
  withRedactor(async () => {
    const { settings } = settle(options)
    return publicPlan(await planProject(settings, options.seeds))
  })

/**
 * The plan read against the database's foreign keys (`plan --check`): `dependsOn: 'auto'` filled in,
 * and each seed that may run before the seed writing a table its tables refer to, with the dependsOn
 * that fixes it. Reads the catalog and the ledger; writes nothing, takes no lock.
 */
export const checkPlan = (options: RunOptions = {}): Promise<PlanCheck> =>
  withRedactor(async () => {
    const { settings, log } = settle(options)
    const planned = await planProject(settings, options.seeds)
    return withRun(options, { command: 'status', writes: false, lock: false, poolSize: 2 }, { settings, log }, async (run) => {
      const { levels, foreignKeys, writes } = await planWithCatalog(run.sql, planned)
      return {
        ...publicPlan({ ...planned, levels }),
        writes: Object.fromEntries(writes),
        inferred: foreignKeys.inferred,
        problems: foreignKeys.problems.map((p) => ({ ...p, message: problemText(p) })),
        notes: foreignKeys.notes,
        staleTypes: await staleTypesFiles(run.sql, [process.cwd(), settings.seedsDir]),
      }
    })
  })

/** What `types` wrote: the file, how many tables, and the catalog's sha256. */
export interface TypesResult {
  file: string
  tables: number
  catalog: string
}

/**
 * `seedbed types`: the catalog's tables as TypeScript declarations augmenting seedbed's `Tables`, so
 * `upsert`, `load` and `fake` check table and column names and value types. `out` defaults to
 * `<seeds folder>/_tables.ts` (seed discovery skips `_` files); `schemas` to every schema but the
 * system ones and the ledger's. Reads the catalog; writes only the file.
 */
export function writeTypes(options: RunOptions & { out?: string; schemas?: readonly string[] } = {}): Promise<TypesResult> {
  return withRedactor(async () => {
    const { out, schemas, ...rest } = options
    const { settings, log } = settle(rest)
    return withRun(rest, { command: 'status', writes: false, lock: false, poolSize: 2 }, { settings, log }, async (run) => {
      const catalog = await readCatalogTypes(run.sql, schemas)
      const file = out ?? path.join(settings.seedsDir, '_tables.ts')
      const source = `${run.target.database ?? 'the database'} on ${run.target.host ?? 'localhost'}:${run.target.port ?? 5432}`
      await writeTypesFile(file, renderTypes(catalog, source))
      return { file, tables: catalog.tables.length, catalog: catalogHash(catalog) }
    })
  })
}

type Seeding = 'seed' | 'validate' | 'fresh'

/** The tables seeds need: the project's migrate command when set, else the schema files. */
async function prepareSchema(run: Run) {
  const { settings, log, url, signal } = run
  if (settings.migrate) {
    if (!url) {
      throw new SeedbedError(codes.BAD_OPTION, 'a migrate command needs the database URL to give it', {
        hint: 'pass databaseUrl along with sql, or unset SEEDBED_MIGRATE',
      })
    }
    log.info(`running the migrate command: ${settings.migrate}`)
    const output = await runMigrate(settings.migrate, { url, signal, variables: settings.variables })
    if (output.trim()) log.debug(output.trimEnd())
    log.info('migrate command done')
    return
  }
  const { applied, skipped } = await applySchema(run.sql, settings.schemaDir)
  if (skipped.length) log.info(`schema already applied, skipped: ${skipped.join(', ')}`)
  log.info(`applied schema: ${applied.join(', ') || (skipped.length ? 'nothing new' : '(no .sql files)')}`)
}

/** With --changed: only the seeds whose file changed since their last success, and what depends on them. */
async function changedOnly(run: Run, levels: LoadedSeed[][]): Promise<LoadedSeed[][]> {
  const done = await lastSuccesses(run.sql)
  const kept = levels.flat()
  const changed = kept.filter((s) => done.get(s.name)?.checksum !== s.checksum).map((s) => s.name)
  const rerun = dependantsOf(kept, changed)
  run.log.info(
    changed.length
      ? `changed since their last success: ${changed.join(', ')}; with what depends on them: ${rerun.size} seed(s)`
      : 'no seed changed since its last success',
  )
  return planLevels(kept, { exactly: rerun })
}

/** The ledger's record of each seed: a success inside the seed's transaction, checked against the lock. */
function ledgerHooks(run: Run, runId: number): LedgerHooks {
  return {
    succeeded: async (tx, seed, report) => {
      await run.lock!.assertHeld(tx)
      await recordSeed(tx, runId, seed, report)
    },
    failed: (seed, report) => recordSeed(run.sql, runId, seed, report),
  }
}

/** `seed`, `validate` or `fresh` on the run's database, once the lifecycle has opened it. */
async function seedOn(run: Run, command: Seeding, options: RunOptions, planned: LoadedSeed[][], project: Planned): Promise<RunResult> {
  const { settings, log } = run
  const writes = command !== 'validate' && !settings.dryRun
  let levels = planned
  run.startTimeout()
  // The first run on an embedded database seedbed just created prepares its tables by itself;
  // decided before the ledger exists, as it is part of what tells a new database. A user's
  // DATABASE_URL is never changed without --apply-schema.
  const firstRun = command === 'seed' && writes && !options.applySchema && run.embedded && (await isNewDatabase(run.sql))
  const runId = writes ? await run.record() : undefined
  if (command === 'fresh') {
    await dropPublicSchema(run.sql)
    log.info('dropped and recreated the public schema')
  }
  if (firstRun) log.info(`new embedded database: ${settings.migrate ? 'running the migrations' : 'applying the schema'} before seeding`)
  if (command === 'fresh' || (options.applySchema && !settings.dryRun) || firstRun) await prepareSchema(run)
  // The schema is there now: 'auto' dependencies from its foreign keys, and the plan checked against them.
  const checked = await checkedLevels(run.sql, project, log, { strict: options.strict })
  levels = command === 'validate' ? checked.map((l) => l.filter((s) => s.validate)).filter((l) => l.length) : checked
  if (settings.changed && command === 'seed') levels = await changedOnly(run, levels)
  const result = await executeLevels({
    sql: run.sql,
    levels,
    concurrency: settings.concurrency,
    log,
    env: settings.env,
    mode: command === 'validate' ? 'validate' : settings.dryRun ? 'dry-run' : 'seed',
    target: run.target,
    scale: settings.scale,
    variables: settings.variables,
    bcryptCost: settings.bcryptCost,
    progress: options.progress ? createProgress({ log, live: options.progress === 'live' }) : undefined,
    signal: run.signal,
    seedTimeoutMs: settings.seedTimeoutMs,
    maxRetries: settings.maxRetries,
    keepGoing: settings.keepGoing,
    ledger: runId === undefined ? undefined : ledgerHooks(run, runId),
    cancelVia: run.direct,
    project: { schemaDir: settings.schemaDir, migrate: settings.migrate },
    ...(settings.diff && { diff: { limit: settings.diffLimit } }),
    ...(runId !== undefined && { undo: { runId, records: settings.undoRecords } }),
  })
  if (settings.diff && settings.dryRun)
    await markSequences(
      run.sql,
      result.seeds.map((s) => s.diff),
    )
  // Stopped as a whole (timeout, interrupt): say so even when no seed was running at that moment.
  if (!result.ok && run.signal.aborted && run.signal.reason instanceof SeedbedError) result.error = run.signal.reason.toJSON()
  return result
}

function seeding(options: RunOptions, command: Seeding): Promise<RunResult> {
  return withRedactor(async () => {
    const { settings, log } = settle(options)
    refuseBySettings(command, settings, options)
    const planned = await planProject(settings, options.seeds)
    for (const e of planned.excluded) log.debug(`${e.name}: not in this run (${e.reason})`)
    const levels = command === 'validate' ? planned.levels.map((l) => l.filter((s) => s.validate)).filter((l) => l.length) : planned.levels
    refuseMissingSecrets(command, settings, levels.flat())
    await confirmProduction(command, settings, options)
    const writes = command !== 'validate'
    return withRun(
      options,
      { command, writes, lock: writes && !settings.dryRun },
      { settings, log },
      (run) => seedOn(run, command, options, levels, planned),
      (result) => result.ok,
    )
  })
}

/** Runs the seeds (all, or `only` and their dependencies). Seed failures are in the result. */
export const seed = (options: RunOptions = {}) => seeding(options, 'seed')
/** Runs only the validate functions, each in a read-only transaction. */
export const validate = (options: RunOptions = {}) => seeding(options, 'validate')
/** Drops the public schema, applies the schema files, then seeds. */
export const fresh = (options: RunOptions = {}) => seeding(options, 'fresh')

/** The last runs, and per seed when it last succeeded and whether its file changed since. */
export function status(options: RunOptions = {}): Promise<Status> {
  return withRedactor(async () => {
    const { settings, log } = settle(options)
    const planned = await planProject(settings, options.seeds)
    return withRun(options, { command: 'status', writes: false, lock: false, poolSize: 2 }, { settings, log }, async ({ sql }) => {
      const done = await lastSuccesses(sql)
      const runs = await lastRuns(sql)
      const seeds = new Map(planned.levels.flat().map((s) => [s.name, s]))
      const undoable = await undoability(sql, runs, seeds)
      return {
        runs: runs.map((r) => ({
          id: r.id,
          command: r.command,
          environment: r.environment,
          osUser: r.os_user,
          host: r.host,
          gitCommit: r.git_commit,
          startedAt: r.started_at,
          endedAt: r.ended_at,
          status: r.status,
          undo: undoable.get(r.id)!,
        })),
        seeds: planned.levels.flat().map((s) => {
          const last = done.get(s.name)
          return {
            name: s.name,
            lastSucceeded: last?.finishedAt ?? null,
            file: !last ? 'never run' : last.checksum === s.checksum ? 'unchanged' : 'changed',
          }
        }),
      }
    })
  })
}

export type { UndoResult }

/**
 * Undoes a seed run (`run`, default the last one not undone that succeeded or committed a seed: of a
 * failed or interrupted run, the seeds it committed) in one transaction under the
 * run lock, recorded in the ledger as a run of its own (command `undo`); refuses with a coded error,
 * nothing changed, when it cannot (lib/execution/undo.ts). `dryRun` does it all and rolls it back;
 * with `diff` it lists the rows too. Production needs the same allow-list and confirmation as `seed`.
 */
export function undo(options: RunOptions & { run?: number } = {}): Promise<UndoResult> {
  const { run: which, ...rest } = options
  if (which !== undefined && !(Number.isInteger(which) && which > 0)) {
    throw new SeedbedError(codes.BAD_OPTION, `undo: the run must be a run id (a positive integer), got ${JSON.stringify(which)}`, {
      hint: '`status` lists the runs',
    })
  }
  return withRedactor(async () => {
    const { settings, log } = settle(rest)
    refuseBySettings('undo', settings, rest)
    const planned = await planProject(settings, rest.seeds)
    // Every seed file, selected or not: a run's seeds are undone whatever --only says now.
    const seeds = new Map(planned.seeds.map((s) => [s.name, s]))
    // A plain undo names its run before it waits for the lock: behind another undo, it refuses.
    let expected: number | null | undefined
    const beforeLock =
      which === undefined
        ? async (sql: Run['sql']) => {
            expected = await undoTarget(sql)
          }
        : undefined
    const spec = { command: 'undo', writes: true, lock: !settings.dryRun, beforeLock } as const
    return withRun(rest, spec, { settings, log }, async (run) => {
      if (spec.lock) await run.ledger()
      return undoRun({
        sql: run.sql,
        run: which,
        expected,
        seeds,
        log,
        env: settings.env,
        variables: settings.variables,
        dryRun: settings.dryRun,
        ...(settings.diff && { diffLimit: settings.diffLimit }),
        // The run's seeds are known once its records are read: the allow-list, then the confirmation.
        before: async (names) => {
          refuseNotAllowed(settings, names)
          await confirmProduction('undo', settings, rest)
        },
        start: () => run.record(),
        assertHeld: (tx) => run.lock!.assertHeld(tx),
      })
    })
  })
}

/**
 * A run (`run`, default the last one) as the ledger holds it, for `seedbed report`: its row, its seeds
 * as SeedReports (the HTML report of lib/output/report-html.ts reads the same fields as a live run's).
 * A run the ledger does not have is E_REPORT_RUN.
 */
export function recordedRun(options: RunOptions & { run?: number } = {}): Promise<RecordedRun> {
  const { run: which, ...rest } = options
  return withRedactor(async () => {
    const { settings, log } = settle(rest)
    return withRun(rest, { command: 'report', writes: false, lock: false, poolSize: 2 }, { settings, log }, async ({ sql }) => {
      const id = which ?? (await lastRuns(sql, 1))[0]?.id
      const found = id === undefined ? null : await readRun(sql, id)
      if (!found) {
        throw new SeedbedError(
          codes.REPORT_RUN,
          id === undefined ? 'the ledger holds no run yet' : `run ${id} does not exist in the ledger`,
          {
            hint: '`status` lists the runs; for example `report 12`',
          },
        )
      }
      return found
    })
  })
}

export type { Settings, Logger }
