/**
 * Start-up, through the entry points a user types, in a project made by `seedbed init` (a temporary
 * folder with this build linked in as node_modules/seedbed, its tasks.ts, seeds/examples.ts and
 * schema): under Node `npx seedbed`, `npx tsx tasks.ts`, `npm run seed:plan`, `node_modules/.bin/...`;
 * under Bun `bun tasks.ts`; under Deno `deno run -A tasks.ts`: `--help`, `--version`, `plan` and a
 * `seed` that finds nothing to do (its rows were written by a first run). Each row is the median of
 * --runs wall times, launch to exit (and the best of them: on a shared machine the steadier figure),
 * with its ratio to `node -e 0` and, for Bun and Deno, to Node's figure for the same task (`tsx
 * tasks.ts`, which `npx tsx` and `npm run` launch). `npx noop` (a bin that does nothing) and `npm run
 * noop` measure the launchers' own cost in the same run, `npx tsx empty.ts` npx's and tsx's.
 *
 *   npm run build && npm run bench:startup -- [--runs 5] [--against <dir>] [--only <regex of rows>]
 *
 * `--against <dir>`: another seedbed build (a folder with its package.json and a built dist/, e.g. a
 * checkout of an earlier commit) measured in the same run, interleaved with this one, for before/after.
 * The `seed` rows run on the server of DATABASE_URL, else on a warm embedded server started here.
 */
import { execFileSync } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { initProject } from '../lib/cli/init.ts'
import { databaseUrl } from '../lib/db/connect.ts'
import { startEmbedded } from '../lib/db/embedded.ts'
import { createLogger } from '../lib/output/log.ts'
import { median, timeCommand } from './measure.ts'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, against: { type: 'string' }, only: { type: 'string' } },
})
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive integer')
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'node_modules', '.bin')
const BUN = path.join(BIN, 'bun')
const DENO = path.join(BIN, 'deno')

