/**
 * The README's and init's TypeScript under today's `tsc --init` (issue 18): TypeScript 7, whose
 * defaults are strict with noUncheckedIndexedAccess, exactOptionalPropertyTypes, verbatimModuleSyntax
 * and `types: []`. Two projects with seedbed installed from its packed tarball:
 * - an ES module package whose tsconfig is TypeScript 7's `tsc --init`, unchanged: init's files and
 *   every TypeScript example in README.md and docs/ that is a whole module (it starts with its imports;
 *   the fragments of a seed's body are shown inside a seed and checked there) type-check;
 * - npm init's CommonJS package, where init writes its own tsconfig: init's files type-check with it.
 */
import { readdir, readFile, symlink, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT } from './helpers.ts'
import { NPM, packSeedbed, projectsDir, sh } from './user-project.ts'

const dir = await projectsDir(t, 'seedbed-ts7-')
const esm = path.join(dir, 'esm')
const cjs = path.join(dir, 'cjs')

/** Each ```ts block of the pages that starts (after `// file` comments) with an import: a module of its own. */
async function wholeModules(): Promise<{ name: string; code: string }[]> {
  const pages = ['README.md', ...(await readdir(path.join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
  const out: { name: string; code: string }[] = []
  for (const page of pages) {
    const text = await readFile(path.join(ROOT, page), 'utf8')
    let n = 0
    for (const [, code] of text.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
      n++
      const first = code!.split('\n').find((l) => l.trim() && !l.trim().startsWith('//'))
      if (first?.startsWith('import ')) out.push({ name: `${page.replace(/\W+/g, '-')}-${n}.ts`, code: code! })
    }
  }
  return out
}

t.before(async () => {
  const tarball = await packSeedbed(dir)
  await mkdir(esm)
  for (const line of [
    'npm init -y',
    'npm pkg set type=module',
    `${NPM} install --save-dev ${tarball} tsx postgres@3.4.9 typescript@7.0.2 @types/node@^20 tap@21`,
    'npx tsc --init',
    'npx seedbed init',
  ]) {
    const { code, out } = await sh(line, esm)
    if (code !== 0) throw new Error(`${line} (exit ${code}):\n${out}`)
  }
  // A CommonJS package beside it, with the same installed packages.
  await mkdir(cjs)
  await symlink(path.join(esm, 'node_modules'), path.join(cjs, 'node_modules'))
  for (const line of ['npm init -y', 'npx seedbed init']) {
    const { code, out } = await sh(line, cjs)
    if (code !== 0) throw new Error(`${line} (exit ${code}):\n${out}`)
  }
})

t.test('the compiler is TypeScript 7 and the ES module project has its tsc --init defaults', async (t) => {
  t.match((await sh('npx tsc --version', esm)).out, /^Version 7\./m)
  const config = await readFile(path.join(esm, 'tsconfig.json'), 'utf8')
  for (const option of ['"noUncheckedIndexedAccess": true', '"exactOptionalPropertyTypes": true', '"verbatimModuleSyntax": true'])
    t.match(config, option, `tsc --init wrote ${option}`)
})

t.test("init's files and the docs' TypeScript examples type-check under tsc --init's defaults", async (t) => {
  const modules = await wholeModules()
  t.ok(modules.length >= 8, `${modules.length} examples found`)
  t.ok(
    modules.some((m) => m.name.startsWith('README')),
    "the README's examples are among them",
  )
  await mkdir(path.join(esm, 'examples'))
  for (const { name, code } of modules) await writeFile(path.join(esm, 'examples', name), code)
  const check = await sh('npx tsc --noEmit', esm)
  t.equal(check.code, 0, check.out || 'no errors')
})

t.test("a CommonJS package's init files type-check under the tsconfig init wrote", async (t) => {
  t.ok(await readFile(path.join(cjs, 'tsconfig.json'), 'utf8'), 'init wrote a tsconfig')
  const check = await sh('npx tsc --noEmit', cjs)
  t.equal(check.code, 0, check.out || 'no errors')
})
