import { redact } from './redact.ts'

/**
 * Every error code seedbed raises, with its exit class: `usage` when the input is wrong and nothing
 * ran (exit status 2), `run` when the run itself failed (exit status 1). Each code is listed with what
 * to do in the README ("Error codes"); the string values are stable and safe to match on in scripts.
 */
const table = {
  BAD_OPTION: ['E_BAD_OPTION', 'usage'],
  UNKNOWN_OPTION: ['E_UNKNOWN_OPTION', 'usage'],
  UNKNOWN_COMMAND: ['E_UNKNOWN_COMMAND', 'usage'],
  SEEDS_DIR: ['E_SEEDS_DIR', 'usage'],
  SEED_LOAD: ['E_SEED_LOAD', 'usage'],
  SEED_NO_EXPORT: ['E_SEED_NO_EXPORT', 'usage'],
  SEED_INVALID: ['E_SEED_INVALID', 'usage'],
  SEED_DUPLICATE: ['E_SEED_DUPLICATE', 'usage'],
  SEED_EXISTS: ['E_SEED_EXISTS', 'usage'],
  DEPENDENCY_MISSING: ['E_DEPENDENCY_MISSING', 'usage'],
  DEPENDENCY_CYCLE: ['E_DEPENDENCY_CYCLE', 'usage'],
  ONLY_UNKNOWN: ['E_ONLY_UNKNOWN', 'usage'],
  SEED_FAILED: ['E_SEED_FAILED', 'run'],
  SEED_RESULT: ['E_SEED_RESULT', 'run'],
  VALIDATION_FAILED: ['E_VALIDATION_FAILED', 'run'],
  UNIQUE_VIOLATION: ['E_UNIQUE_VIOLATION', 'run'],
  FOREIGN_KEY_VIOLATION: ['E_FOREIGN_KEY_VIOLATION', 'run'],
  NOT_NULL_VIOLATION: ['E_NOT_NULL_VIOLATION', 'run'],
  CHECK_VIOLATION: ['E_CHECK_VIOLATION', 'run'],
  MISSING_TABLE: ['E_MISSING_TABLE', 'run'],
  MISSING_COLUMN: ['E_MISSING_COLUMN', 'run'],
  SQL_ERROR: ['E_SQL', 'run'],
  CONNECT: ['E_CONNECT', 'run'],
  AUTH: ['E_AUTH', 'run'],
  DATABASE_MISSING: ['E_DATABASE_MISSING', 'run'],
  EMBEDDED: ['E_EMBEDDED', 'run'],
  SCHEMA_FAILED: ['E_SCHEMA_FAILED', 'run'],
  SECRET_MISSING: ['E_SECRET_MISSING', 'usage'],
  SECRET_UNDECLARED: ['E_SECRET_UNDECLARED', 'run'],
  INTERRUPTED: ['E_INTERRUPTED', 'run'],
  COPY_ROW: ['E_COPY_ROW', 'run'],
  BAD_ENV: ['E_BAD_ENV', 'usage'],
  ENV_UNKNOWN: ['E_ENV_UNKNOWN', 'usage'],
  SEEDING_DISABLED: ['E_SEEDING_DISABLED', 'usage'],
  SEED_NOT_ALLOWED: ['E_SEED_NOT_ALLOWED', 'usage'],
  CONFIRMATION_REQUIRED: ['E_CONFIRMATION_REQUIRED', 'usage'],
  CONFIRMATION_MISMATCH: ['E_CONFIRMATION_MISMATCH', 'usage'],
  FRESH_PRODUCTION: ['E_FRESH_PRODUCTION', 'usage'],
  LOCK_TIMEOUT: ['E_LOCK_TIMEOUT', 'run'],
  LOCK_LOST: ['E_LOCK_LOST', 'run'],
  METRICS_PUSH: ['E_METRICS_PUSH', 'run'],
  TIMEOUT: ['E_TIMEOUT', 'run'],
  LOAD_OPTIONS: ['E_LOAD_OPTIONS', 'run'],
  NO_PACKAGE_JSON: ['E_NO_PACKAGE_JSON', 'usage'],
  EMBEDDED_MISSING: ['E_EMBEDDED_MISSING', 'run'],
  TASK_FAILED: ['E_TASK_FAILED', 'run'],
  DUPLICATE_KEY: ['E_DUPLICATE_KEY', 'run'],
  CONFLICT_KEY: ['E_CONFLICT_KEY', 'run'],
  COPY_DATA: ['E_COPY_DATA', 'run'],
  MIGRATE_FAILED: ['E_MIGRATE_FAILED', 'run'],
  SCHEMA_CHANGED: ['E_SCHEMA_CHANGED', 'run'],
  PERMISSION: ['E_PERMISSION', 'run'],
  PARTITION_KEY: ['E_PARTITION_KEY', 'run'],
  TLS: ['E_TLS', 'run'],
  READ_ONLY: ['E_READ_ONLY', 'run'],
  DATABASES_COMMAND: ['E_DATABASES_COMMAND', 'run'],
  UNDO_NOTHING: ['E_UNDO_NOTHING', 'usage'],
  UNDO_LATER_RUN: ['E_UNDO_LATER_RUN', 'run'],
  UNDO_IRREVERSIBLE: ['E_UNDO_IRREVERSIBLE', 'run'],
  UNDO_CHANGED: ['E_UNDO_CHANGED', 'run'],
  UNDO_FOREIGN_KEY: ['E_UNDO_FOREIGN_KEY', 'run'],
  REPORT_RUN: ['E_REPORT_RUN', 'usage'],
} as const satisfies Record<string, readonly [`E_${string}`, 'usage' | 'run']>

