import type postgres from 'postgres'
import { codes, SeedbedError } from '../errors/errors.ts'
import type { Target } from '../errors/pg-errors.ts'

/**
 * Refuses a server that cannot take writes, before anything is written: a hot standby (a read
 * replica), or one whose transactions are read-only by default (`default_transaction_read_only`
 * set for the server, the database or the role). Checked once per run that writes, dry runs included
 * (they write, then roll back).
 */
export async function assertWritable(sql: postgres.Sql, target: Target): Promise<void> {
  const [row] = await sql<{ standby: boolean; readOnly: string }[]>`
    SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') AS "readOnly"`
  const where = `${target.host ?? 'localhost'}:${target.port ?? 5432}`
  const hint = 'point DATABASE_URL at the primary'
  if (row!.standby) {
    throw new SeedbedError(codes.READ_ONLY, `the server at ${where} is a read-only replica (hot standby)`, { hint })
  }
  if (row!.readOnly === 'on') {
    throw new SeedbedError(
      codes.READ_ONLY,
      `transactions are read-only by default (default_transaction_read_only) on the server at ${where}`,
      { hint: `${hint}, or turn default_transaction_read_only off for this database and role` },
    )
  }
}
