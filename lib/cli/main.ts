#!/usr/bin/env -S npx tsx
/**
 * seedbed's tasks: `npx tsx tasks.ts <task> [flags]`. This file only parses flags, prints and
 * picks the exit code; the work is done by lib/api.ts, which returns data.
 *
 * Exit codes: 0 success; 1 the run failed (a seed, the connection, the database);
 * 2 the input is wrong (a flag, a seed file, the dependency graph) and nothing ran.
 */
import { cac } from 'cac'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveSettings } from '../config/config.ts'
import { loadEnvironment } from '../config/environment.ts'
import { codes, formatError, SeedbedError, type ErrorCode } from '../errors/errors.ts'
import { createLogger, type Logger } from '../output/log.ts'
import { redactValue } from '../errors/redact.ts'

const USAGE_ERRORS = new Set<ErrorCode>([
  codes.BAD_OPTION,
  codes.UNKNOWN_OPTION,
  codes.UNKNOWN_COMMAND,
  codes.SEEDS_DIR,
  codes.SEED_LOAD,
  codes.SEED_NO_EXPORT,
  codes.SEED_INVALID,
  codes.SEED_DUPLICATE,
  codes.SEED_EXISTS,
  codes.DEPENDENCY_MISSING,
  codes.DEPENDENCY_CYCLE,
  codes.ONLY_UNKNOWN,
  codes.BAD_ENV,
  codes.ENV_UNKNOWN,
  codes.SEEDING_DISABLED,
  codes.SEED_NOT_ALLOWED,
  codes.CONFIRMATION_REQUIRED,
  codes.CONFIRMATION_MISMATCH,
  codes.FRESH_PRODUCTION,
  codes.SECRET_MISSING,
])

interface Flags {
  seeds?: string
  schema?: string
  only?: unknown
  concurrency?: unknown
  poolSize?: unknown
  json?: boolean
  applySchema?: boolean
  verbose?: boolean
  quiet?: boolean
  scale?: unknown
  report?: string
  logFormat?: string
  env?: string
  dryRun?: boolean
  timeout?: unknown
  seedTimeout?: unknown
  maxRetries?: unknown
  lockTimeout?: unknown
  changed?: boolean
  yes?: boolean
  force?: boolean
  metricsFile?: string
  pushgateway?: string
}

/** Asks on the terminal for the environment's name to be typed back. */
async function confirmOnTerminal(env: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question(`This run writes to ${env}. Type the environment name to continue: `)
    if (answer.trim() !== env) {
      throw new SeedbedError(codes.CONFIRMATION_MISMATCH, `confirmation '${answer.trim()}' does not match '${env}': nothing was written`, {
        hint: `type ${env} exactly, or pass --yes in a pipeline`,
      })
    }
    return true
  } finally {
    rl.close()
  }
}

const started = performance.now()
let json = false
let interrupted = false

/**
 * Writes, waits for the pipe to take it, then exits: a piped stdout is never cut short. Once a
 * signal arrived, only its handler may exit (after its cleanup), whatever the run then reports.
 */
function finish(code: number, out?: string, fromSignal = false): never {
  if (interrupted && !fromSignal) return undefined as never
  const exit = () => process.exit(code)
  if (out === undefined) exit()
  else process.stdout.write(out, exit)
  return undefined as never
}

function loggerFor(flags: Flags): Logger {
  json = Boolean(flags.json)
  const format = flags.logFormat ?? 'text'
  if (format !== 'text' && format !== 'json') {
    throw new SeedbedError(codes.BAD_OPTION, `--log-format must be text or json, got '${format}'`, {
      hint: 'for example --log-format json',
    })
  }
  return createLogger({ stream: json ? process.stderr : process.stdout, level: flags.quiet ? 1 : flags.verbose ? 4 : 3, format })
}

function fail(err: unknown, log: Logger = createLogger({ stream: process.stderr })): never {
  const e =
    err instanceof SeedbedError
      ? err
      : (err as Error)?.name === 'CACError'
        ? new SeedbedError(
            /Unknown option/.test((err as Error).message) ? codes.UNKNOWN_OPTION : codes.BAD_OPTION,
            (err as Error).message,
            {
              hint: 'see `npx tsx tasks.ts <task> --help`',
            },
          )
        : new SeedbedError(codes.SEED_FAILED, (err as Error)?.stack ?? String(err), { hint: 'this is a bug in seedbed: please report it' })
  log.error(formatError(e))
  const code = USAGE_ERRORS.has(e.code) ? 2 : 1
  if (!json) return finish(code)
  const report = { ok: false, durationMs: Math.round(performance.now() - started), seeds: [], error: e.toJSON() }
  return finish(code, `${JSON.stringify(report)}\n`)
}

