/**
 * A run you can look at: one self-contained HTML file (`seed --report run.html`, `seedbed report <run>`)
 * with the run's timeline (a bar per seed on its level's lane, from its start to its commit, coloured by
 * outcome), its levels and critical path, the slowest seeds, retries, errors and, for `--dry-run --diff`,
 * the diff as tables; for an undo the same. Pure: data in, a string out. Every value passes through
 * the redactor and every text through {@link esc}.
 */
import type { RecordedRun, RowChange, RunResult, SeedReport, SeedStatus, TableDiff, UndoResult } from '../contract/types.ts'
import type { SerializedError } from '../errors/errors.ts'
import { redactValue } from '../errors/redact.ts'
import { esc, escCode, htmlTable, int, ms, page } from './html.ts'

/** Where the run comes from, shown in the header. */
export interface ReportMeta {
  /** `seed`, `fresh`, `validate`, `undo`. */
  command?: string
  env?: string
  /** The run's id in the ledger. */
  run?: number
  startedAt?: Date
  endedAt?: Date | null
  /** The ledger's status of the run (`succeeded`, `failed`, `interrupted`...). */
  status?: string
  user?: string
  host?: string
  gitCommit?: string | null
  /** A note under the header (e.g. what the ledger does not hold). */
  note?: string
}

/** One bar of the timeline. */
interface Bar {
  name: string
  level: number
  status: SeedStatus
  startedMs?: number
  durationMs: number
  attempts: number
  /** The tooltip's and the table's account of what it did. */
  detail: string
}

const COLOURS: Record<SeedStatus, string> = { succeeded: '#2e7d32', failed: '#c62828', interrupted: '#6a1b9a', not_executed: '#9e9e9e' }
const OUTCOME: Record<SeedStatus, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  interrupted: 'interrupted',
  not_executed: 'not run',
}
const CHAR_PX = 7.3
const ROW_PX = 22

// A status the ledger holds that seedbed does not know (anyone who can write the ledger can write one) shows as written, grey.
const outcome = (s: SeedStatus) => (Object.hasOwn(OUTCOME, s) ? OUTCOME[s] : s)
const colour = (s: SeedStatus) => (Object.hasOwn(COLOURS, s) ? COLOURS[s] : COLOURS.not_executed)
const status = (s: SeedStatus) => `<span class="status ${Object.hasOwn(OUTCOME, s) ? s : 'unknown'}">${esc(outcome(s))}</span>`
const end = (b: Bar) => (b.startedMs ?? 0) + b.durationMs

/** Round numbers for the time axis: about `count` ticks of 1, 2 or 5 times a power of ten. */
function ticks(span: number, count = 8): number[] {
  const raw = span / count
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? power * 10
  const out: number[] = []
  for (let t = 0; t <= span + step / 2; t += step) out.push(t)
  return out
}

/** Per level, the seed that ended last: the run could not have been shorter without it being faster. */
function criticalPath(bars: readonly Bar[]): Bar[] {
  const byLevel = new Map<number, Bar>()
  for (const b of bars) {
    if (b.startedMs === undefined && b.status === 'not_executed') continue
    const best = byLevel.get(b.level)
    if (!best || end(b) > end(best)) byLevel.set(b.level, b)
  }
  return [...byLevel.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b)
}

/**
 * The timeline as inline SVG: a lane per level, a bar per seed from its start to its commit. Bars
 * (with their names) that would overlap go on another row of the lane, so no two names cover each other.
 */