/** An init project using the seedbed build at `build`, with its own database on `serverUrl`. */
async function project(build: string, serverUrl: string, name: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-startup-'))
  await chmod(dir, 0o755)
  await writeFile(path.join(dir, 'package.json'), '{ "name": "app", "type": "module" }\n')
  await initProject({ dir })
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'))
  pkg.scripts.noop = 'noop'
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`)
  // What `npm install --save-dev seedbed tsx` leaves: the packages and their bins.
  const modules = path.join(dir, 'node_modules')
  await mkdir(path.join(modules, '.bin'), { recursive: true })
  await symlink(build, path.join(modules, 'seedbed'))
  await symlink(path.join(ROOT, 'node_modules', 'tsx'), path.join(modules, 'tsx'))
  await symlink(path.join(build, 'dist', 'cli', 'bin.js'), path.join(modules, '.bin', 'seedbed'))
  await symlink(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(modules, '.bin', 'tsx'))
  await writeFile(path.join(modules, '.bin', 'noop'), '#!/usr/bin/env node\n', { mode: 0o755 })
  await writeFile(path.join(dir, 'empty.ts'), 'export {}\n')

  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  const database = `seedbed_bench_startup_${process.pid}_${name}`
  await admin.unsafe(`DROP DATABASE IF EXISTS ${database}`)
  await admin.unsafe(`CREATE DATABASE ${database}`)
  const env = { DATABASE_URL: databaseUrl(serverUrl, database), SEEDBED_BCRYPT_COST: '4', DENO_NO_UPDATE_CHECK: '1' }
  // The first run writes the rows; the measured runs find nothing to do.
  execFileSync(process.execPath, [path.join(modules, '.bin', 'seedbed'), 'seed', '--apply-schema', '--quiet'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'ignore',
  })
  return {
    dir,
    env: { ...env, npm_config_update_notifier: 'false' },
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await admin.end()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

interface Row {
  label: string
  command: string
  args: string[]
  /** The row this one is compared with (Node's figure for a Bun or Deno row). */
  node?: string
}

const seedbed = (...args: string[]): [string, string[]] => [path.join('node_modules', '.bin', 'seedbed'), args]
const ROWS: Row[] = [
  { label: 'node -e 0 (baseline)', command: process.execPath, args: ['-e', '0'] },
  { label: 'npx noop (npx alone)', command: 'npx', args: ['noop'] },
  { label: 'npm run noop (npm alone)', command: 'npm', args: ['run', '--silent', 'noop'] },
  { label: 'npx seedbed --version', command: 'npx', args: ['seedbed', '--version'] },
  { label: 'npx seedbed --help', command: 'npx', args: ['seedbed', '--help'] },
  { label: 'node_modules/.bin/seedbed --help', command: seedbed()[0], args: seedbed('--help')[1] },
  { label: 'npx seedbed plan', command: 'npx', args: ['seedbed', 'plan'] },
  { label: 'node_modules/.bin/seedbed plan', command: seedbed()[0], args: seedbed('plan')[1] },
  // What `npx tsx` costs before any of seedbed: a TypeScript file that does nothing.
  { label: 'npx tsx empty.ts (npx and tsx alone)', command: 'npx', args: ['tsx', 'empty.ts'] },
  { label: 'npx tsx tasks.ts plan', command: 'npx', args: ['tsx', 'tasks.ts', 'plan'] },
  { label: 'npm run seed:plan', command: 'npm', args: ['run', '--silent', 'seed:plan'] },
  { label: 'tsx tasks.ts plan', command: path.join('node_modules', '.bin', 'tsx'), args: ['tasks.ts', 'plan'] },
  { label: 'node --import tsx tasks.ts plan', command: process.execPath, args: ['--import', 'tsx', 'tasks.ts', 'plan'] },
  { label: 'bun tasks.ts plan', command: BUN, args: ['tasks.ts', 'plan'], node: 'tsx tasks.ts plan' },
  { label: 'deno run -A tasks.ts plan', command: DENO, args: ['run', '-A', 'tasks.ts', 'plan'], node: 'tsx tasks.ts plan' },
  { label: 'npx seedbed seed, nothing to do', command: 'npx', args: ['seedbed', 'seed', '--quiet'] },
  { label: 'node_modules/.bin/seedbed seed, nothing to do', command: seedbed()[0], args: seedbed('seed', '--quiet')[1] },
  { label: 'npx tsx tasks.ts seed, nothing to do', command: 'npx', args: ['tsx', 'tasks.ts', 'seed', '--quiet'] },
  { label: 'tsx tasks.ts seed, nothing to do', command: path.join('node_modules', '.bin', 'tsx'), args: ['tasks.ts', 'seed', '--quiet'] },
  {
    label: 'bun tasks.ts seed, nothing to do',
    command: BUN,
    args: ['tasks.ts', 'seed', '--quiet'],
    node: 'tsx tasks.ts seed, nothing to do',
  },
  {
    label: 'deno run -A tasks.ts seed, nothing to do',
    command: DENO,
    args: ['run', '-A', 'tasks.ts', 'seed', '--quiet'],
    node: 'tsx tasks.ts seed, nothing to do',
  },
]

// --only <regex>: those rows (and the baseline) alone, for more runs of a few.
const rows = ROWS.filter((r, i) => i === 0 || !values.only || new RegExp(values.only).test(r.label))

let server: { url: string; stop(): Promise<void> }
let serverName: string
if (process.env.DATABASE_URL) {
  server = { url: process.env.DATABASE_URL, stop: async () => {} }
  serverName = 'DATABASE_URL'
} else {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'seedbed-bench-'))
  await chmod(dataDir, 0o755)
  const embedded = await startEmbedded({ dataDir, log: createLogger({ level: -999 }) })
  server = { url: embedded.url, stop: () => embedded.stop().then(() => rm(dataDir, { recursive: true, force: true })) }
  serverName = 'a warm embedded server'
}

const builds = [{ name: 'this', root: ROOT }, ...(values.against ? [{ name: 'against', root: path.resolve(values.against) }] : [])]
const projects = await Promise.all(builds.map((b) => project(b.root, server.url, b.name)))
const samples = builds.map(() => new Map<string, number[]>())
try {
  // Round-robin: every row and build once per round, so the machine's slow moments fall on all alike.
  for (let i = 0; i < runs; i++) {
    for (const row of rows) {
      for (const [b, p] of projects.entries()) {
        const ms = timeCommand(row.command, row.args, { cwd: p.dir, env: p.env, runs: 1 })[0]!
        samples[b]!.set(row.label, [...(samples[b]!.get(row.label) ?? []), ms])
      }
    }
  }
} finally {
  for (const p of projects) await p.drop()
  await server.stop()
}

const figure = (b: number, label: string) => median(samples[b]!.get(label)!)
const best = (b: number, label: string) => Math.min(...samples[b]!.get(label)!)
const base = figure(0, ROWS[0]!.label)
const width = Math.max(...rows.map((r) => r.label.length))
const cell = (text: string, n: number) => text.padStart(n)
const against = values.against ? `  ${cell('against', 7)}  ${cell('best', 5)}  ${cell('this/against', 12)}` : ''
console.log(`start-up in an init project, median of ${runs} (node ${process.version}; seed on ${serverName})`)
console.log(`${'command'.padEnd(width)}  ${cell('ms', 5)}  ${cell('best', 5)}  ${cell('x node -e 0', 11)}  ${cell('x Node', 6)}${against}`)
for (const row of rows) {
  const ms = figure(0, row.label)
  const vsNode = row.node && samples[0]!.has(row.node) ? `${(ms / figure(0, row.node)).toFixed(2)}x` : ''
  const other = values.against
    ? `  ${cell(String(Math.round(figure(1, row.label))), 7)}  ${cell(String(Math.round(best(1, row.label))), 5)}  ${cell(`${(ms / figure(1, row.label)).toFixed(2)}x`, 12)}`
    : ''
  const times = `${cell(String(Math.round(ms)), 5)}  ${cell(String(Math.round(best(0, row.label))), 5)}`
  console.log(`${row.label.padEnd(width)}  ${times}  ${cell(`${(ms / base).toFixed(1)}x`, 11)}  ${cell(vsNode, 6)}${other}`)
}
