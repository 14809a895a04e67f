/**
 * packSeedbed (test/user-project.ts), which the tests of a user's first hour share: `npm pack` in this
 * repository rebuilds dist/ and strips package.json for the while (scripts/pack-manifest.ts), so packs
 * run at once by tap's parallel jobs raced each other and every test reading dist/. Two packs at once
 * here: one tarball, the repository's dist/ and package.json never touched.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT, tempDir } from './helpers.ts'
import { packSeedbed } from './user-project.ts'

const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex')

t.test('packs run at once: one pack, this repository left alone', async (t) => {
  const bin = path.join(ROOT, 'dist', 'cli', 'bin.js')
  const before = await stat(bin).catch(() => undefined)
  const manifest = await readFile(path.join(ROOT, 'package.json'), 'utf8')
  const [a, b] = await Promise.all([packSeedbed(await tempDir(t)), packSeedbed(await tempDir(t))])
  t.equal(path.basename(a), path.basename(b), 'the same tarball name')
  t.equal(await sha(a), await sha(b), 'the same tarball')
  const after = await stat(bin).catch(() => undefined)
  t.same([after?.ino, after?.mtimeMs], [before?.ino, before?.mtimeMs], "the repository's dist/ was not rebuilt")
  t.equal(await readFile(path.join(ROOT, 'package.json'), 'utf8'), manifest, "the repository's package.json is as it was")
  t.notOk(existsSync(path.join(ROOT, '.package.json.prepack')), 'no backup of it left')
  t.match((await stat(a)).mode & 0o777, 0o644, 'a tarball other local users can read')
})
