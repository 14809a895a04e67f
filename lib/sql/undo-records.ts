import type postgres from 'postgres'
import type { CopyRow, RowSource } from '../contract/types.ts'
import { currentRedactor } from '../errors/redact.ts'
import { diffJoin } from './diff.ts'
import { quotedName } from './fragments.ts'

type Sql = postgres.TransactionSql | postgres.Sql

/**
 * How the undo records name a table (`undo_tables.tbl`, `undo_rows.tbl`): its quoted, schema-qualified
 * identity as the server writes it (`public."Acct"`, `"v1.2".items`), one text per table that SQL reads
 * back as exactly that table, whatever its case, quotes or dots. Undo finds the table by comparing this
 * text, never by casting it (lib/execution/undo.ts). Over `pg_class c JOIN pg_namespace n`.
 */
export const tableIdentity = (sql: Sql) => sql`format('%I.%I', n.nspname, c.relname)`

/** Whether and how a seed run's undo records are kept (`run.ts` builds one per seed try). */
export interface UndoSetting {
  runId: number
  /** The run's setting (`--no-undo-records`, SEEDBED_UNDO_RECORDS=false, `undoRecords: false`): false keeps none. */
  records: boolean
}

interface Written {
  key: string[]
  /** Rows this transaction inserted: they are deleted by undo. */
  created: number
  /** Rows that existed before the transaction and that it updated: their old values are in undo_rows. */
  updated: number
  /** Rows written, counting a row written twice twice: what PostgreSQL's own statistics count. */
  writes: number
}

/**
 * What a real run keeps to reverse a seed's writes, written in the seed's transaction so the records
 * exist exactly when the seed committed. Created rows need no record of their own: each row the
 * transaction wrote has its transaction id as `xmin` until anyone changes it again, so one row per
 * table (the id, the key, the counts) is enough, at any size. Updated rows keep their old values,
 * saved by the writing statement itself (a data-modifying CTE reads the table as it was before).
 *
 * A seed run is reversible when everything its transaction wrote went through these helpers:
 * PostgreSQL's per-transaction statistics (`pg_stat_xact_user_tables`, diffed against their state
 * when the transaction began) must show no other write, no delete, in any table.
 */
export class UndoRecorder {
  private readonly tables = new Map<string, Written>()
  private baseline = '[]'
  /**
   * Per table, the columns a write gave a value `ctx.secret` returned (or one holding it, as in
   * `Bearer <token>`): their old values are left out of the saved rows, so a rotated secret's old value
   * never lands in seedbed's tables; undo_tables.secret_columns names them, and undo reports them. Undo sets only the columns a saved row has (lib/execution/undo.ts): such a column keeps
   * the value it has then, the secret as the environment now gives it. `uneven`: a column joined the
   * set after rows of the table were saved without it, so those rows are trimmed to match at flush.
   */
  private readonly secret = new Map<string, { columns: Set<string>; saved: boolean; uneven: boolean }>()

  constructor(
    readonly runId: number,
    readonly seed: string,
    /** False when nothing is recorded; then `reason` says why. */
    readonly active: boolean,
    private readonly reason: string | null,
  ) {}

  /** The statistics at the start of the transaction (they hold unflushed counts of earlier transactions). */
  async begin(tx: postgres.TransactionSql): Promise<void> {
    if (!this.active) return
    const [row] = await tx<[{ stats: string }]>`
      SELECT coalesce(json_agg(json_build_object('relid', relid, 'ins', n_tup_ins, 'upd', n_tup_upd, 'del', n_tup_del)), '[]')::text AS stats
      FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0`
    this.baseline = row.stats
  }

  /** Notes the columns of `row` (an object, or values in `columns` order) whose values hold a `ctx.secret` value. */
  see(table: string, columns: readonly string[], row: CopyRow | Record<string, unknown>): void {
    const redactor = currentRedactor()
    if (!this.active || redactor.noSeedSecrets) return
    columns.forEach((column, i) => {
      const value = Array.isArray(row) ? row[i] : (row as Record<string, unknown>)[column]
      if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return
      const text = typeof value === 'string' ? value : value instanceof Date ? '' : JSON.stringify(value)
      if (!text || !redactor.holdsSeedSecret(text)) return
      const entry = this.secret.get(table) ?? { columns: new Set<string>(), saved: false, uneven: false }
      if (entry.columns.has(column)) return
      entry.columns.add(column)
      entry.uneven ||= entry.saved
      this.secret.set(table, entry)
    })
  }