function timeline(bars: readonly Bar[], critical: ReadonlySet<string>): string {
  const width = 1180
  const left = 86
  const chart = width - left - 24
  const span = Math.max(1, ...bars.map(end))
  const x = (t: number) => left + (t / span) * chart
  const levels = [...new Set(bars.map((b) => b.level))].sort((a, b) => a - b)
  let y = 28
  // A name after the last bar may run past the chart: the picture widens to show it.
  let right = width
  const lanes: string[] = []
  const marks: string[] = []
  for (const [i, level] of levels.entries()) {
    const mine = bars
      .filter((b) => b.level === level)
      .sort((a, b) => (a.startedMs ?? 0) - (b.startedMs ?? 0) || a.name.localeCompare(b.name))
    // A seed that never started sits where its level would have begun: after the last bar before it.
    const before = bars.filter((b) => b.level < level && b.startedMs !== undefined).map(end)
    const levelStart = Math.min(
      ...mine.filter((b) => b.startedMs !== undefined).map((b) => b.startedMs!),
      before.length ? Math.max(...before) : 0,
    )
    const rows: number[] = []
    const placed = mine.map((b) => {
      const x0 = x(b.startedMs ?? levelStart)
      const barEnd = b.startedMs === undefined ? x0 : Math.max(x0 + 2, x(end(b)))
      const labelPx = b.name.length * CHAR_PX + 10
      // The name inside the bar when it fits, else just after its end: a row holds a bar and its name.
      const inside = b.status !== 'not_executed' && barEnd - x0 >= labelPx
      const occupied = (inside ? barEnd : b.status === 'not_executed' ? x0 + labelPx + 2 : barEnd + labelPx) + 8
      let row = rows.findIndex((r) => r <= x0)
      if (row === -1) row = rows.push(0) - 1
      rows[row] = occupied
      right = Math.max(right, occupied)
      return { b, x0, barEnd, row, inside }
    })
    const height = Math.max(1, rows.length) * ROW_PX + 8
    lanes.push(
      `<rect x="0" y="${y}" width="100%" height="${height}" fill="${i % 2 ? '#ffffff' : '#f5f7fa'}"/>`,
      `<text x="8" y="${y + 16}" fill="#5f6b7a">level ${esc(level)}</text>`,
    )
    for (const { b, x0, barEnd, row, inside } of placed) {
      const top = y + 4 + row * ROW_PX
      const tip = `${b.name}: ${outcome(b.status)}, level ${b.level}${b.startedMs === undefined ? '' : `, started at ${ms(b.startedMs)}`}, ${ms(b.durationMs)}; ${b.detail}${b.attempts > 1 ? `; ${b.attempts} tries` : ''}`
      const isCritical = critical.has(b.name)
      const rect =
        b.status === 'not_executed'
          ? `<rect x="${x0.toFixed(1)}" y="${top}" width="${(b.name.length * CHAR_PX + 12).toFixed(1)}" height="16" rx="3" fill="none" stroke="${COLOURS.not_executed}" stroke-dasharray="4 3"/>`
          : `<rect x="${x0.toFixed(1)}" y="${top}" width="${(barEnd - x0).toFixed(1)}" height="16" rx="3" fill="${colour(b.status)}"${
              b.attempts > 1 ? ' stroke="#ef6c00" stroke-width="2"' : isCritical ? ' stroke="#1d2330" stroke-width="1.5"' : ''
            }/>`
      const labelX = inside || b.status === 'not_executed' ? x0 + 5 : barEnd + 4
      const label = `<text x="${labelX.toFixed(1)}" y="${top + 12}" fill="${inside ? '#ffffff' : '#1d2330'}"${isCritical ? ' font-weight="bold"' : ''}>${esc(b.name)}</text>`
      marks.push(
        `<g class="bar" data-seed="${esc(b.name)}" data-status="${esc(b.status)}" data-level="${esc(b.level)}"${isCritical ? ' data-critical="true"' : ''}><title>${esc(tip)}</title>${rect}${label}</g>`,
      )
    }
    y += height
  }
  const axis = ticks(span)
    .filter((t) => t <= span * 1.001)
    .map(
      (t) =>
        `<line x1="${x(t).toFixed(1)}" y1="22" x2="${x(t).toFixed(1)}" y2="${y}" stroke="#d9dee5"/><text x="${x(t).toFixed(1)}" y="16" text-anchor="middle" fill="#5f6b7a">${esc(ms(t))}</text>`,
    )
  return `<div class="scroll"><svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(right)}" height="${y + 4}" viewBox="0 0 ${Math.ceil(right)} ${y + 4}" role="img" aria-label="timeline of the run">
${lanes.join('\n')}
${axis.join('\n')}
${marks.join('\n')}
</svg></div>
<p class="legend"><span><i class="swatch" style="background:${COLOURS.succeeded}"></i>succeeded</span><span><i class="swatch" style="background:${COLOURS.failed}"></i>failed</span><span><i class="swatch" style="background:${COLOURS.interrupted}"></i>interrupted</span><span><i class="swatch" style="border:1px dashed ${COLOURS.not_executed}"></i>not run</span><span><i class="swatch" style="border:2px solid #ef6c00"></i>retried</span><span><b>bold</b>: on the critical path</span></p>`
}

