import type postgres from 'postgres'
import { deniedGrant, type DeniedError, permissionError, quoteIdent } from '../errors/permission.ts'

/**
 * A 42501 raised by a statement of a seed, explained with the server (on a connection outside
 * the seed's failed transaction): the object schema-qualified, and the GRANT of what the role
 * lacks among what the statement needs. Anything else is returned unchanged.
 */
export async function explainDenied(sql: postgres.Sql, err: unknown, seed?: string): Promise<unknown> {
  const e = (err ?? {}) as DeniedError
  if (e.code !== '42501') return err
  const grant = deniedGrant(e)
  if (!grant) return err
  const raw = deniedName(e.message)
  try {
    const [row] = await sql<[{ role: string; name: string | null; missing: string[] | null }]>`
      SELECT current_user AS role,
        CASE WHEN ${grant.on} IN ('table', 'sequence') THEN (
          SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = to_regclass(${raw})) END AS name,
        CASE WHEN ${grant.on} = 'table' AND to_regclass(${raw}) IS NOT NULL THEN ARRAY(
          SELECT p FROM unnest(${sql.array([...grant.privileges])}::text[]) p WHERE NOT has_table_privilege(to_regclass(${raw}), p)) END AS missing`
    const name = row.name ?? grant.name
    const privileges = row.missing?.length ? row.missing : grant.privileges
    return permissionError(row.role, [{ on: grant.on, name, privileges }], {
      seed,
      reason: e.message,
      table: grant.on === 'table' ? name : undefined,
      cause: err,
    })
  } catch {
    return err
  }
}

/** The name as PostgreSQL wrote it in the message, for to_regclass (which reads it as SQL would). */
function deniedName(message: string | undefined): string {
  const name = message?.match(/permission denied for \w+ (.+)$/)?.[1] ?? ''
  return quoteIdent(name)
}
