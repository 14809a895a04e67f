import {
  redact
} from "./chunk-MHV4YG4X.js";

// lib/errors/errors.ts
var table = {
  BAD_OPTION: ["E_BAD_OPTION", "usage"],
  UNKNOWN_OPTION: ["E_UNKNOWN_OPTION", "usage"],
  UNKNOWN_COMMAND: ["E_UNKNOWN_COMMAND", "usage"],
  SEEDS_DIR: ["E_SEEDS_DIR", "usage"],
  SEED_LOAD: ["E_SEED_LOAD", "usage"],
  SEED_NO_EXPORT: ["E_SEED_NO_EXPORT", "usage"],
  SEED_INVALID: ["E_SEED_INVALID", "usage"],
  SEED_DUPLICATE: ["E_SEED_DUPLICATE", "usage"],
  SEED_EXISTS: ["E_SEED_EXISTS", "usage"],
  DEPENDENCY_MISSING: ["E_DEPENDENCY_MISSING", "usage"],
  DEPENDENCY_CYCLE: ["E_DEPENDENCY_CYCLE", "usage"],
  ONLY_UNKNOWN: ["E_ONLY_UNKNOWN", "usage"],
  SEED_FAILED: ["E_SEED_FAILED", "run"],
  SEED_RESULT: ["E_SEED_RESULT", "run"],
  VALIDATION_FAILED: ["E_VALIDATION_FAILED", "run"],
  UNIQUE_VIOLATION: ["E_UNIQUE_VIOLATION", "run"],
  FOREIGN_KEY_VIOLATION: ["E_FOREIGN_KEY_VIOLATION", "run"],
  NOT_NULL_VIOLATION: ["E_NOT_NULL_VIOLATION", "run"],
  CHECK_VIOLATION: ["E_CHECK_VIOLATION", "run"],
  MISSING_TABLE: ["E_MISSING_TABLE", "run"],
  MISSING_COLUMN: ["E_MISSING_COLUMN", "run"],
  SQL_ERROR: ["E_SQL", "run"],
  CONNECT: ["E_CONNECT", "run"],
  AUTH: ["E_AUTH", "run"],
  DATABASE_MISSING: ["E_DATABASE_MISSING", "run"],
  EMBEDDED: ["E_EMBEDDED", "run"],
  SCHEMA_FAILED: ["E_SCHEMA_FAILED", "run"],
  SECRET_MISSING: ["E_SECRET_MISSING", "usage"],
  INTERRUPTED: ["E_INTERRUPTED", "run"],
  COPY_ROW: ["E_COPY_ROW", "run"],
  BAD_ENV: ["E_BAD_ENV", "usage"],
  ENV_UNKNOWN: ["E_ENV_UNKNOWN", "usage"],
  SEEDING_DISABLED: ["E_SEEDING_DISABLED", "usage"],
  SEED_NOT_ALLOWED: ["E_SEED_NOT_ALLOWED", "usage"],
  CONFIRMATION_REQUIRED: ["E_CONFIRMATION_REQUIRED", "usage"],
  CONFIRMATION_MISMATCH: ["E_CONFIRMATION_MISMATCH", "usage"],
  FRESH_PRODUCTION: ["E_FRESH_PRODUCTION", "usage"],
  LOCK_TIMEOUT: ["E_LOCK_TIMEOUT", "run"],
  LOCK_LOST: ["E_LOCK_LOST", "run"],
  METRICS_PUSH: ["E_METRICS_PUSH", "run"],
  TIMEOUT: ["E_TIMEOUT", "run"],
  LOAD_OPTIONS: ["E_LOAD_OPTIONS", "run"],
  NO_PACKAGE_JSON: ["E_NO_PACKAGE_JSON", "usage"],
  EMBEDDED_MISSING: ["E_EMBEDDED_MISSING", "run"]
};
var codes = Object.fromEntries(Object.entries(table).map(([name, [code]]) => [name, code]));
var usage = new Set(Object.values(table).flatMap(([code, kind]) => kind === "usage" ? [code] : []));
function exitStatus(code) {
  return usage.has(code) ? 2 : 1;
}
var SUBJECT_KEYS = ["seed", "file", "table", "constraint", "sqlState"];
var SeedbedError = class extends Error {
  code;
  hint;
  constructor(code, message, details = {}) {
    super(redact(message), details.cause === void 0 ? void 0 : { cause: details.cause });
    this.name = "SeedbedError";
    this.code = code;
    if (details.hint) this.hint = redact(details.hint);
    for (const key of SUBJECT_KEYS) if (details[key] !== void 0) Object.assign(this, { [key]: details[key] });
  }
  toJSON() {
    const out = { code: this.code, message: this.message };
    if (this.hint) out.hint = this.hint;
    for (const key of SUBJECT_KEYS) if (this[key] !== void 0) out[key] = this[key];
    return out;
  }
};
function formatError(e) {
  return `${e.code}: ${e.message}${e.hint ? `
  hint: ${e.hint}` : ""}`;
}

export {
  codes,
  exitStatus,
  SeedbedError,
  formatError
};
//# sourceMappingURL=chunk-K7UNPX46.js.map
