import { mkdir, open, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type postgres from 'postgres'
import type { PlanCheck } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { staleText } from '../planning/plan-format.ts'
import { type CatalogTypes, catalogHash, readCatalogTypes, TYPES_HEADER } from './table-types.ts'

/**
 * The file `seedbed types` writes, on disk: writing it, finding it again by its header line, and
 * telling whether the catalog has changed since (`plan --check`).
 */

/** What the two header lines of a generated file say. */
export interface TypesHeader {
  /** sha256 of the catalog description the file was generated from. */
  catalog: string
  /** The `--schema` it was generated with; undefined for every schema. */
  schemas?: string[]
}

/** A generated file whose catalog is no longer the database's (its path relative to the project folder when inside it). */
export type StaleTypes = PlanCheck['staleTypes'][number]

/** The header of a generated file's text, or undefined for any other file. */
export function parseTypesHeader(text: string): TypesHeader | undefined {
  const [first = '', second = ''] = text.split('\n', 2)
  const catalog = first.startsWith(TYPES_HEADER) ? /catalog: ([0-9a-f]{64})\s*$/.exec(first)?.[1] : undefined
  if (!catalog) return undefined
  const schemas = /^\/\/ schemas: (.+)$/.exec(second.trim())?.[1]
  return { catalog, ...(schemas && schemas !== 'all' ? { schemas: schemas.split(',') } : {}) }
}

/** Writes the file, making its folder; E_TYPES_WRITE names the path and the reason when it cannot. */
export async function writeTypesFile(file: string, text: string): Promise<void> {
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true })
    await writeFile(file, text)
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message
    throw new SeedbedError(codes.TYPES_WRITE, `cannot write the table types to ${file} (${why})`, {
      file,
      hint: '--out needs a path where a file can be written: a folder you can write to (made when missing), not an existing folder',
      cause,
    })
  }
}

const SKIPPED = new Set(['node_modules', 'dist', 'build', 'coverage'])
const DEPTH = 4
const MOST_FILES = 2000

/** The first bytes of a file: enough for the two header lines. */
async function head(file: string): Promise<string> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(512)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    return buffer.subarray(0, bytesRead).toString('utf8')
  } finally {
    await handle.close()
  }
}

/**
 * The generated files under the project folders (`root`: the project, and the seeds folder): `.ts`
 * files whose first line is the header, a few folders deep, not in node_modules, dist, build,
 * coverage or hidden folders.
 */
export async function findTypesFiles(roots: readonly string[]): Promise<Map<string, TypesHeader>> {
  const found = new Map<string, TypesHeader>()
  const seen = new Set<string>()
  let files = 0
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (seen.has(dir) || depth > DEPTH) return
    seen.add(dir)
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue
      if (entry.isDirectory()) await visit(full, depth + 1)
      else if (entry.isFile() && /\.[mc]?ts$/.test(entry.name) && files++ < MOST_FILES && !found.has(full)) {
        const header = parseTypesHeader(await head(full).catch(() => ''))
        if (header) found.set(full, header)
      }
    }
  }
  for (const root of roots) await visit(path.resolve(root), 0)
  return found
}

/** The generated files under `roots` whose catalog differs from the database's now. */
export async function staleTypesFiles(sql: postgres.Sql | postgres.TransactionSql, roots: readonly string[]): Promise<StaleTypes[]> {
  const stale: StaleTypes[] = []
  const current = new Map<string, CatalogTypes>()
  for (const [file, header] of await findTypesFiles(roots)) {
    const key = header.schemas?.join(',') ?? ''
    const catalog = current.get(key) ?? (await readCatalogTypes(sql, header.schemas, false))
    current.set(key, catalog)
    const hash = catalogHash(catalog)
    const shown = path.relative(process.cwd(), file)
    if (hash !== header.catalog) stale.push({ file: shown.startsWith('..') ? file : shown, recorded: header.catalog, current: hash })
  }
  return stale
}

/** The stale files as one E_TYPES_STALE error (about the first; the message names them all). */
export function staleError(stale: readonly StaleTypes[]): SeedbedError {
  return new SeedbedError(codes.TYPES_STALE, stale.map(staleText).join('\n  also: '), {
    file: stale[0]!.file,
    hint: 'run `seedbed types` (with the --out and --schema it was written with) and commit the file; until then the types may refuse columns that exist and accept ones that do not',
  })
}
