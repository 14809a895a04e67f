/**
 * `prepack` / `postpack`: the packed package.json goes without the `prepare` script. `prepare` builds
 * dist/ in this repository and in a git install (npm runs it there), but in a tarball dist/ is
 * built already and the files it reads (patches/, scripts/) are not shipped, and npm lists every
 * dependency with a `prepare` among the install scripts it warns about on each install.
 * `strip` keeps the exact text in .package.json.prepack; `restore` puts it back.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const manifest = path.join(root, 'package.json')
const backup = path.join(root, '.package.json.prepack')

if (process.argv[2] === 'strip') {
  const text = await readFile(manifest, 'utf8')
  const stripped = text.replace(/^\s*"prepare": "[^"\n]*",?\n/m, '')
  if (stripped !== text) {
    await writeFile(backup, text)
    await writeFile(manifest, stripped)
  }
} else if (process.argv[2] === 'restore') {
  await rename(backup, manifest).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e
  })
} else {
  throw new Error('usage: pack-manifest.ts strip|restore')
}
