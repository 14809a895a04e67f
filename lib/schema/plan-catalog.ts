import type postgres from 'postgres'
import { entryOf, type LoadedSeed } from '../contract/contract.ts'
import { qualifiedNames, recordedTables } from './seed-tables.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { missingTableHint } from '../db/schema.ts'
import type { Logger } from '../output/log.ts'
import { type ForeignKeyPlan, planError, planForeignKeys, problemText } from '../planning/foreign-keys.ts'
import { planLevels } from '../planning/plan.ts'
import { type Planned, shownFile } from '../planning/project.ts'
import { type ForeignKey, partitionRoots, readForeignKeys } from './foreign-keys.ts'
import { readCatalog } from './fill.ts'
import { FILL_ALL } from './fill-order.ts'

export interface CatalogPlan {
  levels: LoadedSeed[][]
  foreignKeys: ForeignKeyPlan
  /** The tables each seed writes, by quoted identity: declared (`writes`) and recorded by its runs. */
  writes: Map<string, string[]>
}

/**
 * The plan with the catalog: the foreign keys of every table outside the system schemas, the tables
 * each seed declares (`writes`, which must exist) or was recorded writing, `dependsOn: 'auto'` filled in,
 * the levels planned again (with `--only`), and the check's problems and notes.
 */
export async function planWithCatalog(
  sql: postgres.Sql | postgres.TransactionSql,
  planned: Planned,
  /**
   * A declared table that does not exist: an error (`plan --check`), or left out of the check and
   * named through `missing` (a run: the seed fails on it by itself if it runs, and `--only` may leave
   * it out).
   */
  missing?: (seed: LoadedSeed, table: string) => void,
): Promise<CatalogPlan> {
  const out = new Set(planned.excluded.map((e) => e.name))
  const kept = planned.seeds.filter((s) => !out.has(s.name))
  const declared = [...new Set(kept.flatMap((s) => s.writes ?? []))]
  const everyTable = kept.some((s) => s.fill?.[FILL_ALL] !== undefined)
  const [names, recorded, keys, catalog] = await Promise.all([
    qualifiedNames(sql, declared),
    recordedTables(sql),
    readForeignKeys(sql),
    everyTable ? readCatalog(sql) : undefined,
  ])
  const writes = new Map<string, string[]>()
  const absent = new Map<string, string[]>()
  for (const seed of kept) {
    const tables = new Set(recorded.get(seed.name) ?? [])
    // fill: { '*': n } writes every table of the database.
    if (seed.fill?.[FILL_ALL] !== undefined) for (const t of catalog?.tables ?? []) tables.add(t.qualified)
    for (const name of seed.writes ?? []) {
      const qualified = names.get(name)
      if (!qualified && missing) {
        missing(seed, name)
        absent.set(seed.name, [...(absent.get(seed.name) ?? []), name])
        continue
      }
      if (!qualified) throw await missingDeclared(planned, seed, name, `${declaring(seed, name)}, but there is no table ${name}`)
      tables.add(qualified)
    }
    if (tables.size) writes.set(seed.name, [...tables].sort())
  }
  // Partitions as their partitioned tables, on both sides: a key declared on a partition, or referring to
  // one, and a seed writing one, all count for the partition root (lib/schema/foreign-keys.ts). A key whose
  // columns every seed writing its table overrides in its fill is left out.
  const overridden = overriddenKey(kept, writes, names)
  const edges = keys
    .filter((k) => !overridden(k))
    .map((k) => ({ constraint: k.name, table: k.table, refTable: k.refRoot, deferrable: k.deferrable }))
  const roots = await partitionRoots(sql, [...new Set([...writes.values()].flat())])
  const rootWrites = new Map([...writes].map(([seed, tables]) => [seed, [...new Set(tables.map((x) => roots.get(x) ?? x))].sort()]))
  const foreignKeys = planForeignKeys(kept, rootWrites, edges)
  const unknown = foreignKeys.seeds.find((s) => s.autoDepends && !writes.has(s.name))
  const notYet = unknown && absent.get(unknown.name)?.[0]
  if (unknown && notYet) {
    // What it writes is declared: the table is what is missing (a schema file added, not applied yet).
    const why = `has dependsOn: 'auto' and ${declaring(unknown, notYet)}, but table ${notYet} does not exist yet, so the foreign keys its dependencies come from cannot be read`
    throw await missingDeclared(planned, unknown, notYet, why)
  }
  if (unknown) {
    throw new SeedbedError(
      codes.SEED_INVALID,
      `seed '${unknown.name}' has dependsOn: 'auto', but which tables it writes is not known yet`,
      {
        seed: unknown.name,
        file: shownFile(unknown),
        hint: "declare them: writes: ['table', ...] (after a run the ledger knows them too)",
      },
    )
  }
  return { levels: planLevels(foreignKeys.seeds, { only: planned.settings.only }), foreignKeys, writes }
}

/**
 * Whether every seed writing a key's table does so through a fill entry that overrides the key's
 * columns (`generate` leaves the key breaking a cycle NULL so): its rows take no parent rows, so the
 * key orders nothing.
 */
function overriddenKey(
  seeds: readonly LoadedSeed[],
  writes: ReadonlyMap<string, readonly string[]>,
  names: ReadonlyMap<string, string | null>,
): (key: ForeignKey) => boolean {
  return (key) => {
    const writers = seeds.filter((s) => writes.get(s.name)?.includes(key.table))
    return (
      writers.length > 0 &&
      writers.every((s) =>
        Object.entries(s.fill ?? {}).some(
          ([name, entry]) => names.get(name) === key.table && key.columns.some((c) => c in entryOf(entry).overrides),
        ),
      )
    )
  }
}

/** How a seed declares a table: in `fill` or in `writes`. */
const declaring = (seed: LoadedSeed, table: string) =>
  seed.fill?.[table] !== undefined ? `fills '${table}'` : `declares writes: ['${table}']`

/** E_MISSING_TABLE for a table a seed declares in `writes`, with what fits the project (its schema file, its migrations). */
async function missingDeclared(planned: Planned, seed: LoadedSeed, table: string, why: string): Promise<SeedbedError> {
  const hint = await missingTableHint(table, planned.settings)
  return new SeedbedError(codes.MISSING_TABLE, `seed '${seed.name}' ${why}`, {
    seed: seed.name,
    table,
    file: shownFile(seed),
    hint: `${hint}; or fix the name in \`${seed.fill?.[table] !== undefined ? 'fill' : 'writes'}\``,
  })
}

/**
 * A seeding run's levels checked against the catalog: what `'auto'` inferred is logged (debug), each
 * seed that may run before the writer of a table it refers to is a warning, or E_PLAN_FOREIGN_KEY
 * with `strict`. Two catalog queries and one of the ledger; writes nothing.
 */
export async function checkedLevels(
  sql: postgres.Sql,
  planned: Planned,
  log: Logger,
  options: { strict?: boolean },
): Promise<LoadedSeed[][]> {
  const { levels, foreignKeys } = await planWithCatalog(
    sql,
    planned,
    options.strict
      ? undefined
      : (seed, table) => log.debug(`${seed.name}: declares writes: ['${table}'], which does not exist (yet): not checked`),
  )
  for (const i of foreignKeys.inferred) log.debug(`${i.seed}: depends on ${i.on} (inferred: ${i.table} -> ${i.refTable}, ${i.constraint})`)
  if (foreignKeys.problems.length) {
    if (options.strict) throw planError(foreignKeys.problems)
    for (const p of foreignKeys.problems) log.warn(`E_PLAN_FOREIGN_KEY: ${problemText(p)}`)
  }
  return levels
}
