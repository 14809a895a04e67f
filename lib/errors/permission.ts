import { codes, SeedbedError } from './errors.ts'

/** An identifier as SQL needs it written: bare when it is a plain lower-case name, else quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`
}

/** What a GRANT is on: `TABLE` is left out of the statement (it is the default). */
export type GrantOn = 'database' | 'schema' | 'table' | 'sequence'

/** One privilege the role lacks, as the statement that gives it: `GRANT INSERT, UPDATE ON public.products TO seeder`. */
export interface MissingGrant {
  on: GrantOn
  /** The object, schema-qualified where it has a schema, as SQL writes it. */
  name: string
  privileges: readonly string[]
}

export function grantStatement(g: MissingGrant, role: string): string {
  const kind = g.on === 'table' ? '' : `${g.on.toUpperCase()} `
  return `GRANT ${g.privileges.join(', ')} ON ${kind}${g.name} TO ${quoteIdent(role)}`
}

/**
 * E_PERMISSION: `role` lacks the privileges in `missing`. The message names the objects, the hint
 * the GRANTs to run (as a role that owns them, or a superuser), and `alternative` another way out.
 */
export function permissionError(
  role: string,
  missing: readonly MissingGrant[],
  options: { seed?: string; reason?: string; alternative?: string; table?: string; cause?: unknown } = {},
): SeedbedError {
  const grants = missing.map((g) => `${grantStatement(g, role)};`).join(' ')
  const objects = missing.map((g) => `${g.privileges.join(', ')} on ${g.on} ${g.name}`).join('; ')
  return new SeedbedError(
    codes.PERMISSION,
    `${options.seed ? `seed '${options.seed}': ` : ''}role ${quoteIdent(role)} lacks ${objects}${options.reason ? ` (${options.reason})` : ''}`,
    {
      seed: options.seed,
      table: options.table,
      sqlState: '42501',
      cause: options.cause,
      hint: `as the owner or a superuser, run: ${grants}${options.alternative ? ` ${options.alternative}` : ''}`,
    },
  )
}

/** `permission denied for table products` → the object PostgreSQL named. */
export function deniedObject(message: string | undefined): { on: GrantOn | 'other'; name: string } | undefined {
  const m = message?.match(/permission denied for (\w+) (.+)$/)
  if (!m) return undefined
  const kind = m[1]!.toLowerCase()
  const on: GrantOn | 'other' =
    kind === 'table' || kind === 'relation' || kind === 'view' || kind === 'materialized'
      ? 'table'
      : kind === 'sequence' || kind === 'schema' || kind === 'database'
        ? kind
        : 'other'
  return { on, name: m[2]! }
}

/**
 * The privileges a statement needs on the table it was refused, read from its text: what an
 * INSERT ... ON CONFLICT DO UPDATE, a merge (INSERT ... SELECT joining the table), a COPY, an
 * UPDATE or a DELETE needs. The server then says which of them the role lacks.
 */
export function statementPrivileges(query: string | undefined): string[] {
  const q = query ?? ''
  if (/^\s*CREATE\b/i.test(q)) return ['CREATE']
  if (/^\s*COPY\b[\s\S]*\bFROM\s+STDIN/i.test(q)) return ['INSERT']
  if (/\bINSERT\s+INTO\b/i.test(q)) {
    const upsert = /\bON\s+CONFLICT\b[\s\S]*\bDO\s+UPDATE\b/i.test(q)
    return upsert ? ['SELECT', 'INSERT', 'UPDATE'] : /\bSELECT\b[\s\S]*\bFROM\b/i.test(q) ? ['SELECT', 'INSERT'] : ['INSERT']
  }
  if (/^\s*(WITH\b[\s\S]*)?\bUPDATE\b/i.test(q)) return ['SELECT', 'UPDATE']
  if (/^\s*(WITH\b[\s\S]*)?\bDELETE\b/i.test(q)) return ['SELECT', 'DELETE']
  if (/^\s*TRUNCATE\b/i.test(q)) return ['TRUNCATE']
  return ['SELECT']
}

export interface DeniedError {
  code?: string
  message?: string
  query?: string
}

/** The object a 42501 names and what its statement needs on it (before the server says what is missing). */
export function deniedGrant(err: DeniedError): MissingGrant | undefined {
  const object = deniedObject(err.message)
  if (!object || object.on === 'other') return undefined
  const needed = statementPrivileges(err.query)
  const privileges =
    object.on === 'table'
      ? needed
      : object.on === 'sequence'
        ? ['USAGE']
        : object.on === 'schema'
          ? [needed[0] === 'CREATE' ? 'CREATE' : 'USAGE']
          : // Refused at connection time there is no statement: the role may not connect.
            [err.query ? 'CREATE' : 'CONNECT']
  return { on: object.on, name: quoteIdent(object.name), privileges }
}

/** A 42501 as E_PERMISSION, from the error alone (explainDenied in lib/db/privileges.ts asks the server for more). */
export function deniedError(err: DeniedError, role: string | undefined, seed?: string): SeedbedError | undefined {
  const grant = deniedGrant(err)
  if (!grant) return undefined
  return permissionError(role ?? 'current_user', [grant], {
    seed,
    reason: err.message,
    table: grant.on === 'table' ? grant.name : undefined,
    cause: err,
  })
}
