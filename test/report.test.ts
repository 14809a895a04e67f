import { readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import type { Page } from 'playwright-core'
import type { RunResult } from '../lib/contract/types.ts'
import { fixture, ROOT, runCli, tempDir, testDatabase } from './helpers.ts'
import { launch, openFile, overlaps, screenshotPath, skipUnlessBrowser } from './report-browser.ts'

const db = await testDatabase(t)
const dir = await tempDir(t, 'seedbed-report-')
const seeds = path.join(fixture('report'), 'seeds')
const TOKEN = 'tok-very-secret-123'
const env = { DATABASE_URL: db.url, REPORT_TOKEN: TOKEN }
const file = (name: string) => path.join(dir, name)

await db.sql`CREATE TABLE report_items (name text PRIMARY KEY, note text)`
await db.sql`CREATE SEQUENCE report_tries`

/** What a report's seed rows say, read from the DOM. */
async function seedRows(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLTableRowElement>('tr.seed')].map((tr) => ({
      name: tr.dataset.seed!,
      status: tr.dataset.status!,
      cells: [...tr.cells].map((c) => c.textContent!.trim()),
    })),
  )
}

/** The timeline's bars: seed, outcome, level, critical, the bar's x and the name's box. */
async function bars(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll<SVGGElement>('svg.timeline g.bar')].map((g) => {
      const text = g.querySelector('text')!.getBoundingClientRect()
      return {
        name: g.dataset.seed!,
        status: g.dataset.status!,
        level: Number(g.dataset.level),
        critical: g.dataset.critical === 'true',
        x: g.querySelector('rect')!.getBoundingClientRect().x,
        fill: g.querySelector('rect')!.getAttribute('fill'),
        label: { name: g.dataset.seed!, x: text.x, y: text.y, width: text.width, height: text.height },
      }
    }),
  )
}

const skip = await skipUnlessBrowser()

t.test('seed --dry-run --diff --report run.html: the diff as tables, the secret redacted', { skip }, async (t) => {
  const r = await runCli(['seed', '--seeds', seeds, '--only', 'roles', '--dry-run', '--diff', '--report', file('dry.html')], { env })
  t.equal(r.code, 0, r.stderr)
  const html = await readFile(file('dry.html'), 'utf8')
  t.notMatch(html, TOKEN, 'the registered secret is not in the file')
  const browser = await launch()
  t.teardown(() => browser.close())
  const { page, requests } = await openFile(browser, file('dry.html'))
  t.same(requests, [], 'no request leaves the page')
  t.match(await page.textContent('h1'), /dry run: nothing committed/)
  const diff = await page.evaluate(() =>
    [...document.querySelectorAll('h3[data-diff-of]')].map((h) => {
      const table = h.nextElementSibling?.nextElementSibling as HTMLTableElement
      return {
        seed: (h as HTMLElement).dataset.diffOf,
        heading: h.textContent,
        head: [...table.tHead!.rows[0]!.cells].map((c) => c.textContent),
        rows: [...table.tBodies[0]!.rows].map((row) => [...row.cells].map((c) => c.textContent)),
      }
    }),
  )
  t.same(diff, [
    {
      seed: 'roles',
      heading: 'roles → report_items: would create 3, would update 0',
      head: ['name', 'note'],
      rows: [
        ['admin', 'token ***'],
        ['editor', 'token ***'],
        ['viewer', 'token ***'],
      ],
    },
  ])
  t.same(
    (await seedRows(page)).map((s) => [s.name, s.status, s.cells[5]]),
    [['roles', 'succeeded', '3']],
    'the seed would create 3',
  )
  t.same(await db.sql`SELECT count(*)::int AS n FROM report_items`, [{ n: 0 }], 'nothing committed')
})

t.test('--report with another extension still writes the JSON result', async (t) => {
  const r = await runCli(['seed', '--seeds', seeds, '--only', 'roles', '--report', file('run.json')], { env })
  t.equal(r.code, 0, r.stderr)
  const result = JSON.parse(await readFile(file('run.json'), 'utf8')) as RunResult
  t.same(
    result.seeds.map((s) => [s.name, s.created, typeof s.startedMs]),
    [['roles', 3, 'number']],
  )
})

