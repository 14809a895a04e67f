/**
 * An application that seeds on start-up in development. Run it with
 *   SEEDBED_ON_STARTUP=true npx tsx examples/server.ts
 * Several replicas may start at once: one seeds, the others wait for its lock and find nothing
 * changed. In production it does not seed (seedOnStartup skips it unless allowProduction is set).
 */
import { createServer } from 'node:http'
import { createLogger, seedOnStartup } from 'seedbed'

const log = createLogger()
const outcome = await seedOnStartup({ logger: log, progress: 'lines' })
if (!outcome.ran) log.info(`start-up seeding skipped: ${outcome.reason}`)
else if (!outcome.result!.ok) {
  log.error('start-up seeding failed; not starting')
  process.exit(1)
}

const port = Number(process.env.PORT ?? 3000)
createServer((_req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ ok: true, seeded: outcome.ran }))
}).listen(port, '127.0.0.1', () => log.success(`listening on http://127.0.0.1:${port}`))
