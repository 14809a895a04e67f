/**
 * The embedded server's test profile (fsync, full_page_writes, synchronous_commit off) and its sharing
 * between test processes. Always on embedded servers of its own, in temporary folders, whatever
 * DATABASE_URL says: the profile is about seedbed's own data folders.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import postgres from 'postgres'
import t from 'tap'
import { startEmbedded, supportsReflink } from '../lib/db/embedded.ts'
import { createLogger } from '../lib/output/log.ts'
import { testServer } from '../lib/testing.ts'
import { answers, tempDir } from './helpers.ts'

const log = createLogger({ level: -999 })

async function settings(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    const rows = await sql<{ name: string; setting: string }[]>`
      SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'full_page_writes', 'synchronous_commit') ORDER BY name`
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]))
  } finally {
    await sql.end()
  }
}

t.test('a new folder gets the test profile and is marked as a test folder', async (t) => {
  const dir = path.join(await tempDir(t), 'test-data')
  const server = await startEmbedded({ dataDir: dir, log, profile: 'test', shared: true })
  t.teardown(() => server.stop())
  t.ok(server.testProfile)
  t.same(await settings(server.url), { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off' })
  t.ok(existsSync(path.join(dir, 'test-profile')), 'the folder is marked')
  await server.stop()
  const again = await startEmbedded({ dataDir: dir, log, profile: 'test', shared: true })
  t.teardown(() => again.stop())
  t.same((await settings(again.url)).fsync, 'off', 'a marked folder keeps the profile on the next start')
})

t.test('a folder holding a cluster made without the profile keeps fsync on', async (t) => {
  const dir = path.join(await tempDir(t), 'dev-data')
  const dev = await startEmbedded({ dataDir: dir, log })
  t.notOk(dev.testProfile)
  t.same(await settings(dev.url), { fsync: 'on', full_page_writes: 'on', synchronous_commit: 'off' }, "development: seedbed's defaults")
  await dev.stop()
  const asTest = await startEmbedded({ dataDir: dir, log, profile: 'test', shared: true })
  t.teardown(() => asTest.stop())
  t.notOk(asTest.testProfile, 'the profile is not applied')
  t.same(await settings(asTest.url), { fsync: 'on', full_page_writes: 'on', synchronous_commit: 'off' })
  t.notOk(existsSync(path.join(dir, 'test-profile')), 'and the folder is not marked')
})

t.test('processes share the server: each joins, the last one to stop stops it', async (t) => {
  const dir = path.join(await tempDir(t), 'shared')
  // Started at once: one starts it under the lock file, the others join.
  const [a, b, c] = await Promise.all([1, 2, 3].map(() => startEmbedded({ dataDir: dir, log, profile: 'test', shared: true })))
  t.teardown(async () => {
    await a!.stop()
    await b!.stop()
    await c!.stop()
  })
  t.equal(new Set([a!.port, b!.port, c!.port]).size, 1, 'one server')
  t.ok(b!.testProfile && c!.testProfile, 'joiners see the profile')
  await a!.stop()
  t.ok(await answers(b!.url), 'still up after the first stop')
  await c!.stop()
  t.ok(await answers(b!.url), 'still up while one user is left')
  await b!.stop()
  t.notOk(await answers(b!.url), 'stopped by the last one')
})

t.test('reflink detection answers for the folder (ext4 here: no)', async (t) => {
  const dir = await tempDir(t)
  const got = await supportsReflink(dir)
  t.type(got, 'boolean')
  const fs = (await import('node:child_process')).execFileSync('stat', ['-f', '-c', '%T', dir]).toString().trim()
  if (/ext2\/ext3|ext4|tmpfs|overlay/.test(fs)) t.notOk(got, `${fs} has no reflinks`)
  else if (/btrfs|xfs/.test(fs)) t.ok(got, `${fs} has reflinks`)
})

t.test('testServer: DATABASE_URL when set, else the shared embedded server with the test profile', async (t) => {
  if (process.env.DATABASE_URL) {
    const server = await testServer()
    t.equal(server.url, process.env.DATABASE_URL)
    t.notOk(server.testProfile, "a DATABASE_URL server's settings are its own")
    await server.stop()
    return
  }
  const dir = path.join(await tempDir(t), 'ts')
  const server = await testServer({ dataDir: dir })
  t.teardown(() => server.stop())
  t.ok(server.testProfile)
  t.equal((await settings(server.url)).fsync, 'off')
})
