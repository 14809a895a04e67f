import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

// `--report` into a folder that does not exist yet, after a good run: the folder is made. A path that
// cannot be written (its parent is a file) is a coded error naming it, beside the run's own summary.
const db = await testDatabase(t)
const dir = await tempDir(t, 'seedbed-report-folder-')
const seeds = path.join(dir, 'seeds')
await mkdir(seeds)
await writeFile(
  path.join(seeds, 'one.ts'),
  `import { defineSeed } from ${JSON.stringify(path.join(ROOT, 'lib', 'contract', 'contract.ts'))}
export default defineSeed({ name: 'one', async run({ sql }) { await sql\`select 1\` } })
`,
)
const env = { DATABASE_URL: db.url }

t.test('--report into a missing folder: the folder is made and the report written', async (t) => {
  for (const name of ['reports/new/run.html', 'reports/json/run.json']) {
    const file = path.join(dir, name)
    const r = await runCli(['seed', '--seeds', seeds, '--report', file], { env })
    t.equal(r.code, 0, r.stdout + r.stderr)
    t.notMatch(r.stdout + r.stderr, /bug in seedbed/)
    t.ok(existsSync(file), `${name} written`)
  }
  t.match(await readFile(path.join(dir, 'reports/json/run.json'), 'utf8'), /"ok":true/)
  const recorded = path.join(dir, 'reports/ledger/run.html')
  const r = await runCli(['report', '--output', recorded], { env })
  t.equal(r.code, 0, r.stdout + r.stderr)
  t.ok(existsSync(recorded), '`report --output` into a missing folder too')
})

t.test('--report where no file can be: E_REPORT_WRITE naming the path, the summary still shown', async (t) => {
  const blocker = path.join(dir, 'not-a-folder')
  await writeFile(blocker, 'a file where a folder would be\n')
  const file = path.join(blocker, 'run.html')
  const text = await runCli(['seed', '--seeds', seeds, '--report', file], { env })
  t.equal(text.code, 1, 'the report was asked for and not written')
  t.match(text.stdout + text.stderr, `E_REPORT_WRITE: cannot write the report to ${file}`)
  t.notMatch(text.stdout + text.stderr, /bug in seedbed/)
  t.match(text.stdout, /one\s.*succeeded|succeeded.*one/s, 'the summary of what committed is shown')
  const json = await runCli(['seed', '--seeds', seeds, '--report', file, '--json'], { env })
  t.equal(json.code, 1)
  const doc = JSON.parse(json.stdout) as { ok: boolean; seeds: { name: string; status: string }[] }
  t.same(
    doc.seeds.map((s) => [s.name, s.status]),
    [['one', 'succeeded']],
    '--json: the run as it was',
  )
  t.match(json.stderr, 'E_REPORT_WRITE')
})

t.test('`report --output` where no file can be: E_REPORT_WRITE naming --output, no run said to be over', async (t) => {
  const blocker = path.join(dir, 'not-a-folder-either')
  await writeFile(blocker, 'a file where a folder would be\n')
  const file = path.join(blocker, 'run.html')
  const r = await runCli(['report', '--output', file], { env })
  t.equal(r.code, 1)
  t.match(r.stdout + r.stderr, `E_REPORT_WRITE: cannot write the report to ${file}`)
  t.match(r.stdout + r.stderr, /--output needs a path/)
  t.notMatch(r.stdout + r.stderr, /the run itself is over/, '`report` ran no run')
})