async function runTask(task: 'seed' | 'validate' | 'fresh', flags: Flags) {
  let log: Logger | undefined
  try {
    log = loggerFor(flags)
    const api = await import('../execution/api.ts')
    const { formatSummary } = await import('../output/summary.ts')
    loadEnvironment(flags.env)
    const settings = resolveSettings(flags)
    // Production writes: --yes, or the name typed back on a terminal (asked after every other check).
    const confirm = process.stdin.isTTY ? confirmOnTerminal : undefined
    // A terminal gets a live progress line; CI, pipes and --json get a plain line every 2 s.
    const progress = process.stderr.isTTY && !json ? 'live' : 'lines'
    const result = await api[task]({
      ...settings,
      logger: log,
      applySchema: flags.applySchema,
      progress,
      confirmed: flags.yes,
      confirm,
      force: flags.force,
      argv: redactValue(process.argv.slice(2)),
    })
    const code = result.ok ? 0 : 1
    const metricsFile = flags.metricsFile || process.env.SEEDBED_METRICS_FILE
    const pushgateway = flags.pushgateway || process.env.SEEDBED_PUSHGATEWAY
    if (metricsFile || pushgateway) {
      const { runMetrics, writeMetricsFile, pushMetrics } = await import('../output/metrics.ts')
      const registry = runMetrics(result, settings.env)
      if (metricsFile) await writeMetricsFile(registry, metricsFile)
      // A failed push is reported but does not undo or fail the seeding that happened.
      if (pushgateway) await pushMetrics(registry, pushgateway, settings.env).catch((e) => log!.error(formatError(e)))
    }
    const document = JSON.stringify(redactValue(result))
    if (flags.report) {
      const { writeFile } = await import('node:fs/promises')
      await writeFile(flags.report, `${document}\n`)
    }
    if (json) return finish(code, `${document}\n`)
    log.log(`\n${formatSummary(result)}`)
    return finish(code)
  } catch (err) {
    return fail(err, log)
  }
}

const here = path.dirname(fileURLToPath(import.meta.url))
const cli = cac('seedbed')

const seedingFlags = (cmd: ReturnType<typeof cli.command>) =>
  cmd
    .option('--only <seeds>', 'Run only these seeds (comma-separated) and what they depend on')
    .option('--concurrency <n>', 'Seeds of one level running at once (default: pool size; env SEEDBED_CONCURRENCY)')
    .option('--pool-size <n>', 'Database connections (default 10; env SEEDBED_POOL_SIZE)')
    .option('--seeds <dir>', 'Folder of seed files (default seeds/; env SEEDBED_SEEDS_DIR)')
    .option('--schema <dir>', 'Folder of schema .sql files (default schema/; env SEEDBED_SCHEMA_DIR)')
    .option('--env <name>', 'Environment profile: .env then .env.<name> (default APP_ENV, NODE_ENV, development)')
    .option('--dry-run', 'Run every seed in a transaction that is rolled back; report what would change')
    .option('--timeout <duration>', 'Cancel the whole run after this long, e.g. 10m (env SEEDBED_TIMEOUT)')
    .option('--seed-timeout <duration>', 'Cancel a seed after this long, e.g. 60s (env SEEDBED_SEED_TIMEOUT)')
    .option('--max-retries <n>', 'Retries of a seed after a transient failure (default 3; env SEEDBED_MAX_RETRIES)')
    .option('--lock-timeout <duration>', 'Wait this long for another run to finish (default 3m; env SEEDBED_LOCK_TIMEOUT)')
    .option('--yes', 'Confirm a run that writes to production without a prompt')
    .option('--scale <n>', 'Multiply the row counts of scalable seeds (default 1; env SEEDBED_SCALE)')
    .option('--json', 'Print the result as one JSON document on stdout; logs go to stderr')
    .option('--report <file>', 'Also write the JSON result to this file')
    .option('--metrics-file <file>', 'Write Prometheus metrics (text format) for node_exporter (env SEEDBED_METRICS_FILE)')
    .option('--pushgateway <url>', 'Push Prometheus metrics to a Pushgateway (env SEEDBED_PUSHGATEWAY)')
    .option('--log-format <format>', 'text (default) or json: one JSON object per log line')
    .option('--verbose', 'Log debug lines too')
    .option('--quiet', 'Log only warnings and errors')