  /** `rows`, passed through {@link see} as they stream (a load's rows are read once). */
  seeing(table: string, columns: readonly string[], rows: RowSource): RowSource {
    if (!this.active || currentRedactor().noSeedSecrets) return rows
    const see = (row: CopyRow) => this.see(table, columns, row)
    if (Symbol.asyncIterator in rows) {
      return (async function* () {
        for await (const row of rows) {
          see(row)
          yield row
        }
      })()
    }
    return (function* () {
      for (const row of rows) {
        see(row)
        yield row
      }
    })()
  }

  /** `, "k" AS seedbed_k0, ...`: what a writing statement returns so that its old rows can be joined. */
  returning(sql: Sql, key: readonly string[]) {
    return key.map((c, i) => sql`, ${sql(c)} AS ${sql(`seedbed_k${i}`)}`).reduce((a, k) => sql`${a}${k}`, sql``)
  }

  /**
   * `saved AS (...)`: a CTE beside `written` (a CTE returning `inserted` and {@link returning}) storing the
   * old row of each updated row that existed before this transaction (one the transaction wrote itself
   * is deleted by undo, not restored).
   */
  saveOld(sql: Sql, table: string, key: readonly string[]) {
    const entry = this.secret.get(table)
    if (entry) entry.saved = true
    return sql`saved AS (
      INSERT INTO seedbed.undo_rows (run_id, seed, tbl, was, old)
      SELECT ${this.runId}, ${this.seed},
        (SELECT ${tableIdentity(sql)} FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = to_regclass(${quotedName(table)})), o.xmin, to_jsonb(o.*) - ${[...(entry?.columns ?? [])]}::text[]
      FROM written w JOIN ${sql(table)} o ON ${diffJoin(sql, key)}
      WHERE NOT w.inserted AND o.xmin <> pg_current_xact_id()::xid
      RETURNING 1)`
  }

  /** A helper's statement wrote `created` new rows and `updated` others, `saved` of which existed before. */
  wrote(table: string, key: readonly string[], created: number, updated: number, saved: number): void {
    let t = this.tables.get(table)
    if (!t) {
      t = { key: [], created: 0, updated: 0, writes: 0 }
      this.tables.set(table, t)
    }
    if (key.length) t.key = [...key]
    t.created += created
    t.updated += saved
    t.writes += created + updated
  }