function header(title: string, meta: ReportMeta, cards: readonly [string, string][]): string {
  const facts = [
    meta.run !== undefined && `run ${meta.run}`,
    meta.command && `command ${meta.command}`,
    meta.env && `environment ${meta.env}`,
    meta.status && `status ${meta.status}`,
    meta.startedAt && `started ${meta.startedAt.toISOString()}`,
    meta.endedAt && `ended ${meta.endedAt.toISOString()}`,
    meta.user && `by ${meta.user}${meta.host ? `@${meta.host}` : ''}`,
    meta.gitCommit && `commit ${meta.gitCommit.slice(0, 12)}`,
  ].filter((f): f is string => Boolean(f))
  return `<h1>${esc(title)}</h1>
<p class="meta">${facts.map((f) => `<span>${esc(f)}</span>`).join('')}</p>
${meta.note ? `<p class="meta">${escCode(meta.note)}</p>` : ''}
<div class="cards">${cards.map(([k, v]) => `<div class="card"><b>${esc(v)}</b><small>${esc(k)}</small></div>`).join('')}</div>`
}

function levelsSection(bars: readonly Bar[], critical: readonly Bar[]): string {
  const levels = [...new Set(bars.map((b) => b.level))].sort((a, b) => a - b)
  const rows = levels.map((level) => {
    const mine = bars.filter((b) => b.level === level)
    const ran = mine.filter((b) => b.startedMs !== undefined)
    const start = ran.length ? Math.min(...ran.map((b) => b.startedMs!)) : undefined
    const last = critical.find((b) => b.level === level)
    const outcomes = (['succeeded', 'failed', 'interrupted', 'not_executed'] as const)
      .map((s) => [s, mine.filter((b) => b.status === s).length] as const)
      .filter(([, n]) => n)
      .map(([s, n]) => `${n} ${outcome(s)}`)
    return [
      esc(level),
      esc(mine.length),
      esc(outcomes.join(', ')),
      start === undefined ? '-' : esc(ms(start)),
      start === undefined || !last ? '-' : esc(ms(end(last) - start)),
      last ? `<span class="critical">${esc(last.name)}</span>` : '-',
    ]
  })
  const path = critical.map((b) => `<span class="critical">${esc(b.name)}</span> (${esc(ms(b.durationMs))})`).join(' → ')
  return `<h2>Levels and critical path</h2>
${htmlTable(['level', 'seeds', 'outcome', 'starts at', 'lasts', 'ends with'], rows, { numeric: new Set([0, 1]) })}
<p>Critical path (the seed of each level that ended last; a level starts when the one before it is done): ${path || 'none'}</p>`
}

function errorBlock(who: string, e: SerializedError): string {
  const where = e.file ? ` (${e.file}${e.line ? `:${e.line}` : ''}${e.column ? `:${e.column}` : ''})` : ''
  return `<div class="error" data-error-of="${esc(who)}"><b>${esc(who)}</b>: <code>${esc(e.code)}</code> ${esc(e.message)}${esc(where)}${
    e.hint ? `\n<span class="hint">hint: ${escCode(e.hint)}</span>` : ''
  }</div>`
}

