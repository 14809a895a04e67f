/**
 * `seedbed generate`: fake seeds for an existing database, as files a user then edits. The seeds come
 * from lib/schema/generate.ts; this writes them (one file per table, or one `fill` of every table with
 * `--one-file`) and says what it wrote.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { intOption, schemaNames, type Settings } from '../config/config.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { withRun } from '../execution/lifecycle.ts'
import type { Logger } from '../output/log.ts'
import { table as textTable } from '../output/summary.ts'
import { type GeneratedSeed, type GeneratedTable, planGenerate } from '../schema/generate.ts'
import { property, quoted } from '../schema/table-types.ts'
import { contractImport } from './scaffold.ts'

/** The first line of every file `generate` writes: what `--force` may overwrite. */
const MARK = '// Written by `seedbed generate`'

/** The seed `--one-file` writes. */
export const ONE_FILE_SEED = 'database'

export interface GenerateReport {
  /** In dependency order. */
  files: { file: string; seed: string; dependsOn: string[]; tables: { table: string; count: number; note?: string }[] }[]
  tables: number
  rows: number
}

/** One table's line of a `fill`, with why its count is lower or a key left NULL. */
function entryLines(t: GeneratedTable): string[] {
  const notes = [
    ...(t.capped ? [`at most ${t.count}: ${t.capped}`] : []),
    ...t.nulls.map((n) => `${n.column} left NULL: it refers to ${n.refTable}, filled later (a cycle of foreign keys)`),
    ...(t.problem ? [`fake cannot fill it as it is, give overrides: ${t.problem}`] : []),
  ]
  const overrides = t.nulls.map((n) => `${property(n.column)}: null`).join(', ')
  const entry = overrides ? `{ count: ${t.count}, overrides: { ${overrides} } }` : String(t.count)
  // A table fake refuses as it is stays in the file, commented out, so that `seed` runs the others.
  return [...notes.map((n) => `    // ${n}`), `    ${t.problem ? '// ' : ''}${quoted(t.name)}: ${entry},`]
}

/** A seed file: defineSeed with the seed's dependsOn and its fill (none, and an empty run, when fake refuses every table of it). */
function seedFile(importFrom: string, seed: { name: string; description: string; dependsOn: string[]; tables: GeneratedTable[] }): string {
  const example = seed.tables[0]!.name
  const fill = seed.tables.flatMap(entryLines).join('\n')
  const filled = seed.tables.some((t) => !t.problem)
  const body = filled
    ? `  fill: {\n${fill}\n  },`
    : `  // fake cannot fill ${seed.tables.length > 1 ? 'these tables' : 'this table'} as it is: write its rows in run, or give the table a key or
  // the overrides named, then uncomment the fill (and remove run).
  // fill: {
${fill.replace(/^ {4}(?!\/\/)/gm, '    // ')}
  // },
  async run() {},`
  return `${MARK} from the database's catalog: edit it freely (\`generate --force\` writes it again).
import { defineSeed } from ${quoted(importFrom)}

export default defineSeed({
  name: ${quoted(seed.name)},
  description: ${quoted(seed.description)},
  dependsOn: [${seed.dependsOn.map(quoted).join(', ')}],
  // Each table: a count of rows, or { count, overrides } to choose some columns' values, e.g.
  //   ${quoted(example)}: { count: 100, overrides: { some_column: ['a', 'b'], other_column: (i, faker) => faker.lorem.word() } },
${body}
})
`
}

/** The files to write: one per seed, or one seed filling every table. */
function filesOf(seedsDir: string, seeds: readonly GeneratedSeed[], oneFile: boolean) {
  const importFrom = contractImport(seedsDir)
  if (oneFile) {
    const tables = seeds.flatMap((s) => s.tables)
    const description = `Fake rows for every table (${tables.length}), parents first`
    const text = seedFile(importFrom, { name: ONE_FILE_SEED, description, dependsOn: [], tables })
    return [{ file: path.join(seedsDir, `${ONE_FILE_SEED}.ts`), seed: ONE_FILE_SEED, dependsOn: [], tables, text }]
  }
  return seeds.map((s) => {
    const description = `Fake rows for ${s.tables.map((t) => t.name).join(', ')}`
    return {
      file: path.join(seedsDir, `${s.name}.ts`),
      seed: s.name,
      dependsOn: s.dependsOn,
      tables: s.tables,
      text: seedFile(importFrom, { ...s, description }),
    }
  })
}

