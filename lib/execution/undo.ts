import type postgres from 'postgres'
import type { LoadedSeed } from '../contract/contract.ts'
import type { UndoResult, UndoSeedReport, UndoTableReport } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { addSecret } from '../errors/redact.ts'
import type { Logger } from '../output/log.ts'
import { DiffRecorder, recordDiff } from '../sql/diff.ts'
import { tableIdentity } from '../sql/undo-records.ts'
import { columnList, joinFragments } from '../sql/fragments.ts'
import { createContext } from './context.ts'

export type { UndoResult, UndoSeedReport, UndoTableReport }

/** Whether a run can be undone, as `status` shows it: `yes`, `undone by N`, `no: <reason>`, `-`. */
export type Undoable = string

interface SeedRecord {
  seed: string
  level: number
  reversible: boolean | null
  reason: string | null
}

interface TableRecord {
  seed: string
  /** The table's quoted identity (lib/sql/undo-records.ts), checked to name an existing table: SQL as it is. */
  tbl: string
  /** The table it names now. */
  oid: string
  ord: number
  xid: string
  key: string[]
  created: string
  updated: string
  /** Columns whose old values the records left out: they held a `ctx.secret` value (lib/sql/undo-records.ts). */
  secret: string[]
}

type Sql = postgres.Sql | postgres.TransactionSql

/** The oid of the table an undo record names (`tbl`, an SQL expression), NULL when no table has that identity now. */
const recordedTable = (sql: Sql, tbl: postgres.PendingQuery<postgres.Row[]>) =>
  sql`(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${tableIdentity(sql)} = ${tbl})`

/** The table of a record in SQL: its identity was written by the server and matched an existing table. */
const rel = (tx: postgres.TransactionSql, t: TableRecord) => tx.unsafe(t.tbl)

const refuse = (
  code: (typeof codes)[keyof typeof codes],
  message: string,
  hint: string,
  extra: { seed?: string; table?: string; constraint?: string } = {},
) => new SeedbedError(code, message, { hint, ...extra })

/** Whether the ledger has the undo tables (a ledger from before them has none). */
async function hasUndoLedger(sql: postgres.Sql | postgres.TransactionSql): Promise<boolean> {
  const [row] = await sql<
    [{ ok: boolean }]
  >`SELECT to_regclass('seedbed.undo_seeds') IS NOT NULL AND to_regclass('seedbed.undos') IS NOT NULL AS ok`
  return row.ok
}

/**
 * The last `seed` run not undone yet that has something to undo: one that succeeded, or one that failed,
 * timed out or was interrupted after some of its seeds committed; null when there is none.
 */
async function lastUndoable(sql: Sql): Promise<number | null> {
  const [row] = await sql<[{ id: number } | undefined]>`
    SELECT r.id::int AS id FROM seedbed.runs r
    WHERE r.command = 'seed' AND r.status <> 'running' AND NOT EXISTS (SELECT 1 FROM seedbed.undos u WHERE u.run_id = r.id)
      AND (r.status = 'succeeded' OR EXISTS (SELECT 1 FROM seedbed.seed_runs sr WHERE sr.run_id = r.id AND sr.status = 'succeeded'))
    ORDER BY r.id DESC LIMIT 1`
  return row?.id ?? null
}

/**
 * The run a plain `undo` (no run named) targets, read before it waits for the run lock: the last
 * successful seed run not undone yet, null when there is none (or no ledger yet). Handed to undoRun as
 * `expected`, it makes an undo that waited behind another refuse instead of undoing the run before.
 */
export async function undoTarget(sql: postgres.Sql): Promise<number | null> {
  return (await hasUndoLedger(sql)) ? lastUndoable(sql) : null
}

