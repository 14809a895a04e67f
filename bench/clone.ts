/**
 * Test databases, measured: the example project (scale 1 unless --scale) as a content-keyed template,
 * all baselines in the same run, each row the median of its runs, interleaved so that the machine's
 * noise falls on every row alike:
 *
 * - a clone through seedbed (`testDatabases().clone()`, one open connection) against a bare
 *   `CREATE DATABASE ... TEMPLATE` over one open connection, on the server of DATABASE_URL (else the
 *   embedded default, `.seedbed/`), and `cloneDatabase()` (a connection per call) beside them;
 * - the same on an embedded server with the test profile (fsync off), in a temporary folder;
 * - with --reflink-dir, the same on a test-profile server whose folder is on a filesystem with
 *   reflinks (XFS, btrfs): `auto` picks STRATEGY FILE_COPY with file_copy_method = clone there;
 * - preparing the template when its hash is found (a second test run) against a full build.
 *
 * --test-dir puts the test-profile server's folder elsewhere (default: the system's temporary folder).
 *
 *   npm run bench:clone -- [--runs 15] [--builds 3] [--scale 1] [--reflink-dir /mnt/xfs/dir] [--test-dir /dev/shm]
 */
import { mkdtemp, chmod, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { startEmbedded, supportsReflink } from '../lib/db/embedded.ts'
import { createLogger } from '../lib/output/log.ts'
import { type Clone, cloneDatabase, pruneTestDatabases, type TemplateCache, templateCache } from '../lib/testing.ts'
import { median } from './measure.ts'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    builds: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
    'reflink-dir': { type: 'string' },
    'test-dir': { type: 'string' },
  },
})
const runs = Number(values.runs)
const builds = Number(values.builds)
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const options = {
  schemaDir: path.join(root, 'schema'),
  seed: { seedsDir: path.join(root, 'seeds'), only: [] as string[], scale: Number(values.scale) },
}
const log = createLogger({ level: -999 })
const time = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

const dev = process.env.DATABASE_URL ? undefined : await startEmbedded({ dataDir: path.join(root, '.seedbed'), log })
const serverUrl = process.env.DATABASE_URL || dev!.url
const testDir = await mkdtemp(path.join(path.resolve(values['test-dir'] ?? tmpdir()), 'seedbed-bench-'))
await chmod(testDir, 0o755)
const test = await startEmbedded({ dataDir: path.join(testDir, 'data'), log, profile: 'test', shared: true })
const reflinkDir = values['reflink-dir'] && (await mkdtemp(path.join(path.resolve(values['reflink-dir']), 'seedbed-bench-')))
if (reflinkDir) await chmod(reflinkDir, 0o755)
if (reflinkDir && !(await supportsReflink(reflinkDir))) throw new Error(`${reflinkDir}: no reflinks on that filesystem`)
const reflink = reflinkDir ? await startEmbedded({ dataDir: path.join(reflinkDir, 'data'), log, profile: 'test', shared: true }) : undefined
const servers = { main: serverUrl, test: test.url, reflink: reflink?.url }
const project = `bench_clone_${process.pid}`

