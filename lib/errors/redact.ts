import { AsyncLocalStorage } from 'node:async_hooks'

// Short values would redact ordinary words; a password that short is not worth hiding anyway.
const MIN_SECRET_LENGTH = 3

/**
 * `postgres://user:pw@host/db` becomes `postgres://user:***@host/db`; `?password=` and `?sslpassword=` too. A password may hold a raw
 * `@`, `:` or `/` (postgres.js and the WHATWG URL parser split the user part at the last `@`), so
 * everything from the first `:` after the user name to the last `@` of the address goes: hiding
 * a piece of a query string too is better than showing a piece of a password.
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:ssl)?password=)[^&#\s]*/gi, '$1***').replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)(\S*)@/gi, '$1***@')
}

/**
 * A connection string that did not parse (or may not be whole), for an error message: its user info
 * goes, whatever it holds. Without a parse, where a password ends is a guess (a raw one may hold a
 * space, `#`, `@`, `:`, `/`, `?` or `%`), so everything from the first `:` to the last `@` after `://` goes; with no
 * `@`, everything after `://` goes (`user:pass` cut short by a `#` comment reads like `host:port`).
 */
export function redactWholeUrl(url: string): string {
  const text = url.trim().replace(/([?&](?:ssl)?password=)[^&]*/gi, '$1***')
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? ''
  const rest = text.slice(scheme.length)
  const at = rest.lastIndexOf('@')
  // The user name (up to the first `:`) is no secret, and it tells which URL this was.
  const user = (scheme && /^[^:/?#@\s]*:/.exec(rest.slice(0, Math.max(at, 0)))?.[0]) || ''
  if (at >= 0) return `${scheme}${user}***@${rest.slice(at + 1)}`
  if (scheme && /[:\s]/.test(rest.split(/[/?]/)[0]!)) return `${scheme}***`
  return text.replace(KEY_VALUE_PASSWORD, '$1***')
}

// A password in key=value form: a libpq conninfo string (`host=h password=pw`) or PGPASSWORD=pw in a
// command's output.
const KEY_VALUE_PASSWORD = /\b((?:PG)?PASSWORD\s*=\s*)('[^']*'|[^\s&]+)/gi

/**
 * The secrets of one run (database passwords, the admin password, anything a seed registers with
 * `ctx.secret`), replaced by `***` wherever they appear: as written, URL-encoded and JSON-escaped.
 * Connection strings are redacted by shape as well, whatever their password. A run has its own: what
 * one run registers never outlives it, and two runs in one process do not share their secrets.
 */
export class Redactor {
  readonly #forms = new Set<string>()
  /** The values `ctx.secret` returned in this run: the undo records leave out the columns given one. */
  readonly #seedSecrets = new Set<string>()

  /** Registers a secret (and the forms it takes inside URLs and JSON). */
  add(value: string | undefined | null): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return
    this.#forms.add(value)
    const encoded = encodeURIComponent(value)
    if (encoded !== value) this.#forms.add(encoded)
    const escaped = JSON.stringify(value).slice(1, -1)
    if (escaped !== value) this.#forms.add(escaped)
  }

  /** Registers a value `ctx.secret` returned: a secret, and one {@link holdsSeedSecret} looks for. */
  addSeedSecret(value: string): void {
    this.add(value)
    if (value.length >= MIN_SECRET_LENGTH) this.#seedSecrets.add(value)
  }

  /** Whether `ctx.secret` returned any value in this run: when none, no column needs looking at. */
  get noSeedSecrets(): boolean {
    return this.#seedSecrets.size === 0
  }

  /**
   * Whether `text` holds a value `ctx.secret` returned in this run (the whole value, or inside it, as in
   * `Bearer <token>`). Database passwords and other registered secrets do not count: they are redacted
   * from what seedbed shows, but a column holding one is an ordinary column.
   */
  holdsSeedSecret(text: string): boolean {
    for (const value of this.#seedSecrets) if (text.includes(value)) return true
    return false
  }

  text(text: string): string {
    let out = redactUrl(text).replace(KEY_VALUE_PASSWORD, '$1***')
    // Longest first: a secret's escaped form may contain the secret itself.
    for (const form of [...this.#forms].sort((a, b) => b.length - a.length)) {
      if (out.includes(form)) out = out.split(form).join('***')
    }
    return out
  }

  /** Deep-redacts strings inside plain data (log arguments, JSON reports, errors). */
  value<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T
    if (value instanceof Error) {
      const copy = new Error(this.text(value.message))
      copy.name = value.name
      copy.stack = value.stack && this.text(value.stack)
      Object.assign(copy, { code: (value as { code?: unknown }).code })
      return copy as T
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v)) as T
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.value(v)])) as T
    }
    return value
  }
}

/**
 * The runs' redactors. One store for every copy of this module in the process (a CommonJS project can
 * load seedbed twice: see SeedbedError's brand), so a secret a run registers through one copy is hidden
 * by the other; each run still sees only its own redactor.
 */
const SCOPE = Symbol.for('seedbed.redactor-scope')
const scopes = globalThis as { [SCOPE]?: AsyncLocalStorage<Redactor> }
scopes[SCOPE] ??= new AsyncLocalStorage<Redactor>()
const scope = scopes[SCOPE]
/** Outside any run: connection strings are still redacted by shape; no secret is remembered. */
const NONE = new Redactor()

/** The redactor of the run this code runs in (the innermost `withRedactor`). */
export function currentRedactor(): Redactor {
  return scope.getStore() ?? NONE
}

/**
 * Runs `fn` with `redactor` (default: the enclosing run's, else a new one) as the current one: every
 * secret registered inside, and every log line, error and report made inside, uses it. The API's
 * entry points each run inside one; the CLI makes one per invocation and prints through it.
 */
export function withRedactor<T>(fn: () => T, redactor: Redactor = scope.getStore() ?? new Redactor()): T {
  return scope.run(redactor, fn)
}

/** Registers a secret with the current run's redactor. */
export function addSecret(value: string | undefined | null): void {
  const redactor = scope.getStore()
  redactor?.add(value)
}

/** Registers a value `ctx.secret` returned with the current run's redactor (Redactor.addSeedSecret). */
export function addSeedSecret(value: string): void {
  scope.getStore()?.addSeedSecret(value)
}

/** Redacts text with the current run's redactor. */
export const redact = (text: string): string => currentRedactor().text(text)

/** Deep-redacts plain data with the current run's redactor. */
export const redactValue = <T>(value: T): T => currentRedactor().value(value)
