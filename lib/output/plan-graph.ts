/**
 * The plan as a picture (`plan --format svg` / `--format html`): the dependency graph laid out by
 * level, a column per level from left to right, a box per seed, an arrow from each dependency to its
 * dependant. Within a column seeds are ordered by where what they depend on sits (the barycentre
 * heuristic), which keeps arrows short and crossings few; every box has a row of its own, so names
 * never overlap however many seeds there are. An arrow never passes behind a box: one that skips
 * levels runs in a lane between rows. Pure: levels in, markup out.
 */
import { esc, htmlTable, page } from './html.ts'

/** What the picture needs of a seed. */
export interface PlanNode {
  name: string
  dependsOn: readonly string[]
  priority?: number
  description?: string
}

const CHAR_PX = 7.3
const BOX_H = 24
// Room between two rows: the lane of the edges that pass levels by, a track each, 3 px apart and 4 px
// clear of each box. 14 px holds 3 tracks; a lane with more is made taller (and the rows below move down).
const GAP_Y = 14
const TRACK = 3
const CLEAR = 4
const laneHeight = (edges: number) => Math.max(GAP_Y, 2 * CLEAR + (edges - 1) * TRACK)
const GAP_X = 90
const PAD = 20
const TOP = 40

/** Positions per seed: column, row, and the column's box width. */
function layout(levels: readonly (readonly PlanNode[])[]) {
  const order: PlanNode[][] = []
  const row = new Map<string, number>()
  for (const level of levels) {
    // Seeds with dependencies sit near the mean row of those; the first level keeps its planned order.
    const placed = level
      .map((s, i) => {
        const rows = s.dependsOn.map((d) => row.get(d)).filter((r): r is number => r !== undefined)
        return { s, key: rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : i, i }
      })
      .sort((a, b) => a.key - b.key || a.i - b.i)
      .map((p) => p.s)
    for (const [i, s] of placed.entries()) row.set(s.name, i)
    order.push(placed)
  }
  const widths = order.map((col) => Math.max(80, ...col.map((s) => s.name.length * CHAR_PX + 20)))
  const xs: number[] = []
  let x = PAD
  for (const w of widths) {
    xs.push(x)
    x += w + GAP_X
  }
  return { order, row, widths, xs, width: x - GAP_X + PAD, rows: Math.max(1, ...order.map((c) => c.length)) }
}

/** An edge to draw; one that passes levels by runs along `track` (from 0) of `lane`, the gap above row `lane`. */
interface Edge {
  from: string
  to: string
  lane?: number
  track: number
}

/**
 * Every edge, and the lane and track of those that pass levels by: the lane nearest the middle of
 * their two rows, and a track of their own in it, so no two run on top of each other.
 */
function route(order: readonly (readonly PlanNode[])[], row: ReadonlyMap<string, number>) {
  const level = new Map(order.flatMap((col, i) => col.map((s) => [s.name, i] as const)))
  const lanes = new Map<number, number>()
  const edges: Edge[] = []
  for (const s of order.flat()) {
    for (const d of s.dependsOn) {
      if (!level.has(d)) continue // a dependency outside this plan (--only): its seed is not drawn
      if (level.get(s.name)! === level.get(d)! + 1) {
        edges.push({ from: d, to: s.name, track: 0 })
        continue
      }
      const lane = Math.max(0, Math.round((row.get(d)! + row.get(s.name)!) / 2 + 0.5))
      const track = lanes.get(lane) ?? 0
      lanes.set(lane, track + 1)
      edges.push({ from: d, to: s.name, lane, track })
    }
  }
  return { edges, lanes }
}

/** The top of each row (and of the row after the last), every lane as tall as its tracks need. */
function rowTops(rows: number, lanes: ReadonlyMap<number, number>): number[] {
  const tops = [TOP - GAP_Y + laneHeight(lanes.get(0) ?? 0)]
  for (let k = 1; k <= rows; k++) tops.push(tops[k - 1]! + BOX_H + laneHeight(lanes.get(k) ?? 0))
  return tops
}

interface Placed {
  x: number
  y: number
  w: number
  level: number
}

/** A curve from (x1, y1) to (x2, y2) that leaves and arrives level: it stays between x1 and x2. */
const curve = (x1: number, y1: number, x2: number, y2: number) => {
  const bend = (x2 - x1) / 2
  return `C${(x1 + bend).toFixed(1)},${y1} ${(x2 - bend).toFixed(1)},${y2} ${x2.toFixed(1)},${y2}`
}

