/**
 * Module hooks for a project's TypeScript when seedbed's own bin runs it under Node
 * (lib/planning/typescript.ts registers them, and decides when tsx's loader is used instead). A
 * `.ts`, `.mts` or `.tsx` file of an ES module package is transformed by esbuild (the copy tsx
 * depends on) the first time and the JavaScript kept in a cache keyed by the file's path and text, the
 * tsconfig options and the esbuild and Node versions; a later run reads it back and runs no esbuild at
 * all. Imports are resolved as tsx and TypeScript do: `./x.js` finds `./x.ts`, `./x` finds `./x.ts`, and
 * `./dir` finds `./dir/index.ts`.
 *
 * Why not tsx here: its loader thread loads all of tsx and esbuild before the first file, about 130 ms
 * of every `npx seedbed` run on this machine (docs/benchmarks.md, start-up). This file runs in Node's
 * loader thread: it imports only Node's own modules, and esbuild on a cache miss.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** What the registering thread hands over (`module.register`'s `data`). */
export interface TypeScriptHooksData {
  /** Folder of the transformed files; undefined: no cache (every run transforms). */
  cacheDir: string | undefined
  /** The tsconfig's compilerOptions, passed to esbuild as tsx does (target, decorators, jsx ...). */
  compilerOptions: Record<string, unknown>
}

type Next<R> = (specifier: string, context?: unknown) => R | Promise<R>
interface Resolved {
  url: string
  format?: string | null
}
interface Loaded {
  format: string
  source?: string | ArrayBuffer | Uint8Array | null
  shortCircuit?: boolean
}
interface Esbuild {
  transformSync(code: string, options: Record<string, unknown>): { code: string }
}

const TYPESCRIPT = /\.(?:m?ts|tsx)$/
let settings: TypeScriptHooksData = { cacheDir: undefined, compilerOptions: {} }
let esbuild: Esbuild | undefined
let optionsKey = ''
const packageTypes = new Map<string, boolean>()

export function initialize(data: TypeScriptHooksData): void {
  settings = data
}

/** A project's own file (not a dependency's), as a file URL. */
const projectFile = (url: string | undefined): url is string => !!url && url.startsWith('file:') && !url.includes('/node_modules/')

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next<Resolved>): Promise<Resolved> {
  try {
    return await next(specifier, context)
  } catch (error) {
    const relative = /^(?:\.{1,2}\/|\/|file:)/.test(specifier)
    const code = (error as { code?: string }).code
    const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_UNSUPPORTED_DIR_IMPORT'
    if (!notFound || !relative || !projectFile(context.parentURL)) throw error
    for (const candidate of candidates(specifier)) {
      try {
        return await next(candidate, context)
      } catch {
        // the next candidate, else the first error
      }
    }
    throw error
  }
}

/** What TypeScript's own resolution would have found for a specifier Node did not. */
function candidates(specifier: string): string[] {
  const js = /\.([cm]?)js(x?)$/.exec(specifier)
  if (js) return js[1] === 'c' ? [] : [`${specifier.slice(0, js.index)}.${js[1]}ts${js[2]}`]
  if (/\.[a-z]+$/i.test(path.basename(specifier))) return []
  return [`${specifier}.ts`, `${specifier}.tsx`, `${specifier}/index.ts`]
}

export async function load(url: string, context: unknown, next: Next<Loaded>): Promise<Loaded> {
  if (!TYPESCRIPT.test(url) || !projectFile(url)) return next(url, context)
  const file = fileURLToPath(url)
  // A `.ts` file Node would load as CommonJS is tsx's to load (it needs require hooks too).
  if (!url.endsWith('.mts') && !inModulePackage(path.dirname(file))) return next(url, context)
  return { format: 'module', source: javascript(file, url), shortCircuit: true }
}

function javascript(file: string, url: string): string {
  const source = readFileSync(file, 'utf8')
  optionsKey ||= JSON.stringify([process.versions.node, esbuildVersion(), settings.compilerOptions])
  const key = createHash('sha256').update(optionsKey).update('\0').update(url).update('\0').update(source).digest('hex')
  const cached = settings.cacheDir && path.join(settings.cacheDir, `${key.slice(0, 40)}.js`)
  if (cached) {
    try {
      return readFileSync(cached, 'utf8')
    } catch {
      // not transformed yet
    }
  }
  esbuild ??= loadEsbuild()
  const { code } = esbuild.transformSync(source, {
    loader: url.endsWith('x') ? 'tsx' : 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    sourcefile: file,
    sourcemap: 'inline',
    sourcesContent: false,
    tsconfigRaw: { compilerOptions: settings.compilerOptions },
  })
  if (cached) store(cached, code)
  return code
}

/** esbuild as tsx resolves it (tsx is seedbed's dependency; esbuild is tsx's). */
const fromTsx = () => createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))
const loadEsbuild = () => fromTsx()('esbuild') as Esbuild
/** Read from its package.json, so a cache hit loads no esbuild; a new esbuild transforms afresh. */
const esbuildVersion = () => (JSON.parse(readFileSync(fromTsx().resolve('esbuild/package.json'), 'utf8')) as { version: string }).version

/** Written whole or not at all (another run may read it meanwhile); a cache that cannot be written is no error. */
function store(file: string, code: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true })
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, code)
    renameSync(temporary, file)
  } catch {
    // read-only project or full disk: the next run transforms again
  }
}

/** Whether the nearest package.json says `"type": "module"`. */
function inModulePackage(dir: string): boolean {
  const known = packageTypes.get(dir)
  if (known !== undefined) return known
  let type: boolean
  try {
    type = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: string }).type === 'module'
  } catch (e) {
    const parent = path.dirname(dir)
    type = (e as NodeJS.ErrnoException).code === 'ENOENT' && parent !== dir ? inModulePackage(parent) : false
  }
  packageTypes.set(dir, type)
  return type
}