/** A value in a diff table: NULL and objects shown as such, everything escaped. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '<span class="null">NULL</span>'
  if (typeof value === 'object') return `<code>${esc(JSON.stringify(value))}</code>`
  return esc(value)
}

function changeCell(change: RowChange['changes']): string {
  if (!change) return '<span class="null">(columns not seen)</span>'
  return Object.entries(change)
    .map(([col, c]) => `<code>${esc(col)}</code>: <span class="old">${cell(c.old)}</span> → <span class="new">${cell(c.new)}</span>`)
    .join('<br>')
}

function createdTable(rows: readonly Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  return htmlTable(
    columns,
    rows.map((r) => columns.map((c) => cell(r[c]))),
  )
}

function updatedTable(key: readonly string[], rows: readonly RowChange[]): string {
  const columns = key.length ? [...key] : [...new Set(rows.flatMap((r) => Object.keys(r.key)))]
  return htmlTable(
    [...columns, 'changes'],
    rows.map((r) => [...columns.map((c) => cell(r.key[c])), changeCell(r.changes)]),
  )
}

function tableDiff(seed: string, t: TableDiff, verb: { created: string; updated: string }): string {
  const shown = (n: number, total: number) => (n < total ? ` (first ${int(n)} of ${int(total)})` : '')
  return `<h3 data-diff-of="${esc(seed)}">${esc(seed)} → <code>${esc(t.table)}</code>: ${verb.created} ${int(t.created)}, ${verb.updated} ${int(t.updated)}</h3>
${t.createdRows.length ? `<p>${verb.created}${shown(t.createdRows.length, t.created)}:</p>${createdTable(t.createdRows)}` : ''}
${t.updatedRows.length ? `<p>${verb.updated}${shown(t.updatedRows.length, t.updated)}:</p>${updatedTable(t.key, t.updatedRows)}` : ''}`
}

/** The sections below the timeline that a run and an undo share. */
function commonSections(bars: readonly Bar[], details: { head: string[]; cells: (b: Bar) => string[]; numeric: number[] }): string {
  const critical = criticalPath(bars)
  const criticalNames = new Set(critical.map((b) => b.name))
  const ordered = [...bars].sort(
    (a, b) => a.level - b.level || (a.startedMs ?? Infinity) - (b.startedMs ?? Infinity) || a.name.localeCompare(b.name),
  )
  const seedRows = ordered.map((b) => [
    `<span class="${criticalNames.has(b.name) ? 'critical' : ''}">${esc(b.name)}</span>`,
    esc(b.level),
    status(b.status),
    b.startedMs === undefined ? '-' : esc(ms(b.startedMs)),
    b.status === 'not_executed' ? '-' : esc(ms(b.durationMs)),
    ...details.cells(b),
    esc(b.attempts),
  ])
  const slowest = [...bars]
    .filter((b) => b.status !== 'not_executed')
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, 5)
  const retried = bars.filter((b) => b.attempts > 1)
  return `<h2>Timeline</h2>
${timeline(bars, criticalNames)}
${levelsSection(bars, critical)}
<h2>Seeds</h2>
${htmlTable(['seed', 'level', 'outcome', 'started at', 'took', ...details.head, 'tries'], seedRows, {
  numeric: new Set([1, 3, 4, ...details.numeric.map((i) => i + 5), details.head.length + 5]),
  rowAttrs: ordered.map((b) => ` class="seed" data-seed="${esc(b.name)}" data-status="${esc(b.status)}"`),
})}
<h2>Slowest seeds</h2>
${slowest.length ? `<ol class="slowest">${slowest.map((b) => `<li><b>${esc(b.name)}</b> ${esc(ms(b.durationMs))} (level ${esc(b.level)}): ${esc(b.detail)}</li>`).join('')}</ol>` : '<p>No seed ran.</p>'}
<h2>Retries</h2>
${retried.length ? `<ul class="retries">${retried.map((b) => `<li><b>${esc(b.name)}</b>: ${esc(b.attempts)} tries (${esc(b.attempts - 1)} after transient failures), ${esc(outcome(b.status))}</li>`).join('')}</ul>` : '<p>No seed needed a retry.</p>'}`
}