/**
 * An edge's path. To the next level it is one curve through the gap between the columns. Past a level
 * it would cross that level's column where a box may stand (and read as going through it), so it
 * curves into a lane between two rows (every column shares the rows, so a lane is free in all of
 * them), runs along its track there, and curves out into its dependant in the last gap. Edges sharing a
 * lane each have a track of their own (see {@link route}), so they never run on top of each other.
 */
function edgePath(
  from: Placed,
  to: Placed,
  edge: Edge,
  grid: { xs: number[]; widths: number[]; tops: number[]; lanes: ReadonlyMap<number, number> },
): string {
  const x1 = from.x + from.w
  const y1 = from.y + BOX_H / 2
  const x2 = to.x - 6
  const y2 = to.y + BOX_H / 2
  if (edge.lane === undefined) return `M${x1.toFixed(1)},${y1} ${curve(x1, y1, x2, y2)}`
  const tracks = grid.lanes.get(edge.lane)!
  const middle = grid.tops[edge.lane]! - laneHeight(tracks) / 2
  const y = middle + (edge.track - (tracks - 1) / 2) * TRACK
  const enter = grid.xs[from.level + 1]!
  const leave = grid.xs[to.level - 1]! + grid.widths[to.level - 1]!
  return `M${x1.toFixed(1)},${y1} ${curve(x1, y1, enter, y)} L${leave.toFixed(1)},${y} ${curve(leave, y, x2, y2)}`
}

/** The dependency graph as a standalone SVG document. */
export function planToSvg(levels: readonly (readonly PlanNode[])[]): string {
  const { order, row, widths, xs, width, rows } = layout(levels)
  const { edges: routed, lanes } = route(order, row)
  const tops = rowTops(rows, lanes)
  const height = tops[rows]! + PAD
  const at = new Map<string, Placed>()
  for (const [i, col] of order.entries()) {
    for (const [j, s] of col.entries()) at.set(s.name, { x: xs[i]!, y: tops[j]!, w: widths[i]!, level: i })
  }
  const heads = order.map(
    (_, i) =>
      `<text x="${(xs[i]! + widths[i]! / 2).toFixed(1)}" y="22" text-anchor="middle" fill="#5f6b7a" font-weight="bold">level ${i}</text>`,
  )
  const edges = routed.map(
    (e) =>
      `<path class="edge" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="${edgePath(at.get(e.from)!, at.get(e.to)!, e, { xs, widths, tops, lanes })}" fill="none" stroke="#8a96a8" stroke-width="1.2" marker-end="url(#arrow)"/>`,
  )
  const nodes = order.flat().map((s) => {
    const p = at.get(s.name)!
    const tip = `${s.name} (level ${p.level}${s.priority !== undefined ? `, priority ${s.priority}` : ''})${s.dependsOn.length ? `; depends on ${s.dependsOn.join(', ')}` : ''}${s.description ? `; ${s.description}` : ''}`
    return `<g class="node" data-seed="${esc(s.name)}" data-level="${p.level}"><title>${esc(tip)}</title><rect x="${p.x.toFixed(1)}" y="${p.y}" width="${p.w.toFixed(1)}" height="${BOX_H}" rx="4" fill="#ffffff" stroke="#3f6fb5"/><text x="${(p.x + 10).toFixed(1)}" y="${p.y + 16}" fill="#1d2330">${esc(s.name)}</text></g>`
  })
  return `<svg class="plan" xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height}" viewBox="0 0 ${width.toFixed(0)} ${height}" role="img" aria-label="dependency graph of the seeds">
<style>text { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }</style>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8a96a8"/></marker></defs>
${heads.join('\n')}
${edges.join('\n')}
${nodes.join('\n')}
</svg>`
}

/** The graph in a page of its own, with the levels as a table under it. */
export function planToHtml(levels: readonly (readonly PlanNode[])[]): string {
  const count = levels.reduce((n, l) => n + l.length, 0)
  const rows = levels.flatMap((level, i) =>
    level.map((s, j) => [j === 0 ? String(i) : '', esc(s.name), s.dependsOn.map(esc).join(', ') || '-', esc(s.description ?? '')]),
  )
  return page(
    'seedbed plan',
    `<h1>seedbed plan</h1>
<p class="meta">${count} seed${count === 1 ? '' : 's'} in ${levels.length} level${levels.length === 1 ? '' : 's'}; the seeds of a level run concurrently, each level after the one before it.</p>
<div class="scroll">${planToSvg(levels)}</div>
<h2>Levels</h2>
${htmlTable(['level', 'seed', 'depends on', 'description'], rows, { numeric: new Set([0]) })}`,
    { wide: true },
  )
}
