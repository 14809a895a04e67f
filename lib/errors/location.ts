import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Where in a user's file an error happened: the file as the user would type it (relative to the
 * working directory when inside it), line and column counted from 1, as editors and stack
 * traces count them. `where` is `file:line:column`, which terminals and editors can open.
 */
export interface SourceLocation {
  file: string
  line: number
  column: number
  where: string
}

/** A path as printed in messages: relative to the working directory when inside it, else absolute. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file)
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file
}

const at = (file: string, line: number, column: number): SourceLocation => {
  const shown = displayPath(file)
  return { file, line, column, where: `${shown}:${line}:${column}` }
}

/** esbuild's message (what tsx passes on): `Transform failed with N error(s):\n<file>:<line>:<col>: ERROR: <text>` */
const ESBUILD_LINE = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m

/** TypeScript's own diagnostics (ts-node, tap's loader): `<file>(<line>,<col>): error TS1005: <text>`, columns from 1. */
const TSC_LINE = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/m

interface EsbuildMessage {
  text?: string
  location?: { file?: string; line?: number; column?: number } | null
}

/**
 * The location and reason of a syntax error from the TypeScript transform. In process esbuild's
 * error (tsx) carries `errors[0]` with `location` and `text`; from tsx's loader thread only the
 * message survives, so its first `file:line:col: ERROR: text` line is read (esbuild counts
 * columns from 0; the result counts from 1). TypeScript's own diagnostics are read as well.
 */
export function syntaxError(err: unknown, file: string): { reason: string; location?: SourceLocation } | undefined {
  const e = err as { errors?: EsbuildMessage[]; message?: unknown }
  const first = Array.isArray(e?.errors) ? e.errors[0] : undefined
  const more = (n: number) => (n > 1 ? ` (and ${n - 1} more error${n > 2 ? 's' : ''})` : '')
  if (first?.text) {
    const loc = first.location
    const location = loc?.line ? at(loc.file ? path.resolve(loc.file) : file, loc.line, (loc.column ?? 0) + 1) : undefined
    return { reason: `${first.text}${more(e.errors!.length)}`, location }
  }
  const message = typeof e?.message === 'string' ? e.message : ''
  const m = ESBUILD_LINE.exec(message)
  if (m) {
    const count = Number(/failed with (\d+) error/.exec(message)?.[1] ?? 1)
    return { reason: `${m[4]}${more(count)}`, location: at(path.resolve(m[1]!), Number(m[2]), Number(m[3]) + 1) }
  }
  const ts = TSC_LINE.exec(message)
  if (ts) return { reason: `${ts[5]} (${ts[4]})`, location: at(path.resolve(ts[1]!), Number(ts[2]), Number(ts[3])) }
  return undefined
}

/** A frame's `file:line:col`: inside the parentheses of `at fn (...)`, or after a bare `at `. */
const FRAME = /^\s*at (?:.*\((.+)\)|(.+))$/
const POSITION = /^(.+):(\d+):(\d+)$/

/**
 * The first frame of `err`'s stack inside `file` (tsx's source maps make its line and column
 * those of the .ts source), or undefined when the error did not pass through that file.
 */
export function stackLocation(err: unknown, file: string): SourceLocation | undefined {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : ''
  const target = path.resolve(file)
  for (const line of stack.split('\n')) {
    const frame = FRAME.exec(line)
    const m = frame && POSITION.exec(frame[1] ?? frame[2]!)
    if (!m) continue
    let frameFile = m[1]!
    if (frameFile.startsWith('file://')) {
      try {
        frameFile = fileURLToPath(frameFile.replace(/\?.*$/, ''))
      } catch {
        continue
      }
    }
    if (path.resolve(frameFile) === target) return at(target, Number(m[2]), Number(m[3]))
  }
  return undefined
}
