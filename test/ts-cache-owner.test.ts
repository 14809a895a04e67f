/**
 * The TypeScript cache of the built bin (lib/planning/ts-hooks.ts: node_modules/.cache/seedbed beside the
 * nearest node_modules) on a machine with more than one user (issue 27): a cache file is JavaScript the
 * run executes, so a cache another user can write is code they run as you. Two local users (made here:
 * CI runs as root): `seedbed-user` runs `seedbed plan` (it imports the seeds, no database needed) in a
 * project of theirs; `seedbed-other` plants a cache file for that project's seed. The user's run must
 * load the seed itself, never the planted file. Runs the bin built from these sources (packedSeedbed).
 */
import { chmod, chown, link, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t, { type Test } from 'tap'
import { tempDir } from './helpers.ts'
import { IS_ROOT, type LocalUser, localGroup, localUser, runAs } from './local-users.ts'
import { packedSeedbed } from './user-project.ts'

const user = IS_ROOT ? localUser('seedbed-user') : undefined
const other = IS_ROOT ? localUser('seedbed-other') : undefined
/** A group shared by two users: seedbed-teammate's primary group, with seedbed-other listed as a member. */
const team = other && localGroup('seedbed-team', [other.name])
const teammate = team ? localUser('seedbed-teammate', 'seedbed-team') : undefined
/** Two users with the same primary group, no member listed in /etc/group. */
const pair = IS_ROOT ? localGroup('seedbed-pair') : undefined
const pairA = pair ? localUser('seedbed-pair-a', 'seedbed-pair') : undefined
if (pair) localUser('seedbed-pair-b', 'seedbed-pair')
/** The bin as packed from these sources (test/user-project.ts): not this repository's dist/, which may be older. */
const BIN = IS_ROOT ? path.join((await packedSeedbed()).root, 'dist', 'cli', 'bin.js') : ''

/** The planted module: it says so when it runs, and passes for a seed so the plan still lists it. */
const PLANTED = "console.log('PLANTED CODE RAN as uid ' + process.getuid())\nexport default { name: 'planted', async run() {} }\n"
const SEED = "const name: string = 'notes'\nexport default { name, description: 'the project seed', async run(): Promise<void> {} }\n"

/** A folder owned by `owner`, with `mode`. */
async function folder(dir: string, owner: LocalUser, mode = 0o755): Promise<string> {
  await mkdir(dir, { recursive: true })
  await chown(dir, owner.uid, owner.gid)
  await chmod(dir, mode)
  return dir
}

/** A file owned by `owner`. */
async function file(name: string, text: string, owner: LocalUser): Promise<void> {
  await writeFile(name, text)
  await chown(name, owner.uid, owner.gid)
}

/** An ES module project of `owner`'s in `dir`: package.json, tsconfig.json, one TypeScript seed. */
async function project(dir: string, owner: LocalUser): Promise<string> {
  await folder(dir, owner)
  await folder(path.join(dir, 'seeds'), owner)
  await file(path.join(dir, 'package.json'), '{ "name": "app", "type": "module" }\n', owner)
  await file(path.join(dir, 'tsconfig.json'), '{ "compilerOptions": { "strict": true } }\n', owner)
  await file(path.join(dir, 'seeds', 'notes.ts'), SEED, owner)
  return dir
}

/** `as`'s `seedbed plan` in `cwd`, under `umask` (022 by default, as `runuser` leaves it). */
const plan = (as: LocalUser, cwd: string, umask = '022') =>
  runAs(as, `umask ${umask} && node ${BIN} plan`, cwd, { DATABASE_URL: '', NO_COLOR: '1' })

/** The user's plan: it lists the project's seed, and no planted code ran. */
async function planLoadsTheSeed(t: Test, as: LocalUser, cwd: string, what: string) {
  const run = await plan(as, cwd)
  t.equal(run.code, 0, `${what}: plan succeeds ${run.code ? run.out : ''}`.trim())
  t.notMatch(run.out, /PLANTED CODE RAN|planted/, `${what}: the planted cache file did not run`)
  t.match(run.out, /^ +0 +notes\b/m, `${what}: the project's own seed was loaded`)
}

if (!user || !other || !teammate || !pairA)
  t.plan(0, 'needs root, to make the local users seedbed-user and seedbed-other (CI runs as root)')
else {
  t.test("a shared folder's node_modules of another user: its cache is not used", async (t) => {
    const base = await tempDir(t, 'seedbed-ts-cache-')
    // A folder anyone may put work in (sticky, as /tmp), where the other user installed packages.
    const shared = await folder(path.join(base, 'shared'), other, 0o1777)
    await folder(path.join(shared, 'node_modules'), other)
    const proj = await project(path.join(shared, 'proj'), user)
    // The other user reads the project (0755, as files are by default) and runs the same plan: the cache
    // entry of the project's seed lands in their node_modules, where they replace it.
    const theirs = await plan(other, proj)
    t.equal(theirs.code, 0, `the other user's plan of the project ${theirs.code ? theirs.out : ''}`.trim())
    const cache = path.join(shared, 'node_modules', '.cache', 'seedbed')
    const entries = await readdir(cache).catch(() => [] as string[])
    t.ok(entries.length, `the other user's run cached the seed in their own node_modules: ${entries.join(', ')}`)
    for (const entry of entries) await file(path.join(cache, entry), PLANTED, other)
    await planLoadsTheSeed(t, user, proj, "a project without node_modules under another user's")
  })

  t.test("the user's own cache folder, writable by the group or by anyone: not used", async (t) => {
    const base = await tempDir(t, 'seedbed-ts-cache-')
    const proj = await project(path.join(base, 'proj'), user)
    await folder(path.join(proj, 'node_modules'), user)
    const cache = path.join(proj, 'node_modules', '.cache', 'seedbed')
    const first = await plan(user, proj)
    t.equal(first.code, 0, `the user's first plan ${first.code ? first.out : ''}`.trim())
    const entries = await readdir(cache)
    t.ok(entries.length, "a cache of the user's own, not writable by others, is used")
    t.match(await readFile(path.join(cache, entries[0]!), 'utf8'), /the project seed/, 'it holds the seed')

    // Writable by anyone (a chmod -R a+w): the other user swaps the entry for theirs.
    await chmod(cache, 0o777)
    for (const entry of entries) {
      await rm(path.join(cache, entry))
      await file(path.join(cache, entry), PLANTED, other)
    }
    await planLoadsTheSeed(t, user, proj, 'a world-writable cache folder')

    // Writable by a group with another member (seedbed-other): they could do the same; the entry (the
    // user's own, root stands in for the member) is not read.
    await chown(cache, user.uid, team!)
    await chmod(cache, 0o775)
    for (const entry of entries) await file(path.join(cache, entry), PLANTED, user)
    await planLoadsTheSeed(t, user, proj, 'a group-writable cache folder')

    // A cache folder of the user's own again (0755), with an entry another user wrote: not read either.
    await chown(cache, user.uid, user.gid)
    await chmod(cache, 0o755)
    for (const entry of entries) await file(path.join(cache, entry), PLANTED, other)
    await planLoadsTheSeed(t, user, proj, "an entry of another user's in the user's cache folder")
  })

  /** The cache entries of `proj` (none when there is no cache folder). */
  const entriesOf = (proj: string) => readdir(path.join(proj, 'node_modules', '.cache', 'seedbed')).catch(() => [] as string[])

  t.test("a user-private group's write bit (umask 002, Debian's and Ubuntu's default): the cache is used", async (t) => {
    const base = await tempDir(t, 'seedbed-ts-cache-')
    // What umask 002 makes: folders 0775 of the user's own group, which has no other member. node_modules
    // is made by the user under that umask, as npm install makes it.
    const proj = await project(path.join(base, 'proj'), user)
    await chmod(proj, 0o775)
    const made = await runAs(user, 'umask 002 && mkdir node_modules && stat -c %a node_modules', proj)
    t.equal(made.out.trim(), '775', 'node_modules is group-writable')
    const first = await plan(user, proj, '002')
    t.equal(first.code, 0, `the first plan ${first.code ? first.out : ''}`.trim())
    const entries = await entriesOf(proj)
    t.ok(entries.length, 'the first run wrote the cache')
    // The second run reads the entries: one rewritten (by the user) says so when it runs.
    const cache = path.join(proj, 'node_modules', '.cache', 'seedbed')
    for (const entry of entries)
      await file(
        path.join(cache, entry),
        `console.log('CACHE ENTRY READ')\n${SEED.replace(': string', '').replace(': Promise<void>', '')}`,
        user,
      )
    const second = await plan(user, proj, '002')
    t.match(second.out, /CACHE ENTRY READ/, 'the second run read its cache entry')
    t.match(second.out, /^ +0 +notes\b/m, 'and lists the seed')
  })

  t.test('group-writable by a group with another member: no cache', async (t) => {
    const base = await tempDir(t, 'seedbed-ts-cache-')
    // seedbed-team: seedbed-other is listed as its member. seedbed-pair: seedbed-pair-b has it as primary group too.
    for (const [as, what] of [
      [teammate, 'a primary group with a listed member'],
      [pairA, 'a primary group shared with another user'],
    ] as const) {
      const proj = await project(path.join(base, as.name), as)
      await chmod(proj, 0o775)
      await folder(path.join(proj, 'node_modules'), as, 0o775)
      const run = await plan(as, proj, '002')
      t.equal(run.code, 0, `${what}: plan succeeds ${run.code ? run.out : ''}`.trim())
      t.same(await entriesOf(proj), [], `${what}: nothing cached`)
    }
  })

  t.test('a cache entry that is a symbolic or a hard link: not read, and not written through', async (t) => {
    const base = await tempDir(t, 'seedbed-ts-cache-')
    const proj = await project(path.join(base, 'proj'), user)
    await folder(path.join(proj, 'node_modules'), user)
    const cache = path.join(proj, 'node_modules', '.cache', 'seedbed')
    await plan(user, proj)
    const entries = await entriesOf(proj)
    t.ok(entries.length, 'the first run wrote the cache')
    // A file of the user's (0644, one link) with the planted code: what a link in the cache would lead to.
    const planted = path.join(base, 'planted.js')
    await file(planted, PLANTED, user)
    for (const entry of entries) {
      await rm(path.join(cache, entry))
      await symlink(planted, path.join(cache, entry))
    }
    await planLoadsTheSeed(t, user, proj, 'a symbolic link for an entry')
    t.equal(await readFile(planted, 'utf8'), PLANTED, "the link's target was not written")
    for (const entry of entries) t.ok((await lstat(path.join(cache, entry))).isFile(), 'the entry is a file again')

    for (const entry of entries) {
      await rm(path.join(cache, entry))
      await link(planted, path.join(cache, entry))
    }
    await planLoadsTheSeed(t, user, proj, 'a hard link for an entry')
  })

  t.test('a folder above node_modules that others may change: no cache', async (t) => {
    const base = await tempDir(t, 'seedbed-ts-cache-')
    // Root's, writable by seedbed-team (seedbed-other is a member), not sticky: a member may rename the
    // user's project away and put another in its place, after any check of node_modules.
    const shared = await folder(path.join(base, 'shared'), user, 0o775)
    await chown(shared, 0, team!)
    const proj = await project(path.join(shared, 'proj'), user)
    await folder(path.join(proj, 'node_modules'), user)
    const run = await plan(user, proj)
    t.equal(run.code, 0, `plan succeeds ${run.code ? run.out : ''}`.trim())
    t.same(await entriesOf(proj), [], 'a group-writable folder above: nothing cached')
    // Sticky (as /tmp): no one renames what is not theirs; the cache is used.
    await chmod(shared, 0o1777)
    await plan(user, proj)
    t.not((await entriesOf(proj)).length, 0, 'a sticky folder above: the cache is used')
  })
}
