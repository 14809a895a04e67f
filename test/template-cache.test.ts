/**
 * Content-keyed test templates (testDatabases / templateCache): reused while the files are the same,
 * rebuilt when one changes, built once by concurrent workers, never reused half-built; the clone
 * strategy and its fallback. Each test works in a project of its own (a temporary folder and a
 * `project` id), and drops every database it made.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import t, { type Test } from 'tap'
import { startEmbedded } from '../lib/db/embedded.ts'
import { codes } from '../lib/errors/errors.ts'
import { createLogger } from '../lib/output/log.ts'
import { pruneTestDatabases, templateCache, workerId } from '../lib/testing.ts'
import { NO_CHILD_COVERAGE, ROOT, tempDir, testDatabase } from './helpers.ts'

const home = await testDatabase(t)
const contract = path.join(ROOT, 'lib', 'contract', 'contract.ts')
const testing = path.join(ROOT, 'lib', 'testing.ts')

const SEED = (value: string, extra = '') => `import { defineSeed } from '${contract}'
export default defineSeed({
  name: 'marks',
  async run({ sql }) {
    ${extra}
    await sql\`INSERT INTO marks (id, v) VALUES (1, '${value}') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v\`
  },
})
`
const SCHEMA = 'CREATE TABLE marks (id int PRIMARY KEY, v text NOT NULL);\n'

let projects = 0
/** A small project in a temporary folder, with a project id of its own on the server. */
async function project(t: Test, seedText = SEED('one')) {
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await mkdir(path.join(dir, 'seeds'))
  await mkdir(path.join(dir, 'schema'))
  await writeFile(path.join(dir, 'seeds', 'marks.ts'), seedText)
  await writeFile(path.join(dir, 'schema', '001_marks.sql'), SCHEMA)
  const id = `${home.name}_${++projects}`
  t.teardown(() => pruneTestDatabases(home.url, { project: id }))
  const options = { serverUrl: home.url, project: id, schemaDir: path.join(dir, 'schema'), seed: { seedsDir: path.join(dir, 'seeds') } }
  return { dir, id, options }
}

/**
 * Changes the seed: a file of another name, as this process has imported the first one already (and
 * ESM keeps modules by URL); a test run, a process of its own, reads the edited file itself.
 */
let edits = 0
async function editSeed(dir: string, text: string) {
  for (const file of await readdir(path.join(dir, 'seeds'))) await rm(path.join(dir, 'seeds', file))
  await writeFile(path.join(dir, 'seeds', `marks${++edits}.ts`), text)
}

const databases = async (like: string) =>
  (
    await home.sql<{ datname: string; t: boolean }[]>`
    SELECT datname, datistemplate AS t FROM pg_database WHERE datname LIKE ${like} ORDER BY datname`
  ).map((r) => ({
    name: r.datname,
    template: r.t,
  }))

/** Runs `fn` on a fresh connection to a database, then closes it. */
async function inDb<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    return await fn(sql)
  } finally {
    await sql.end()
  }
}

/** A marker row written into the template itself: a clone that has it was copied from that very template. */
async function markTemplate(template: string) {
  await home.sql.unsafe(`ALTER DATABASE "${template}" WITH ALLOW_CONNECTIONS true`)
  const url = new URL(home.url)
  url.pathname = `/${template}`
  await inDb(url.toString(), (sql) => sql`INSERT INTO marks (id, v) VALUES (2, 'marker')`)
}

