import type postgres from 'postgres'
import type { Test } from 'tap'
import { createContext } from '../lib/execution/context.ts'
import { createLogger } from '../lib/output/log.ts'

const log = createLogger({ level: -999 })

/**
 * A seed's context on `sql`: `inSeed` runs fn in a transaction and gives the seed's counts; `digest` a table's count
 * and md5; `twice` fills a table twice and checks the second run changes nothing.
 */
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
  /** Fills `table` twice: every row made, then every row skipped, the same digest both times. */
  const twice = async (t: Test, table: string, n: number) => {
    t.same(await inSeed((ctx) => ctx.fake(table, n)), { created: n, updated: 0, skipped: 0 }, `${table}: every row made`)
    const first = await digest(table)
    t.same(await inSeed((ctx) => ctx.fake(table, n)), { created: 0, updated: 0, skipped: n }, `${table}: a second run skips every row`)
    t.same(await digest(table), first, `${table}: nothing changed`)
  }
  return { inSeed, digest, twice }
}
