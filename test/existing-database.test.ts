/**
 * Issue 29 item 10, as the README tells it: the commands of `<!-- example:existing-database -->`, run as
 * written (the URL pointed at a test database), on every schema of the corpus (real public schemas no one
 * here wrote, test/fixtures/schemas/*): `generate` writes a seed per table, `seed` fills every table with
 * no hand edit, every foreign key points at a row, a second `seed` changes nothing, the same seeds in a
 * fresh database give identical digests, and the `types` file type-checks with the generated seeds.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { digests, loadDdl, orphans, tablesInOrder } from './corpus.ts'
import { fixture, ROOT, runCli, type TestDatabase, tempDir, testDatabase, typeCheck } from './helpers.ts'

const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
const recipe = readme.match(/<!-- example:existing-database -->\s*```sh\n([\s\S]*?)```/)![1]!
const commands = recipe
  .split('\n')
  .map((l) => l.replace(/\s+#.*$/, '').trim())
  .filter(Boolean)
const SCHEMAS = (await readdir(fixture('schemas'))).sort()

/** A user's project folder: package.json, and `seedbed` (this repository) and tsx installed, as links. */
async function project() {
  // The file's own teardown: the last test type-checks every project.
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await mkdir(path.join(dir, 'node_modules'))
  await symlink(ROOT, path.join(dir, 'node_modules', 'seedbed'))
  // runCli loads TypeScript with `--import tsx`, resolved from the project folder, as a user's install has it.
  await symlink(path.join(ROOT, 'node_modules', 'tsx'), path.join(dir, 'node_modules', 'tsx'))
  return dir
}

interface Outcome {
  command: string
  code: number | null
  stdout: string
  stderr: string
}

/** The recipe's lines in `dir`: `export DATABASE_URL=...` takes the test database's URL, `npx seedbed X` runs X. */
async function runRecipe(dir: string, db: TestDatabase, extra: Record<string, string[]> = {}): Promise<Outcome[]> {
  const env: Record<string, string> = {}
  const out: Outcome[] = []
  for (const command of commands) {
    const exported = command.match(/^export (\w+)=/)
    if (exported) {
      env[exported[1]!] = exported[1] === 'DATABASE_URL' ? db.url : command.slice(exported[0].length)
      continue
    }
    const args = command.match(/^npx seedbed (.+)$/)?.[1]?.split(/\s+/)
    if (!args) throw new Error(`the recipe's line "${command}" is neither an export nor npx seedbed`)
    const r = await runCli([...args, ...(extra[args[0]!] ?? [])], { cwd: dir, env })
    out.push({ command, ...r })
  }
  return out
}

t.test('the recipe is generate, seed, types', async (t) => {
  t.same(
    commands.map((c) => c.split(/\s+/).slice(0, 3).join(' ')),
    ['export DATABASE_URL=postgres://me@localhost:5432/app_dev', 'npx seedbed generate', 'npx seedbed seed', 'npx seedbed types'],
  )
})

const projects: string[] = []
const refused: string[] = []
t.teardown(() => {
  for (const line of refused) console.log(`# still refused: ${line}`)
})
for (const name of SCHEMAS) {
  t.test(`${name}: the README's commands seed every table with no hand edit, again with no change`, async (t) => {
    const db = await testDatabase(t)
    const ddl = fixture(`schemas/${name}/schema.sql`)
    await loadDdl(db.url, ddl)
    const tables = await tablesInOrder(db.sql)
    const dir = await project()
    // --json on generate and seed: the same commands, their reports as data.
    const [generated, seeded, typed] = await runRecipe(dir, db, { generate: ['--json'], seed: ['--json'] })
    for (const o of [generated, seeded, typed]) t.equal(o!.code, 0, `${o!.command}: ${o!.stderr.slice(-2000)}`)
    const report = JSON.parse(generated!.stdout) as {
      files: { tables: { table: string; count: number; note?: string }[] }[]
      tables: number
    }
    t.equal(report.tables, tables.length, 'a seed for every table')
    // What fake refuses here: a table with no primary key and no unique index at all (E_FAKE_NO_KEY), which a
    // second run could not tell from new rows. Read from the catalog, not listed by hand: generate writes their
    // seeds with the fill commented out and says why, so that seed fills every other table.
    const keyless = (
      await db.sql<{ name: string }[]>`
      SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'seedbed')
        AND n.nspname NOT LIKE 'pg_toast%'
        AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique)
      ORDER BY 1`
    ).map((r) => r.name)
    const notes = report.files.flatMap((f) => f.tables.filter((x) => x.note?.startsWith('not filled')).map((x) => x.table))
    t.same(notes.sort(), keyless.map((x) => x.replaceAll('"', '')).sort(), 'generate says which tables it leaves out, and why')
    if (keyless.length) refused.push(`${name}: ${keyless.join(', ')} (E_FAKE_NO_KEY: no primary or unique key)`)
    const seeds = JSON.parse(seeded!.stdout) as { ok: boolean; seeds: { name: string; status: string }[] }
    t.same(
      seeds.seeds.filter((s) => s.status !== 'succeeded'),
      [],
      'every seed succeeded',
    )
    const empty = await db.sql.unsafe(tables.map((x) => `SELECT '${x}' AS t WHERE NOT EXISTS (SELECT FROM ${x})`).join(' UNION ALL '))
    t.same(
      empty.map((r) => r.t),
      keyless,
      'no other table is left empty',
    )
    t.same(await orphans(db.sql), {}, 'every foreign key points at a row')

    const before = await digests(db.sql, tables)
    const again = await runCli(['seed', '--json'], { cwd: dir, env: { DATABASE_URL: db.url } })
    t.equal(again.code, 0, again.stderr)
    const second = JSON.parse(again.stdout) as { seeds: { created: number; updated: number }[] }
    t.same(
      second.seeds.filter((s) => s.created || s.updated),
      [],
      'a second seed writes nothing',
    )
    t.same(await digests(db.sql, tables), before, 'and changes no row')

    const fresh = await testDatabase(t)
    await loadDdl(fresh.url, ddl)
    const third = await runCli(['seed'], { cwd: dir, env: { DATABASE_URL: fresh.url } })
    t.equal(third.code, 0, third.stderr)
    t.same(await digests(fresh.sql, tables), before, 'the same seeds in a fresh database give identical digests')
    t.ok((await readFile(path.join(dir, 'seeds', '_tables.ts'), 'utf8')).includes("declare module 'seedbed'"))
    projects.push(dir)
  })
}

t.test('the generated seeds and types of every schema type-check', async (t) => {
  const checked = []
  for (const dir of projects) {
    const tsconfig = {
      extends: path.join(ROOT, 'tsconfig.json'),
      compilerOptions: {
        paths: { seedbed: [path.join(ROOT, 'lib', 'index.ts')] },
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        noEmit: true,
      },
      include: ['seeds/*.ts'],
    }
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
    checked.push(await typeCheck(dir))
  }
  t.equal(checked.length, SCHEMAS.length)
  for (const c of checked) t.equal(c.code, 0, c.out.slice(0, 3000))
})
