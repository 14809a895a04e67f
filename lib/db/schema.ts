import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'

/**
 * The example project's schema: plain `.sql` files applied in name order, each in a transaction.
 * seedbed is not a migration tool; this is just enough to give seeds their tables.
 */
export async function applySchema(sql: postgres.Sql, dir: string): Promise<string[]> {
  let files: string[]
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  } catch (cause) {
    throw new SeedbedError(codes.SCHEMA_FAILED, `cannot read the schema folder ${dir}`, {
      file: dir,
      hint: 'point --schema (SEEDBED_SCHEMA_DIR) at the folder of .sql files',
      cause,
    })
  }
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8')
    try {
      await sql.begin((tx) => tx.unsafe(text))
    } catch (cause) {
      const e = cause as { message?: string; code?: string }
      throw new SeedbedError(codes.SCHEMA_FAILED, `schema file ${file} failed: ${e.message ?? String(cause)}`, {
        file: path.join(dir, file),
        sqlState: e.code,
        hint: 'fix the SQL in that file; it was rolled back',
        cause,
      })
    }
  }
  return files
}

/** Drops everything in the `public` schema (what `fresh` starts from). */
export async function dropPublicSchema(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`DROP SCHEMA IF EXISTS public CASCADE`
    await tx`CREATE SCHEMA public`
  })
}