/** Sorts, redacts and renders a run's result (live or read back from the ledger) as one HTML page. */
export function runReportHtml(raw: RunResult, meta: ReportMeta = {}): string {
  const result = redactValue(raw)
  const seeds = result.seeds as SeedReport[]
  const verb = result.dryRun ? { created: 'would create', updated: 'would update' } : { created: 'created', updated: 'updated' }
  const bars: Bar[] = seeds.map((s) => ({
    name: s.name,
    level: s.level,
    status: s.status,
    ...(s.startedMs !== undefined && { startedMs: s.startedMs }),
    durationMs: s.durationMs,
    attempts: s.attempts,
    detail:
      s.status === 'not_executed'
        ? 'never started'
        : `${verb.created} ${int(s.created)}, ${verb.updated} ${int(s.updated)}, skipped ${int(s.skipped)}, ${int(s.rowsPerSecond)} rows/s`,
  }))
  const sum = (k: 'created' | 'updated' | 'skipped') => int(seeds.reduce((n, s) => n + s[k], 0))
  const count = (st: SeedStatus) => seeds.filter((s) => s.status === st).length
  const span = Math.max(0, ...bars.map(end))
  const title = `seedbed ${meta.command ?? 'run'}${result.dryRun ? ' (dry run: nothing committed)' : ''}${meta.run !== undefined ? ` #${meta.run}` : ''}`
  const errors = [
    ...(result.error ? [errorBlock('the run', result.error)] : []),
    ...seeds.filter((s) => s.error).map((s) => errorBlock(s.name, s.error!)),
  ]
  const diffs = seeds.filter((s) => s.diff)
  const diffSection = diffs.length
    ? `<h2>Diff: what the run would write</h2>
${diffs
  .map((s) => {
    const d = s.diff!
    const unseen = d.unseen.created + d.unseen.updated + d.unseen.skipped
    return `${d.tables.map((t) => tableDiff(s.name, t, verb)).join('\n')}${
      unseen
        ? `<p>${esc(s.name)}: ${int(d.unseen.created)} created, ${int(d.unseen.updated)} updated, ${int(d.unseen.skipped)} skipped by statements whose rows seedbed cannot show (${esc(d.unseen.by.join(', '))})</p>`
        : ''
    }${d.tables.length || unseen ? '' : `<p>${esc(s.name)}: writes nothing.</p>`}`
  })
  .join('\n')}`
    : ''
  const body = `${header(title, meta, [
    ['outcome', result.ok ? 'succeeded' : 'failed'],
    ['seeds ran for', ms(span)],
    ['seeds', `${count('succeeded')} ok · ${count('failed') + count('interrupted')} failed · ${count('not_executed')} not run`],
    [verb.created, sum('created')],
    [verb.updated, sum('updated')],
    ['skipped', sum('skipped')],
  ])}
${commonSections(bars, {
  head: [verb.created, verb.updated, 'skipped', 'rows/s'],
  cells: (b) => {
    const s = seeds.find((x) => x.name === b.name)!
    return [int(s.created), int(s.updated), int(s.skipped), int(s.rowsPerSecond)]
  },
  numeric: [0, 1, 2, 3],
})}
<h2>Errors</h2>
${errors.length ? errors.join('\n') : '<p>No errors.</p>'}
${diffSection}`
  return page(title, body)
}

