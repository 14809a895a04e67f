import { readFileSync } from 'node:fs'
import module from 'node:module'
import path from 'node:path'

/**
 * Node 20 cannot run TypeScript, and a project's seeds and tasks.ts are TypeScript. When a `.ts` file is
 * about to be imported and the process was not started with tsx, tsx's loader is registered (once), so
 * `npx seedbed seed` needs no build step. Under `npx tsx tasks.ts` tsx is already there, and Bun and
 * Deno run TypeScript themselves.
 *
 * On a Node without `module.registerHooks` (Node 20) tsx's hooks run on a loader thread of their own
 * whatever registers them; registering its hooks module (`tsx/esm`, what `--import tsx` registers for
 * ES modules) directly, rather than through `tsx/esm/api`, spares this thread loading tsx's API and
 * esbuild, which only that thread's transforms use: about 150 ms of start-up (bench/startup.ts). The
 * `data` object is what tsx's `initialize` hook requires (it refuses to run without one, as under the
 * deprecated --loader); without a tsconfig in it, tsx reads the project's own, as `--import tsx` does.
 * Newer Nodes get tsx's API, which runs the hooks on this thread. A file Node loads as CommonJS (`.cts`,
 * or `.ts` in a package without `"type": "module"`) also needs tsx's require hooks, registered then.
 */
let registered: Promise<void> | undefined
let requireHooks: Promise<void> | undefined

/** Whether Node loads `file` as CommonJS: `.cts`, or `.ts` under a package.json without `"type": "module"`. */
function loadsAsCommonJs(file: string): boolean {
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
  registered ??= (async () => {
    if (typeof (module as { registerHooks?: unknown }).registerHooks === 'function') {
      const { register } = await import('tsx/esm/api')
      register()
      return
    }
    // Stack traces of a seed's error point at its TypeScript lines, as under tsx.
    process.setSourceMapsEnabled(true)
    module.register('tsx/esm', import.meta.url, { data: {} })
  })()
  if (loadsAsCommonJs(file)) {
    requireHooks ??= import('tsx/cjs/api').then(({ register }) => {
      register()
    })
    return Promise.all([registered, requireHooks]).then(() => {})
  }
  return registered
}
