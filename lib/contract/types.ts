/**
 * Plain data shared by the layers: what a seed reports, what a run returns, what the SQL helpers
 * take and give. Types only, so any module may import it without creating a cycle.
 */
import type { Faker } from '@faker-js/faker'
import type { ConsolaInstance } from 'consola'
import type { SerializedError } from '../errors/errors.ts'

/** seedbed's own logger: a consola instance (`withTag(seed)` gives each seed its prefix). */
export type Logger = ConsolaInstance

/**
 * Options as a caller passes them: each may be left out or given as undefined, which is the same (so
 * `databaseUrl: process.env.DATABASE_URL` type-checks under exactOptionalPropertyTypes).
 */
export type Loose<T> = { [K in keyof T]?: T[K] | undefined }

/**
 * A column's override in `ctx.fake`: a constant, a list cycled through (for an array column, a list
 * of arrays), or a function of the row index (from 0) and a faker seeded for that row.
 */
export type FakeOverride =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | Uint8Array
  | Readonly<Record<string, unknown>>
  | readonly unknown[]
  | ((row: number, faker: Faker) => unknown)
export type FakeOverrides = Readonly<Record<string, FakeOverride>>
/** Children per parent: for each row of the parent table `per` names, between `min` and `max` rows (inclusive), the same number for the same parent on every run. */
export interface FakePerParent {
  per: string
  min: number
  max: number
}
/** How many rows `ctx.fake` makes: a number, or a number per parent row. */
export type FakeCount = number | FakePerParent

/** What a seed did: rows inserted, rows changed, rows already as wanted. */
export interface SeedCounts {
  created: number
  updated: number
  skipped: number
}

/** Options of {@link SeedContext.upsert}. */
export interface UpsertOptions<Row> {
  /** The columns of the unique constraint or primary key that identifies a row. */
  conflict: readonly (keyof Row & string)[]
  /**
   * Columns to overwrite when the row exists and differs; default: every column not in
   * `conflict`. `[]` means insert-only (`ON CONFLICT DO NOTHING`): existing rows are skipped.
   */
  update?: readonly (keyof Row & string)[]
  /** Columns to return from inserted or updated rows (for ids to use in later statements). */
  returning?: readonly string[]
}

export interface UpsertResult<Ret = Record<string, unknown>> extends SeedCounts {
  /** Rows inserted or updated, with the `returning` columns. Skipped rows are absent. */
  rows: Ret[]
}

/** A row for COPY: values in column order, or an object keyed by column name. */
export type CopyRow = readonly unknown[] | Readonly<Record<string, unknown>>
export type RowSource = Iterable<CopyRow> | AsyncIterable<CopyRow>

export interface LoadOptions {
  /** Columns of the target, in the order of array rows (and the keys read from object rows). */
  columns: readonly string[]
  /** Columns of the unique constraint that identifies a row (required unless mode is `copy`). */
  conflict?: readonly string[]
  /** Columns overwritten when a row exists and differs; default all but `conflict`; `[]` inserts only. */
  update?: readonly string[]
  /**
   * `auto` (default): COPY straight into the table when it is empty, else `merge`.
   * `merge`: COPY into a temporary staging table, then `INSERT ... SELECT ... ON CONFLICT`.
   * `copy`: COPY straight in, whatever is there (a duplicate is a unique violation).
   */
  mode?: 'auto' | 'merge' | 'copy'
  /**
   * When `auto` finds the table empty and may lock it, drop its secondary indexes, unneeded unique
   * keys and foreign keys, COPY (with FREEZE when it can truncate the table first), then rebuild them
   * all in the same transaction (default true). `'indexes'`: the same but the foreign keys stay, so
   * the tables they reference are not locked while the rows load (another seed of the level reads
   * them). `false`: a plain COPY into the indexed table.
   */
  fastLoad?: boolean | 'indexes'
  onProgress?: (rows: number) => void
}

export interface LoadResult extends SeedCounts {
  /** The path taken: `copy` (straight in) or `merge` (staged). */
  mode: 'copy' | 'merge'
}

