import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { type PlanNode, planToSvg } from '../lib/output/plan-graph.ts'
import { runCli, tempDir } from './helpers.ts'
import { launch, openFile, skipUnlessBrowser } from './report-browser.ts'

// An arrow that passes behind a box reads as going through it (`catalog -> order_items` behind
// `orders` reads `catalog -> orders -> order_items`). Every edge's drawn path, sampled along its
// length in the browser, must stay out of every box: on the example project's plan and on DAGs
// whose edges skip several levels.
const dir = await tempDir(t, 'seedbed-plan-edges-')
const skip = await skipUnlessBrowser()

/** Levels of a generated DAG: `sizes` seeds per level, each depending on seeds `reach` levels back (a fixed pattern). */
function dag(sizes: readonly number[], reach: (level: number, i: number) => number[]): PlanNode[][] {
  const levels: PlanNode[][] = []
  for (const [level, size] of sizes.entries()) {
    const seeds: PlanNode[] = []
    for (let i = 0; i < size; i++) {
      const dependsOn = level === 0 ? [] : reach(level, i).map((back) => levels[Math.max(0, level - Math.max(1, back))]!)
      const names = dependsOn.map((l, k) => l[(i * 3 + k * 5) % l.length]!.name)
      // One dependency on the level just before keeps the seed on its level.
      names.push(levels[level - 1]?.[i % levels[level - 1]!.length]?.name ?? '')
      seeds.push({ name: `l${level}_s${i}_${'x'.repeat((i * 7 + level) % 12)}`, dependsOn: [...new Set(names.filter(Boolean))] })
    }
    levels.push(seeds)
  }
  return levels
}

const generated: Record<string, PlanNode[][]> = {
  'every last-level seed on the first level': dag([3, 5, 6, 5, 4], (level) => (level === 4 ? [4] : [])),
  'edges of every length': dag([6, 8, 7, 9, 6, 5], (level, i) => [2 + (i % Math.max(1, level - 1)), 1 + ((i * 2) % level)]),
  'a tall narrow column between long edges': dag([2, 12, 3, 2], (level, i) => (level >= 2 ? [level, level - 1 - (i % 2)] : [])),
  // One seed a level, each on the 2 or 3 levels before the last: 9 long edges, all in the lane under row 0.
  'many long edges in one lane': dag([1, 1, 1, 1, 1, 1], (level) => [level, level - 1, level - 2].filter((back) => back >= 2)),
}

/** The horizontal run of each edge that passes levels by (`... x,y L x2,y ...` in its path). */
function horizontals(svg: string) {
  return [...svg.matchAll(/<path class="edge" data-from="([^"]+)" data-to="([^"]+)" d="([^"]+)"/g)].flatMap(([, from, to, d]) => {
    const run = /(-?[\d.]+),(-?[\d.]+) L(-?[\d.]+),(-?[\d.]+)/.exec(d!)
    if (!run) return []
    const [x1, y, x2, y2] = run.slice(1).map(Number) as [number, number, number, number]
    return [{ edge: `${from} -> ${to}`, y, y2, from: Math.min(x1, x2), to: Math.max(x1, x2) }]
  })
}

t.test('no two edges share a horizontal run: each edge of a lane has a track of its own', async (t) => {
  for (const [name, levels] of Object.entries(generated)) {
    const runs = horizontals(planToSvg(levels))
    t.ok(
      runs.every((r) => r.y === r.y2),
      `${name}: the runs are horizontal`,
    )
    const shared: string[] = []
    for (const [i, a] of runs.entries()) {
      for (const b of runs.slice(i + 1)) {
        if (Math.abs(a.y - b.y) < 2 && a.from < b.to && b.from < a.to) shared.push(`${a.edge} and ${b.edge} at y=${a.y}`)
      }
    }
    t.same(shared, [], `${name}: ${runs.length} runs, none on top of another`)
  }
  const crowded = horizontals(planToSvg(generated['many long edges in one lane']!))
  t.ok(crowded.length > 3, `more than 3 long edges in the lane (${crowded.length})`)
})

/** Every edge's points inside a box other than at its two ends, read from the rendered SVG. */
async function crossings(file: string, browser: Awaited<ReturnType<typeof launch>>) {
  const { page } = await openFile(browser, file, { width: 1600, height: 1200 })
  return page.evaluate(() => {
    const boxes = [...document.querySelectorAll<SVGGElement>('g.node')].map((g) => {
      const r = g.querySelector('rect')!
      const n = (a: string) => Number(r.getAttribute(a))
      return { name: g.dataset.seed!, x: n('x'), y: n('y'), w: n('width'), h: n('height') }
    })
    const out: string[] = []
    const paths = [...document.querySelectorAll<SVGPathElement>('path.edge')]
    for (const p of paths) {
      const length = p.getTotalLength()
      for (let at = 0; at <= length; at += 1) {
        const { x, y } = p.getPointAtLength(at)
        // Inside, not on the border: an edge starts on its dependency's right side.
        const inside = boxes.find((b) => x > b.x + 0.5 && x < b.x + b.w - 0.5 && y > b.y + 0.5 && y < b.y + b.h - 0.5)
        if (inside) {
          out.push(`${p.dataset.from} -> ${p.dataset.to} passes behind ${inside.name}`)
          break
        }
      }
    }
    return { out, edges: paths.length }
  })
}

t.test('no edge passes behind a box', { skip }, async (t) => {
  const browser = await launch()
  t.teardown(() => browser.close())
  // The example project (this repository's seeds/); plan never connects.
  const env = { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none' }
  const example = await runCli(['plan', '--format', 'svg'], { env })
  t.equal(example.code, 0, example.stderr)
  const planned = JSON.parse((await runCli(['plan', '--json'], { env })).stdout) as {
    levels: { seeds: { dependsOn: string[] }[] }[]
  }
  const file = path.join(dir, 'example.svg')
  await writeFile(file, example.stdout)
  const found = await crossings(file, browser)
  t.equal(
    found.edges,
    planned.levels.flatMap((l) => l.seeds).reduce((n, s) => n + s.dependsOn.length, 0),
    'the example: every dependency drawn',
  )
  t.same(found.out, [], 'the example: no edge behind a box')
  for (const [name, levels] of Object.entries(generated)) {
    const svg = path.join(dir, `${name.replace(/\W+/g, '-')}.svg`)
    await writeFile(svg, planToSvg(levels))
    const drawn = await crossings(svg, browser)
    t.equal(
      drawn.edges,
      levels.flat().reduce((n, s) => n + s.dependsOn.length, 0),
      `${name}: every dependency drawn`,
    )
    t.same(drawn.out, [], `${name}: no edge behind a box`)
  }
})