seedingFlags(cli.command('seed', 'Run the seeds in dependency order (idempotent)'))
  .option('--apply-schema', 'Apply the schema .sql files first (they must be idempotent)')
  .option('--changed', 'Run only seeds whose file changed since their last success, and what depends on them')
  .example('  npx tsx tasks.ts seed --only users --json')
  .action((flags: Flags) => runTask('seed', flags))

seedingFlags(cli.command('fresh', 'Drop the public schema, apply the schema files, then seed'))
  .option('--force', 'Allow fresh in production (it still asks for confirmation)')
  .action((flags: Flags) => runTask('fresh', flags))

seedingFlags(cli.command('validate', 'Run only the validate functions, read-only')).action((flags: Flags) => runTask('validate', flags))

cli
  .command('plan', 'Print the dependency levels; touches no database')
  .option('--only <seeds>', 'Plan only these seeds and what they depend on')
  .option('--seeds <dir>', 'Folder of seed files (default seeds/; env SEEDBED_SEEDS_DIR)')
  .option('--json', 'Print the plan as JSON (same as --format json)')
  .option('--format <format>', 'text (default), json, mermaid or dot')
  .option('--env <name>', 'Plan for this environment (its allow-list and seed environments)')
  .action(async (flags: Flags & { format?: string }) => {
    const log = loggerFor(flags)
    try {
      loadEnvironment(flags.env)
      const { plan } = await import('../execution/api.ts')
      const { renderPlan } = await import('../planning/plan-format.ts')
      const { levels } = await plan({ ...resolveSettings(flags), logger: log })
      return finish(0, `${renderPlan(levels, json ? 'json' : String(flags.format ?? 'text'))}\n`)
    } catch (err) {
      return fail(err, log)
    }
  })

cli
  .command('status', 'Show the last runs and, per seed, its last success and whether its file changed')
  .option('--env <name>', 'Environment profile to load (for DATABASE_URL and the allow-list)')
  .option('--seeds <dir>', 'Folder of seed files (default seeds/; env SEEDBED_SEEDS_DIR)')
  .option('--json', 'Print the status as JSON')
  .action(async (flags: Flags) => {
    const log = loggerFor(flags)
    try {
      loadEnvironment(flags.env)
      const { status } = await import('../execution/api.ts')
      const { formatStatus } = await import('../output/summary.ts')
      const result = await status({ ...resolveSettings(flags), logger: createLogger({ stream: process.stderr, level: 1 }) })
      return finish(0, `${json ? JSON.stringify(result) : formatStatus(result)}\n`)
    } catch (err) {
      return fail(err, log)
    }
  })

cli
  .command('new <name>', 'Write seeds/<name>.ts from a template')
  .option('--seeds <dir>', 'Folder of seed files (default seeds/; env SEEDBED_SEEDS_DIR)')
  .action(async (name: string, flags: Flags) => {
    const log = loggerFor(flags)
    try {
      const { newSeedFile } = await import('./scaffold.ts')
      const file = await newSeedFile(resolveSettings(flags).seedsDir, name, path.join(here, '..', 'contract', 'contract.ts'))
      log.success(`wrote ${path.relative(process.cwd(), file)}`)
      return finish(0)
    } catch (err) {
      return fail(err, log)
    }
  })

cli.help()

// Ctrl-C / SIGTERM: say so, close the pool (the server rolls back what was in progress), stop the
// embedded server, exit 130 / 143.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, async () => {
    interrupted = true
    const { runShutdown } = await import('../execution/shutdown.ts')
    const e = new SeedbedError(codes.INTERRUPTED, `interrupted by ${signal}; transactions in progress were rolled back`, {
      hint: 'run again: every seed is applied whole or not at all',
    })
    createLogger({ stream: process.stderr }).error(formatError(e))
    await runShutdown()
    finish(
      code,
      json
        ? `${JSON.stringify({ ok: false, durationMs: Math.round(performance.now() - started), seeds: [], error: e.toJSON() })}\n`
        : undefined,
      true,
    )
  })
}

try {
  cli.parse(process.argv, { run: false })
  if (cli.options.help) finish(0)
  if (!cli.matchedCommand) {
    if (cli.args.length === 0) {
      cli.outputHelp()
      finish(0)
    }
    throw new SeedbedError(codes.UNKNOWN_COMMAND, `unknown task '${cli.args[0]}'`, {
      hint: 'tasks: seed, plan, fresh, validate, status, new',
    })
  }
  await cli.runMatchedCommand()
} catch (err) {
  fail(err)
}
