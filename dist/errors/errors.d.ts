/**
 * Every error code seedbed raises, with its exit class: `usage` when the input is wrong and nothing
 * ran (exit status 2), `run` when the run itself failed (exit status 1). Each code is listed with what
 * to do in the README ("Error codes"); the string values are stable and safe to match on in scripts.
 */
declare const table: {
    readonly BAD_OPTION: readonly ["E_BAD_OPTION", "usage"];
    readonly UNKNOWN_OPTION: readonly ["E_UNKNOWN_OPTION", "usage"];
    readonly UNKNOWN_COMMAND: readonly ["E_UNKNOWN_COMMAND", "usage"];
    readonly SEEDS_DIR: readonly ["E_SEEDS_DIR", "usage"];
    readonly SEED_LOAD: readonly ["E_SEED_LOAD", "usage"];
    readonly SEED_NO_EXPORT: readonly ["E_SEED_NO_EXPORT", "usage"];
    readonly SEED_INVALID: readonly ["E_SEED_INVALID", "usage"];
    readonly SEED_DUPLICATE: readonly ["E_SEED_DUPLICATE", "usage"];
    readonly SEED_EXISTS: readonly ["E_SEED_EXISTS", "usage"];
    readonly DEPENDENCY_MISSING: readonly ["E_DEPENDENCY_MISSING", "usage"];
    readonly DEPENDENCY_CYCLE: readonly ["E_DEPENDENCY_CYCLE", "usage"];
    readonly ONLY_UNKNOWN: readonly ["E_ONLY_UNKNOWN", "usage"];
    readonly SEED_FAILED: readonly ["E_SEED_FAILED", "run"];
    readonly SEED_RESULT: readonly ["E_SEED_RESULT", "run"];
    readonly VALIDATION_FAILED: readonly ["E_VALIDATION_FAILED", "run"];
    readonly UNIQUE_VIOLATION: readonly ["E_UNIQUE_VIOLATION", "run"];
    readonly FOREIGN_KEY_VIOLATION: readonly ["E_FOREIGN_KEY_VIOLATION", "run"];
    readonly NOT_NULL_VIOLATION: readonly ["E_NOT_NULL_VIOLATION", "run"];
    readonly CHECK_VIOLATION: readonly ["E_CHECK_VIOLATION", "run"];
    readonly MISSING_TABLE: readonly ["E_MISSING_TABLE", "run"];
    readonly MISSING_COLUMN: readonly ["E_MISSING_COLUMN", "run"];
    readonly SQL_ERROR: readonly ["E_SQL", "run"];
    readonly CONNECT: readonly ["E_CONNECT", "run"];
    readonly AUTH: readonly ["E_AUTH", "run"];
    readonly DATABASE_MISSING: readonly ["E_DATABASE_MISSING", "run"];
    readonly EMBEDDED: readonly ["E_EMBEDDED", "run"];
    readonly SCHEMA_FAILED: readonly ["E_SCHEMA_FAILED", "run"];
    readonly SECRET_MISSING: readonly ["E_SECRET_MISSING", "usage"];
    readonly INTERRUPTED: readonly ["E_INTERRUPTED", "run"];
    readonly COPY_ROW: readonly ["E_COPY_ROW", "run"];
    readonly BAD_ENV: readonly ["E_BAD_ENV", "usage"];
    readonly ENV_UNKNOWN: readonly ["E_ENV_UNKNOWN", "usage"];
    readonly SEEDING_DISABLED: readonly ["E_SEEDING_DISABLED", "usage"];
    readonly SEED_NOT_ALLOWED: readonly ["E_SEED_NOT_ALLOWED", "usage"];
    readonly CONFIRMATION_REQUIRED: readonly ["E_CONFIRMATION_REQUIRED", "usage"];
    readonly CONFIRMATION_MISMATCH: readonly ["E_CONFIRMATION_MISMATCH", "usage"];
    readonly FRESH_PRODUCTION: readonly ["E_FRESH_PRODUCTION", "usage"];
    readonly LOCK_TIMEOUT: readonly ["E_LOCK_TIMEOUT", "run"];
    readonly LOCK_LOST: readonly ["E_LOCK_LOST", "run"];
    readonly METRICS_PUSH: readonly ["E_METRICS_PUSH", "run"];
    readonly TIMEOUT: readonly ["E_TIMEOUT", "run"];
    readonly LOAD_OPTIONS: readonly ["E_LOAD_OPTIONS", "run"];
    readonly NO_PACKAGE_JSON: readonly ["E_NO_PACKAGE_JSON", "usage"];
    readonly EMBEDDED_MISSING: readonly ["E_EMBEDDED_MISSING", "run"];
};
type Table = typeof table;
/** The codes by name: `codes.BAD_OPTION` is `'E_BAD_OPTION'`. */
export declare const codes: { readonly [K in keyof Table]: Table[K][0]; };
export type ErrorCode = Table[keyof Table][0];
/** The exit status for an error: 2 when the input was wrong and nothing ran, else 1. */
export declare function exitStatus(code: ErrorCode): 1 | 2;
/** What an error is about; each field is set only when known. */
export interface ErrorSubject {
    /** The seed the error is about. */
    seed?: string;
    /** The file the error is about (a seed file, a schema file). */
    file?: string;
    /** The table and constraint, for errors raised by PostgreSQL. */
    table?: string;
    constraint?: string;
    /** PostgreSQL's SQLSTATE when the error came from the server. */
    sqlState?: string;
}
export interface ErrorDetails extends ErrorSubject {
    /** What to do about it, in one sentence. */
    hint?: string;
    cause?: unknown;
}
/** The plain-data form of an error in JSON reports. */
export interface SerializedError extends ErrorSubject {
    code: ErrorCode;
    message: string;
    hint?: string;
}
/**
 * An error seedbed can explain: a stable `code`, a message naming the thing involved and a
 * hint saying what to do. Messages pass through the redactor, so secrets never reach output.
 */
export declare class SeedbedError extends Error implements Readonly<ErrorSubject> {
    readonly code: ErrorCode;
    readonly hint?: string;
    readonly seed?: string;
    readonly file?: string;
    readonly table?: string;
    readonly constraint?: string;
    readonly sqlState?: string;
    constructor(code: ErrorCode, message: string, details?: ErrorDetails);
    toJSON(): SerializedError;
}
/** `E_CODE: message` and the hint on a line of its own: the form printed to a terminal. */
export declare function formatError(e: SeedbedError): string;
export {};
