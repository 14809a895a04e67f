import t from 'tap'
import type { RunResult, SeedReport } from '../lib/contract/types.ts'
import type { ManyResult } from '../lib/execution/many.ts'
import { formatManySummary, formatStatus } from '../lib/output/summary.ts'

// The terminal tables the CLI prints, on in-memory results (the CLI tests see them through a child
// process, which tap's coverage does not follow).

const report = (name: string, created: number, updated: number, skipped: number): SeedReport => ({
  name,
  level: 0,
  status: 'succeeded',
  created,
  updated,
  skipped,
  durationMs: 10,
  rowsPerSecond: 0,
  attempts: 1,
  error: null,
})
const run = (...seeds: SeedReport[]): RunResult => ({ ok: true, durationMs: 20, dryRun: false, seeds })

t.test('many databases: a summary per database, a table of totals, and which failed', async (t) => {
  const many: ManyResult = {
    ok: false,
    durationMs: 99,
    databases: [
      { database: 'db.internal/tenant_a', ok: true, durationMs: 40, result: run(report('teams', 2, 1, 0), report('users', 3, 0, 4)) },
      {
        database: 'db.internal/tenant_b',
        ok: false,
        durationMs: 5,
        error: { code: 'E_MISSING_TABLE', message: 'table teams does not exist', hint: 'apply the schema' },
      },
      { database: 'db.internal:6543/tenant_c', ok: true, durationMs: 30, result: run(report('teams', 0, 0, 2)) },
    ],
  }
  const out = formatManySummary(many)
  t.match(out, /^database db\.internal\/tenant_a: ok\n/m)
  t.match(out, /^database db\.internal\/tenant_b: FAILED\nE_MISSING_TABLE: table teams does not exist\n {2}hint: apply the schema/m)
  const line = (label: string) =>
    out
      .split('\n')
      .find((l) => l.startsWith(label))
      ?.split(/\s{2,}/)
  t.same(line('db.internal/tenant_a'), ['db.internal/tenant_a', 'ok', '5', '1', '4', '40'])
  t.same(line('db.internal/tenant_b'), ['db.internal/tenant_b', 'FAILED E_MISSING_TABLE', '0', '0', '0', '5'])
  t.same(line('total (3 databases)'), ['total (3 databases)', 'FAILED', '5', '1', '6', '99'], 'totals add up every database')
  t.match(out, /1 of 3 databases FAILED: db\.internal\/tenant_b; 2 ok$/)

  const allOk = formatManySummary({ ok: true, durationMs: 1, databases: [many.databases[0]!] })
  t.match(allOk, /all 1 databases ok$/)
})

t.test('status: the last runs, then each seed and whether its file changed', async (t) => {
  const started = new Date('2026-11-30T10:00:00Z')
  const out = formatStatus({
    runs: [
      {
        id: 7,
        command: 'seed',
        environment: 'staging',
        osUser: 'ci',
        host: 'runner-1',
        gitCommit: null,
        startedAt: started,
        endedAt: null,
        status: 'running',
        undo: '-',
      },
    ],
    seeds: [
      { name: 'teams', lastSucceeded: started, file: 'unchanged' },
      { name: 'users', lastSucceeded: null, file: 'never run' },
    ],
  })
  t.match(out, /^run\s+command\s+env\s+user@host\s+started\s+ended\s+status\s+undo$/m)
  t.match(out, /^\s*7\s+seed\s+staging\s+ci@runner-1\s+2026-11-30 10:00:00\s+-\s+running\s+-$/m, 'a run without an end shows -')
  t.match(out, /^teams\s+2026-11-30 10:00:00\s+unchanged$/m)
  t.match(out, /^users\s+-\s+never run$/m)
  t.match(formatStatus({ runs: [], seeds: [] }), /^no runs recorded yet/)
})
