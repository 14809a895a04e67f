import path from 'node:path'
import t from 'tap'
import ts from 'typescript'
import { discoverSeeds, toSeed } from '../lib/planning/discover.ts'
import { codes } from '../lib/errors/errors.ts'
import { fixture, ROOT } from './helpers.ts'

const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: 'no error', message: '', file: '' }),
    (e) => ({ code: e.code as string, message: String(e.message), file: String(e.file ?? '') }),
  )

t.test('the example project loads with names, defaults and files', async (t) => {
  const seeds = await discoverSeeds(path.join(ROOT, 'seeds'))
  t.same(seeds.map((s) => s.name).sort(), [
    'categories',
    'customers',
    'order_items',
    'orders',
    'permissions',
    'products',
    'role_permissions',
    'roles',
    'users',
  ])
  const users = seeds.find((s) => s.name === 'users')!
  t.same(users.dependsOn, ['roles'])
  t.equal(users.priority, 100, 'default priority')
  t.equal(path.basename(users.file), 'users.ts')
  t.type(users.validate, 'function')
})

t.test('discovery errors name the file and carry a code', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['broken-syntax', codes.SEED_LOAD, /oops\.ts failed to load/],
    ['broken-no-export', codes.SEED_NO_EXPORT, /helper\.ts exports no seed/],
    ['broken-invalid', codes.SEED_INVALID, /typo\.ts: unknown key 'priorty'/],
    ['broken-duplicate', codes.SEED_DUPLICATE, /'roles' is used by both roles\.ts and roles_again\.ts/],
    ['does-not-exist', codes.SEEDS_DIR, /cannot read the seeds folder/],
  ]
  for (const [dir, code, message] of cases) {
    const e = await failure(discoverSeeds(path.join(fixture(dir), 'seeds')))
    t.equal(e.code, code, dir)
    t.match(e.message, message, dir)
    t.match(e.file, dir, `${dir}: the error carries the file`)
  }
})

t.test('export shapes: default or named `seed`; every metadata mistake is caught', async (t) => {
  const run = async () => {}
  t.equal(toSeed({ seed: { run } }, '/x/from_file.ts').name, 'from_file', 'name defaults to the file name')
  t.equal(toSeed({ default: { name: 'n', run } }, '/x/a.ts').name, 'n')
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ default: { name: 'Bad Name', run } }, /name "Bad Name"/],
    [{ default: { name: 'x' } }, /`run` must be a function/],
    [{ default: { name: 'x', run, validate: 'yes' } }, /`validate` must be a function/],
    [{ default: { name: 'x', run, dependsOn: 'roles' } }, /`dependsOn` must be an array/],
    [{ default: { name: 'x', run, dependsOn: ['x'] } }, /depends on itself/],
    [{ default: { name: 'x', run, priority: 'high' } }, /`priority` must be a finite number/],
    [{ default: { name: 'x', run, description: 3 } }, /`description` must be a string/],
  ]
  for (const [mod, message] of bad) {
    t.throws(() => toSeed(mod, '/x/a.ts'), { code: codes.SEED_INVALID, message })
  }
  t.throws(() => toSeed({ default: () => {} }, '/x/a.ts'), { code: codes.SEED_NO_EXPORT })
})

t.test('defineSeed turns seed-file mistakes into type errors', async (t) => {
  const dir = path.join(fixture('broken-types'), 'seeds')
  const files = ['deps_string', 'misspelt_key', 'bad_conflict', 'bad_counts', 'correct'].map((f) => path.join(dir, `${f}.ts`))
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )!
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram(files, config.options))
  for (const file of files) {
    const errors = diagnostics.filter((d) => d.file?.fileName === file).length
    if (file.endsWith('correct.ts')) t.equal(errors, 0, 'a correct seed has no type error')
    else t.ok(errors > 0, `${path.basename(file)} is a type error`)
  }
})
