import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { SEED_NAME } from '../contract/contract.ts'
import { codes, SeedbedError } from '../errors/errors.ts'

/** The file `new <name>` writes: a working, idempotent seed to edit. */
export function seedTemplate(name: string, contractPath: string): string {
  return `import { defineSeed } from '${contractPath}'

export default defineSeed({
  name: '${name}',
  description: 'What this seed provides, in one line',
  dependsOn: [],
  async run({ upsert }) {
    // Rows are matched on the conflict columns; existing rows that already hold these
    // values are skipped, so running the seed again writes nothing.
    await upsert('${name}', [
      // { name: 'example' },
    ], { conflict: ['name'] })
  },
})
`
}

/** Writes `<seedsDir>/<name>.ts` from the template; refuses to overwrite. */
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
  // Seeds import seedbed by its package name, as in any project that installed it.
  let specifier = 'seedbed'
  if (contractFile) {
    specifier = path.relative(seedsDir, contractFile).split(path.sep).join('/')
    if (!specifier.startsWith('.')) specifier = `./${specifier}`
  }
  await writeFile(file, seedTemplate(name, specifier))
  return file
}