  /**
   * Writes the seed run's records, in its transaction just before it commits: per table the
   * transaction id, key and counts, and whether the seed run can be undone. Returns the reason it
   * cannot, or null.
   */
  async flush(tx: postgres.TransactionSql, level: number, customUndo: boolean): Promise<string | null> {
    let reason = this.reason
    await this.trimSecrets(tx)
    if (this.active) {
      const recorded = [...this.tables].map(([tbl, t]) => ({ tbl: quotedName(tbl), writes: t.writes }))
      // Writes the statistics show beyond the recorded ones: hand-written SQL, triggers, deletes.
      const unrecorded = await tx<{ tbl: string; writes: string; deleted: string; recorded: string }[]>`
        WITH base AS (SELECT * FROM jsonb_to_recordset(${this.baseline}::text::jsonb) AS b(relid oid, ins bigint, upd bigint, del bigint)),
        delta AS (
          SELECT coalesce(pg_partition_root(n.relid), n.relid)::oid AS root,
            sum(n.n_tup_ins + n.n_tup_upd - coalesce(b.ins, 0) - coalesce(b.upd, 0)) AS writes, sum(n.n_tup_del - coalesce(b.del, 0)) AS deleted
          FROM pg_stat_xact_user_tables n LEFT JOIN base b ON b.relid = n.relid
          WHERE n.schemaname NOT LIKE 'pg\\_temp\\_%' AND n.schemaname <> 'seedbed'
          GROUP BY 1),
        rec AS (
          SELECT to_regclass(r.tbl)::oid AS root, sum(r.writes) AS writes
          FROM jsonb_to_recordset(${JSON.stringify(recorded)}::text::jsonb) AS r(tbl text, writes bigint) GROUP BY 1)
        SELECT d.root::regclass::text AS tbl, d.writes, d.deleted, coalesce(r.writes, 0) AS recorded
        FROM delta d LEFT JOIN rec r ON r.root = d.root
        WHERE d.deleted > 0 OR d.writes <> coalesce(r.writes, 0)
        ORDER BY 1`
      if (unrecorded.length) {
        const what = unrecorded.map((u) =>
          Number(u.deleted) > 0
            ? `${u.tbl} (${u.deleted} deleted)`
            : `${u.tbl} (${Number(u.writes) - Number(u.recorded)} written by hand-written SQL or a trigger)`,
        )
        reason = `it wrote rows seedbed could not record: ${what.join(', ')}`
      } else if (this.tables.size) {
        // The table by its quoted, schema-qualified identity, whatever name the seed used.
        const names = await tx<{ given: string; name: string }[]>`
          SELECT g.given, ${tableIdentity(tx)} AS name
          FROM unnest(${[...this.tables.keys()]}::text[], ${[...this.tables.keys()].map(quotedName)}::text[]) AS g(given, quoted)
          JOIN pg_class c ON c.oid = to_regclass(g.quoted) JOIN pg_namespace n ON n.oid = c.relnamespace`
        const byName = new Map<string, Written & { ord: number; secret: Set<string> }>()
        for (const [ord, [given, t]] of [...this.tables].entries()) {
          const name = names.find((n) => n.given === given)!.name
          const into = byName.get(name) ?? { key: [], created: 0, updated: 0, writes: 0, ord, secret: new Set<string>() }
          if (t.key.length) into.key = t.key
          into.created += t.created
          into.updated += t.updated
          for (const column of this.secret.get(given)?.columns ?? []) into.secret.add(column)
          byName.set(name, into)
        }
        for (const [tbl, t] of byName) {
          // Only rows it updated have old values to leave a column out of.
          const secret = t.updated ? [...t.secret] : []
          await tx`
            INSERT INTO seedbed.undo_tables (run_id, seed, tbl, ord, xid, key, created, updated, secret_columns)
            VALUES (${this.runId}, ${this.seed}, ${tbl}, ${t.ord}, pg_current_xact_id(), ${t.key}::text[], ${t.created}, ${t.updated}, ${secret}::text[])`
        }
      }
    }
    const reversible = customUndo || reason === null
    await tx`
      INSERT INTO seedbed.undo_seeds (run_id, seed, level, reversible, reason)
      VALUES (${this.runId}, ${this.seed}, ${level}, ${reversible}, ${reason})`
    return reversible ? null : reason
  }

  /** Rows saved before a column of their table was seen holding a secret lose it too: every row of a table has the same columns. */
  private async trimSecrets(tx: postgres.TransactionSql): Promise<void> {
    for (const [table, entry] of this.secret) {
      if (!entry.uneven) continue
      await tx`
        UPDATE seedbed.undo_rows SET old = old - ${[...entry.columns]}::text[]
        WHERE run_id = ${this.runId} AND seed = ${this.seed} AND tbl = (SELECT ${tableIdentity(tx)} FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(${quotedName(table)}))`
    }
  }
}

/** The recorder of one seed's try, or none when the run is not a real one. */
export function undoRecorder(setting: UndoSetting, seed: { name: string; undo?: unknown }): UndoRecorder {
  if (seed.undo === false) return new UndoRecorder(setting.runId, seed.name, false, 'the seed says undo: false')
  if (!setting.records) return new UndoRecorder(setting.runId, seed.name, false, 'undo records were off for the run (--no-undo-records)')
  return new UndoRecorder(setting.runId, seed.name, true, null)
}