/** The run `undo` takes when none is named; `expected`, what undoTarget said before the lock, must still be it. */
async function defaultRun(sql: Sql, expected?: number | null): Promise<number> {
  const id = await lastUndoable(sql)
  if (expected !== undefined && id !== expected) {
    const now = id === null ? 'there is none left' : `it is run ${id}`
    const [was] =
      expected === null
        ? []
        : await sql<[{ by: number } | undefined]>`SELECT undone_by::int AS by FROM seedbed.undos WHERE run_id = ${expected}`
    throw refuse(
      codes.UNDO_TARGET_CHANGED,
      `undo: the last run to undo was ${expected === null ? 'none' : `run ${expected}`} when this undo started, and ${now} now that it holds the run lock${was ? ` (run ${was.by} undid run ${expected} meanwhile)` : ''}: nothing was undone`,
      id === null
        ? 'nothing to do; `status` lists the runs'
        : `\`status\` shows the runs; to undo run ${id} too, run \`undo ${id}\` (naming the run makes undo take exactly that one)`,
    )
  }
  if (id === null) {
    throw refuse(
      codes.UNDO_NOTHING,
      'there is no seed run left to undo (none that succeeded or committed a seed, and is not undone)',
      '`status` lists the runs and whether each can be undone',
    )
  }
  return id
}

/**
 * The run must exist, be a seed run not undone, and have ended having committed a seed (or succeeded).
 * Returns how it ended (`succeeded`, `failed`, ...).
 */
async function checkRun(sql: Sql, runId: number): Promise<string> {
  const [run] = await sql<[{ command: string; status: string; undone_by: number | null } | undefined]>`
    SELECT r.command, r.status, u.undone_by::int AS undone_by FROM seedbed.runs r LEFT JOIN seedbed.undos u ON u.run_id = r.id WHERE r.id = ${runId}`
  if (!run) throw refuse(codes.UNDO_NOTHING, `run ${runId} does not exist in the ledger`, '`status` lists the runs')
  if (run.undone_by !== null)
    throw refuse(codes.UNDO_NOTHING, `run ${runId} was already undone by run ${run.undone_by}`, 'nothing to do; `status` lists the runs')
  if (run.command !== 'seed') {
    throw refuse(
      codes.UNDO_NOTHING,
      `run ${runId} is a ${run.command} run: only seed runs can be undone${run.command === 'fresh' ? ' (fresh dropped the schema)' : ''}`,
      '`status` shows which runs can be undone',
    )
  }
  if (run.status === 'running') {
    throw refuse(
      codes.UNDO_NOTHING,
      `run ${runId} is still running, or its process was killed (the next run marks it abandoned)`,
      'wait for it to end, or run `status` again after the next run',
    )
  }
  if (run.status !== 'succeeded') {
    // Each seed commits on its own: a run that failed or was interrupted may have committed some,
    // which are undone like a successful run's seeds; often it committed none.
    const [committed] = await sql<[{ n: number }]>`
      SELECT count(*)::int AS n FROM seedbed.seed_runs WHERE run_id = ${runId} AND status = 'succeeded'`
    if (!committed.n) {
      throw refuse(
        codes.UNDO_NOTHING,
        `run ${runId} did not succeed (${run.status}) and committed nothing: there is nothing to undo`,
        '`status` lists the runs and whether each can be undone',
      )
    }
  }
  return run.status
}

/**
 * The refusals that need only the ledger: the run must exist, be a seed run not undone yet that succeeded
 * or committed a seed, with no later run (not undone) over any of its seeds, and each of its seeds
 * reversible. Returns its seeds, and how the run ended.
 */
