import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import type { Page } from 'playwright-core'
import { ensureLedger, readRun } from '../lib/db/ledger.ts'
import { recordedReportHtml } from '../lib/output/report-html.ts'
import { tempDir, testDatabase } from './helpers.ts'
import { launch, openFile, skipUnlessBrowser } from './report-browser.ts'

// Whatever the ledger holds (anyone who can write to it can write anything), `seedbed report` shows
// it as text: every text column of `seedbed.runs` and `seedbed.seed_runs` the report shows gets a
// value that would be markup if pasted raw, and the page must look exactly like the page of plain
// values: the same elements with the same attributes, each value readable as text, no navigation.
const db = await testDatabase(t)
const dir = await tempDir(t, 'seedbed-report-hostile-')
await ensureLedger(db.sql)
const skip = await skipUnlessBrowser()

/** A value that breaks out of an attribute or a text node and navigates the page away. */
const hostile = (column: string) =>
  `${column}"><meta http-equiv="refresh" content="0;url=https://example.invalid/${column}"><b title='${column}'>x</b>&amp;`
const plain = (column: string) => `plain-${column}`

/** The ledger columns the report shows (run and seed), with the values `value` gives them; returns the run ids. */
async function writeRuns(value: (column: string) => string): Promise<{ seed: number; undo: number }> {
  const run = async (command: string) => {
    const [row] = await db.sql<[{ id: string }]>`
      INSERT INTO seedbed.runs (command, environment, os_user, host, git_commit, arguments, ended_at, status)
      VALUES (${command}, ${value('environment')}, ${value('os_user')}, ${value('host')}, ${value('git_commit')}, '[]',
        clock_timestamp(), ${value('runs.status')})
      RETURNING id`
    return Number(row.id)
  }
  const seed = await run('seed')
  const error = {
    code: value('error.code'),
    message: value('error.message'),
    hint: `${value('error.hint')} then run \`seedbed seed --verbose\``,
    file: value('error.file'),
    line: 3,
    column: 7,
  }
  for (const [i, name] of ['seed-a', 'seed-b'].entries()) {
    await db.sql`
      INSERT INTO seedbed.seed_runs (run_id, seed, checksum, status, created, updated, skipped, duration_ms, error_code, level, started_ms, attempts, error)
      VALUES (${seed}, ${`${value('seed')}${name}`}, ${value('checksum')}, ${i ? value('seed_runs.status') : 'failed'}, 1, 2, 3, ${40 + i}, ${value('error_code')},
        ${i}, ${i * 50}, 2, ${i ? null : db.sql.json(error)})`
  }
  // A run whose seed row has only the old error_code column (a ledger from before the error column).
  await db.sql`
    INSERT INTO seedbed.seed_runs (run_id, seed, checksum, status, created, updated, skipped, duration_ms, error_code)
    VALUES (${seed}, ${`${value('seed')}old`}, 'x', 'failed', 0, 0, 0, 1, ${value('error_code')})`
  await run(value('command'))
  return { seed, undo: await run('undo') }
}

/** Every element of the page as `tag[attribute names]`: the page's shape, whatever its text. */
function shape(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('*')].map((e) => `${e.tagName.toLowerCase()}[${e.getAttributeNames().sort().join(',')}]`),
  )
}

t.test('hostile values in every ledger column the report shows: text, never markup, no navigation', { skip }, async (t) => {
  const hostileRuns = await writeRuns(hostile)
  const plainRuns = await writeRuns(plain)
  const browser = await launch()
  t.teardown(() => browser.close())
  for (const kind of ['seed', 'undo'] as const) {
    const pages: Record<string, { page: Page; requests: string[]; url: string }> = {}
    for (const [label, ids] of [
      ['hostile', hostileRuns],
      ['plain', plainRuns],
    ] as const) {
      const recorded = await readRun(db.sql, ids[kind])
      const file = path.join(dir, `${kind}-${label}.html`)
      await writeFile(file, recordedReportHtml(recorded!))
      pages[label] = { ...(await openFile(browser, file)), url: pathToFileURL(file).href }
    }
    const { page, requests, url } = pages.hostile!
    t.same(requests, [], `${kind}: no request leaves the page (no refresh to another address)`)
    t.equal(page.url(), url, `${kind}: the page stayed where it was opened`)
    t.same(await shape(page), await shape(pages.plain!.page), `${kind}: the same elements and attributes as with plain values`)
    const text = (await page.textContent('body'))!
    const columns = ['environment', 'os_user', 'host', 'runs.status']
    if (kind === 'seed') columns.push('seed', 'seed_runs.status', 'error.code', 'error.message', 'error.hint', 'error.file', 'error_code')
    for (const column of columns) t.ok(text.includes(hostile(column)), `${kind}: ${column} shows as text`)
    if (kind === 'seed') {
      t.same(
        await page.$$eval('.status', (spans) =>
          spans.filter((s) => getComputedStyle(s).backgroundColor === 'rgba(0, 0, 0, 0)').map((s) => s.textContent),
        ),
        [],
        'an unknown status is readable: white on a grey badge, not on nothing',
      )
      t.same(
        await page.$$eval('.error .hint code', (codes) => codes.map((c) => c.textContent)),
        ['seedbed seed --verbose'],
        'a hint names its command as code, no literal backticks',
      )
    }
  }
  const hostileCommand = await db.sql<[{ id: string }]>`SELECT id FROM seedbed.runs WHERE command = ${hostile('command')}`
  const recorded = await readRun(db.sql, Number(hostileCommand[0].id))
  const file = path.join(dir, 'command.html')
  await writeFile(file, recordedReportHtml(recorded!))
  const opened = await openFile(browser, file)
  t.same(opened.requests, [], 'a hostile command: no request')
  t.ok((await opened.page.textContent('body'))!.includes(hostile('command')), 'the command shows as text')
  t.equal(await opened.page.$$eval('meta, b[title]', (e) => e.length), 4, 'only the page’s own four meta elements')
})
