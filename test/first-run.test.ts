/**
 * The first run on a new embedded database prepares the schema by itself. A first run that fails
 * (here: a project with a migration tool but no SEEDBED_MIGRATE, so no schema to apply) must leave
 * the database still "new", and its error must say what such a project lacks.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT, runCli, tempDir } from './helpers.ts'

const SEED = `import { defineSeed } from '${path.join(ROOT, 'lib/contract/contract.ts')}'
export default defineSeed({
  name: 'examples',
  async run({ upsert }) {
    await upsert('examples', [{ slug: 'first', title: 'First' }, { slug: 'second', title: 'Second' }], { conflict: ['slug'] })
  },
})
`

t.test('a node-pg-migrate project without SEEDBED_MIGRATE: the hint names it; the database stays new after the failure', async (t) => {
  const dir = await tempDir(t, 'seedbed-first-run-')
  const project = path.join(dir, 'app')
  await mkdir(path.join(project, 'seeds'), { recursive: true })
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'app', devDependencies: { 'node-pg-migrate': '9.0.0' } }))
  await writeFile(path.join(project, 'seeds', 'examples.ts'), SEED)
  await symlink(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'))
  const env = { SEEDBED_DATA_DIR: path.join(dir, 'data') }

  const failed = await runCli(['seed', '--json'], { cwd: project, env })
  t.equal(failed.code, 1, 'the first run fails')
  const error = JSON.parse(failed.stdout).error
  t.equal(error.code, 'E_SCHEMA_FAILED')
  t.match(
    error.hint,
    /this project uses node-pg-migrate: set SEEDBED_MIGRATE=npx node-pg-migrate up in \.env/,
    'the hint is for a migration project',
  )

  // The user adds what was missing (a schema, as SEEDBED_MIGRATE would give): the next run is still the first.
  await mkdir(path.join(project, 'schema'))
  await writeFile(path.join(project, 'schema', '001_examples.sql'), 'CREATE TABLE examples (slug text PRIMARY KEY, title text NOT NULL);\n')
  const second = await runCli(['seed', '--json'], { cwd: project, env })
  t.equal(second.code, 0, `the second run prepares the schema and seeds ${second.code ? second.stdout : ''}`)
  t.match(second.stderr, /new embedded database: applying the schema before seeding/)
  t.same(
    JSON.parse(second.stdout).seeds.map((s: { created: number }) => s.created),
    [2],
  )

  // Once seeded, it is no longer new: a third run applies nothing and skips both rows.
  const third = await runCli(['seed', '--json'], { cwd: project, env })
  t.equal(third.code, 0)
  t.notMatch(third.stderr, /new embedded database/)
  t.same(
    JSON.parse(third.stdout).seeds.map((s: { skipped: number }) => s.skipped),
    [2],
  )
})
