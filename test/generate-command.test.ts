import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type postgres from 'postgres'
import t, { type Test } from 'tap'
import { planGenerate } from '../lib/schema/generate.ts'
import { fixture, ROOT, runCli, type TestDatabase, tempDir, testDatabase } from './helpers.ts'
import { loadDdl } from './corpus.ts'

// Issue 29 item 10: seeds for an existing database in one command (`generate`), as files a user then edits.

const SCHEMA = `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE TABLE flags (on_off boolean PRIMARY KEY, label text NOT NULL);
  CREATE TABLE moods (mood mood PRIMARY KEY, note text);
  CREATE TABLE levels (level smallint PRIMARY KEY CHECK (level BETWEEN 1 AND 5));
  CREATE TABLE flag_moods (on_off boolean REFERENCES flags, mood mood REFERENCES moods, PRIMARY KEY (on_off, mood));
  CREATE TABLE level_badges (id serial PRIMARY KEY, level smallint NOT NULL UNIQUE REFERENCES levels, name text NOT NULL);
  CREATE TABLE employees (id serial PRIMARY KEY, name text NOT NULL, manager_id int REFERENCES employees);
  CREATE TABLE teams (id serial PRIMARY KEY, name text NOT NULL, captain_id int);
  CREATE TABLE players (id serial PRIMARY KEY, team_id int NOT NULL REFERENCES teams, name text NOT NULL);
  ALTER TABLE teams ADD FOREIGN KEY (captain_id) REFERENCES players;`

/** The rows each table holds after `seed`: every key's domain respected, the rest at the default 25. */
const EXPECTED = {
  'public.employees': 25,
  'public.flags': 2, // a boolean key
  'public.levels': 5, // a smallint key CHECKed to 1..5
  'public.level_badges': 5, // a 1:1 child (its foreign key is unique) of levels
  'public.moods': 3, // an enum key of 3 labels
  'public.flag_moods': 6, // a join table of flags (2) and moods (3)
  'public.teams': 25,
  'public.players': 25, // teams <-> players: a cycle, broken at teams.captain_id (nullable)
}

/** A project folder whose seeds import `seedbed` (this repository, by a link) as a user's do. */
async function project(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t)
  await writeFile(path.join(root, 'package.json'), '{ "type": "module" }\n')
  await mkdir(path.join(root, 'node_modules'))
  await symlink(ROOT, path.join(root, 'node_modules', 'seedbed'))
  return path.join(root, 'seeds')
}

async function counts(sql: postgres.Sql, tables: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const table of tables) out[table] = (await sql.unsafe<[{ n: number }]>(`SELECT count(*)::int AS n FROM ${table}`))[0].n
  return out
}