export async function checkUndoable(
  sql: postgres.Sql | postgres.TransactionSql,
  runId: number,
  seeds: ReadonlyMap<string, LoadedSeed>,
): Promise<{ records: SeedRecord[]; runStatus: string }> {
  const runStatus = await checkRun(sql, runId)
  const records = await sql<SeedRecord[]>`
    SELECT sr.seed, coalesce(us.level, 0) AS level, us.reversible, us.reason
    FROM seedbed.seed_runs sr LEFT JOIN seedbed.undo_seeds us ON us.run_id = sr.run_id AND us.seed = sr.seed
    WHERE sr.run_id = ${runId} AND sr.status = 'succeeded' ORDER BY sr.seed`
  const later = await sql<{ id: number; command: string; seeds: string[] }[]>`
    SELECT r.id::int AS id, r.command, array_remove(array_agg(DISTINCT sr.seed), NULL) AS seeds
    FROM seedbed.runs r LEFT JOIN seedbed.seed_runs sr ON sr.run_id = r.id AND sr.status = 'succeeded' AND sr.seed = ANY(${records.map((r) => r.seed)}::text[])
    WHERE r.id > ${runId} AND r.command IN ('seed', 'fresh') AND (r.command = 'seed' OR r.status = 'succeeded')
      AND NOT EXISTS (SELECT 1 FROM seedbed.undos u WHERE u.run_id = r.id)
    GROUP BY r.id, r.command HAVING r.command = 'fresh' OR count(sr.seed) > 0
    ORDER BY r.id DESC LIMIT 1`
  if (later[0]) {
    const l = later[0]
    throw refuse(
      codes.UNDO_LATER_RUN,
      l.command === 'fresh'
        ? `run ${l.id} (fresh) dropped and re-seeded everything after run ${runId}: run ${runId} can no longer be undone`
        : `run ${l.id} ran seed${l.seeds.length > 1 ? 's' : ''} ${l.seeds.join(', ')} again after run ${runId}`,
      l.command === 'fresh' ? 'nothing to undo: fresh replaced that data' : `undo run ${l.id} first (\`undo ${l.id}\`), then run ${runId}`,
      { seed: l.seeds[0] },
    )
  }
  const gone = await sql<{ seed: string; tbl: string }[]>`
    SELECT ut.seed, ut.tbl FROM seedbed.undo_tables ut
    WHERE ut.run_id = ${runId} AND ut.seed = ANY(${records.filter((r) => typeof seeds.get(r.seed)?.undo !== 'function').map((r) => r.seed)}::text[])
      AND ${recordedTable(sql, sql`ut.tbl`)} IS NULL
    ORDER BY ut.seed, ut.ord LIMIT 1`
  if (gone[0]) {
    const g = gone[0]
    throw refuse(
      codes.UNDO_CHANGED,
      `run ${runId} cannot be undone: no table ${g.tbl} exists now, which seed '${g.seed}' wrote (dropped or renamed since, or recorded by an earlier seedbed, which kept mixed-case and quoted names unquoted)`,
      'nothing was undone; restore that data another way (re-seed it, or restore a backup)',
      { seed: g.seed, table: g.tbl },
    )
  }
  for (const r of records) {
    const custom = typeof seeds.get(r.seed)?.undo === 'function'
    // A seed with undo(ctx) is reversible whatever its records; else its records must be whole.
    const why = custom ? null : r.reversible === null ? 'it ran before seedbed kept undo records' : r.reason
    if (why) {
      throw refuse(
        codes.UNDO_IRREVERSIBLE,
        `run ${runId} cannot be undone: seed '${r.seed}' is irreversible (${why})`,
        `give seed '${r.seed}' an undo(ctx) function to reverse what it writes, or restore the data another way`,
        { seed: r.seed },
      )
    }
  }
  return { records, runStatus }
}

/** Per run: whether it can be undone, for `status`. */
export async function undoability(
  sql: postgres.Sql,
  runs: readonly { id: number; command: string; status: string }[],
  seeds: ReadonlyMap<string, LoadedSeed>,
): Promise<Map<number, Undoable>> {
  const out = new Map<number, Undoable>()
  const ledger = await hasUndoLedger(sql)
  for (const r of runs) {
    if (r.command !== 'seed') {
      out.set(r.id, '-')
      continue
    }
    if (!ledger) {
      out.set(r.id, 'no: it ran before seedbed kept undo records')
      continue
    }
    try {
      await checkUndoable(sql, r.id, seeds)
      out.set(r.id, 'yes')
    } catch (err) {
      if (!(err instanceof SeedbedError)) throw err
      const undone = /already undone by run (\d+)/.exec(err.message)
      if (undone) out.set(r.id, `undone by ${undone[1]}`)
      else if (err.code === codes.UNDO_LATER_RUN)
        out.set(r.id, `no: ${err.hint?.startsWith('undo run') ? `undo ${/run (\d+)/.exec(err.message)![1]} first` : 'a later fresh'}`)
      else if (err.code === codes.UNDO_IRREVERSIBLE) out.set(r.id, `no: ${err.message.replace(/^run \d+ cannot be undone: /, '')}`)
      else out.set(r.id, `no: ${err.message.replace(/^run \d+ /, '')}`)
    }
  }
  return out
}

