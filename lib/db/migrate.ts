import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { codes, SeedbedError } from '../errors/errors.ts'

/** A migration tool seedbed knows: the package that gives it away, its migrate command and its default folder. */
export interface MigrationTool {
  name: string
  command: string
  dir: string
}

/** Migration tools by the package that gives them away, with the command that applies migrations and their default folder. */
export const MIGRATION_TOOLS: readonly MigrationTool[] = [
  { name: 'node-pg-migrate', command: 'npx node-pg-migrate up', dir: 'migrations' },
  { name: 'prisma', command: 'npx prisma migrate deploy', dir: 'prisma/migrations' },
  { name: 'drizzle-kit', command: 'npx drizzle-kit migrate', dir: 'drizzle' },
  { name: 'knex', command: 'npx knex migrate:latest', dir: 'migrations' },
  { name: 'dbmate', command: 'npx dbmate --no-dump-schema up', dir: 'db/migrations' },
]

/** The migration tool among a package.json's dependencies, if any. */
export function detectMigrationTool(pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }) {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  return MIGRATION_TOOLS.find((tool) => deps[tool.name])
}

/** The migration tool of the project in `dir` (its package.json), if any; never throws. */
export function projectMigrationTool(dir = process.cwd()): MigrationTool | undefined {
  try {
    return detectMigrationTool(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')))
  } catch {
    return undefined
  }
}

/** Lines of the command's output quoted in E_MIGRATE_FAILED. */
const TAIL_LINES = 40

// Stack frames ("    at file:line") crowd out the lines that say what failed.
const tail = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .slice(-TAIL_LINES)
    .join('\n')

export interface MigrateOptions {
  /** The run's database: given to the command as DATABASE_URL, never printed. */
  url: string
  /** Where the command runs (default: the current folder, where the project's migrations are). */
  cwd?: string
  /** Stops the command (the run's Ctrl-C or --timeout). */
  signal?: AbortSignal
  /** The command's environment (the run's variables, with the `.env` profile); DATABASE_URL is set over it. */
  variables?: Readonly<Record<string, string | undefined>>
}

/**
 * Runs the project's own migrate command (`SEEDBED_MIGRATE`, e.g. `npx node-pg-migrate up`,
 * `npx prisma migrate deploy`) through the shell, with DATABASE_URL set to the run's database.
 * Returns what it printed; a non-zero exit is E_MIGRATE_FAILED with the command, the exit code and
 * the tail of its error output (redacted, as every SeedbedError message is).
 */
export function runMigrate(command: string, options: MigrateOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      cwd: options.cwd,
      env: { ...(options.variables ?? process.env), DATABASE_URL: options.url },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', (cause) => {
      // An abort kills the command; the run's own stop reason is what the caller reports.
      if (options.signal?.aborted) return reject(options.signal.reason ?? cause)
      reject(
        new SeedbedError(codes.MIGRATE_FAILED, `migrate command \`${command}\` could not start: ${cause.message}`, {
          hint: 'check SEEDBED_MIGRATE: it runs through the shell in the current folder',
          cause,
        }),
      )
    })
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(`${stdout}${stderr}`)
      if (options.signal?.aborted) return reject(options.signal.reason)
      const output = tail(stderr) || tail(stdout)
      reject(
        new SeedbedError(
          codes.MIGRATE_FAILED,
          `migrate command \`${command}\` exited with ${code === null ? `signal ${signal}` : `code ${code}`}${output ? `:\n${output}` : ''}`,
          { hint: 'fix the migration named in its output and run again; no seed ran' },
        ),
      )
    })
  })
}
