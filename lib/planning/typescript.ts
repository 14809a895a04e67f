import { readFileSync } from 'node:fs'
import path from 'node:path'

/**
 * Node 20 cannot run TypeScript, and a project's seeds and tasks.ts are TypeScript. When a `.ts` file is
 * about to be imported and the process was not started with tsx, tsx's loader is registered (once), so
 * `npx seedbed seed` needs no build step. Under `npx tsx tasks.ts` tsx is already there, and Bun and
 * Deno run TypeScript themselves. A file Node loads as CommonJS (`.cts`, or `.ts` in a package without
 * `"type": "module"`) also needs tsx's require hooks, registered then.
 *
 * Measured and left (docs/benchmarks.md, start-up): registering tsx's hooks module alone
 * (`module.register('tsx/esm', ...)`) spares this thread loading esbuild, about 100 ms for a register
 * and one import on a loaded machine, but made no difference to `seedbed plan` as a whole (the
 * loader thread, which loads esbuild anyway, is the longer path); it also leans on tsx's internals.
 */
let registered: Promise<void> | undefined
let requireHooks: Promise<void> | undefined

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
  registered ??= import('tsx/esm/api').then(({ register }) => {
    register()
  })
  // Once the require hooks are there, no package.json need be read again.
  if (requireHooks || loadsAsCommonJs(file)) {
    requireHooks ??= import('tsx/cjs/api').then(({ register }) => {
      register()
    })
    return Promise.all([registered, requireHooks]).then(() => {})
  }
  return registered
}