export interface UndoWork {
  sql: postgres.Sql
  /** The run to undo; default the last successful seed run not undone. */
  run?: number
  /**
   * With no `run`: the run undoTarget chose before the run lock was taken. When the last run is another
   * one by then (a concurrent undo went first, a seed run finished), undo refuses: E_UNDO_TARGET_CHANGED.
   */
  expected?: number | null
  seeds: ReadonlyMap<string, LoadedSeed>
  log: Logger
  env: string
  /** Where the seeds' declared secrets are read, to be redacted (default process.env). */
  variables?: Readonly<Record<string, string | undefined>>
  dryRun: boolean
  /** `--diff`: rows of a kind shown per table (0: all). */
  diffLimit?: number
  /** Checks that may refuse before anything is written, given the seeds of the run (allow-list, confirmation). */
  before?: (seeds: readonly string[]) => Promise<void>
  /** Opens the undo's own run in the ledger (a real undo); returns its id. */
  start?: () => Promise<number>
  /** Called inside the transaction just before it commits (the run lock is still held). */
  assertHeld?: (tx: postgres.TransactionSql) => Promise<void>
}

class DryRunRollback extends Error {}

/**
 * The run to undo (the one named, else the last with something to undo, said in the log), how it
 * ended, and its seeds, checked.
 */
async function chosenRun(work: UndoWork): Promise<{ runId: number; runStatus: string; records: SeedRecord[] }> {
  const runId = work.run ?? (await defaultRun(work.sql, work.expected))
  const { records, runStatus } = await checkUndoable(work.sql, runId, work.seeds)
  if (work.run === undefined) {
    const what = runStatus === 'succeeded' ? 'its seeds' : 'its committed seeds'
    work.log.info(
      `undo: no run named, taking run ${runId} (seed, ${runStatus}; ${what}: ${records.map((r) => r.seed).join(', ') || 'none'})`,
    )
  }
  return { runId, runStatus, records }
}

/**
 * Undoes a run in one transaction: the seeds in reverse level order, each table in reverse order of
 * writing. Per table the rows still carrying the seed's transaction id as xmin must be exactly those it
 * left (else someone changed or deleted one since: E_UNDO_CHANGED); updated rows get their old values
 * back, then what still carries the xmin (the created rows) is deleted, once no row the run did not
 * write refers to one of them (E_UNDO_FOREIGN_KEY). A seed with `undo(ctx)` runs that instead.
 */
