import { stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT, runCli, tempDir } from './helpers.ts'
import { launch, openFile, overlaps, screenshotPath, skipUnlessBrowser } from './report-browser.ts'

// 50 seeds in 6 levels with names of many lengths, each depending on one to three seeds of the
// levels before it (a fixed pattern, no randomness): what the picture must keep readable.
const dir = await tempDir(t, 'seedbed-plan-picture-')
const seedsDir = path.join(dir, 'seeds')
const words = ['users', 'orders', 'catalogue_products', 'roles', 'x', 'tenant_billing_accounts', 'tags', 'audit_log_entries_archive']
const sizes = [8, 10, 10, 9, 8, 5]
const levels: { name: string; dependsOn: string[] }[][] = []
let n = 0
for (const [level, size] of sizes.entries()) {
  const seeds: { name: string; dependsOn: string[] }[] = []
  for (let i = 0; i < size; i++, n++) {
    const earlier = levels.flat()
    const dependsOn =
      level === 0
        ? []
        : [
            ...new Set([
              levels[level - 1]![i % levels[level - 1]!.length]!.name,
              ...(i % 3 === 0 ? [earlier[(n * 7) % earlier.length]!.name] : []),
            ]),
          ]
    seeds.push({ name: `s${String(n).padStart(2, '0')}_${words[n % words.length]}`, dependsOn })
  }
  levels.push(seeds)
}
const all = levels.flat()
const contract = path.join(ROOT, 'lib', 'contract', 'contract.ts')
await import('node:fs/promises').then((fs) => fs.mkdir(seedsDir))
for (const s of all) {
  await writeFile(
    path.join(seedsDir, `${s.name}.ts`),
    `import { defineSeed } from ${JSON.stringify(contract)}
export default defineSeed({
  name: ${JSON.stringify(s.name)},
  dependsOn: ${JSON.stringify(s.dependsOn)},
  description: 'Seed <b>${s.name}</b> & "friends"',
  async run() {},
})
`,
  )
}
const edges = all.reduce((k, s) => k + s.dependsOn.length, 0)
// plan never connects: an unreachable DATABASE_URL proves it.
const env = { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/none' }

const skip = await skipUnlessBrowser()

t.test('plan --format html and svg: every seed on its level, every edge, no name over another, no request', { skip }, async (t) => {
  const planned = JSON.parse((await runCli(['plan', '--seeds', seedsDir, '--json'], { env })).stdout) as {
    levels: { level: number; seeds: { name: string }[] }[]
  }
  t.equal(planned.levels.length, 6, 'the fixture plans into 6 levels')
  const levelOf = Object.fromEntries(planned.levels.flatMap((l) => l.seeds.map((s) => [s.name, l.level])))
  t.equal(Object.keys(levelOf).length, 50)

  const browser = await launch()
  t.teardown(() => browser.close())
  for (const format of ['html', 'svg']) {
    const r = await runCli(['plan', '--seeds', seedsDir, '--format', format], { env })
    t.equal(r.code, 0, r.stderr)
    const file = path.join(dir, `plan.${format}`)
    await writeFile(file, r.stdout)
    const { page, requests } = await openFile(browser, file, { width: 1400, height: 1000 })
    t.same(requests, [], `${format}: no request leaves the page`)
    const drawn = await page.evaluate(() => {
      const box = (e: Element) => {
        const b = e.getBoundingClientRect()
        return { x: b.x, y: b.y, width: b.width, height: b.height }
      }
      return {
        nodes: [...document.querySelectorAll<SVGGElement>('g.node')].map((g) => ({
          name: g.dataset.seed!,
          level: Number(g.dataset.level),
          text: g.querySelector('text')!.textContent,
          label: { name: g.dataset.seed!, ...box(g.querySelector('text')!) },
          rect: { name: g.dataset.seed!, ...box(g.querySelector('rect')!) },
        })),
        edges: [...document.querySelectorAll<SVGPathElement>('path.edge')].map((p) => `${p.dataset.from}->${p.dataset.to}`),
        markup: document.querySelectorAll('svg b, body > b').length,
      }
    })
    t.same(Object.fromEntries(drawn.nodes.map((d) => [d.name, d.level])), levelOf, `${format}: each seed drawn on its level`)
    t.ok(
      drawn.nodes.every((d) => d.text === d.name),
      `${format}: each box shows its seed's name`,
    )
    t.same(drawn.edges.sort(), all.flatMap((s) => s.dependsOn.map((d) => `${d}->${s.name}`)).sort(), `${format}: an arrow per dependency`)
    t.equal(drawn.edges.length, edges)
    t.same(overlaps(drawn.nodes.map((d) => d.rect)), [], `${format}: no two boxes overlap`)
    t.same(overlaps(drawn.nodes.map((d) => d.label)), [], `${format}: no two names overlap`)
    t.ok(
      drawn.nodes.every((d) => d.label.x >= d.rect.x && d.label.x + d.label.width <= d.rect.x + d.rect.width + 0.5),
      `${format}: each name fits in its box`,
    )
    // Levels go left to right: every box of a level is right of every box of the level before.
    for (let level = 1; level < 6; level++) {
      const before = Math.max(...drawn.nodes.filter((d) => d.level === level - 1).map((d) => d.rect.x + d.rect.width))
      const after = Math.min(...drawn.nodes.filter((d) => d.level === level).map((d) => d.rect.x))
      t.ok(after > before, `${format}: level ${level} right of level ${level - 1}`)
    }
    t.equal(drawn.markup, 0, `${format}: markup in a description stays text`)
    if (format === 'html') {
      t.match(await page.textContent('table'), 'Seed <b>s00_users</b> & "friends"', 'the description as text in the levels table')
      const shot = screenshotPath('plan.png', path.join(ROOT, 'docs'), dir)
      await page.locator('svg.plan').screenshot({ path: shot })
      t.ok((await stat(shot)).size > 10_000, `screenshot saved: ${shot}`)
    }
  }
})

t.test('plan --format with an unknown form names the forms', async (t) => {
  const r = await runCli(['plan', '--format', 'png'], { env })
  t.equal(r.code, 2)
  t.match(r.stderr, /E_BAD_OPTION: --format must be one of text, json, mermaid, dot, svg, html, got 'png'/)
})
