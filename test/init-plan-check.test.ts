/**
 * The second seed `init` writes (issue 16): fake() fills a table that refers to examples, after the
 * seed writing examples. `plan --check` in an init project checks that against the foreign key and
 * exits 0; with the dependency dropped, it refuses the plan with E_PLAN_FOREIGN_KEY naming the seed,
 * the table and the constraint, and `dependsOn: 'auto'` in its place infers it from that key.
 */
import { readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { initProject } from '../lib/cli/init.ts'
import { initOnSources, ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

t.test("init's seeds: seeded, then plan --check passes; without the dependency it fails naming it", async (t) => {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "name": "app", "type": "module" }\n')
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  const report = await initProject({ dir })
  t.ok(report.next.includes('npm run seed:check'), 'the next: list checks the plan')
  t.equal(JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).scripts['seed:check'], 'seedbed plan --check')
  t.match(await readFile(path.join(dir, 'Makefile'), 'utf8'), /^seed-check: ## .*\n\tnpx seedbed plan --check$/m)
  await initOnSources(dir)
  const db = await testDatabase(t)
  const env = { DATABASE_URL: db.url }

  const seed = await runCli(['seed', '--apply-schema', '--json'], { cwd: dir, env })
  t.equal(seed.code, 0, seed.stderr)
  const counts = Object.fromEntries(JSON.parse(seed.stdout).seeds.map((s: { name: string; created: number }) => [s.name, s.created]))
  t.same(counts, { examples: 2, example_notes: 20 }, 'fake() made 20 notes, after the examples')
  const [row] = await db.sql`SELECT count(DISTINCT example_slug)::int AS n FROM example_notes`
  t.equal(row?.n, 2, 'the notes refer to both examples')

  const check = await runCli(['plan', '--check'], { cwd: dir, env })
  t.equal(check.code, 0, check.stderr)
  t.match(check.stdout, /^foreign-key check: every seed runs after the seeds writing the tables it refers to$/m)
  t.match(check.stdout, /^ +1 +example_notes +\d+ +examples\b/m, 'example_notes runs a level after examples')

  const notes = path.join(dir, 'seeds', 'example_notes.ts')
  await writeFile(notes, (await readFile(notes, 'utf8')).replace("  dependsOn: ['examples'],", '  dependsOn: [],'))
  const bad = await runCli(['plan', '--check'], { cwd: dir, env })
  t.equal(bad.code, 2, 'plan --check refuses the plan')
  t.match(
    bad.stderr,
    /E_PLAN_FOREIGN_KEY: seed 'example_notes' writes public\.example_notes, whose foreign key example_notes_example_slug_fkey refers to public\.examples/,
    'naming the seed, the table and the constraint',
  )
  t.match(
    bad.stderr,
    "written by 'examples', which 'example_notes' does not depend on: set dependsOn: ['examples']",
    'and the dependsOn to set',
  )

  await writeFile(notes, (await readFile(notes, 'utf8')).replace('  dependsOn: [],', "  dependsOn: 'auto',"))
  const auto = await runCli(['plan', '--check'], { cwd: dir, env })
  t.equal(auto.code, 0, auto.stderr)
  t.match(
    auto.stdout,
    /^ {2}example_notes -> examples +\(public\.example_notes refers to public\.examples: example_notes_example_slug_fkey\)$/m,
    "dependsOn: 'auto' infers it from the foreign key",
  )
})
