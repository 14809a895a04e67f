/**
 * Module hooks for a project's TypeScript when seedbed's own bin runs it under Node
 * (lib/planning/typescript.ts registers them, and decides when tsx's loader is used instead). A
 * `.ts`, `.mts`, `.cts` or `.tsx` file is transformed by esbuild (the copy tsx depends on) the first
 * time, to an ES module or, where Node would load it as CommonJS (`.cts`, or `.ts` under a package.json
 * without `"type": "module"`), to CommonJS; the JavaScript is kept in a cache keyed by the file's path
 * and text, the tsconfig options, the esbuild and Node versions and this file's TRANSFORM version, so a
 * later run reads it back and runs no esbuild at all. A cache entry is code the run executes: the
 * cache is used only where no other local user can write it (ownedCache, readCached).
 *
 * Imports Node does not find are looked for as TypeScript's bundler resolution would: `./x.js` finds
 * `./x.ts` or `./x.tsx` (and, imported from a TypeScript file, `./x.ts` wins over a `./x.js` beside
 * it), `.mjs` finds `.mts`, `.cjs` finds `.cts`, `.jsx` finds `.tsx`; `./x` finds `./x.ts`, `./x.tsx`
 * or `./x.js`, and `./dir` finds its `index.ts`, `index.tsx` or `index.js`. The same applies to what a
 * package.json's `imports` or `exports` points at. tsconfig `paths` are not read here: a project with
 * them gets tsx's loader.
 *
 * Why not tsx here: its loader thread loads all of tsx and esbuild before the first file, about 130 ms
 * of every `npx seedbed` run on this machine (docs/benchmarks.md, start-up). This file runs in Node's
 * loader thread: it imports only Node's own modules, and esbuild on a cache miss.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
} from 'node:fs'
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

/** Changed whenever the transform below changes, so no cache entry of an older seedbed is read. */
const TRANSFORM = 2
const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/
/** The extensions a specifier may end in; any other `.x` is part of the name (`./vite.config`). */
const KNOWN_EXTENSION = /\.(?:[cm]?[jt]sx?|json|node|wasm)$/
/** The TypeScript files a JavaScript specifier may stand for, first choice first. */
const TS_FOR_JS = { js: ['.ts', '.tsx'], jsx: ['.tsx'], mjs: ['.mts'], cjs: ['.cts'] }
const JS_ENDING = /\.(js|jsx|mjs|cjs)$/
let settings: TypeScriptHooksData = { cacheDir: undefined, compilerOptions: {} }
let esbuild: Esbuild | undefined
let optionsKey = ''
const packageTypes = new Map<string, boolean>()

export function initialize(data: TypeScriptHooksData): void {
  settings = { ...data, cacheDir: data.cacheDir && ownedCache(data.cacheDir) }
}

/**
 * A cache entry is JavaScript the run executes: a cache another local user can write is code they run
 * as this user (a project without node_modules of its own, under a shared folder with another user's;
 * a cache folder made writable by all; a project in a group-writable folder, which a member may rename
 * away and replace after any check). The cache is used only at the real path of `dir`
 * (node_modules/.cache/seedbed, node_modules resolved once) when every folder from / down to it is this
 * user's or root's (the cache folder this user's) and no other user can change it (trusted): then no
 * one else can move any folder of that path later either, and the later reads and writes by path reach
 * the same folders. The folders still missing are made so (store). Otherwise there is no cache. Without
 * uids (Windows) there is nothing to compare: the cache is used.
 */
function ownedCache(dir: string): string | undefined {
  const uid = process.getuid?.()
  if (uid === undefined) return dir
  let real: string
  try {
    real = path.join(realpathSync(path.dirname(path.dirname(dir))), path.basename(path.dirname(dir)), path.basename(dir))
  } catch {
    return undefined // node_modules must be there
  }
  const folders = [real]
  while (path.dirname(folders[0]!) !== folders[0]) folders.unshift(path.dirname(folders[0]!))
  const last = folders.length - 1
  const safe = folders.every((folder, i) => {
    try {
      const stats = lstatSync(folder)
      return stats.isDirectory() && trusted(stats, uid, i < last)
    } catch (e) {
      // .cache/seedbed or .cache not made yet
      return (e as NodeJS.ErrnoException).code === 'ENOENT' && i >= last - 1
    }
  })
  return safe ? real : undefined
}

/**
 * A folder owned by `uid` (or by root where `orRoot`) that no other user can change: not writable by
 * others, nor by a group other than this user's own (privateGroup); or sticky, as /tmp, where no one
 * renames or removes what is not theirs.
 */
function trusted(stats: Stats, uid: number, orRoot: boolean): boolean {
  if (stats.uid !== uid && !(orRoot && stats.uid === 0)) return false
  if (stats.mode & 0o1000) return true
  return (stats.mode & 0o002) === 0 && ((stats.mode & 0o020) === 0 || privateGroup(stats.gid))
}

