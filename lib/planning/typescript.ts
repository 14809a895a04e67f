import { existsSync, readFileSync } from 'node:fs'
import { register } from 'node:module'
import path from 'node:path'
import type { TypeScriptHooksData } from './ts-hooks.ts'

/**
 * Node 20 cannot run TypeScript, and a project's seeds and tasks.ts are TypeScript. When a `.ts` file is
 * about to be imported and the process was not started with tsx, a loader is registered (once), so
 * `npx seedbed seed` needs no build step. Under `npx tsx tasks.ts` tsx is already there, and Bun and
 * Deno run TypeScript themselves.
 *
 * Which loader: seedbed's own hooks (lib/planning/ts-hooks.ts: esbuild, with its output cached in
 * node_modules/.cache/seedbed) when the first TypeScript file is of an ES module package whose
 * tsconfig.json is plain JSON without `extends`, `paths` or `baseUrl`, the case `seedbed init` writes:
 * about 130 ms less per run than tsx's loader thread (docs/benchmarks.md, start-up). They then load
 * every later TypeScript file too, `.cts` and CommonJS `.ts` helpers included. Otherwise tsx's: a
 * CommonJS package's tasks.ts needs its require hooks (a `require()` from a file Node's own CommonJS
 * loader read passes no module hooks in Node 20), and tsx reads tsconfig files TypeScript's way
 * (comments, `extends`, `paths`). From seedbed's sources (its own tests, always under tsx) only tsx's.
 */
let registered: Promise<void> | undefined
let requireHooks: Promise<void> | undefined
let ownHooks = false

/** Whether Node loads `file` as CommonJS: `.cts`, or `.ts` under a package.json without `"type": "module"`. */
export function loadsAsCommonJs(file: string): boolean {
  if (/\.cts$/.test(file)) return true
  if (!/\.tsx?$/.test(file)) return false
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: string }).type !== 'module'
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false
    }
    if (path.dirname(dir) === dir) return true
  }
}

export function ensureTypeScript(file: string): Promise<void> {
  if (!/\.[cm]?tsx?$/.test(file) || /tsx/.test(process.execArgv.join(' ')) || 'Bun' in globalThis || 'Deno' in globalThis) {
    return Promise.resolve()
  }
  if (ownHooks) return Promise.resolve()
  const commonJs = requireHooks !== undefined || loadsAsCommonJs(file)
  if (!commonJs && !registered) {
    const data = ownHooksData(file)
    if (data) {
      process.setSourceMapsEnabled(true)
      register(OWN_HOOKS, { data })
      ownHooks = true
      return Promise.resolve()
    }
  }
  registered ??= import('tsx/esm/api').then(({ register }) => {
    register()
  })
  // Once the require hooks are there, no package.json need be read again.
  if (commonJs) {
    requireHooks ??= import('tsx/cjs/api').then(({ register }) => {
      register()
    })
    return Promise.all([registered, requireHooks]).then(() => {})
  }
  return registered
}

/** lib/planning/ts-hooks.ts as built (dist/planning/ts-hooks.js, beside the chunk this file is bundled into). */
const OWN_HOOKS = new URL('../planning/ts-hooks.js', import.meta.url)

/**
 * What seedbed's own hooks need to load `file` as tsx would (undefined: tsx's loader, then): the
 * compilerOptions of the nearest tsconfig.json when it is plain JSON without `extends`, `paths` or
 * `baseUrl` (that of the first file loaded: it serves every later one), and a cache folder,
 * node_modules/.cache/seedbed beside the nearest node_modules. Without one there is no cache: a shared
 * folder such as the temporary one would let another user plant the code a run executes.
 */
function ownHooksData(file: string): TypeScriptHooksData | undefined {
  if (import.meta.url.endsWith('.ts') || !/\.(?:m?ts|tsx)$/.test(file)) return undefined
  let compilerOptions: Record<string, unknown> | undefined
  let cacheDir: string | undefined
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const tsconfig = path.join(dir, 'tsconfig.json')
    if (!compilerOptions && existsSync(tsconfig)) {
      let config: { extends?: unknown; compilerOptions?: Record<string, unknown> }
      try {
        config = JSON.parse(readFileSync(tsconfig, 'utf8'))
      } catch {
        return undefined
      }
      compilerOptions = config.compilerOptions ?? {}
      if (config.extends !== undefined || 'paths' in compilerOptions || 'baseUrl' in compilerOptions) return undefined
    }
    if (!cacheDir && existsSync(path.join(dir, 'node_modules'))) cacheDir = path.join(dir, 'node_modules', '.cache', 'seedbed')
    if (path.dirname(dir) === dir) break
  }
  return {
    compilerOptions: compilerOptions ?? {},
    cacheDir,
  }
}