/** Every status a seed of a run can end with (the README's `--json` section is tested against it). */
export const SEED_STATUSES = ['succeeded', 'failed', 'interrupted', 'not_executed'] as const
/**
 * `interrupted`: the seed was running when the whole run was stopped (Ctrl-C, SIGTERM, --timeout,
 * the caller's signal) and was rolled back; its `error` is the run's reason.
 */
export type SeedStatus = (typeof SEED_STATUSES)[number]

/** A column a dry run would change: its value now and the one the seed would write. */
export interface ColumnChange {
  old: unknown
  new: unknown
}

/** A row a dry run would update: its key and the columns that would change (`null`: not seen). */
export interface RowChange {
  key: Record<string, unknown>
  changes: Record<string, ColumnChange> | null
}

/** What a dry run's seed would write into one table (`--diff`). */
export interface TableDiff {
  table: string
  /** The columns that identify a row (the `conflict` key); empty when the statement has none. */
  key: string[]
  /** Exact counts. */
  created: number
  updated: number
  /** The first rows that would be created (new values), at most `limit`. */
  createdRows: Record<string, unknown>[]
  /** The first rows that would be updated, at most `limit`. */
  updatedRows: RowChange[]
  /**
   * The table's inserts draw from a sequence (an identity or serial column), so the dry run spent
   * values of it; false when it has none. Unset when not known (a table the dry run created).
   */
  sequence?: boolean
}

/** A seed's diff in a dry run with `--diff`: exact counts per table, rows up to `limit` (0: all). */
export interface SeedDiff {
  limit: number
  tables: TableDiff[]
  /** Rows counted by statements seedbed does not build, whose rows it cannot show, and how (`count()`, `query`...). */
  unseen: { created: number; updated: number; skipped: number; by: string[] }
}

/** One seed's line in a run's result (and in `seed --json`). */
export interface SeedReport extends SeedCounts {
  name: string
  level: number
  status: SeedStatus
  durationMs: number
  /** When the seed started (its first try), in ms from the run's start; absent for a seed that never started. */
  startedMs?: number
  /** Rows handled (created + updated + skipped) per second of the seed's duration. */
  rowsPerSecond: number
  /** Tries it took: more than 1 after transient failures were retried. */
  attempts: number
  error: SerializedError | null
  /** With `--dry-run --diff`: the rows the seed would write. */
  diff?: SeedDiff
}

/** What a run returns, and what `seed --json` prints. */
export interface RunResult {
  ok: boolean
  durationMs: number
  /** True when nothing was committed (`--dry-run`): the counts are what a run would do. Always present. */
  dryRun: boolean
  seeds: SeedReport[]
  /**
   * Why the run stopped before its seeds were done, when it was stopped as a whole (`E_TIMEOUT` for
   * --timeout, `E_INTERRUPTED` for Ctrl-C or the caller's signal); seeds it never started are
   * `not_executed`.
   */
  error?: SerializedError /**
   * With `keepGoing` (`--keep-going`): every seed's error at once, each naming its seed and file: the
   * seeds that failed, and the seeds not run below them (E_DEPENDENCY_FAILED).
   */
  errors?: SerializedError[]
}

/** A seed as `plan()` shows it: what it declares, no functions. */
export interface PlannedSeed {
  name: string
  priority: number
  dependsOn: string[]
  description: string
  /** The seed's file, relative to the working directory (`<memory>` for a seed given in memory). */
  file: string
  /** The tables its `fill` fills (`'*'`: every other table), with the rows asked for each. */
  fill?: Record<string, FakeCount>
}

/** What `plan()` returns: the levels in run order, and the seeds the environment leaves out. */
export interface PlanResult {
  /** The environment the plan is for. */
  env: string
  levels: { level: number; seeds: PlannedSeed[] }[]
  /** Seeds left out by the environment or the allow-list, with why. */
  excluded: { name: string; reason: string }[]
}