/**
 * Whether `gid` is this user's own group, as Debian and Ubuntu make one for each user (and a umask of
 * 002, so npm's node_modules is 0775): their primary group, with no member listed in /etc/group and no
 * other user's primary group. A group /etc/group does not list (a directory service) is not known to be.
 */
function privateGroup(gid: number): boolean {
  if (gid !== process.getgid?.()) return false
  const fields = (file: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
  try {
    const group = fields('/etc/group').filter((entry) => entry[2] === String(gid))
    if (group.length === 0 || group.some((entry) => entry[3]?.trim())) return false
    return !fields('/etc/passwd').some((entry) => entry[3] === String(gid) && entry[2] !== String(process.getuid?.()))
  } catch {
    return false
  }
}

/**
 * A cache entry's text, when there is one and it is this user's own file: not a link (O_NOFOLLOW; one
 * name, so not a hard link to a file elsewhere) and writable by no one else.
 */
function readCached(file: string): string | undefined {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  } catch {
    return undefined // not transformed yet, or a symbolic link: transformed again, and stored over it
  }
  try {
    const uid = process.getuid?.()
    const stats = fstatSync(fd)
    const own = uid === undefined || (stats.isFile() && stats.uid === uid && stats.nlink === 1 && (stats.mode & 0o022) === 0)
    return own ? readFileSync(fd, 'utf8') : undefined
  } catch {
    return undefined // not a file: transformed again, and stored over it
  } finally {
    closeSync(fd)
  }
}

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next<Resolved>): Promise<Resolved> {
  const parent = context.parentURL
  // From a TypeScript file, `./x.js` means `./x.ts` when there is one (as under tsc's and tsx's rules).
  if (parent?.startsWith('file:') && TYPESCRIPT.test(parent) && /^\.{1,2}\//.test(specifier)) {
    const js = JS_ENDING.exec(specifier)
    if (js) {
      const ts = new URL(specifier.slice(0, js.index) + TS_FOR_JS[js[1] as keyof typeof TS_FOR_JS][0], parent)
      if (existsSync(fileURLToPath(ts))) return next(ts.href, context)
    }
  }
  try {
    return await next(specifier, context)
  } catch (error) {
    const { code, url } = error as { code?: string; url?: string }
    if ((code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_UNSUPPORTED_DIR_IMPORT') || !url?.startsWith('file:')) throw error
    for (const candidate of candidates(url)) {
      if (existsSync(fileURLToPath(candidate))) return next(candidate, context)
    }
    throw error
  }
}

/** What TypeScript's bundler resolution would have found for a file URL Node did not. */
function candidates(url: string): string[] {
  const js = JS_ENDING.exec(url)
  if (js) return TS_FOR_JS[js[1] as keyof typeof TS_FOR_JS].map((ending) => url.slice(0, js.index) + ending)
  if (KNOWN_EXTENSION.test(url)) return []
  return ['.ts', '.tsx', '.js', '/index.ts', '/index.tsx', '/index.js'].map((ending) => url.replace(/\/$/, '') + ending)
}

export async function load(url: string, context: unknown, next: Next<Loaded>): Promise<Loaded> {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(url)) return next(url, context)
  const file = fileURLToPath(url)
  const format = url.endsWith('.mts') ? 'module' : url.endsWith('.cts') || !inModulePackage(path.dirname(file)) ? 'commonjs' : 'module'
  return { format, source: javascript(file, url, format), shortCircuit: true }
}

function javascript(file: string, url: string, format: string): string {
  const source = readFileSync(file, 'utf8')
  optionsKey ||= JSON.stringify([TRANSFORM, process.versions.node, esbuildVersion(), settings.compilerOptions])
  const key = createHash('sha256').update(optionsKey).update('\0').update(format).update('\0').update(url).update('\0').update(source)
  const cached = settings.cacheDir && path.join(settings.cacheDir, `${key.digest('hex').slice(0, 40)}.js`)
  const hit = cached && readCached(cached)
  if (hit) return hit
  esbuild ??= loadEsbuild()
  const { code } = esbuild.transformSync(source, {
    loader: url.endsWith('x') ? 'tsx' : 'ts',
    format: format === 'module' ? 'esm' : 'cjs',
    // For CommonJS output, the export names annotated where Node's ES module `import { x }` finds them.
    platform: 'node',
    target: `node${process.versions.node}`,
    // Class and function names stay as written (`constructor.name`, stacks), as under tsx.
    keepNames: true,
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
    // Writable by this user only, whatever the umask (it only takes bits away), as ownedCache wants them.
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 })
  } catch {
    return // a read-only project: the next run transforms again
  }
  // A new file of a name no one can guess ('wx': never through a link or over a file there); the rename
  // replaces the entry's name, a link there included, not what it points to.
  const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`
  try {
    writeFileSync(temporary, code, { mode: 0o644, flag: 'wx' })
    renameSync(temporary, file)
  } catch {
    // A full disk: the next run transforms again.
    try {
      rmSync(temporary, { force: true })
    } catch {
      // nothing of ours there
    }
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
