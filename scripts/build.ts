/**
 * Builds the package: `dist/` holds compiled JavaScript (esbuild) and declarations (tsc).
 *
 * postgres.js is bundled into the build on purpose: the copy in node_modules carries
 * patches/postgres+3.4.9.patch (applied by patch-package when this repository is installed), and
 * bundling is how that fix reaches a user's install, where no postinstall of ours runs. Every other
 * dependency stays external and is installed from package.json as usual.
 */
import { execFileSync } from 'node:child_process'
import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'))

// The fix must be there before it is bundled: refuse to build from an unpatched driver.
const connection = await readFile(path.join(root, 'node_modules/postgres/src/connection.js'), 'utf8')
if (
  !['final && (final(err), final = null)', 'fatal || errorResponse', "defineProperty(backend, 'destroy'", 'socket.setNoDelay(true)'].every(
    (hunk) => connection.includes(hunk),
  )
) {
  throw new Error('node_modules/postgres is not patched: run `npx patch-package` (npm install does it) before building')
}

const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})].filter((name) => name !== 'postgres')

await rm(path.join(root, 'dist'), { recursive: true, force: true })
await build({
  absWorkingDir: root,
  entryPoints: ['lib/index.ts', 'lib/testing.ts', 'lib/tasks.ts', 'lib/cli/bin.ts', 'lib/planning/ts-hooks.ts'],
  outdir: 'dist',
  outbase: 'lib',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Bare imports of dependencies resolve from the user's node_modules at run time.
  external: [...external, ...external.map((name) => `${name}/*`)],
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
})
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
})

// Declarations keep the sources' `./x.ts` specifiers; a user's TypeScript resolves `./x.js` to `x.d.ts`.
for (const file of await readdir(path.join(root, 'dist'), { recursive: true })) {
  if (!file.endsWith('.d.ts')) continue
  const full = path.join(root, 'dist', file)
  const text = await readFile(full, 'utf8')
  const fixed = text.replace(/((?:from\s*|import\(\s*)['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2')
  if (fixed !== text) await writeFile(full, fixed)
}