/** `plan --check` (and a plan with `dependsOn: 'auto'`): the plan read against the database's foreign keys. */
export interface PlanCheck extends PlanResult {
  /** The tables each seed writes, by quoted identity (declared in `writes`, or recorded by its runs). */
  writes: Record<string, string[]>
  /** Each dependency `'auto'` found, and the foreign key it comes from. */
  inferred: { seed: string; on: string; table: string; refTable: string; constraint: string }[]
  /** Seeds that may run before a seed writing a table their tables refer to (E_PLAN_FOREIGN_KEY). */
  problems: {
    seed: string
    table: string
    constraint: string
    refTable: string
    writers: string[]
    deferrable: boolean
    /** The dependsOn that fixes it. */
    dependsOn: string[]
    message: string
  }[]
  /** What needs no change, said so: self-references, references inside one seed, tables no seed writes. */
  notes: { seed: string; table: string; constraint: string; text: string }[]
  /**
   * Files `seedbed types` wrote (found by their first line under the project folder and the seeds
   * folder) whose catalog is no longer the database's (E_TYPES_STALE): the file, and both sha256.
   */
  staleTypes: { file: string; recorded: string; current: string }[]
}

/** One run as the ledger recorded it. */
export interface RunSummary {
  id: number
  command: string
  environment: string
  osUser: string
  host: string
  gitCommit: string | null
  startedAt: Date
  endedAt: Date | null
  status: string
  /** Whether it can be undone: `yes`, `undone by N`, `no: <reason>`, `-` (not a seed run). */
  undo: string
}

/** What `status()` returns: the last runs, and per seed its last success and whether its file changed. */
export interface Status {
  runs: RunSummary[]
  seeds: { name: string; lastSucceeded: Date | null; file: 'changed' | 'unchanged' | 'never run' }[]
}

/** What undo did (or, in a dry run, would do) to one table a seed wrote. */
export interface UndoTableReport {
  table: string
  key: string[]
  /** Rows the run updated that get their old values back. */
  restored: number
  /** Rows the run created, deleted. */
  deleted: number
  /**
   * Columns not restored in the restored rows: the run wrote a `ctx.secret` value into them, and the undo
   * records leave those out (a rotated secret's old value never lands in seedbed's tables). They keep
   * their current value. Absent when every column was restored.
   */
  unrestored?: string[]
  /** With `--diff`: the first deleted rows and the restored rows as current -> old, sensitive columns hidden. */
  deletedRows?: Record<string, unknown>[]
  restoredRows?: RowChange[]
}

export interface UndoSeedReport {
  name: string
  level: number
  /** `records`: from the undo records; `undo()`: by the seed's own function. */
  by: 'records' | 'undo()'
  tables: UndoTableReport[]
  /** When its undo started, in ms from the undo's start, and how long it took (for the HTML report's timeline). */
  startedMs: number
  durationMs: number
}

/** What `undo` returns (and `undo --json` prints). */
export interface UndoResult {
  ok: true
  /** The run undone. */
  run: number
  /** No run was named: undo took the last seed run not undone that has something to undo. */
  picked: boolean
  /**
   * How the undone run ended: `succeeded`, or `failed`, `timeout`, `interrupted`, `abandoned` (then
   * only the seeds it committed were undone).
   */
  runStatus: string
  /** The undo's own run in the ledger (null in a dry run, which records nothing). */
  undoRun: number | null
  dryRun: boolean
  durationMs: number
  /** In the order undone: reverse level order. */
  seeds: UndoSeedReport[]
  /** With `--diff`: rows of a kind shown per table (0: all). */
  diffLimit?: number
}

/** One database's outcome: its result when its run ended with one, else the error that stopped it. */
export interface DatabaseOutcome {
  /** Host and database only (`db.internal/tenant_a`, `:port` when not 5432): never a password. */
  database: string
  ok: boolean
  /** How long this database's run took, connection included. */
  durationMs: number
  result?: RunResult
  error?: SerializedError
}

export interface ManyResult {
  ok: boolean
  durationMs: number
  databases: DatabaseOutcome[]
}

/** A run as the ledger's `runs` table holds it (its column names). */
export interface RunRow {
  id: number
  command: string
  environment: string
  os_user: string
  host: string
  git_commit: string | null
  started_at: Date
  ended_at: Date | null
  status: string
}

/** A run read back from the ledger, for `seedbed report <run>`. */
export interface RecordedRun {
  run: RunRow & { arguments: string[] }
  seeds: SeedReport[]
  /** For an undo run: the run it undid. */
  undid: number | null
}
