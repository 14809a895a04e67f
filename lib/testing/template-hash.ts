import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Settings } from '../config/config.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { seedbedVersion } from '../util/version.ts'

/** Every file under `dir` (node_modules and dot-folders left out), as paths relative to it, sorted. */
async function filesOf(dir: string): Promise<string[] | undefined> {
  let entries: string[]
  try {
    entries = await readdir(dir, { recursive: true })
  } catch {
    return undefined
  }
  const skip = (rel: string) => rel.split(path.sep).some((part) => part === 'node_modules' || part.startsWith('.'))
  const files: string[] = []
  for (const rel of entries.sort()) {
    if (skip(rel)) continue
    const text = await readFile(path.join(dir, rel)).catch(() => undefined) // undefined: a folder
    if (text !== undefined) files.push(rel)
  }
  return files
}

export interface HashInputs {
  settings: Settings
  /** Folders of migration files, hashed when `settings.migrate` is set (the schema folder is not used then). */
  migrationsDirs: string[]
  /** More files or folders whose content changes the rows (factories, fixtures the seeds read). */
  inputs: string[]
  /** Anything else the caller wants in the key. */
  key?: string
}

/**
 * The content hash naming a template: the seed files, the schema files (or the migrate command and
 * the migration files), seedbed's version, and the settings that change the rows. Same inputs, same
 * hash: a second test run finds the template it built and seeds nothing.
 */
export async function templateHash(inputs: HashInputs): Promise<string> {
  const { settings } = inputs
  const h = createHash('sha256')
  const add = (part: string | Buffer) => h.update(part).update('\0')
  add(
    JSON.stringify({
      version: seedbedVersion(),
      env: settings.env,
      only: [...settings.only].sort(),
      scale: settings.scale,
      allow: [...settings.allow].sort(),
      dryRun: settings.dryRun,
      migrate: settings.migrate ?? null,
      key: inputs.key ?? null,
    }),
  )
  const folders = [settings.seedsDir, ...(settings.migrate ? inputs.migrationsDirs : [settings.schemaDir]), ...inputs.inputs]
  for (const folder of folders) {
    const where = path.resolve(folder)
    add(`folder ${where}`)
    const files = await filesOf(where)
    if (files === undefined && settings.migrate && inputs.migrationsDirs.includes(folder)) {
      // Hashed as missing, a change to the real migrations would never rebuild the template.
      throw new SeedbedError(codes.BAD_OPTION, `the migrations folder ${where} does not exist`, {
        hint: 'pass migrationsDir: the folder your migration tool reads, so that a changed migration rebuilds the template',
      })
    }
    if (files === undefined) {
      // A single file, or nothing at all (seeding will say so).
      const text = await readFile(where).catch(() => undefined)
      add(text === undefined ? 'missing' : createHash('sha256').update(text).digest('hex'))
      continue
    }
    for (const rel of files)
      add(
        `${rel} ${createHash('sha256')
          .update(await readFile(path.join(where, rel)))
          .digest('hex')}`,
      )
  }
  return h.digest('hex')
}

/** A short, stable id of a project: from `project` when given, else from its seeds folder's absolute path. */
export function projectId(settings: Settings, project?: string): string {
  return createHash('sha256')
    .update(project ?? settings.seedsDir)
    .digest('hex')
    .slice(0, 8)
}