t.test('an unchanged project reuses its template; a changed seed, schema or scale rebuilds it', async (t) => {
  const p = await project(t)
  const first = await templateCache(p.options)
  t.ok(first.built, 'first call builds')
  t.match(first.template, new RegExp(`^seedbed_tpl_[0-9a-f]{8}_${first.hash.slice(0, 16)}$`))
  await first.close()
  await markTemplate(first.template)

  const again = await templateCache(p.options)
  t.notOk(again.built, 'same files: not built')
  t.equal(again.template, first.template)
  const clone = await again.clone()
  t.same(
    await inDb(clone.url, (sql) => sql`SELECT v FROM marks ORDER BY id`),
    [{ v: 'one' }, { v: 'marker' }],
    'the clone holds the marker: it is a copy of the kept template, not of a new build',
  )
  t.same(
    (await inDb(clone.url, (sql) => sql<{ n: number }[]>`SELECT count(*)::int AS n FROM seedbed.runs`))[0]!.n,
    1,
    'the ledger has the one run of the first build',
  )
  await again.close()
  t.same(await databases(clone.name), [], 'close() drops the clones')

  await editSeed(p.dir, SEED('two'))
  const edited = await templateCache(p.options)
  t.ok(edited.built, 'an edited seed file rebuilds')
  t.not(edited.hash, first.hash)
  const c2 = await edited.clone()
  t.same(await inDb(c2.url, (sql) => sql`SELECT v FROM marks ORDER BY id`), [{ v: 'two' }], 'new rows, no marker')
  await edited.close()
  t.same(await databases(`${first.template}%`), [], 'the older template of the project was dropped')

  await writeFile(path.join(p.dir, 'schema', '001_marks.sql'), `${SCHEMA}-- a comment changes the file\n`)
  const schema = await templateCache(p.options)
  t.ok(schema.built, 'an edited schema file rebuilds')
  await schema.close()
  const scaled = await templateCache({ ...p.options, seed: { ...p.options.seed, scale: 2 } })
  t.ok(scaled.built, 'another scale rebuilds')
  t.not(scaled.hash, schema.hash)
  await scaled.close()
  const extra = path.join(p.dir, 'factory.json')
  await writeFile(extra, '{"n": 1}')
  const withInput = await templateCache({ ...p.options, inputs: [extra] })
  await withInput.close()
  await writeFile(extra, '{"n": 2}')
  const inputChanged = await templateCache({ ...p.options, inputs: [extra] })
  t.ok(inputChanged.built, 'a changed file of `inputs` rebuilds')
  t.not(inputChanged.hash, withInput.hash)
  await inputChanged.close()
  t.equal((await databases(`seedbed_tpl_${inputChanged.template.split('_')[2]}_%`)).length, 1, 'one template of the project is left')
})

t.test('a build for other files keeps a template an open handle uses; the next build drops it once closed', async (t) => {
  const p = await project(t)
  const open = await templateCache(p.options)
  await editSeed(p.dir, SEED('two'))
  const other = await templateCache(p.options)
  t.ok(other.built, 'the edited files build a template of their own')
  t.same(await databases(open.template), [{ name: open.template, template: true }], 'the one in use is kept')
  const clone = await open.clone()
  t.same(await inDb(clone.url, (sql) => sql`SELECT v FROM marks`), [{ v: 'one' }], 'and still cloned from')
  await open.close()
  await other.close()
  await editSeed(p.dir, SEED('three'))
  const third = await templateCache(p.options)
  t.ok(third.built)
  await third.close()
  t.same(await databases(open.template), [], 'closed, it goes with the next build')
  t.same(await databases(other.template), [])
})

t.test('with a migrate command, a missing migrations folder is refused (it could never rebuild the template)', async (t) => {
  const p = await project(t)
  const refused = await templateCache({
    ...p.options,
    seed: { ...p.options.seed, migrate: 'true' },
    migrationsDir: path.join(p.dir, 'nowhere'),
  }).catch((e) => e)
  t.equal(refused.code, codes.BAD_OPTION)
  t.match(refused.message, /migrations folder .*nowhere does not exist/)
})

t.test('concurrent calls in one process: one build, the others wait and reuse it; clones of their own', async (t) => {
  const p = await project(t, SEED('one', 'await sql`SELECT pg_sleep(0.3)`'))
  const handles = await Promise.all([1, 2, 3, 4].map(() => templateCache(p.options)))
  t.teardown(() => Promise.all(handles.map((h) => h.close())))
  t.equal(handles.filter((h) => h.built).length, 1, 'exactly one built it')
  t.equal(new Set(handles.map((h) => h.template)).size, 1, 'all use the same template')
  const clones = await Promise.all(handles.map((h) => h.clone()))
  t.equal(new Set(clones.map((c) => c.name)).size, 4, 'four clones, four names')
  for (const c of clones) t.same(await inDb(c.url, (sql) => sql`SELECT v FROM marks`), [{ v: 'one' }])
  t.same((await inDb(clones[0]!.url, (sql) => sql<{ n: number }[]>`SELECT count(*)::int AS n FROM seedbed.runs`))[0]!.n, 1, 'seeded once')
})