/**
 * Writes the generated seeds into `seedsDir`. A file that exists is E_SEED_EXISTS, nothing written:
 * always when `generate` did not write it, and without `force` when it did.
 */
export async function writeGenerated(
  seedsDir: string,
  seeds: readonly GeneratedSeed[],
  options: { oneFile: boolean; force: boolean },
): Promise<GenerateReport> {
  const files = filesOf(seedsDir, seeds, options.oneFile)
  for (const f of files) {
    if (!existsSync(f.file)) continue
    const ours = (await readFile(f.file, 'utf8')).startsWith(MARK)
    if (ours && options.force) continue
    throw new SeedbedError(
      codes.SEED_EXISTS,
      `${path.relative(process.cwd(), f.file)} already exists${ours ? '' : ', and generate did not write it'}: nothing was written`,
      {
        file: f.file,
        seed: f.seed,
        hint: ours
          ? 'pass --force to write the generated seeds again (your edits to them are lost), or move the file away'
          : 'move or rename that file (or its seed), or generate into another folder with --seeds',
      },
    )
  }
  await mkdir(seedsDir, { recursive: true })
  for (const f of files) await writeFile(f.file, f.text)
  const tables = files.flatMap((f) => f.tables)
  return {
    files: files.map((f) => ({
      file: f.file,
      seed: f.seed,
      dependsOn: f.dependsOn,
      tables: f.tables.map((t) => ({
        table: t.name,
        count: t.count,
        ...((t.capped || t.problem) && {
          note: t.problem ? `not filled (commented out in its file): ${t.problem}` : `at most ${t.count}: ${t.capped}`,
        }),
      })),
    })),
    tables: tables.length,
    rows: tables.reduce((n, t) => n + (t.problem ? 0 : t.count), 0),
  }
}

/** What `generate` prints: the files in dependency order, each table's count, the totals and the next command. */
export function formatGenerated(report: GenerateReport, next: string): string {
  const rows = [['', 'file', 'table', 'rows', 'depends on']]
  report.files.forEach((f, i) => {
    f.tables.forEach((t, j) => {
      rows.push([
        j ? '' : String(i + 1),
        j ? '' : path.relative(process.cwd(), f.file),
        t.table,
        String(t.count),
        j ? '' : f.dependsOn.join(', ') || '-',
      ])
    })
  })
  const notes = report.files.flatMap((f) => f.tables.filter((t) => t.note).map((t) => `  ${t.table}: ${t.note}`))
  return [
    `wrote ${report.files.length} seed file${report.files.length === 1 ? '' : 's'}, in dependency order (their dependsOn keeps it):`,
    '',
    textTable(rows, new Set([0, 3])),
    '',
    ...(notes.length ? ['notes:', ...notes, ''] : []),
    `${report.tables} table${report.tables === 1 ? '' : 's'}, ${report.rows} rows in all. Edit the counts and overrides as you like, then: ${next} seed`,
  ].join('\n')
}

/**
 * `generate` as the CLI runs it: reads the run's database (read-only, no lock: the catalog, and the
 * rows of parents outside the schemas given), then writes the seeds. Flags: --schema a,b, --rows N,
 * --one-file, --force.
 */
export async function generateSeeds(
  settings: Settings,
  log: Logger,
  signal: AbortSignal,
  flags: Record<string, unknown>,
): Promise<GenerateReport> {
  const rows = intOption('--rows', flags.rows, 0, 1_000_000_000) ?? 25
  const schemas = schemaNames(flags.schema)
  const seeds = await withRun({ signal }, { command: 'status', writes: false, lock: false, poolSize: 2 }, { settings, log }, ({ sql }) =>
    planGenerate(sql, { ...(schemas && { schemas }), rows }),
  )
  return writeGenerated(settings.seedsDir, seeds, { oneFile: Boolean(flags.oneFile), force: Boolean(flags.force) })
}
