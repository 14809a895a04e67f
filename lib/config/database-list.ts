import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { codes, SeedbedError } from '../errors/errors.ts'

/** One database of a many-database run, with where it was given, for error messages. */
export interface DatabaseEntry {
  /** The connection string, password included: never for output. */
  url: string
  /** Where it came from: `tenants.txt line 3`, `--database-url #2`. */
  where: string
}

/** Where a many-database run takes its list from; several sources add up, in this order. */
export interface DatabaseSources {
  /** `--database-url`, once or repeated. */
  urls?: unknown
  /** `--databases-file` (or SEEDBED_DATABASES_FILE): one URL per line, `#` comments. */
  file?: string
  /** `--databases-command`: a shell command printing one URL per line. */
  command?: string
  /** Stops the command (Ctrl-C). */
  signal?: AbortSignal
}

/** Lines of a list: blank lines and `#` comments (whole-line or trailing) are skipped; lines count from 1. */
export function parseDatabaseLines(text: string, source: string): DatabaseEntry[] {
  const out: DatabaseEntry[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    // A `#` starts a comment only at the line's start or after a space: a password may hold one.
    const line = raw.replace(/(^|\s)#.*$/, '').trim()
    if (line) out.push({ url: line, where: `${source} line ${i + 1}` })
  })
  return out
}

async function readListFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (cause) {
    throw new SeedbedError(codes.BAD_OPTION, `cannot read the databases file ${file}: ${(cause as Error).message}`, {
      hint: 'fix --databases-file (SEEDBED_DATABASES_FILE): a file with one postgres:// URL per line',
      file,
      cause,
    })
  }
}

/** Runs the command through the shell and returns what it printed on stdout; a non-zero exit is E_DATABASES_COMMAND. */
export function databasesCommandOutput(command: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'], signal })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const failed = (why: string, cause?: unknown) =>
      new SeedbedError(codes.DATABASES_COMMAND, `--databases-command \`${command}\` ${why}`, {
        hint: 'run the command yourself: it must print one postgres:// URL per line and exit 0; nothing was seeded',
        cause,
      })
    child.on('error', (cause) => reject(signal?.aborted ? (signal.reason ?? cause) : failed(`could not start: ${cause.message}`, cause)))
    child.on('close', (code, sig) => {
      if (code === 0) return resolve(stdout)
      if (signal?.aborted) return reject(signal.reason)
      const tail = stderr.trimEnd().split('\n').slice(-10).join('\n')
      reject(failed(`exited with ${code === null ? `signal ${sig}` : `code ${code}`}${tail ? `:\n${tail}` : ''}`))
    })
  })
}

/**
 * The databases of a many-database run, from every source given, or undefined when none is (a
 * normal one-database run). The URLs are not checked here: `seedMany` checks them all before anything runs.
 */
export async function readDatabaseList(sources: DatabaseSources): Promise<DatabaseEntry[] | undefined> {
  const given = sources.urls === undefined ? [] : Array.isArray(sources.urls) ? sources.urls : [sources.urls]
  if (given.some((u) => typeof u !== 'string' || u === '')) {
    throw new SeedbedError(codes.BAD_OPTION, '--database-url needs a connection string', {
      hint: 'for example --database-url postgres://user:password@host:5432/tenant_a',
    })
  }
  if (!given.length && !sources.file && !sources.command) return undefined
  const entries: DatabaseEntry[] = given.map((url, i) => ({ url: String(url).trim(), where: `--database-url #${i + 1}` }))
  if (sources.file) entries.push(...parseDatabaseLines(await readListFile(sources.file), sources.file))
  if (sources.command) {
    entries.push(...parseDatabaseLines(await databasesCommandOutput(sources.command, sources.signal), '--databases-command output'))
  }
  if (!entries.length) {
    throw new SeedbedError(
      codes.BAD_OPTION,
      `the list of databases is empty (${[sources.file, sources.command].filter(Boolean).join(', ')})`,
      {
        hint: 'give one postgres:// URL per line; lines starting with # are comments',
      },
    )
  }
  return entries
}