type Table = typeof table
/** The codes by name: `codes.BAD_OPTION` is `'E_BAD_OPTION'`. */
export const codes = Object.fromEntries(Object.entries(table).map(([name, [code]]) => [name, code])) as {
  readonly [K in keyof Table]: Table[K][0]
}

export type ErrorCode = Table[keyof Table][0]

const usage = new Set<string>(Object.values(table).flatMap(([code, kind]) => (kind === 'usage' ? [code] : [])))

/** The exit status for an error: 2 when the input was wrong and nothing ran, else 1. */
export function exitStatus(code: ErrorCode): 1 | 2 {
  return usage.has(code) ? 2 : 1
}
/** What an error is about; each field is set only when known. */
export interface ErrorSubject {
  /** The seed the error is about. */
  seed?: string
  /** The file the error is about (a seed file, a schema file). */
  file?: string
  /** Where in `file`, counted from 1 (a syntax error, or the seed's line an error was thrown from). */
  line?: number
  column?: number
  /** The table and constraint, for errors raised by PostgreSQL. */
  table?: string
  constraint?: string
  /** PostgreSQL's SQLSTATE when the error came from the server. */
  sqlState?: string
}

export interface ErrorDetails extends ErrorSubject {
  /** What to do about it, in one sentence. */
  hint?: string
  cause?: unknown
  /** The stack of the error thrown by a seed's own code, kept for the report and --verbose. */
  stack?: string
}

/** The plain-data form of an error in JSON reports. */
export interface SerializedError extends ErrorSubject {
  code: ErrorCode
  message: string
  hint?: string
  /** The stack of the error a seed's own code threw (redacted). */
  stack?: string
}

const SUBJECT_KEYS = ['seed', 'file', 'line', 'column', 'table', 'constraint', 'sqlState'] as const

/**
 * An error seedbed can explain: a stable `code`, a message naming the thing involved and a
 * hint saying what to do. Messages pass through the redactor, so secrets never reach output.
 */
export class SeedbedError extends Error implements Readonly<ErrorSubject> {
  readonly code: ErrorCode
  readonly hint?: string
  /** The stack of the error a seed's own code threw, redacted (not this error's own stack). */
  readonly seedStack?: string
  declare readonly seed?: string
  declare readonly file?: string
  declare readonly line?: number
  declare readonly column?: number
  declare readonly table?: string
  declare readonly constraint?: string
  declare readonly sqlState?: string

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(redact(message), details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'SeedbedError'
    this.code = code
    if (details.hint) this.hint = redact(details.hint)
    if (details.stack) this.seedStack = redact(details.stack)
    for (const key of SUBJECT_KEYS) if (details[key] !== undefined) Object.assign(this, { [key]: details[key] })
  }

  toJSON(): SerializedError {
    const out: SerializedError = { code: this.code, message: this.message }
    if (this.hint) out.hint = this.hint
    for (const key of SUBJECT_KEYS) if (this[key] !== undefined) Object.assign(out, { [key]: this[key] })
    if (this.seedStack) out.stack = this.seedStack
    return out
  }
}

/** `E_CODE: message` and the hint on a line of its own: the form printed to a terminal. */
export function formatError(e: SeedbedError): string {
  return `${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`
}