export async function undoRun(work: UndoWork): Promise<UndoResult> {
  const { sql, log } = work
  const started = performance.now()
  // The seeds' secrets are redacted from what undo shows (a --diff of rows holding them) though no
  // seed runs to read them: their values as the environment has them now.
  const variables = work.variables ?? process.env
  for (const seed of work.seeds.values()) for (const name of seed.secrets) addSecret(variables[name])
  if (!(await hasUndoLedger(sql))) {
    throw refuse(codes.UNDO_NOTHING, 'the ledger holds no undo records: no run can be undone yet', 'seed first; `status` lists the runs')
  }
  const { runId, runStatus, records } = await chosenRun(work)
  await work.before?.(records.map((r) => r.seed))
  const undoRunId = work.dryRun ? null : ((await work.start?.()) ?? null)
  const order = [...records].sort((a, b) => b.level - a.level || a.seed.localeCompare(b.seed))
  const reports: UndoSeedReport[] = []
  await sql
    .begin(async (tx) => {
      // The same checks again in the transaction: nothing of the ledger changed in between.
      await checkUndoable(tx, runId, work.seeds)
      for (const r of order) {
        const at = { startedMs: Math.round(performance.now() - started) }
        const timed = () => ({ ...at, durationMs: Math.round(performance.now() - started) - at.startedMs })
        const seed = work.seeds.get(r.seed)
        if (typeof seed?.undo === 'function') {
          const seedLog = log.withTag(r.seed)
          const { ctx } = createContext(tx, seedLog, { seed: r.seed, env: work.env, secrets: seed.secrets })
          await seed.undo(ctx)
          reports.push({ name: r.seed, level: r.level, by: 'undo()', tables: [], ...timed() })
          seedLog.success('undone by its undo()')
          continue
        }
        const tables = await tx<TableRecord[]>`
          SELECT seed, tbl, ${recordedTable(tx, tx`tbl`)}::text AS oid, ord, xid::text AS xid, key, created::text, updated::text,
            -- Read by name through the row: a ledger from before secret_columns (a dry run does not add it) has none.
            jsonb_path_query_array(to_jsonb(undo_tables), '$.secret_columns[*] ? (@.type() == "string")') AS secret
          FROM seedbed.undo_tables WHERE run_id = ${runId} AND seed = ${r.seed} ORDER BY ord DESC`
        const done: UndoTableReport[] = []
        for (const t of tables) done.push(await undoTable(tx, runId, t, work.diffLimit))
        reports.push({ name: r.seed, level: r.level, by: 'records', tables: done, ...timed() })
        for (const t of done.filter((d) => d.unrestored?.length)) {
          log
            .withTag(r.seed)
            .warn(
              `${t.table}: column(s) ${t.unrestored!.join(', ')} ${work.dryRun ? 'would not be' : 'not'} restored: the run wrote a ctx.secret value into them, which the undo records leave out; they keep their current value`,
            )
        }
        log
          .withTag(r.seed)
          .success(
            `${work.dryRun ? 'would restore' : 'restored'} ${done.reduce((n, t) => n + t.restored, 0)}, ${work.dryRun ? 'delete' : 'deleted'} ${done.reduce((n, t) => n + t.deleted, 0)}`,
          )
      }
      if (undoRunId !== null) {
        await tx`INSERT INTO seedbed.undos (run_id, undone_by, xid) VALUES (${runId}, ${undoRunId}, pg_current_xact_id())`
        await work.assertHeld?.(tx)
      }
      if (work.dryRun) throw new DryRunRollback()
    })
    .catch((e) => {
      if (!(e instanceof DryRunRollback)) throw e
    })
  return {
    ok: true,
    run: runId,
    picked: work.run === undefined,
    runStatus,
    undoRun: undoRunId,
    dryRun: work.dryRun,
    durationMs: Math.round(performance.now() - started),
    seeds: reports,
    ...(work.diffLimit !== undefined && { diffLimit: work.diffLimit }),
  }
}

/** One table of one seed: checked, restored, deleted. */
async function undoTable(tx: postgres.TransactionSql, runId: number, t: TableRecord, diffLimit?: number): Promise<UndoTableReport> {
  const created = Number(t.created)
  const updated = Number(t.updated)
  const mine = await ownRows(tx, t)
  await checkUnchanged(tx, runId, t, mine, created + updated)
  const diff = diffLimit === undefined ? undefined : new DiffRecorder(diffLimit)
  const restored = updated ? await restoreUpdated(tx, runId, t, mine, updated, diff) : 0
  if (created) await deleteCreated(tx, runId, t, mine, created, diff)
  const shown = diff?.toJSON().tables[0]
  return {
    table: t.tbl,
    key: t.key,
    restored,
    deleted: created,
    ...(restored && t.secret.length && { unrestored: t.secret }),
    ...(diff && { deletedRows: shown?.createdRows ?? [], restoredRows: shown?.updatedRows ?? [] }),
  }
}