/** An undo's result as one HTML page: the same timeline (seeds in reverse level order), and with `--diff` its rows. */
export function undoReportHtml(raw: UndoResult, meta: ReportMeta = {}): string {
  const result = redactValue(raw)
  const total = (s: UndoResult['seeds'][number], k: 'restored' | 'deleted') => s.tables.reduce((n, t) => n + t[k], 0)
  const verb = result.dryRun ? { restored: 'would restore', deleted: 'would delete' } : { restored: 'restored', deleted: 'deleted' }
  const bars: Bar[] = result.seeds.map((s) => ({
    name: s.name,
    level: s.level,
    status: 'succeeded',
    startedMs: s.startedMs,
    durationMs: s.durationMs,
    attempts: 1,
    detail:
      s.by === 'undo()'
        ? "by the seed's own undo()"
        : `${verb.restored} ${int(total(s, 'restored'))}, ${verb.deleted} ${int(total(s, 'deleted'))}`,
  }))
  const title = `seedbed undo of run ${result.run}${result.dryRun ? ' (dry run: nothing changed)' : ''}`
  const diffRows = result.seeds.flatMap((s) =>
    s.tables
      .filter((t) => t.deletedRows?.length || t.restoredRows?.length)
      .map(
        (
          t,
        ) => `<h3 data-diff-of="${esc(s.name)}">${esc(s.name)} → <code>${esc(t.table)}</code>: ${verb.deleted} ${int(t.deleted)}, ${verb.restored} ${int(t.restored)}</h3>
${t.deletedRows?.length ? `<p>${verb.deleted}:</p>${createdTable(t.deletedRows)}` : ''}
${t.restoredRows?.length ? `<p>${verb.restored} (current → old):</p>${updatedTable(t.key, t.restoredRows)}` : ''}`,
      ),
  )
  const body = `${header(
    title,
    { ...meta, command: meta.command ?? 'undo', ...(result.undoRun !== null && meta.run === undefined && { run: result.undoRun }) },
    [
      ['undid run', String(result.run)],
      ['took', ms(result.durationMs)],
      ['seeds', String(result.seeds.length)],
      [verb.restored, int(result.seeds.reduce((n, s) => n + total(s, 'restored'), 0))],
      [verb.deleted, int(result.seeds.reduce((n, s) => n + total(s, 'deleted'), 0))],
    ],
  )}
${commonSections(bars, {
  head: ['by', verb.restored, verb.deleted],
  cells: (b) => {
    const s = result.seeds.find((x) => x.name === b.name)!
    return [esc(s.by), int(total(s, 'restored')), int(total(s, 'deleted'))]
  },
  numeric: [1, 2],
})}
<h2>Tables</h2>
${htmlTable(
  ['seed', 'table', verb.restored, verb.deleted],
  result.seeds.flatMap((s) => s.tables.map((t) => [esc(s.name), `<code>${esc(t.table)}</code>`, int(t.restored), int(t.deleted)])),
  { numeric: new Set([2, 3]) },
)}
<h2>Errors</h2>
<p>No errors: an undo that fails changes nothing and writes no report.</p>
${diffRows.length ? `<h2>Diff: rows undo ${result.dryRun ? 'would change' : 'changed'}</h2>\n${diffRows.join('\n')}` : ''}`
  return page(title, body)
}

/**
 * The report of a run read back from the ledger (`seedbed report <run>`): the same page as the live
 * `--report`, with the run's record (who, where, when) in the header. The ledger holds the seeds that
 * started; a seed that never started in a stopped run is not in it.
 */
export function recordedReportHtml(recorded: RecordedRun): string {
  const { run, seeds, undid } = recorded
  const meta: ReportMeta = {
    run: run.id,
    command: run.command,
    env: run.environment,
    status: run.status,
    startedAt: run.started_at,
    endedAt: run.ended_at,
    user: run.os_user,
    host: run.host,
    gitCommit: run.git_commit,
  }
  if (run.command === 'undo') {
    const title = `seedbed undo #${run.id}`
    return page(
      title,
      `${header(
        title,
        {
          ...meta,
          note: `The ledger records which run an undo reversed, not its seeds' timings: \`seedbed undo --report undo.html\` writes those as it runs.`,
        },
        [
          ['undid run', undid === null ? 'none (it failed or was stopped)' : String(undid)],
          ['took', run.ended_at ? ms(run.ended_at.getTime() - run.started_at.getTime()) : '-'],
        ],
      )}`,
    )
  }
  const result: RunResult = {
    ok: run.status === 'succeeded',
    durationMs: run.ended_at ? run.ended_at.getTime() - run.started_at.getTime() : 0,
    dryRun: false,
    seeds,
  }
  const note =
    run.status === 'succeeded' ? undefined : 'From the ledger: seeds that never started are not recorded there, so they are not listed.'
  return runReportHtml(result, { ...meta, ...(note && { note }) })
}
