/**
 * Node 20 cannot run TypeScript, and a project's seeds and tasks.ts are TypeScript. When a `.ts` file is
 * about to be imported and the process was not started with tsx, tsx's loader is registered (once), so
 * `npx seedbed seed` needs no build step. Under `npx tsx tasks.ts` tsx is already there.
 */
let registered: Promise<void> | undefined

export function ensureTypeScript(file: string): Promise<void> {
  if (!/\.[cm]?tsx?$/.test(file) || /tsx/.test(process.execArgv.join(' '))) return Promise.resolve()
  registered ??= import('tsx/esm/api').then(({ register }) => {
    register()
  })
  return registered
}