/** The rows still carrying the run's transaction id must be exactly those it wrote. */
async function checkUnchanged(
  tx: postgres.TransactionSql,
  runId: number,
  t: TableRecord,
  mine: Awaited<ReturnType<typeof ownRows>>,
  wrote: number,
): Promise<void> {
  // A transaction id is 32 bits in a row: 2^31 transactions later the same xmin may be another's.
  const [state] = await tx<[{ rows: number; age: string }]>`
    SELECT (SELECT count(*)::int FROM ${rel(tx, t)} WHERE ${mine()}) AS rows,
      (pg_current_xact_id()::text::numeric - ${t.xid}::numeric)::text AS age`
  if (Number(state.age) >= 2 ** 31) {
    throw refuse(
      codes.UNDO_CHANGED,
      `undo of run ${runId}: seed '${t.seed}' wrote ${t.tbl} more than 2^31 transactions ago; its rows can no longer be told by their transaction id`,
      'restore that data another way',
      { seed: t.seed, table: t.tbl },
    )
  }
  if (state.rows !== wrote) {
    const differ = Math.abs(wrote - state.rows)
    throw refuse(
      codes.UNDO_CHANGED,
      `undo of run ${runId}: ${differ} of the ${wrote} row(s) seed '${t.seed}' wrote in ${t.tbl} were changed or deleted since (by anyone): undoing would overwrite that`,
      await changedHint(tx, runId, t),
      { seed: t.seed, table: t.tbl },
    )
  }
}

/** Updated rows get their old values back; returns how many. */
async function restoreUpdated(
  tx: postgres.TransactionSql,
  runId: number,
  t: TableRecord,
  mine: Awaited<ReturnType<typeof ownRows>>,
  updated: number,
  diff?: DiffRecorder,
): Promise<number> {
  let restored = 0
  // The columns the saved rows have and the table still has, that an UPDATE may set: a column added
  // since keeps its value (populating the record would make it NULL), a generated one is left alone.
  const columns = await tx<{ name: string }[]>`
    SELECT attname::text AS name FROM pg_attribute
    WHERE attrelid = ${t.oid}::oid AND attnum > 0 AND NOT attisdropped AND attgenerated = '' AND attidentity <> 'a'
      AND NOT attname::text = ANY(${t.key}::text[])
      AND attname::text IN (SELECT jsonb_object_keys(r.old) FROM
        (SELECT old FROM seedbed.undo_rows WHERE run_id = ${runId} AND seed = ${t.seed} AND tbl = ${t.tbl} LIMIT 1) r)
    ORDER BY attnum`
  const set = columns.map((c) => c.name)
  const match = joinFragments(
    tx,
    t.key.map((k) => tx`${rel(tx, t)}.${tx(k)} = o.${tx(k)}`),
    'and',
  )
  const update = () => tx`
    UPDATE ${rel(tx, t)} SET (${columnList(tx, set)}) = ROW(${columnList(tx, set, 'o')})
    FROM (SELECT (jsonb_populate_record(NULL::${rel(tx, t)}, r.old)).* FROM seedbed.undo_rows r
          WHERE r.run_id = ${runId} AND r.seed = ${t.seed} AND r.tbl = ${t.tbl}) o
    WHERE ${match} AND ${mine()}
    RETURNING false AS inserted, to_json(${rel(tx, t)}.*) AS seedbed_new ${t.key
      .map((k, i) => tx`, ${rel(tx, t)}.${tx(k)} AS ${tx(`seedbed_k${i}`)}`)
      .reduce((a, f) => tx`${a}${f}`, tx``)}`
  try {
    if (diff && set.length) {
      // The statement's select reads the table as it was before the UPDATE: current -> restored values.
      const [row] = await tx`WITH written AS (${update()}) ${diffSelectRestored(tx, t, diff)}`
      restored = row!.updated
      recordDiff(diff, t.tbl, t.key, row as Parameters<typeof recordDiff>[3])
    } else if (set.length) {
      restored = (await tx`WITH written AS (${update()}) SELECT count(*)::int AS n FROM written`)[0]!.n
    } else {
      restored = updated
    }
  } catch (err) {
    throw foreignKeyError(err, runId, t) ?? err
  }
  if (restored !== updated) {
    throw refuse(
      codes.UNDO_CHANGED,
      `undo of run ${runId}: ${updated - restored} of the ${updated} row(s) seed '${t.seed}' updated in ${t.tbl} could not be matched by key any more`,
      'their key was changed since; restore them by hand',
      { seed: t.seed, table: t.tbl },
    )
  }
  return restored
}