/** `seed --json` on the seeds folder: exit 0, and each seed's counts. */
async function seedAll(t: Test, db: TestDatabase, seeds: string) {
  const r = await runCli(['seed', '--seeds', seeds, '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 0, r.stderr)
  t.notMatch(r.stderr, /E_PLAN_FOREIGN_KEY/, 'the plan check finds every seed after the seeds it needs')
  const result = JSON.parse(r.stdout) as { seeds: { name: string; created: number; updated: number; skipped: number }[] }
  return result.seeds
}

/** `seed` twice: every table holds the rows expected, and the second run writes nothing. */
async function seedTwice(t: Test, db: TestDatabase, seeds: string, expected: Record<string, number>) {
  await seedAll(t, db, seeds)
  t.same(await counts(db.sql, Object.keys(expected)), expected, 'every table filled, as many rows as its seed asked for')
  const second = await seedAll(t, db, seeds)
  t.same(
    second.map((s) => [s.created, s.updated]),
    second.map(() => [0, 0]),
    'a second seed writes nothing',
  )
  t.same(await counts(db.sql, Object.keys(expected)), expected)
}

t.test(
  'generate writes a seed per table in dependency order, with counts that fit each key; seed fills every table, twice the same',
  async (t) => {
    const db = await testDatabase(t)
    await db.sql.unsafe(SCHEMA)
    const seeds = await project(t)
    const r = await runCli(['generate', '--seeds', seeds], { env: { DATABASE_URL: db.url } })
    t.equal(r.code, 0, r.stderr)
    t.match(r.stdout, /wrote 8 seed files, in dependency order/)
    t.match(r.stdout, /^5 +\S*public_moods\.ts +public\.moods +3 +-$/m)
    t.match(r.stdout, /^6 +\S*public_flag_moods\.ts +public\.flag_moods +6 +public_flags, public_moods$/m)
    t.match(r.stdout, /public\.flags: at most 2: key flags_pkey \(on_off\) has only 2 distinct values/)
    t.match(r.stdout, /8 tables, 96 rows in all\. Edit the counts and overrides as you like, then: npx \S+( \S+)? seed/)
    t.same(
      (await readdir(seeds)).sort(),
      Object.keys(EXPECTED)
        .map((n) => `${n.replace('.', '_')}.ts`)
        .sort(),
    )

    const players = await readFile(path.join(seeds, 'public_players.ts'), 'utf8')
    t.match(players, /^\/\/ Written by `seedbed generate`/)
    t.match(players, /^import \{ defineSeed \} from 'seedbed'$/m)
    t.match(players, /dependsOn: \['public_teams'\],/, 'the parent seed, listed to be seen and edited')
    t.match(players, /\/\/ {3}'public\.players': \{ count: 100, overrides: \{/, 'a comment says how to add overrides')
    t.match(players, /fill: \{\n {4}'public\.players': 25,\n {2}\},/)
    const teams = await readFile(path.join(seeds, 'public_teams.ts'), 'utf8')
    t.match(teams, /dependsOn: \[\],/, "the cycle's nullable key is left out of dependsOn")
    t.match(teams, /\/\/ captain_id left NULL: it refers to public\.players, filled later/)
    t.match(teams, /'public\.teams': \{ count: 25, overrides: \{ captain_id: null \} \},/)
    const employees = await readFile(path.join(seeds, 'public_employees.ts'), 'utf8')
    t.match(employees, /dependsOn: \[\],/, 'a self-reference is no dependency')

    await seedTwice(t, db, seeds, EXPECTED)

    const again = await runCli(['generate', '--seeds', seeds], { env: { DATABASE_URL: db.url } })
    t.equal(again.code, 2)
    t.match(again.stderr, /E_SEED_EXISTS: \S*public_employees\.ts already exists: nothing was written/)
    t.match(again.stderr, /pass --force/)
    const mine = path.join(seeds, 'public_flags.ts')
    await writeFile(mine, "export default { name: 'public_flags', async run() {} }\n")
    const forced = await runCli(['generate', '--seeds', seeds, '--force'], { env: { DATABASE_URL: db.url } })
    t.equal(forced.code, 2, 'a file generate did not write is never overwritten')
    t.match(forced.stderr, /E_SEED_EXISTS: \S*public_flags\.ts already exists, and generate did not write it/)
    await rm(mine)
    const rewritten = await runCli(['generate', '--seeds', seeds, '--force', '--rows', '3'], { env: { DATABASE_URL: db.url } })
    t.equal(rewritten.code, 0, rewritten.stderr)
    t.match(await readFile(path.join(seeds, 'public_players.ts'), 'utf8'), /'public\.players': 3,/, '--force writes them again')
  },
)

t.test('--one-file: one seed whose fill fills every table does the same', async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(SCHEMA)
  const seeds = await project(t)
  const r = await runCli(['generate', '--seeds', seeds, '--one-file', '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout)
  t.same([report.files.length, report.tables, report.rows], [1, 8, 96])
  t.same(await readdir(seeds), ['database.ts'])
  const text = await readFile(path.join(seeds, 'database.ts'), 'utf8')
  t.match(text, /name: 'database',/)
  t.match(text, /'public\.flag_moods': 6,/)
  const first = await seedAll(t, db, seeds)
  t.same(
    first.map((s) => [s.name, s.created]),
    [['database', 96]],
  )
  t.same(await counts(db.sql, Object.keys(EXPECTED)), EXPECTED)
  const second = await seedAll(t, db, seeds)
  t.same(
    second.map((s) => [s.created, s.updated, s.skipped]),
    [[0, 0, 96]],
    'a second seed writes nothing',
  )
})

t.test('--schema picks the schemas; a schema without tables is E_BAD_OPTION', async (t) => {
  const db = await testDatabase(t)
  await db.sql.unsafe(
    `${SCHEMA}; CREATE SCHEMA app; CREATE TABLE app.notes (id serial PRIMARY KEY, body text NOT NULL, level smallint REFERENCES public.levels);`,
  )
  await db.sql.unsafe('INSERT INTO levels VALUES (1), (2)')
  const seeds = await project(t)
  const r = await runCli(['generate', '--seeds', seeds, '--schema', 'app', '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 0, r.stderr)
  t.same(
    JSON.parse(r.stdout).files.map((f: { seed: string; dependsOn: string[] }) => [f.seed, f.dependsOn]),
    [['app_notes', []]],
  )
  await db.sql.unsafe(`CREATE SCHEMA "App"; CREATE TABLE "App".notes (code varchar(1) PRIMARY KEY)`)
  const planned = await planGenerate(db.sql, { schemas: ['app', 'App'], rows: 25 })
  t.same(planned.map((s) => s.name).sort(), ['app_notes', 'app_notes_2'], 'a seed name taken gets a suffix')
  const narrow = planned.find((s) => s.tables[0]!.name === 'App.notes')!.tables[0]!
  t.ok(narrow.count > 0 && narrow.count < 25, 'a varchar(1) key gets what fits')
  t.match(narrow.capped, /^key notes_pkey \(code\) has only \d+ distinct values/)
  const none = await runCli(['generate', '--seeds', seeds, '--schema', 'nope'], { env: { DATABASE_URL: db.url } })
  t.equal(none.code, 2)
  t.match(none.stderr, /E_BAD_OPTION: no tables in schema nope/)
})

t.test('pagila: generate then seed fills every table with zero hand edits; a second seed changes nothing', async (t) => {
  const db = await testDatabase(t)
  await loadDdl(db.url, fixture('schemas/pagila/schema.sql'))
  const seeds = await project(t)
  const r = await runCli(['generate', '--seeds', seeds, '--json'], { env: { DATABASE_URL: db.url } })
  t.equal(r.code, 0, r.stderr)
  const report = JSON.parse(r.stdout) as { files: { tables: { table: string; count: number; note?: string }[] }[]; tables: number }
  t.equal(report.tables, 15, 'every table of pagila (payment through its partitions)')
  const wanted = Object.fromEntries(report.files.flatMap((f) => f.tables.map((x) => [x.table, x.count])))
  t.ok(
    Object.values(wanted).every((n) => n > 0),
    'every table gets rows',
  )
  t.equal(report.files.length, 15, 'a seed per table')
  await seedTwice(t, db, seeds, wanted)
})
