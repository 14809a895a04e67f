import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { codes, SeedbedError } from '../errors/errors.ts'
import { ensureTypeScript } from './typescript.ts'
import { stackLocation, syntaxError } from '../errors/location.ts'
import { DEFAULT_PRIORITY, type Fill, type LoadedSeed, perParentProblem, SEED_NAME } from '../contract/contract.ts'
import { FILL_ALL } from '../schema/fill-order.ts'

const SEED_FILE = /\.(ts|mts|js|mjs)$/
const KNOWN_KEYS = new Set([
  'name',
  'description',
  'dependsOn',
  'writes',
  'fill',
  'priority',
  'environments',
  'secrets',
  'timeout',
  'run',
  'validate',
  'undo',
])
const names = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string')

/** Seed files in a folder: `.ts`/`.js` files, not declarations, not `_helpers.ts`, sorted. */
export async function listSeedFiles(dir: string): Promise<string[]> {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch (cause) {
    throw new SeedbedError(codes.SEEDS_DIR, `cannot read the seeds folder ${dir}`, {
      file: dir,
      hint: 'create it, or point --seeds (SEEDBED_SEEDS_DIR) at the folder that holds your seed files',
      cause,
    })
  }
  return entries
    .filter((f) => SEED_FILE.test(f) && !f.endsWith('.d.ts') && !f.startsWith('_') && !f.startsWith('.'))
    .sort()
    .map((f) => path.join(dir, f))
}

/**
 * A module's own exports. A seed compiled to CommonJS (a `.ts` file of a CommonJS package) comes out of
 * import() with module.exports as its default, itself marked __esModule and holding the default export.
 */
function moduleExports(mod: Record<string, unknown>): Record<string, unknown> {
  const inner = mod.default as Record<string, unknown> | undefined
  return inner && typeof inner === 'object' && inner.__esModule === true ? inner : mod
}

/** Checks one module's export and returns the seed it describes. Pure: no I/O. */
export function toSeed(loaded: Record<string, unknown>, file: string, checksum = ''): LoadedSeed {
  const mod = moduleExports(loaded)
  const exported = mod.default ?? mod.seed
  const where = path.basename(file)
  if (!exported || typeof exported !== 'object') {
    throw new SeedbedError(codes.SEED_NO_EXPORT, `${where} exports no seed`, {
      file,
      hint: 'export default defineSeed({ name, dependsOn, run }) (or export const seed = ...)',
    })
  }
  const s = exported as Record<string, unknown>
  const invalid = (what: string) =>
    new SeedbedError(codes.SEED_INVALID, `${where}: ${what}`, {
      file,
      hint: 'see "The seed contract" in the README; defineSeed() turns these mistakes into type errors',
    })
  const unknown = Object.keys(s).filter((k) => !KNOWN_KEYS.has(k))
  if (unknown.length) throw invalid(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`)
  const fillProblem = s.fill === undefined ? undefined : checkFill(s.fill)
  if (fillProblem) throw invalid(fillProblem)
  if (s.run === undefined && s.fill === undefined) throw invalid('`run` must be a function (or give `fill`, the tables to fill; or both)')
  if (s.run !== undefined && typeof s.run !== 'function') throw invalid('`run` must be a function')
  if (s.validate !== undefined && typeof s.validate !== 'function') throw invalid('`validate` must be a function')
  if (s.undo !== undefined && s.undo !== false && typeof s.undo !== 'function') throw invalid('`undo` must be a function or false')
  const name = s.name ?? path.basename(file).replace(SEED_FILE, '')
  if (typeof name !== 'string' || !SEED_NAME.test(name)) {
    throw invalid(`name ${JSON.stringify(name)} must be lower case letters, digits, '_' or '-'`)
  }
  if (s.description !== undefined && typeof s.description !== 'string') throw invalid('`description` must be a string')
  const auto = s.dependsOn === 'auto'
  const deps = auto ? [] : (s.dependsOn ?? [])
  if (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string'))
    throw invalid("`dependsOn` must be an array of seed names or 'auto' (inferred from the foreign keys of the tables it writes)")
  if (s.writes !== undefined && !names(s.writes)) throw invalid('`writes` must be an array of table names')
  const filled = Object.keys((s.fill as Fill | undefined) ?? {}).filter((t) => t !== FILL_ALL)
  const writes = s.writes || filled.length ? [...new Set([...((s.writes as string[] | undefined) ?? []), ...filled])] : undefined
  if (deps.includes(name)) throw invalid(`seed '${name}' depends on itself`)
  const priority = s.priority ?? DEFAULT_PRIORITY
  if (typeof priority !== 'number' || !Number.isFinite(priority)) throw invalid('`priority` must be a finite number')
  if (s.environments !== undefined && !names(s.environments)) throw invalid('`environments` must be an array of environment names')
  if (s.secrets !== undefined && !names(s.secrets)) throw invalid('`secrets` must be an array of variable names')
  if (s.timeout !== undefined && !(typeof s.timeout === 'number' && s.timeout > 0))
    throw invalid('`timeout` must be a number of seconds above 0')
  return {
    name,
    description: (s.description as string | undefined) ?? '',
    dependsOn: [...new Set(deps as string[])],
    ...(auto ? { autoDepends: true } : {}),
    ...(writes ? { writes } : {}),
    ...(s.fill ? { fill: s.fill as Fill } : {}),
    priority,
    ...(s.environments ? { environments: s.environments as string[] } : {}),
    secrets: (s.secrets as string[] | undefined) ?? [],
    ...(s.timeout ? { timeout: s.timeout as number } : {}),
    file,
    checksum,
    ...(s.run ? { run: s.run as LoadedSeed['run'] } : {}),
    ...(s.validate ? { validate: s.validate as LoadedSeed['validate'] } : {}),
    ...(s.undo !== undefined ? { undo: s.undo as LoadedSeed['undo'] } : {}),
  }
}

const isCount = (n: unknown) => Number.isInteger(n) && (n as number) >= 0
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
/** `{ per, min, max }` as `ctx.fake` takes it (its own checks, against the catalog, come when it runs). */
const isPerParent = (v: unknown) => isObject(v) && perParentProblem(v) === undefined

/** What is wrong with a seed's `fill`, or undefined: table -> a count, or `{ count, overrides }`. */
function checkFill(fill: unknown): string | undefined {
  const shape =
    "`fill` must be an object of table: count or table: { count, overrides }, for example fill: { customers: 100, orders: { count: 300, overrides: { status: 'paid' } } }"
  if (!isObject(fill) || !Object.keys(fill).length) return shape
  for (const [table, entry] of Object.entries(fill)) {
    const where = `\`fill\` entry '${table}'`
    if (!table.trim()) return `${where}: a table name is needed`
    if (isCount(entry) || isPerParent(entry)) continue
    if (!isObject(entry))
      return `${where} must be a count of rows (a whole number, 0 or more), { per, min, max } or { count, overrides }, got ${JSON.stringify(entry)}`
    if ('per' in entry)
      return `${where}: rows per parent take per (a parent table or reference column), min and max (whole numbers, min <= max), got ${JSON.stringify(entry)}`
    const extra = Object.keys(entry).filter((k) => k !== 'count' && k !== 'overrides')
    if (extra.length)
      return `${where}: unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} (it takes count and overrides)`
    if (!isCount(entry.count) && !isPerParent(entry.count))
      return `${where}: count must be a whole number of rows, 0 or more, or { per, min, max }, got ${JSON.stringify(entry.count)}`
    if (entry.overrides !== undefined && !isObject(entry.overrides)) return `${where}: overrides must be an object of column: value`
  }
  return undefined
}