/** Created rows are deleted, once no row the run did not write refers to them. */
async function deleteCreated(
  tx: postgres.TransactionSql,
  runId: number,
  t: TableRecord,
  mine: Awaited<ReturnType<typeof ownRows>>,
  created: number,
  diff?: DiffRecorder,
): Promise<void> {
  await checkReferences(tx, runId, t, mine)
  if (diff) {
    const order = t.key.length ? tx`ORDER BY ${columnList(tx, t.key)}` : tx``
    const rows = await tx<{ row: Record<string, unknown> }[]>`
      SELECT to_json(${rel(tx, t)}.*) AS row FROM ${rel(tx, t)} WHERE ${mine()} ${order} LIMIT ${diff.room(t.tbl, 'created')}`
    diff.created(
      t.tbl,
      t.key,
      created,
      rows.map((r) => r.row),
    )
  }
  const deleted = await tx`DELETE FROM ${rel(tx, t)} WHERE ${mine()}`.catch((err) => {
    throw foreignKeyError(err, runId, t) ?? err
  })
  if (deleted.count !== created) {
    throw refuse(
      codes.UNDO_CHANGED,
      `undo of run ${runId}: seed '${t.seed}' created ${created} row(s) in ${t.tbl}, ${deleted.count} are left to delete`,
      'the table changed since; restore it by hand',
      { seed: t.seed, table: t.tbl },
    )
  }
}

/**
 * What to do when rows a run wrote were changed since. Undo tells its rows by their transaction id
 * (xmin), which any later write replaces, even one that puts the same values back: writing the rows
 * "back as the run left them" can never make them undoable again. A later seedbed run of another seed
 * that wrote the table can be undone first; a change made outside seedbed cannot be undone by seedbed.
 */
async function changedHint(tx: postgres.TransactionSql, runId: number, t: TableRecord): Promise<string> {
  const [later] = await tx<[{ run: number; seed: string } | undefined]>`
    SELECT ut.run_id::int AS run, ut.seed FROM seedbed.undo_tables ut JOIN seedbed.runs r ON r.id = ut.run_id
    WHERE ut.tbl = ${t.tbl} AND ut.run_id > ${runId}
      AND NOT EXISTS (SELECT 1 FROM seedbed.undos u WHERE u.run_id = ut.run_id)
    ORDER BY ut.run_id DESC LIMIT 1`
  const xmin = `undo knows a row by the transaction that last wrote it (xmin), so writing the old values back does not make it undoable again`
  if (later) {
    return `run ${later.run} (seed '${later.seed}') wrote ${t.tbl} after run ${runId}: undo it first (\`undo ${later.run}\`), then undo run ${runId} again; if that is not the change, ${xmin}. Nothing was undone`
  }
  return `the change was made outside seedbed (by hand, the application, a trigger), and ${xmin}: restore that data another way (\`fresh\` re-seeds from scratch; or a backup; or by hand: delete the rows run ${runId} created, put back the ones it updated). Nothing was undone`
}

type Own = (alias?: string) => postgres.PendingQuery<postgres.Row[]>

/**
 * The rows of `t` that are still as the seed left them: those with its transaction id as xmin, and
 * those an undo of a later run put back to the seed's version (the undo's own xmin, `was` the seed's).
 */
async function ownRows(tx: postgres.TransactionSql, t: TableRecord): Promise<Own> {
  const xid = tx`${t.xid}::xid8::xid`
  const restorers = t.key.length
    ? await tx<{ xid: string }[]>`
        SELECT DISTINCT u.xid::xid::text AS xid FROM seedbed.undo_rows r JOIN seedbed.undos u ON u.run_id = r.run_id
        WHERE r.tbl = ${t.tbl} AND r.was = ${xid}`
    : []
  return (alias) => {
    const a = alias ? tx(alias) : rel(tx, t)
    if (!restorers.length) return tx`${a}.xmin = ${xid}`
    const key = joinFragments(
      tx,
      t.key.map((k) => tx`r.old -> ${k} = to_jsonb(${a}.${tx(k)})`),
      'and',
    )
    return tx`(${a}.xmin = ${xid} OR (${a}.xmin::text = ANY(${restorers.map((r) => r.xid)}::text[]) AND EXISTS (
      SELECT 1 FROM seedbed.undo_rows r JOIN seedbed.undos u ON u.run_id = r.run_id
      WHERE u.xid::xid = ${a}.xmin AND r.tbl = ${t.tbl} AND r.was = ${xid} AND ${key})))`
  }
}

