import type { ManyResult, RunResult, Status, UndoResult } from '../contract/types.ts'
import { formatDiff } from './diff.ts'

/** Left-aligned columns, the first row a header. */
export function table(rows: string[][], rightAligned: Set<number> = new Set()): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows
    .map((r) =>
      r
        .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** Said under the table of a dry run, so that nobody takes its counts for rows in the database. */
export const DRY_RUN_NOTE = 'dry run: nothing was committed'

/** The table printed at the end of a run; a dry run says so in its total line and under the table. */
export function formatSummary(result: RunResult): string {
  const rows = [['seed', 'level', 'status', 'created', 'updated', 'skipped', 'rows/s', 'ms']]
  for (const s of result.seeds) {
    rows.push([
      s.name,
      String(s.level),
      s.status,
      String(s.created),
      String(s.updated),
      String(s.skipped),
      String(s.rowsPerSecond),
      String(s.durationMs),
    ])
  }
  const total = (k: 'created' | 'updated' | 'skipped') => result.seeds.reduce((n, s) => n + s[k], 0)
  const all = total('created') + total('updated') + total('skipped')
  const perSecond = result.durationMs ? Math.round((all * 1000) / result.durationMs) : 0
  rows.push([
    result.dryRun ? 'total (dry run)' : 'total',
    '',
    result.ok ? 'ok' : 'FAILED',
    String(total('created')),
    String(total('updated')),
    String(total('skipped')),
    String(perSecond),
    String(result.durationMs),
  ])
  const diff = formatDiff(result)
  let out = `${diff ? `${diff}\n\n` : ''}${table(rows, new Set([1, 3, 4, 5, 6, 7]))}`
  if (result.error) {
    // An error after every seed ran (the connection lost as the run closed) did not stop any of them.
    const after = result.seeds.length > 0 && result.seeds.every((s) => s.status === 'succeeded' || s.status === 'failed')
    const { code, message, hint } = result.error
    out += `\n${after ? 'after the seeds' : 'stopped'}: ${code}: ${message}${hint ? `\n  hint: ${hint}` : ''}`
  }
  if (result.errors?.length) out += `\n\n${formatErrors(result)}`
  return result.dryRun ? `${out}\n${DRY_RUN_NOTE}` : out
}

/** `--keep-going`: every failure of the run at once, each with its seed, file and code; then the seeds not run below them. */
function formatErrors(result: RunResult): string {
  const failed = result.seeds.filter((s) => s.status === 'failed').length
  const notRun = result.errors!.filter((e) => e.code === 'E_DEPENDENCY_FAILED').length
  const lines = result.errors!.map((e) => {
    const what = e.code === 'E_DEPENDENCY_FAILED' ? 'not run' : 'failed'
    return `  ${what}: ${e.seed ?? '?'}${e.file ? ` (${e.file})` : ''}: ${e.code}: ${e.message.split('\n')[0]}`
  })
  return [`${failed} seed${failed === 1 ? '' : 's'} failed, ${notRun} not run:`, ...lines].join('\n')
}

/** `status`: the last runs, then each seed's last success and whether its file changed since. */
export function formatStatus(status: Status): string {
  const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-')
  const runs = [['run', 'command', 'env', 'user@host', 'started', 'ended', 'status', 'undo']]
  for (const r of status.runs)
    runs.push([String(r.id), r.command, r.environment, `${r.osUser}@${r.host}`, when(r.startedAt), when(r.endedAt), r.status, r.undo])
  const seeds = [['seed', 'last succeeded', 'file since']]
  for (const s of status.seeds) seeds.push([s.name, when(s.lastSucceeded), s.file])
  return `${status.runs.length ? table(runs, new Set([0])) : 'no runs recorded yet'}\n\n${table(seeds)}`
}

/**
 * A many-database run: each database's own summary (or the error that stopped it), then one table
 * of the databases with their totals, then a line saying how many failed and which.
 */
export function formatManySummary(many: ManyResult): string {
  const parts: string[] = []
  const counts = (d: (typeof many.databases)[number], k: 'created' | 'updated' | 'skipped') =>
    d.result?.seeds.reduce((n, s) => n + s[k], 0) ?? 0
  for (const d of many.databases) {
    const body = d.result
      ? formatSummary(d.result)
      : `${d.error?.code}: ${d.error?.message}${d.error?.hint ? `\n  hint: ${d.error.hint}` : ''}`
    parts.push(`database ${d.database}: ${d.ok ? 'ok' : 'FAILED'}\n${body}`)
  }
  const rows = [['database', 'status', 'created', 'updated', 'skipped', 'ms']]
  const sum = (k: 'created' | 'updated' | 'skipped') => many.databases.reduce((n, d) => n + counts(d, k), 0)
  for (const d of many.databases) {
    rows.push([
      d.database,
      d.ok ? 'ok' : d.error ? `FAILED ${d.error.code}` : 'FAILED',
      String(counts(d, 'created')),
      String(counts(d, 'updated')),
      String(counts(d, 'skipped')),
      String(d.durationMs),
    ])
  }
  const failed = many.databases.filter((d) => !d.ok)
  rows.push([
    `total (${many.databases.length} databases)`,
    many.ok ? 'ok' : 'FAILED',
    String(sum('created')),
    String(sum('updated')),
    String(sum('skipped')),
    String(many.durationMs),
  ])
  const n = many.databases.length
  const overall = failed.length
    ? `${failed.length} of ${n} databases FAILED: ${failed.map((d) => d.database).join(', ')}; ${n - failed.length} ok`
    : `all ${n} databases ok`
  return `${parts.join('\n\n')}\n\n${table(rows, new Set([2, 3, 4, 5]))}\n${overall}`
}

/** How a run that did not succeed ended, as a sentence says it. */
const ENDED: Record<string, string> = { failed: 'failed', timeout: 'timed out', interrupted: 'was interrupted', abandoned: 'was abandoned' }

/**
 * `undo`: per seed (in the order undone) and table the rows restored and deleted; with `--diff` the
 * deleted rows and, for restored ones, the key and each column as current -> restored.
 */
export function formatUndo(result: UndoResult): string {
  const would = result.dryRun
  const lines: string[] = []
  if (result.diffLimit !== undefined) {
    // Only what changes: the seeds with nothing to restore or delete are named on one line.
    const nothing: string[] = []
    for (const s of result.seeds) {
      const changed = s.tables.filter((t) => t.restored || t.deleted)
      if (s.by !== 'undo()' && !changed.length) {
        nothing.push(s.name)
        continue
      }
      lines.push(`undo of ${s.name}:`)
      if (s.by === 'undo()') lines.push('  by its undo() (rows not shown)')
      for (const t of changed) lines.push(...undoTableLines(t, result.diffLimit, would))
      lines.push('')
    }
    if (nothing.length) lines.push(`no rows to restore or delete: ${nothing.join(', ')}`, '')
  }
  const rows = [['seed', 'level', 'by', 'table', would ? 'would restore' : 'restored', would ? 'would delete' : 'deleted']]
  for (const s of result.seeds) {
    if (!s.tables.length) rows.push([s.name, String(s.level), s.by, '-', '-', '-'])
    for (const t of s.tables) rows.push([s.name, String(s.level), s.by, t.table, String(t.restored), String(t.deleted)])
  }
  const head = would
    ? `undo of run ${result.run}: ${DRY_RUN_NOTE}`
    : `run ${result.run} undone by run ${result.undoRun} (${result.durationMs} ms)`
  const how = ENDED[result.runStatus] ?? `ended ${result.runStatus}`
  const ended = result.runStatus === 'succeeded' ? '' : ` (it ${how}: the seeds it committed)`
  const took = result.picked ? `undo took run ${result.run}, the last seed run not undone${ended}\n` : ''
  return `${lines.join('\n')}${table(rows, new Set([1, 4, 5]))}\n${took}${head}`
}

/** One table of an undo's diff: the counts, the deleted rows, the restored rows' changes, what is not shown. */
function undoTableLines(t: UndoResult['seeds'][number]['tables'][number], limit: number, would: boolean): string[] {
  const lines = [`  ${t.table}: ${would ? 'would restore' : 'restored'} ${t.restored}, ${would ? 'delete' : 'deleted'} ${t.deleted}`]
  for (const row of t.deletedRows ?? []) lines.push(`    - ${fieldsOf(row)}`)
  for (const row of t.restoredRows ?? []) {
    const changes = Object.entries(row.changes ?? {}).map(([c, v]) => `${c}: ${JSON.stringify(v.old)} -> ${JSON.stringify(v.new)}`)
    lines.push(`    ~ (${fieldsOf(row.key)}) ${changes.join(', ') || 'no column differs'}`)
  }
  const more = t.deleted - (t.deletedRows?.length ?? 0) + t.restored - (t.restoredRows?.length ?? 0)
  if (more > 0) lines.push(`    ... ${more} more not shown (--diff-limit ${limit}; 0 shows all)`)
  return lines
}

const fieldsOf = (row: Record<string, unknown>) =>
  Object.entries(row)
    .map(([k, v]) => `${k}=${JSON.stringify(v ?? null)}`)
    .join(' ')
