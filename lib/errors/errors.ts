import { redact } from './redact.ts'

/**
 * Every error code seedbed raises. Each one is listed with what to do in the README
 * ("Error codes"); the string values are stable and safe to match on in scripts.
 */
export const codes = {
  BAD_OPTION: 'E_BAD_OPTION',
  UNKNOWN_OPTION: 'E_UNKNOWN_OPTION',
  UNKNOWN_COMMAND: 'E_UNKNOWN_COMMAND',
  SEEDS_DIR: 'E_SEEDS_DIR',
  SEED_LOAD: 'E_SEED_LOAD',
  SEED_NO_EXPORT: 'E_SEED_NO_EXPORT',
  SEED_INVALID: 'E_SEED_INVALID',
  SEED_DUPLICATE: 'E_SEED_DUPLICATE',
  SEED_EXISTS: 'E_SEED_EXISTS',
  DEPENDENCY_MISSING: 'E_DEPENDENCY_MISSING',
  DEPENDENCY_CYCLE: 'E_DEPENDENCY_CYCLE',
  ONLY_UNKNOWN: 'E_ONLY_UNKNOWN',
  SEED_FAILED: 'E_SEED_FAILED',
  SEED_RESULT: 'E_SEED_RESULT',
  VALIDATION_FAILED: 'E_VALIDATION_FAILED',
  UNIQUE_VIOLATION: 'E_UNIQUE_VIOLATION',
  FOREIGN_KEY_VIOLATION: 'E_FOREIGN_KEY_VIOLATION',
  NOT_NULL_VIOLATION: 'E_NOT_NULL_VIOLATION',
  CHECK_VIOLATION: 'E_CHECK_VIOLATION',
  MISSING_TABLE: 'E_MISSING_TABLE',
  MISSING_COLUMN: 'E_MISSING_COLUMN',
  SQL_ERROR: 'E_SQL',
  CONNECT: 'E_CONNECT',
  AUTH: 'E_AUTH',
  DATABASE_MISSING: 'E_DATABASE_MISSING',
  EMBEDDED: 'E_EMBEDDED',
  SCHEMA_FAILED: 'E_SCHEMA_FAILED',
  SCHEMA_CHANGED: 'E_SCHEMA_CHANGED',
  MIGRATE_FAILED: 'E_MIGRATE_FAILED',
  SECRET_MISSING: 'E_SECRET_MISSING',
  INTERRUPTED: 'E_INTERRUPTED',
  COPY_ROW: 'E_COPY_ROW',
  BAD_ENV: 'E_BAD_ENV',
  ENV_UNKNOWN: 'E_ENV_UNKNOWN',
  SEEDING_DISABLED: 'E_SEEDING_DISABLED',
  SEED_NOT_ALLOWED: 'E_SEED_NOT_ALLOWED',
  CONFIRMATION_REQUIRED: 'E_CONFIRMATION_REQUIRED',
  CONFIRMATION_MISMATCH: 'E_CONFIRMATION_MISMATCH',
  FRESH_PRODUCTION: 'E_FRESH_PRODUCTION',
  LOCK_TIMEOUT: 'E_LOCK_TIMEOUT',
  LOCK_LOST: 'E_LOCK_LOST',
  METRICS_PUSH: 'E_METRICS_PUSH',
  TIMEOUT: 'E_TIMEOUT',
  LOAD_OPTIONS: 'E_LOAD_OPTIONS',
} as const

export type ErrorCode = (typeof codes)[keyof typeof codes]

/** What an error is about; each field is set only when known. */
export interface ErrorSubject {
  /** The seed the error is about. */
  seed?: string
  /** The file the error is about (a seed file, a schema file). */
  file?: string
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
}

/** The plain-data form of an error in JSON reports. */
export interface SerializedError extends ErrorSubject {
  code: ErrorCode
  message: string
  hint?: string
}

const SUBJECT_KEYS = ['seed', 'file', 'table', 'constraint', 'sqlState'] as const

/**
 * An error seedbed can explain: a stable `code`, a message naming the thing involved and a
 * hint saying what to do. Messages pass through the redactor, so secrets never reach output.
 */
export class SeedbedError extends Error implements Readonly<ErrorSubject> {
  readonly code: ErrorCode
  readonly hint?: string
  declare readonly seed?: string
  declare readonly file?: string
  declare readonly table?: string
  declare readonly constraint?: string
  declare readonly sqlState?: string

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(redact(message), details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'SeedbedError'
    this.code = code
    if (details.hint) this.hint = redact(details.hint)
    for (const key of SUBJECT_KEYS) if (details[key] !== undefined) Object.assign(this, { [key]: details[key] })
  }

  toJSON(): SerializedError {
    const out: SerializedError = { code: this.code, message: this.message }
    if (this.hint) out.hint = this.hint
    for (const key of SUBJECT_KEYS) if (this[key] !== undefined) out[key] = this[key]
    return out
  }
}

/** `E_CODE: message` and the hint on a line of its own: the form printed to a terminal. */
export function formatError(e: SeedbedError): string {
  return `${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`
}
