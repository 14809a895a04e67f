import type postgres from 'postgres'
import type { SeedContext, SeedCounts } from './contract.ts'
import type { Logger } from './log.ts'
import { hashPassword, randomToken, readSecret } from './secrets.ts'
import { tallyRows, upsertRows } from './upsert.ts'

/** A seed's context and the running tally its helpers add to. */
export function createContext(sql: postgres.TransactionSql, log: Logger, env: string): { ctx: SeedContext; counts: SeedCounts } {
  const counts: SeedCounts = { created: 0, updated: 0, skipped: 0 }
  const add = (c: Partial<SeedCounts>) => {
    counts.created += c.created ?? 0
    counts.updated += c.updated ?? 0
    counts.skipped += c.skipped ?? 0
  }
  const ctx: SeedContext = {
    sql,
    log,
    env,
    async upsert(table, rows, options) {
      const result = await upsertRows(sql, table, rows, options)
      add(result)
      return result as never
    },
    tally(rows, attempted) {
      const c = tallyRows(rows, attempted)
      add(c)
      return c
    },
    count: add,
    hashPassword: (plain, current) => hashPassword(plain, current),
    randomToken,
    secret: (name, options) => readSecret(name, env, options?.devDefault),
  }
  return { ctx, counts }
}
