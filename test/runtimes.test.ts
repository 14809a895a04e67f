import { spawn } from 'node:child_process'
import { access, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { initProject } from '../lib/cli/init.ts'
import { ROOT, tempDir, testDatabase } from './helpers.ts'

// A project made by `seedbed init`, run under Bun and Deno (from npm, dev dependencies): seed twice,
// plan, status. The project's imports point at this repository's sources (its `seedbed` is not
// installed in the temporary folder); both runtimes run TypeScript as it is.
const db = await testDatabase(t)
const BIN = path.join(ROOT, 'node_modules', '.bin')
const RUNTIMES = {
  bun: { bin: path.join(BIN, 'bun'), args: ['tasks.ts'] },
  deno: { bin: path.join(BIN, 'deno'), args: ['run', '-A', 'tasks.ts'] },
} as const

function run(bin: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SEEDBED_BCRYPT_COST: '4', DENO_NO_UPDATE_CHECK: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

for (const [name, runtime] of Object.entries(RUNTIMES)) {
  const missing = await access(runtime.bin).then(
    () => undefined,
    () => `${runtime.bin} is missing (npm ci installs it)`,
  )
  t.test(
    `${name}: an init project seeds, seeds again with nothing to do, plans, shows its status`,
    { skip: !process.env.CI && missing ? missing : false },
    async (t) => {
      if (missing) throw new Error(missing)
      const dir = await tempDir(t, `seedbed-${name}-`)
      await writeFile(path.join(dir, 'package.json'), '{ "name": "app", "type": "module" }\n')
      await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
      await initProject({ dir })
      const point = async (file: string, from: string, to: string) => {
        const p = path.join(dir, file)
        await writeFile(p, (await readFile(p, 'utf8')).replace(from, to))
      }
      await point('tasks.ts', "'seedbed/tasks'", JSON.stringify(path.join(ROOT, 'lib', 'tasks.ts')))
      await point(path.join('seeds', 'examples.ts'), "'seedbed'", JSON.stringify(path.join(ROOT, 'lib', 'contract', 'contract.ts')))
      // Each runtime in a schema of its own database: the same table names, no interference.
      const database = `${db.name}_${name}`
      await db.sql.unsafe(`CREATE DATABASE "${database}"`)
      t.teardown(() => db.sql.unsafe(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`))
      const env = { DATABASE_URL: db.url.replace(/\/[^/?]+(\?|$)/, `/${database}$1`) }
      const task = (...args: string[]) => run(runtime.bin, [...runtime.args, ...args], dir, env)

      const first = await task('seed', '--apply-schema', '--json')
      t.equal(first.code, 0, first.stderr)
      const one = JSON.parse(first.stdout)
      t.same(
        one.seeds.map((s: { name: string; created: number }) => [s.name, s.created]),
        [['examples', 2]],
      )
      const second = await task('seed', '--json')
      t.equal(second.code, 0, second.stderr)
      t.same(
        JSON.parse(second.stdout).seeds.map((s: { skipped: number; created: number }) => [s.created, s.skipped]),
        [[0, 2]],
        'the second run skips every row',
      )
      const plan = await task('plan')
      t.equal(plan.code, 0, plan.stderr)
      t.match(plan.stdout, /1 seed in 1 level/)
      const status = await task('status', '--json')
      t.equal(status.code, 0, status.stderr)
      t.same(
        JSON.parse(status.stdout).runs.map((r: { command: string; status: string }) => [r.command, r.status]),
        [
          ['seed', 'succeeded'],
          ['seed', 'succeeded'],
        ],
      )
    },
  )
}