t.test('undo --dry-run --diff --report undo.html: the rows undo would delete, redacted', { skip }, async (t) => {
  const r = await runCli(['undo', '--seeds', seeds, '--dry-run', '--diff', '--report', file('undo.html')], { env })
  t.equal(r.code, 0, r.stderr)
  t.notMatch(await readFile(file('undo.html'), 'utf8'), TOKEN)
  const browser = await launch()
  t.teardown(() => browser.close())
  const { page, requests } = await openFile(browser, file('undo.html'))
  t.same(requests, [])
  t.match(await page.textContent('h1'), /undo of run 1 \(dry run/)
  t.same(
    (await seedRows(page)).map((s) => [s.name, s.status, s.cells[5], s.cells[6], s.cells[7]]),
    [['roles', 'succeeded', 'records', '0', '3']],
    'roles: by its records, would restore 0, delete 3',
  )
  t.same(
    (await bars(page)).map((b) => [b.name, b.status]),
    [['roles', 'succeeded']],
  )
  const deleted = await page.evaluate(() =>
    [...(document.querySelector('h3[data-diff-of="roles"] + p + table') as HTMLTableElement).tBodies[0]!.rows].map(
      (row) => row.cells[1]!.textContent,
    ),
  )
  t.same(deleted, ['token ***', 'token ***', 'token ***'])
  // The same secret was shown by undo --json too before undo registered the seeds' secrets.
  const json = await runCli(['undo', '--seeds', seeds, '--dry-run', '--diff', '--json'], { env })
  t.equal(json.code, 0, json.stderr)
  t.notMatch(json.stdout, TOKEN, 'undo --json redacts the secret')
  t.match(json.stdout, 'token ***')
})

t.test('seed --report run.html and `report` from the ledger: every seed with its outcome, nothing escapes', { skip }, async (t) => {
  const r = await runCli(['seed', '--seeds', seeds, '--max-retries', '2', '--json', '--report', file('run.html')], { env })
  t.equal(r.code, 1, 'a seed failed')
  const result = JSON.parse(r.stdout) as RunResult
  const expected = Object.fromEntries(result.seeds.map((s) => [s.name, s.status]))
  t.same(expected, {
    roles: 'succeeded',
    tags: 'succeeded',
    flaky: 'succeeded',
    broken: 'failed',
    parallel: 'succeeded',
    after: 'not_executed',
  })
  const fromLedger = await runCli(['report', '--output', file('ledger.html')], { env })
  t.equal(fromLedger.code, 0, fromLedger.stderr)
  t.match(fromLedger.stdout, /wrote the report of run 2/)

  for (const name of ['run.html', 'ledger.html']) {
    const html = await readFile(file(name), 'utf8')
    t.notMatch(html, 's3cr3t-pw', `${name}: the password in the error message is redacted`)
    t.match(html, 'postgres://admin:***@db.example/prod')
  }

  const browser = await launch()
  t.teardown(() => browser.close())
  const live = await openFile(browser, file('run.html'))
  t.same(live.requests, [], 'run.html: no request leaves the page')
  const rows = await seedRows(live.page)
  t.same(Object.fromEntries(rows.map((s) => [s.name, s.status])), expected, 'each seed in the table with its outcome')
  const tl = await bars(live.page)
  t.same(Object.fromEntries(tl.map((b) => [b.name, b.status])), expected, 'a bar per seed, with its outcome')
  t.same(
    Object.fromEntries(tl.map((b) => [b.name, b.level])),
    Object.fromEntries(result.seeds.map((s) => [s.name, s.level])),
    "each bar on its level's lane",
  )
  t.equal(tl.find((b) => b.name === 'broken')!.fill, '#c62828', 'the failed seed is red')
  t.same(overlaps(tl.map((b) => b.label)), [], 'no two names on the timeline overlap')
  // Bars start where their seeds started: in the order of startedMs.
  const started = result.seeds.filter((s) => s.startedMs !== undefined).sort((a, b) => a.startedMs! - b.startedMs!)
  const xs = started.map((s) => tl.find((b) => b.name === s.name)!.x)
  t.same(
    xs,
    [...xs].sort((a, b) => a - b),
    'bars in the order the seeds started',
  )
  // The critical path: per level, the seed that ended last.
  const critical = new Map<number, RunResult['seeds'][number]>()
  for (const s of started) {
    const best = critical.get(s.level)
    if (!best || s.startedMs! + s.durationMs > best.startedMs! + best.durationMs) critical.set(s.level, s)
  }
  t.same(
    tl
      .filter((b) => b.critical)
      .map((b) => b.name)
      .sort(),
    [...critical.values()].map((s) => s.name).sort(),
    'the critical seeds are marked',
  )
  t.match(await live.page.textContent('.retries'), /flaky: 2 tries/, 'the retry is listed')
  const error = await live.page.textContent('.error[data-error-of="broken"]')
  t.match(error, 'E_SEED_FAILED')
  t.match(error, '<img src=x onerror="window.__xss = 1">', 'the message shows as text')
  t.same(
    await live.page.evaluate(() => ({
      scripts: document.querySelectorAll('script, img, [onerror]').length,
      xss: (window as { __xss?: number }).__xss ?? null,
    })),
    { scripts: 0, xss: null },
    'nothing in a name or message became markup',
  )
  const shot = screenshotPath('report.png', path.join(ROOT, 'docs'), dir)
  await live.page.screenshot({ path: shot, fullPage: true })
  t.ok((await stat(shot)).size > 10_000, `screenshot saved: ${shot}`)

  // The ledger's report: the same seeds (those that started), outcomes, counts, starts and tries.
  const recorded = await openFile(browser, file('ledger.html'))
  t.same(recorded.requests, [], 'ledger.html: no request leaves the page')
  t.match(await recorded.page.textContent('h1'), 'seedbed seed #2')
  t.same(
    await seedRows(recorded.page),
    rows.filter((s) => s.status !== 'not_executed'),
    'the same seed rows as the live report, minus the seed that never started',
  )
  t.same(
    (await bars(recorded.page)).map(({ label: _, ...b }) => b),
    tl.filter((b) => b.status !== 'not_executed').map(({ label: _, ...b }) => b),
    'the same timeline',
  )
  t.match(await recorded.page.textContent('.error[data-error-of="broken"]'), '<img src=x onerror=', 'the error message from the ledger')
})

t.test('report of a run the ledger does not have: E_REPORT_RUN, exit 2', async (t) => {
  const r = await runCli(['report', '999'], { env })
  t.equal(r.code, 2)
  t.match(r.stderr, /E_REPORT_RUN: run 999 does not exist in the ledger/)
  const bad = await runCli(['report', 'last'], { env })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /E_BAD_OPTION: report takes a run id, got 'last'/)
})