/**
 * E_SEED_LOAD for a file whose import threw: a syntax error says where and why (from the
 * transform's own report, not its "Transform failed" headline); an error thrown while the
 * module ran names the file's line it came from.
 */
export function loadError(cause: unknown, file: string): SeedbedError {
  const syntax = syntaxError(cause, file)
  const location = syntax?.location ?? stackLocation(cause, file)
  const reason = syntax?.reason ?? (cause instanceof Error ? cause.message.split('\n')[0] : String(cause))
  return new SeedbedError(codes.SEED_LOAD, `${path.basename(file)} failed to load: ${reason}${location ? ` at ${location.where}` : ''}`, {
    file,
    ...(location && { line: location.line, column: location.column }),
    hint: 'fix the error in that file (run `npx tsc --noEmit` for details)',
    cause,
  })
}

/**
 * Loads every seed file of a folder. Any file that fails to load, exports nothing usable or
 * reuses a name is an error naming that file, and nothing runs.
 */
export async function discoverSeeds(dir: string): Promise<LoadedSeed[]> {
  const files = await listSeedFiles(dir)
  const seeds: LoadedSeed[] = []
  const byName = new Map<string, string>()
  for (const file of files) {
    let mod: Record<string, unknown>
    try {
      await ensureTypeScript(file)
      mod = await import(pathToFileURL(file).href)
    } catch (cause) {
      throw loadError(cause, file)
    }
    const seed = toSeed(
      mod,
      file,
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    )
    const other = byName.get(seed.name)
    if (other) {
      throw new SeedbedError(
        codes.SEED_DUPLICATE,
        `seed name '${seed.name}' is used by both ${path.basename(other)} and ${path.basename(file)}`,
        { file, seed: seed.name, hint: 'give each seed a unique name' },
      )
    }
    byName.set(seed.name, file)
    seeds.push(seed)
  }
  return seeds
}
