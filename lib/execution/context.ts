import type { Faker } from '@faker-js/faker'
import type postgres from 'postgres'
import type { SeedContext } from '../contract/contract.ts'
import type { LoadResult, SeedCounts } from '../contract/types.ts'
import { copyRows } from '../sql/copy.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { fakerFor, scaled } from '../helpers/fake.ts'
import { type LoadRun, loadRows } from '../sql/load.ts'
import { fakeTable } from '../schema/fake-table.ts'
import type { Logger } from '../output/log.ts'
import type { ProgressTick } from '../output/progress.ts'
import { hashPassword, randomToken, readSecret } from '../helpers/secrets.ts'
import { tallyRows, upsertRows } from '../sql/upsert.ts'
import { capturing, type DiffRecorder } from '../sql/diff.ts'
import type { UndoRecorder } from '../sql/undo-records.ts'

export interface ContextOptions {
  /** The seed's name: keys its faker sequence. */
  seed: string
  env: string
  /**
   * The secrets the seed declares: `secret()` of any other name is E_SECRET_UNDECLARED, since
   * the check before connecting only sees declared ones. Default: none.
   */
  secrets?: readonly string[]
  /** Multiplier for `scaled()` row counts (default 1). */
  scale?: number
  /** Receives rows sent by `copy`/`load`, for the progress line. */
  progress?: ProgressTick
  /** A dry run's `--diff`: the helpers record the rows they would write here. */
  diff?: DiffRecorder
  /** What `load`'s fast path may do in this run (lib/sql/load.ts LoadRun); default `all`. */
  fastLoad?: LoadRun['fastLoad']
  /** A real run's undo records: the helpers record what they write here, in the seed's transaction. */
  undo?: UndoRecorder
  /** Where `secret()` reads: the run's variables (settings.variables). */
  variables?: Readonly<Record<string, string | undefined>>
  /** bcrypt cost of `hashPassword()` (default 10). */
  bcryptCost?: number
}

/** A seed's running counts, and what adds to them. */
function counter(): { counts: SeedCounts; add(c: Partial<SeedCounts>): void } {
  const counts: SeedCounts = { created: 0, updated: 0, skipped: 0 }
  return {
    counts,
    add(c) {
      counts.created += c.created ?? 0
      counts.updated += c.updated ?? 0
      counts.skipped += c.skipped ?? 0
    },
  }
}

/** `ctx.secret`: a declared secret from the variables (E_SECRET_UNDECLARED for any other). */
function secretReader(
  seed: string,
  declared: readonly string[],
  env: string,
  variables: NonNullable<ContextOptions['variables']>,
): SeedContext['secret'] {
  return (name, options) => {
    if (!declared.includes(name)) {
      throw new SeedbedError(codes.SECRET_UNDECLARED, `seed '${seed}' reads the secret ${name} but does not declare it`, {
        seed,
        hint: `add it to \`secrets\` in the seed (secrets: [${[...declared, name].map((n) => `'${n}'`).join(', ')}]) so a run checks it is set before writing anything`,
      })
    }
    return readSecret(name, env, options?.devDefault, variables)
  }
}

/** A seed's context and the running tally its helpers add to. */
export function createContext(
  sql: postgres.TransactionSql,
  log: Logger,
  options: ContextOptions,
): { ctx: SeedContext; counts: SeedCounts; tables: Set<string> } {
  const { env, seed, diff } = options
  const undo = options.undo?.active ? options.undo : undefined
  const declared = options.secrets ?? []
  const variables = options.variables ?? {}
  const scale = options.scale ?? 1
  let faker: Faker | undefined
  // Rows of several copy/load calls add up in the progress line.
  let before = 0
  const progress = (rows: number) => options.progress?.(before + rows)
  const { counts, add } = counter()
  // The tables the helpers wrote (names as given): recorded in the ledger for the plan's foreign-key check.
  const tables = new Set<string>()
  const loadRun: LoadRun = { diff, fastLoad: options.fastLoad, undo }
  /** A load's result: its rows move the progress line on, its counts add to the tally. */
  const loaded = (result: LoadResult) => {
    before += result.created + result.updated + result.skipped
    add(result)
    return result
  }
  const ctx: SeedContext = {
    sql,
    log,
    env,
    async upsert(table, rows, options) {
      tables.add(table)
      const result = await upsertRows(sql, table, rows, options, diff, undo)
      add(result)
      return result as never
    },
    tally(rows, attempted) {
      const c = tallyRows(rows, attempted)
      add(c)
      diff?.tallied(rows, c)
      return c
    },
    count(c) {
      add(c)
      diff?.cannotSee(c, 'count()')
    },
    async copy(table, rows, { columns }) {
      tables.add(table)
      const shown: Record<string, unknown>[] = []
      const source = diff ? capturing(rows, columns, diff.room(table, 'created'), shown) : rows
      const n = await copyRows(sql, table, columns, source, { onProgress: progress })
      before += n
      add({ created: n })
      diff?.created(table, [], n, shown)
      undo?.wrote(table, [], n, 0, 0)
      return n
    },
    async load(table, rows, loadOptions) {
      tables.add(table)
      return loaded(await loadRows(sql, table, rows, { ...loadOptions, onProgress: progress }, loadRun))
    },
    async fake(table, count, overrides) {
      tables.add(table)
      return loaded(await fakeTable(sql, table, count, overrides, { seed, log, onProgress: progress, run: loadRun }))
    },
    get faker() {
      if (!faker) faker = fakerFor(seed)
      return faker
    },
    scale,
    scaled: (n) => scaled(n, scale),
    hashPassword: (plain, current) => hashPassword(plain, current, options.bcryptCost),
    randomToken,
    secret: secretReader(seed, declared, env, variables),
    // sql-template-strings numbers its placeholders $1, $2... for PostgreSQL: run as it is, values bound.
    query: (statement) => sql.unsafe(statement.text, statement.values as postgres.ParameterOrJSON<never>[]) as never,
  }
  return { ctx, counts, tables }
}