/** A child process that runs templateCache on the project and prints what it got. */
function worker(options: object, env: Record<string, string>): { done: Promise<{ code: number | null; out: string }>; kill(): void } {
  const script = `import { templateCache } from '${testing}'
const h = await templateCache(${JSON.stringify(options)})
const c = await h.clone()
console.log(JSON.stringify({ built: h.built, template: h.template, clone: c.name }))
await h.close()
`
  const child = spawn(process.execPath, ['--conditions=seedbed-source', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT, // where tsx is found; the project's paths are absolute
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: '', ...NO_CHILD_COVERAGE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  return {
    done: new Promise((resolve) => child.on('close', (code) => resolve({ code, out }))),
    kill: () => child.kill('SIGKILL'),
  }
}

t.test('worker processes started at once: one builds, each gets a clone named for its worker', async (t) => {
  const p = await project(t, SEED('one', 'await sql`SELECT pg_sleep(0.5)`'))
  const runs = await Promise.all(['1', '2', '3'].map((id) => worker(p.options, { VITEST_POOL_ID: id }).done))
  for (const r of runs) t.equal(r.code, 0, r.out)
  const got = runs.map((r) => JSON.parse(r.out.trim().split('\n').pop()!) as { built: boolean; template: string; clone: string })
  t.equal(got.filter((g) => g.built).length, 1, 'one process built the template')
  t.equal(new Set(got.map((g) => g.template)).size, 1)
  t.same(got.map((g) => g.clone.split('_')[3]).sort(), ['1', '2', '3'], 'the clone names carry VITEST_POOL_ID')
  t.equal(new Set(got.map((g) => g.clone)).size, 3)
  t.same(await databases(`seedbed_test_${p.id}%`), [], 'each dropped its clone at close()')
})

t.test('a build killed half-way leaves nothing that is reused; the next build starts over', async (t) => {
  const p = await project(t, SEED('one', 'await sql`SELECT pg_sleep(60)`'))
  const child = worker(p.options, {})
  // The build is under way once its seed sleeps inside the temporary database.
  let building = ''
  for (let i = 0; i < 600 && !building; i++) {
    const rows = await home.sql<{ datname: string }[]>`
      SELECT datname FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND datname LIKE 'seedbed_tpl_%_b'`
    building = rows[0]?.datname ?? ''
    if (!building) await new Promise((r) => setTimeout(r, 100))
  }
  t.match(building, /^seedbed_tpl_[0-9a-f]{8}_[0-9a-f]{16}_b$/, 'built under a temporary name')
  child.kill()
  await child.done
  const template = building.slice(0, -2)
  t.same(await databases(template), [], 'no database has the template name')

  // The same files, so the same hash: the call finds no template and builds again, which a seed time
  // limit (a setting that does not change rows, so not in the hash) makes fail; a failed build keeps nothing.
  const again = await templateCache({ ...p.options, seed: { ...p.options.seed, seedTimeoutMs: 300 } }).catch((e) => e)
  t.equal(again.code, codes.SEED_FAILED, 'the next call builds again rather than reuse the killed build')
  t.match(again.message, template, 'naming the template')
  t.same(await databases(`${template}%`), [], 'the killed build was dropped, and the failed one left nothing')
})

t.test('a failed build keeps no template; fixing the seed builds one', async (t) => {
  const p = await project(t, SEED('one', "throw new Error('broken seed')"))
  const err = await templateCache(p.options).catch((e) => e)
  t.equal(err.code, codes.SEED_FAILED)
  t.match(err.message, /broken seed/, 'the seed error is quoted')
  const template = /seedbed_tpl_[0-9a-f]{8}_[0-9a-f]{16}/.exec(err.message)?.[0]
  t.ok(template, 'the message names the template')
  t.same(await databases(`${template}%`), [], 'neither the template nor its temporary build is left')
  await editSeed(p.dir, SEED('fixed'))
  const fixed = await templateCache(p.options)
  t.ok(fixed.built)
  const c = await fixed.clone()
  t.same(await inDb(c.url, (sql) => sql`SELECT v FROM marks`), [{ v: 'fixed' }])
  await fixed.close()
})

/** Checkpoints requested so far: STRATEGY FILE_COPY requests two, WAL_LOG none. */
async function requestedCheckpoints(): Promise<number> {
  const [{ v }] = await home.sql<[{ v: number }]>`SELECT current_setting('server_version_num')::int AS v`
  const query =
    v >= 170000 ? 'SELECT num_requested::int AS n FROM pg_stat_checkpointer' : 'SELECT checkpoints_req::int AS n FROM pg_stat_bgwriter'
  await home.sql`SELECT pg_stat_clear_snapshot()`
  return (await home.sql.unsafe<[{ n: number }]>(query))[0].n
}

t.test('clone strategy: FILE_COPY with file_copy_method = clone on PostgreSQL 18, the default where refused', async (t) => {
  const p = await project(t)
  const [{ v }] = await home.sql<[{ v: number }]>`SELECT current_setting('server_version_num')::int AS v`
  const auto = await templateCache(p.options)
  t.equal(auto.strategy, 'default', 'auto without a reflink filesystem: the default strategy')
  if (!process.env.DATABASE_URL) {
    // A server of this file's own: no one else's CREATE DATABASE can request a checkpoint meanwhile.
    const n = await requestedCheckpoints()
    await auto.clone()
    t.equal(await requestedCheckpoints(), n, 'the default strategy (WAL_LOG) ran: no checkpoint requested')
  }
  await auto.close()

  const forced = await templateCache({ ...p.options, strategy: 'clone' })
  t.teardown(() => forced.close())
  t.equal(forced.strategy, v >= 180000 ? 'clone' : 'default', `PostgreSQL ${v}: ${v >= 180000 ? 'takes' : 'refuses'} file_copy_method`)
  const before = await requestedCheckpoints()
  const c = await forced.clone()
  t.same(await inDb(c.url, (sql) => sql`SELECT v FROM marks`), [{ v: 'one' }], 'the copy holds the rows')
  let after = before
  for (let i = 0; i < 50 && after === before && forced.strategy === 'clone'; i++) {
    await new Promise((r) => setTimeout(r, 50))
    after = await requestedCheckpoints()
  }
  // Where the setting is refused (PostgreSQL 15 here), the clone above worked without it.
  if (forced.strategy === 'clone') t.ok(after > before, 'FILE_COPY ran (it requests checkpoints)')

  const reflink = await templateCache({ ...p.options, reflink: true })
  t.equal(reflink.strategy, v >= 180000 ? 'clone' : 'default', 'auto on a reflink filesystem: clone where the server has it')
  await reflink.close()
})

t.test('worker ids from each runner, and bad clone names', async (t) => {
  t.equal(workerId({ VITEST_POOL_ID: '3' }), '3')
  t.equal(workerId({ JEST_WORKER_ID: '2' }), '2')
  t.equal(workerId({ TAP_CHILD_ID: '7' }), '7')
  t.equal(workerId({}), 'p', 'node:test: the pid in the name tells processes apart')
  const p = await project(t)
  const h = await templateCache(p.options)
  t.teardown(() => h.close())
  t.equal((await h.clone('Bad-Name').catch((e) => e)).code, codes.BAD_OPTION)
  const named = await h.clone(`${p.id}_mine`)
  await named.drop()
  t.same(await databases(named.name), [], 'drop() drops it at once')
  await h.close()
  t.equal((await h.clone().catch((e) => e)).code, codes.BAD_OPTION, 'clone after close is refused')
})

t.test("docs/test-databases.md's testDatabases recipe: passes twice, the second run on the same template", async (t) => {
  // The recipe is in docs/test-databases.md; the seed and the schema it runs on, in the README's quick start.
  const readme = (await Promise.all(['README.md', 'docs/test-databases.md'].map((f) => readFile(path.join(ROOT, f), 'utf8')))).join('\n')
  const example = (name: string) => new RegExp(`<!-- example:${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(readme)![1]!
  const dir = await tempDir(t)
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n')
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  for (const sub of ['seeds', 'schema', 'test']) await mkdir(path.join(dir, sub))
  await writeFile(path.join(dir, 'seeds', 'teams.ts'), example('seed').replace("'seedbed'", `'${contract}'`))
  await writeFile(path.join(dir, 'schema', '001_teams.sql'), example('schema'))
  await writeFile(path.join(dir, 'test', 'orders.test.ts'), example('test-databases').replace("'seedbed/testing'", `'${testing}'`))
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl) t.teardown(() => pruneTestDatabases(serverUrl, { seedsDir: path.join(dir, 'seeds') }))
  // This project's id on the server: from its seeds folder's absolute path (the default `project`).
  const prefix = `seedbed_tpl_${createHash('sha256').update(path.join(dir, 'seeds')).digest('hex').slice(0, 8)}_`
  /** The project's templates with their oids: a rebuild is a new database with a new oid. */
  const templates = async () => {
    const server = serverUrl
      ? { url: serverUrl, stop: async () => {} }
      : await startEmbedded({
          dataDir: path.join(dir, '.seedbed', 'test'),
          log: createLogger({ level: -999 }),
          profile: 'test',
          shared: true,
        })
    try {
      return await inDb(
        server.url,
        (sql) => sql`SELECT oid::int, datname FROM pg_database WHERE left(datname, ${prefix.length}) = ${prefix}`,
      )
    } finally {
      await server.stop()
    }
  }
  const run = () =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/orders.test.ts'], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: serverUrl ?? '', ...NO_CHILD_COVERAGE },
      })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (out += d))
      child.on('close', (code) => resolve({ code, out }))
    })
  const first = await run()
  t.equal(first.code, 0, 'the recipe passes', { out: first.out })
  const built = await templates()
  t.equal(built.length, 1, 'one template, kept after the run')
  const second = await run()
  t.equal(second.code, 0, 'and passes again', { out: second.out })
  t.same(await templates(), built, 'the same database (same oid): the second run did not rebuild it')
})
