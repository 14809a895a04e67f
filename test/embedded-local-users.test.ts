/**
 * The embedded server as seedbed's users run it: a normal (non-root) local user, in a folder of their
 * own. CI runs as root, so the user is made here (test/local-users.ts); not root, the test runs as the
 * current user.
 */
import { chown, mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { fixture, NO_CHILD_COVERAGE } from './helpers.ts'
import { IS_ROOT, type LocalUser, localUser, runAs } from './local-users.ts'

const owner = localUser('seedbed-owner')
if (!owner) {
  t.comment('not root and no user seedbed-owner: run as root (CI does) to make one')
  process.exit(0)
}
// tsx from this repository, by path: the user's folder has no node_modules of its own.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const node = (script: string, ...args: string[]) =>
  [process.execPath, '--conditions=seedbed-source', '--import', TSX, script, ...args].map((a) => JSON.stringify(a)).join(' ')

/** A new folder in `user`'s home, theirs, removed at teardown (after anything started in it is stopped). */
async function projectOf(t: { teardown(fn: () => unknown): void }, user: LocalUser): Promise<string> {
  const dir = await mkdtemp(path.join(user.home, 'project-'))
  if (IS_ROOT) await chown(dir, user.uid, user.gid)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('a normal user starts the embedded server in a folder of theirs and connects to it', async (t) => {
  const project = await projectOf(t, owner)
  const r = await runAs(owner, node(fixture('owner-embedded.ts'), path.join(project, '.seedbed')), project, { ...NO_CHILD_COVERAGE })
  t.equal(r.code, 0, r.out)
  t.match(r.out, /"who":"postgres","one":1/, 'connected and queried as the superuser seedbed set up')
})
