import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { once } from 'node:events'
import path from 'node:path'
import { trace } from '@opentelemetry/api'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { applySchema } from '../lib/db/schema.ts'
import { ROOT, runCli, tempDir, testDatabase } from './helpers.ts'

const db = await testDatabase(t)
await applySchema(db.sql, path.join(ROOT, 'schema'))
const env = { DATABASE_URL: db.url }

/** Prometheus text format: `name{a="b",...} value` lines into records. */
function parseMetrics(text: string) {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(l)
      if (!m) throw new Error(`not a metric line: ${l}`)
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]))
      return { name: m[1]!, labels, value: Number(m[3]) }
    })
}

t.test('--metrics-file writes Prometheus text that agrees with the run', async (t) => {
  const file = path.join(await tempDir(t), 'seedbed.prom')
  const r = await runCli(['seed', '--only', 'permissions', '--json', '--metrics-file', file], { env })
  t.equal(r.code, 0)
  const metrics = parseMetrics(await readFile(file, 'utf8'))
  const one = (name: string, labels: Record<string, string>) =>
    metrics.find((m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v))?.value
  t.equal(one('seedbed_records_created_total', { seed: 'permissions', status: 'succeeded', env: 'development' }), 8)
  t.equal(one('seedbed_records_skipped_total', { seed: 'permissions' }), 0)
  t.equal(one('seedbed_seed_duration_seconds_count', { seed: 'permissions', status: 'succeeded' }), 1)
  t.equal(one('seedbed_last_run_success', { env: 'development' }), 1)
  t.ok(one('seedbed_last_run_timestamp_seconds', {})! > 1.7e9)
})

t.test('--pushgateway pushes to a Pushgateway (a local HTTP server on loopback)', async (t) => {
  const received: { method?: string; url?: string; body: string }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, body })
      res.writeHead(202).end()
    })
  }).listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const port = (server.address() as { port: number }).port
  const r = await runCli(['seed', '--only', 'roles', '--pushgateway', `http://127.0.0.1:${port}`], { env })
  t.equal(r.code, 0)
  t.equal(received.length, 1)
  t.same([received[0]!.method, received[0]!.url], ['POST', '/metrics/job/seedbed/env/development'])
  const pushed = parseMetrics(received[0]!.body)
  const value = (name: string) =>
    pushed.find((m) => m.name === name && m.labels.seed === 'roles' && m.labels.status === 'succeeded' && m.labels.env === 'development')
      ?.value
  const roles = (await db.sql`SELECT count(*)::int AS n FROM roles`)[0]!.n
  t.ok(roles > 0, 'roles were seeded')
  t.equal(value('seedbed_records_created_total'), roles, 'the push counts every role created')
  t.equal(value('seedbed_records_skipped_total'), 0, 'and none skipped')
  const down = await runCli(['seed', '--only', 'roles', '--pushgateway', 'http://127.0.0.1:1'], { env })
  t.equal(down.code, 0, 'a failed push does not fail the seeding')
  t.match(down.stderr, 'E_METRICS_PUSH')
})

t.test('spans per run, level and seed, with counts, through an SDK the application registers', async (t) => {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  trace.setGlobalTracerProvider(provider)
  t.teardown(() => trace.disable())
  const result = await seed({ databaseUrl: db.url, seedsDir: path.join(ROOT, 'seeds'), only: ['users'] })
  t.ok(result.ok)
  const spans = exporter.getFinishedSpans()
  const run = spans.find((s) => s.name === 'seedbed run')!
  const levels = spans.filter((s) => s.name.startsWith('level '))
  const seeds = spans.filter((s) => s.name.startsWith('seed '))
  t.ok(run)
  t.same(levels.map((l) => l.name).sort(), ['level 0', 'level 1'])
  t.same(seeds.map((s) => s.name).sort(), ['seed roles', 'seed users'])
  const parentOf = (s: (typeof spans)[number]) => s.parentSpanContext?.spanId
  for (const l of levels) t.equal(parentOf(l), run.spanContext().spanId, `${l.name} is a child of the run`)
  const users = seeds.find((s) => s.name === 'seed users')!
  t.equal(parentOf(users), levels.find((l) => l.name === 'level 1')!.spanContext().spanId)
  t.match(users.attributes, { 'seedbed.seed': 'users', 'seedbed.status': 'succeeded', 'seedbed.level': 1 })
  t.equal(users.attributes['seedbed.created'], result.seeds.find((s) => s.name === 'users')!.created)
})
