import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { SEED_NAME } from '../contract/contract.ts'
import { codes, SeedbedError } from '../errors/errors.ts'

/**
 * The file `new <name>` writes: an idempotent seed of one example row into the table named after
 * the seed. Until it is adapted it fails with E_MISSING_TABLE naming that table (or writes the
 * row, if the table exists with a unique `name`), never an empty success that hides a typo.
 * `contractPath` is what the seed imports `defineSeed` from (default: the package, `seedbed`).
 */
export function seedTemplate(name: string, contractPath = 'seedbed'): string {
  return `import { defineSeed } from '${contractPath}'

export default defineSeed({
  name: '${name}',
  description: 'What this seed provides, in one line',
  dependsOn: [],
  async run({ upsert }) {
    // TODO: name your table, your rows and the columns of one of its unique constraints.
    // As written it needs a table '${name}' with a unique column "name".
    // Rows are matched on the conflict columns; existing rows that already hold these
    // values are skipped, so running the seed again writes nothing.
    await upsert('${name}', [{ name: 'example' }], { conflict: ['name'] })
  },
})
`
}

/**
 * Writes `<seedsDir>/<name>.ts` from the template; refuses to overwrite. The seed imports
 * `seedbed`, or `contractFile` by a relative path when one is given.
 */
export async function newSeedFile(seedsDir: string, name: string, contractFile?: string): Promise<string> {
  if (!SEED_NAME.test(name)) {
    throw new SeedbedError(codes.BAD_OPTION, `seed name '${name}' must be lower case letters, digits, '_' or '-'`, {
      hint: 'for example: seedbed new order_items',
    })
  }
  const file = path.join(seedsDir, `${name}.ts`)
  if (existsSync(file)) {
    throw new SeedbedError(codes.SEED_EXISTS, `${path.relative(process.cwd(), file)} already exists`, {
      file,
      seed: name,
      hint: 'choose another name, or edit that file',
    })
  }
  await mkdir(seedsDir, { recursive: true })
  await writeFile(file, seedTemplate(name, contractImport(seedsDir, contractFile)))
  return file
}

/** What a seed in `seedsDir` imports `defineSeed` from: `seedbed`, or `contractFile` by a relative path. */
export function contractImport(seedsDir: string, contractFile?: string): string {
  let rel = contractFile && path.relative(seedsDir, contractFile).split(path.sep).join('/')
  if (rel && !rel.startsWith('.')) rel = `./${rel}`
  return rel || 'seedbed'
}
