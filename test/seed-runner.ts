import type postgres from 'postgres'
import { createContext } from '../lib/execution/context.ts'
import { createLogger } from '../lib/output/log.ts'

const log = createLogger({ level: -999 })

/** A seed's context on `sql`: `inSeed` runs fn in a transaction and gives the seed's counts; `digest` a table's count and md5. */
export function seedRunner(sql: postgres.Sql, defaultSeed: string) {
  const inSeed = (fn: (ctx: ReturnType<typeof createContext>['ctx']) => Promise<unknown>, seed = defaultSeed) =>
    sql.begin(async (tx) => {
      const { ctx, counts } = createContext(tx, log, { seed, env: 'development', secrets: [] })
      await fn(ctx)
      return { created: counts.created, updated: counts.updated, skipped: counts.skipped }
    })
  const digest = async (table: string) => {
    const [row] = await sql.unsafe(`SELECT count(*)::int AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS d FROM ${table} t`)
    return row as unknown as { n: number; d: string }
  }
  return { inSeed, digest }
}