try {
  const t: Record<string, number[]> = {}
  const push = (row: string, ms: number) => {
    t[row] ??= []
    t[row].push(ms)
  }
  const handles = {
    main: await templateCache({ ...options, serverUrl: servers.main, project }),
    test: await templateCache({ ...options, serverUrl: servers.test, project }),
    testClone: await templateCache({ ...options, serverUrl: servers.test, project, strategy: 'clone' }),
    ...(servers.reflink && { reflink: await templateCache({ ...options, serverUrl: servers.reflink, project, reflink: true }) }),
  }
  const bare = {
    main: postgres(servers.main, { max: 1, onnotice: () => {} }),
    test: postgres(servers.test, { max: 1, onnotice: () => {} }),
    ...(servers.reflink && { reflink: postgres(servers.reflink, { max: 1, onnotice: () => {} }) }),
  }
  if (handles.reflink?.strategy === 'clone') await bare.reflink!`SET file_copy_method = clone`
  const places = ['main', 'test', ...(servers.reflink ? ['reflink' as const] : [])] as const
  for (let i = 0; i < runs; i++) {
    for (const where of places) {
      const sql = bare[where]!
      const handle = handles[where]!
      const strategy = handle.strategy === 'clone' ? ' STRATEGY FILE_COPY' : ''
      await sql`SELECT 1` // connected before the clock starts, as the handle's connection is
      // Every other run the other order: whichever goes second finds the first one's drop just done.
      const pair = [
        async () => {
          push(`bare ${where}`, await time(() => sql.unsafe(`CREATE DATABASE bench_bare TEMPLATE "${handle.template}"${strategy}`)))
          await sql.unsafe('DROP DATABASE bench_bare')
        },
        async () => {
          const c: Clone[] = []
          push(`seedbed ${where}`, await time(async () => c.push(await handle.clone())))
          await c[0]!.drop()
        },
      ]
      for (const step of i % 2 ? pair.reverse() : pair) await step()
      if (where === 'main') {
        const old = await time(() => cloneDatabase(servers.main, handles.main.template, 'bench_old'))
        push('cloneDatabase main', old)
        await sql.unsafe('DROP DATABASE bench_old')
        // What cloneDatabase pays on top of the statement, twice with drop(): a connection's set-up.
        push(
          'connect main',
          await time(async () => {
            const one = postgres(servers.main, { max: 1, onnotice: () => {} })
            await one`SELECT 1`
            await one.end()
          }),
        )
      } else if (where === 'test') {
        const f: Clone[] = []
        push('seedbed test clone', await time(async () => f.push(await handles.testClone.clone())))
        await f[0]!.drop()
      }
    }
  }
  for (let i = 0; i < builds; i++) {
    // A project id of its own: the same hash under another name, so the first call is a full build.
    const build = { ...options, serverUrl: servers.main, project: `${project}_b${i}` }
    const h: TemplateCache[] = []
    push('full build', await time(async () => h.push(await templateCache(build))))
    push('hash hit', await time(async () => h.push(await templateCache(build))))
    if (!h[0]!.built || h[1]!.built) throw new Error('expected a build, then a hash hit')
    for (const x of h) await x.close()
    await pruneTestDatabases(servers.main, { project: `${project}_b${i}` })
  }
  const [{ v }] = await bare.main<[{ v: string }]>`SELECT current_setting('server_version') AS v`
  for (const h of Object.values(handles)) await h.close()
  for (const sql of Object.values(bare)) await sql!.end()
  const m = (row: string) => median(t[row]!)
  const table: [string, number, number, string][] = [
    ['bare CREATE DATABASE ... TEMPLATE, one open connection', m('bare main'), m('bare main'), 'baseline'],
    ['seedbed testDatabases().clone()', m('seedbed main'), m('bare main'), 'target <= 1.20'],
    ['seedbed cloneDatabase() (a connection per call)', m('cloneDatabase main'), m('bare main'), ''],
    ['a connection: open, SELECT 1, close (what cloneDatabase adds, and drop() again)', m('connect main'), m('bare main'), ''],
    ['embedded test profile: bare CREATE DATABASE ... TEMPLATE', m('bare test'), m('bare test'), 'baseline'],
    ['embedded test profile: seedbed clone()', m('seedbed test'), m('bare test'), 'target < 50 ms'],
    ['embedded test profile: clone() with STRATEGY FILE_COPY, file_copy_method = clone', m('seedbed test clone'), m('bare test'), ''],
    ...(handles.reflink
      ? ([
          [
            `reflink folder (XFS), bare CREATE DATABASE ... TEMPLATE${handles.reflink.strategy === 'clone' ? ' STRATEGY FILE_COPY' : ''}`,
            m('bare reflink'),
            m('bare reflink'),
            'baseline',
          ],
          [
            `reflink folder (XFS): seedbed clone() (auto: ${handles.reflink.strategy})`,
            m('seedbed reflink'),
            m('bare reflink'),
            'target < 50 ms',
          ],
          ['reflink folder vs test profile on ext4: seedbed clone()', m('seedbed reflink'), m('seedbed test'), ''],
        ] as [string, number, number, string][])
      : []),
    ['template: full build', m('full build'), m('full build'), 'baseline'],
    ['template: hash hit (unchanged files, second run)', m('hash hit'), m('full build'), ''],
  ]
  console.log(
    `\nexample project at scale ${values.scale}; main server: ${process.env.DATABASE_URL ? `DATABASE_URL (PostgreSQL ${v})` : `embedded default (PostgreSQL ${v})`}; clones median of ${runs}, builds median of ${builds}:`,
  )
  console.log('| measurement | ms | ratio | note |\n|---|---|---|---|')
  for (const [name, ms, base, note] of table) console.log(`| ${name} | ${ms.toFixed(1)} | ${(ms / base).toFixed(2)} | ${note} |`)
} finally {
  await pruneTestDatabases(servers.main, { project }).catch(() => undefined)
  await test.stop()
  await reflink?.stop()
  await dev?.stop()
  await rm(testDir, { recursive: true, force: true })
  if (reflinkDir) await rm(reflinkDir, { recursive: true, force: true })
}