t.test('an HTML report with a list of databases is refused before anything runs', async (t) => {
  const r = await runCli(['seed', '--seeds', seeds, '--database-url', db.url, '--database-url', db.url, '--report', file('many.html')], {
    env,
  })
  t.equal(r.code, 2)
  t.match(r.stderr, /E_BAD_OPTION: --report .*many\.html: an HTML report shows one database's run/)
})

t.test('docs/report.md: its commands run as written, each page opens with no request', { skip }, async (t) => {
  const doc = await readFile(path.join(ROOT, 'docs', 'report.md'), 'utf8')
  const block = doc.match(/<!-- example:report-commands -->\s*```sh\n([\s\S]*?)```/)?.[1]
  if (!block) throw new Error('docs/report.md has no example:report-commands block')
  const cwd = await tempDir(t, 'seedbed-report-docs-')
  const docsEnv = { DATABASE_URL: db.url, SEEDBED_SEEDS_DIR: path.join(ROOT, 'seeds'), SEEDBED_SCHEMA_DIR: path.join(ROOT, 'schema') }
  const written: string[] = []
  for (const line of block.trim().split('\n')) {
    const [command, into] = line.split(' > ')
    const args = command!.replace(/^npx seedbed /, '').split(' ')
    // The files the commands write go to a folder of this test's (tsx resolves from the repository).
    const out = into ?? args.find((_, i) => ['--report', '--output'].includes(args[i - 1]!))!
    const r = await runCli(
      args.map((a) => (a === out ? path.join(cwd, a) : a)),
      { env: docsEnv },
    )
    t.equal(r.code, 0, `${line}: exit 0 ${r.code ? r.stderr : ''}`.trim())
    if (into) await writeFile(path.join(cwd, into), r.stdout)
    written.push(out)
  }
  t.same(written, ['run.html', 'last.html', 'undo.html', 'dry-run.html', 'plan.html', 'plan.svg'])
  const browser = await launch()
  t.teardown(() => browser.close())
  for (const name of written) {
    const { page, requests } = await openFile(browser, path.join(cwd, name))
    t.same(requests, [], `${name}: no request`)
    const seen = await page.evaluate(() => ({
      seeds: document.querySelectorAll('tr.seed').length,
      bars: document.querySelectorAll('svg.timeline g.bar').length,
      nodes: document.querySelectorAll('g.node').length,
    }))
    const seeds = name.startsWith('plan') ? 0 : name === 'dry-run.html' ? 9 : 2
    t.same(seen, { seeds, bars: seeds, nodes: name.startsWith('plan') ? 9 : 0 }, `${name}: the seeds it is about`)
  }
})
