/**
 * Secrets (database passwords, the admin password, anything a seed registers with
 * `ctx.secret`) are remembered here and replaced by `***` in every log line, error message
 * and report. Connection strings are redacted by shape as well, whatever their password.
 */
const secrets = new Set<string>()

// Short values would redact ordinary words; a password that short is not worth hiding anyway.
const MIN_SECRET_LENGTH = 3

export function addSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value)
}

/**
 * `postgres://user:pw@host/db` becomes `postgres://user:***@host/db`; `?password=` and `?sslpassword=` too. A password may hold a raw
 * `@`, `:` or `/` (postgres.js and the WHATWG URL parser split the user part at the last `@`), so
 * everything from the first `:` after the user name to the last `@` of the address goes: hiding
 * a piece of a query string too is better than showing a piece of a password.
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:ssl)?password=)[^&#\s]*/gi, '$1***').replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)(\S*)@/gi, '$1***@')
}

// A password in key=value form: a libpq conninfo string (`host=h password=pw`) or PGPASSWORD=pw in a
// command's output.
const KEY_VALUE_PASSWORD = /\b((?:PG)?PASSWORD\s*=\s*)('[^']*'|[^\s&]+)/gi

export function redact(text: string): string {
  let out = redactUrl(text).replace(KEY_VALUE_PASSWORD, '$1***')
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('***')
    const encoded = encodeURIComponent(secret)
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join('***')
  }
  return out
}

/** Deep-redacts strings inside plain data (log arguments, JSON reports). */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (value instanceof Error) {
    const copy = new Error(redact(value.message))
    copy.name = value.name
    copy.stack = value.stack && redact(value.stack)
    Object.assign(copy, { code: (value as { code?: unknown }).code })
    return copy as T
  }
  if (Array.isArray(value)) return value.map(redactValue) as T
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v)])) as T
  }
  return value
}
