/**
 * Start-up cost of the CLI, measured: wall time of `--help`, `plan` and `seed` with nothing to do, through
 * the bin (`node dist/cli/bin.js`, what `npx seedbed` runs after npx's own ~0.7 s) and through the
 * project's task file (`node --import tsx tasks.ts`, what `npx tsx tasks.ts` runs), on the server of
 * DATABASE_URL and on a warm embedded server (started here and joined by each run); and the entry points
 * a user types, launchers included: `npx seedbed --help` (in a folder where seedbed is installed as a
 * link to this build), `npx tsx tasks.ts plan`, `npm run plan`, and `node_modules/.bin/seedbed --help`.
 * Baseline: `node -e 0` in the same run. Median of --runs (default 5). Build first (`npm run build`): the
 * bin runs dist/.
 *
 *   npm run bench:startup -- [--runs 5]
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { databaseUrl } from '../lib/db/connect.ts'
import { startEmbedded } from '../lib/db/embedded.ts'
import { createLogger } from '../lib/output/log.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } })
const runs = Number(values.runs)
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function timeCommand(args: string[], env: Record<string, string>, command = process.execPath, cwd = root): number {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    execFileSync(command, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: 'ignore',
    })
    samples.push(performance.now() - t0)
  }
  return median(samples)
}

const bin = [path.join(root, 'dist/cli/bin.js')]
const tasks = ['--import', 'tsx', 'tasks.ts']
const rows: [string, number][] = []
const base = timeCommand(['-e', '0'], {})
rows.push(['node -e 0 (baseline)', base])

async function seededDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `seedbed_bench_startup_${process.pid}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`)
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = databaseUrl(serverUrl, name)
  // A first run creates the rows; the measured runs find nothing to do.
  execFileSync(process.execPath, [...bin, 'seed', '--apply-schema', '--quiet'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: url, SEEDBED_BCRYPT_COST: '4' },
    stdio: 'ignore',
  })
  return {
    url,
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}

for (const [label, args] of [
  ['bin', bin],
  ['tasks.ts', tasks],
] as const) {
  rows.push([`${label} --help`, timeCommand([...args, '--help'], {})])
  rows.push([`${label} plan`, timeCommand([...args, 'plan'], {})])
}

// The entry points users type. npx needs seedbed under node_modules/.bin: a folder with this build linked in.
const { mkdir, symlink } = await import('node:fs/promises')
const user = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-user-'))
await mkdir(path.join(user, 'node_modules', '.bin'), { recursive: true })
await symlink(root, path.join(user, 'node_modules', 'seedbed'))
await symlink(path.join(root, 'dist/cli/bin.js'), path.join(user, 'node_modules', '.bin', 'seedbed'))
const npmEnv = { npm_config_update_notifier: 'false' }
rows.push(['npx seedbed --help', timeCommand(['seedbed', '--help'], npmEnv, 'npx', user)])
rows.push(['node_modules/.bin/seedbed --help', timeCommand(['--help'], npmEnv, path.join(user, 'node_modules', '.bin', 'seedbed'), user)])
rows.push(['npx tsx tasks.ts plan', timeCommand(['tsx', 'tasks.ts', 'plan'], npmEnv, 'npx')])
rows.push(['npm run plan', timeCommand(['run', '--silent', 'plan'], npmEnv, 'npm')])
await rm(user, { recursive: true, force: true })

const targets: { name: string; url: string; stop(): Promise<void> }[] = []
if (process.env.DATABASE_URL) targets.push({ name: 'service', url: process.env.DATABASE_URL, stop: async () => {} })
const dataDir = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-'))
const { chmod } = await import('node:fs/promises')
await chmod(dataDir, 0o755)
const embedded = await startEmbedded({ dataDir, log: createLogger({ level: -999 }) })
targets.push({ name: 'warm embedded', url: embedded.url, stop: () => embedded.stop() })
for (const target of targets) {
  const db = await seededDatabase(target.url)
  const env = { DATABASE_URL: db.url, SEEDBED_BCRYPT_COST: '4' }
  rows.push([`bin seed, nothing to do (${target.name})`, timeCommand([...bin, 'seed', '--quiet'], env)])
  rows.push([`tasks.ts seed, nothing to do (${target.name})`, timeCommand([...tasks, 'seed', '--quiet'], env)])
  await db.drop()
  await target.stop()
}
await rm(dataDir, { recursive: true, force: true })

const width = Math.max(...rows.map(([l]) => l.length))
console.log(`${'command'.padEnd(width)}  median ms  vs node -e 0   (runs: ${runs})`)
for (const [label, ms] of rows)
  console.log(`${label.padEnd(width)}  ${String(Math.round(ms)).padStart(9)}  ${(ms / base).toFixed(1).padStart(10)}x`)
