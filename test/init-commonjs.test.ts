/**
 * An init project in a CommonJS package (npm init -y's default) whose seeds are loaded by a process
 * that tsx did not start: vitest's globalSetup, `node script.mjs`. Node hands a `.ts` file of such a
 * package to its require() loader; with only tsx's import hook registered, that loader read the
 * TypeScript as JavaScript, found import syntax and require()d it back into the import in progress:
 * "Cannot require() ES Module ... in a cycle" (issue 18). The process runs dist/ (`npm run build`), as
 * the installed package does.
 */
import { spawn } from 'node:child_process'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { initProject } from '../lib/cli/init.ts'
import { EXAMPLE_ROWS } from '../lib/cli/init-templates.ts'
import { pruneTestDatabases } from '../lib/testing.ts'
import { NO_CHILD_COVERAGE, ROOT, tempDir } from './helpers.ts'

const SCRIPT = `import { testDatabases } from 'seedbed/testing'
import postgres from 'postgres'

const dbs = await testDatabases({ schemaDir: 'schema', seed: { seedsDir: 'seeds' } })
const db = await dbs.clone()
const sql = postgres(db.url, { max: 1, onnotice: () => {} })
const [row] = await sql\`SELECT (SELECT count(*) FROM examples)::int AS examples, (SELECT count(*) FROM example_notes)::int AS example_notes\`
console.log('ROWS ' + JSON.stringify(row))
await sql.end()
await db.drop()
await dbs.close()
`

t.test("a CommonJS package: init's TypeScript seeds load in a process tsx did not start", async (t) => {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', type: 'commonjs' }, null, 2)}\n`)
  // `seedbed` is this repository, as an install links it; its own dependencies resolve from there.
  await mkdir(path.join(dir, 'node_modules'))
  await symlink(ROOT, path.join(dir, 'node_modules', 'seedbed'))
  await symlink(path.join(ROOT, 'node_modules', 'postgres'), path.join(dir, 'node_modules', 'postgres'))
  await initProject({ dir })
  await writeFile(path.join(dir, 'load.mjs'), SCRIPT)
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl) t.teardown(() => pruneTestDatabases(serverUrl, { seedsDir: path.join(dir, 'seeds') }))
  const out = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['load.mjs'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: serverUrl ?? '', ...NO_CHILD_COVERAGE },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let text = ''
    child.stdout.on('data', (d) => (text += d))
    child.stderr.on('data', (d) => (text += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, text }))
  })
  t.notMatch(out.text, /ERR_REQUIRE_CYCLE_MODULE|in a cycle/, 'no require(esm) cycle')
  t.equal(out.code, 0, out.text)
  t.same(JSON.parse(/^ROWS (.*)$/m.exec(out.text)?.[1] ?? 'null'), EXAMPLE_ROWS, 'both seeds ran into the template')
})