/** The restored rows' counts and [current, restored] pairs, from the UPDATE's `written` rows. */
function diffSelectRestored(tx: postgres.TransactionSql, t: TableRecord, diff: DiffRecorder) {
  const order = joinFragments(
    tx,
    t.key.map((_, i) => tx`w.${tx(`seedbed_k${i}`)}`),
  )
  const join = joinFragments(
    tx,
    t.key.map((k, i) => tx`o.${tx(k)} = w.${tx(`seedbed_k${i}`)}`),
    'and',
  )
  return tx`
    SELECT 0 AS created, count(*)::int AS updated, '[]'::json AS created_rows,
      (SELECT coalesce(json_agg(json_build_array(to_json(o.*), w.seedbed_new)), '[]'::json) FROM
        (SELECT w.* FROM written w ORDER BY ${order} LIMIT ${diff.room(t.tbl, 'updated')}) w
        JOIN ${rel(tx, t)} o ON ${join}) AS updated_pairs
    FROM written`
}

/**
 * Before the created rows go: no row the run did not write may refer to one (ON DELETE CASCADE or
 * SET NULL would change it silently, NO ACTION would fail). The run's own referencing rows, in seeds
 * of later levels or later in the same seed, were undone before.
 */
async function checkReferences(tx: postgres.TransactionSql, runId: number, t: TableRecord, mine: Own): Promise<void> {
  const fks = await tx<{ name: string; child: string; cols: string[]; refcols: string[] }[]>`
    SELECT c.conname::text AS name, format('%I.%I', n.nspname, cl.relname) AS child,
      ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.i) AS cols,
      ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.i) AS refcols
    FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
    WHERE c.contype = 'f' AND c.confrelid = ${t.oid}::oid AND c.conparentid = 0
    ORDER BY 1`
  for (const fk of fks) {
    const match = joinFragments(
      tx,
      fk.cols.map((c, i) => tx`p.${tx(fk.refcols[i]!)} = ch.${tx(c)}`),
      'and',
    )
    const [row] = await tx<[{ n: number }]>`
      SELECT count(*)::int AS n FROM ${tx.unsafe(fk.child)} ch
      WHERE ch.xmin <> ${t.xid}::xid8::xid AND EXISTS (SELECT 1 FROM ${rel(tx, t)} p WHERE ${mine('p')} AND ${match})`
    if (row.n) {
      throw refuse(
        codes.UNDO_FOREIGN_KEY,
        `undo of run ${runId}: deleting the rows seed '${t.seed}' created in ${t.tbl} would break foreign key ${fk.name}: ${row.n} row(s) of ${fk.child} that run ${runId} did not write refer to them`,
        `delete or repoint those rows of ${fk.child} first, then undo again; nothing was undone`,
        { seed: t.seed, table: fk.child, constraint: fk.name },
      )
    }
  }
}

/** A 23503 while restoring or deleting: the same refusal, naming the constraint PostgreSQL names. */
function foreignKeyError(err: unknown, runId: number, t: TableRecord): SeedbedError | undefined {
  const e = err as { code?: string; constraint_name?: string; table_name?: string; message?: string }
  if (e?.code !== '23503') return undefined
  return new SeedbedError(
    codes.UNDO_FOREIGN_KEY,
    `undo of run ${runId}: restoring ${t.tbl} (seed '${t.seed}') would break foreign key ${e.constraint_name ?? '?'}${e.table_name ? ` of ${e.table_name}` : ''}: ${e.message}`,
    {
      hint: 'fix the rows that refer to them, then undo again; nothing was undone',
      seed: t.seed,
      table: e.table_name ?? t.tbl,
      constraint: e.constraint_name,
      sqlState: '23503',
      cause: err,
    },
  )
}
