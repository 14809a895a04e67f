/**
 * The task runner behind `seedbed <task>` and a project's `tasks.ts`: parses flags, runs a built-in or a
 * project task, prints, and picks the exit code. The work itself is done by the library, which
 * returns data; this is the only layer that writes to stdout or exits.
 *
 * Exit codes: 0 success; 1 the run failed (a seed, the connection, the database); 2 the input is wrong
 * (a flag, a seed file, the dependency graph) and nothing ran; 130 / 143 interrupted (SIGINT / SIGTERM).
 */
import path from 'node:path'
import { formatWithOptions } from 'node:util'
import { type CAC, type Command, cac } from 'cac'
import { type Settings, type SettingFlags, resolveSettings, schemaNames } from '../config/config.ts'
import { loadEnvironment } from '../config/environment.ts'
import { codes, exitStatus, formatError, SeedbedError } from '../errors/errors.ts'
import { Redactor, withRedactor } from '../errors/redact.ts'
import type { TaskContext } from '../execution/task.ts'
import { createLogger, type Logger } from '../output/log.ts'
import { watchLaunchers } from './launcher.ts'
import { didYouMean } from '../errors/suggest.ts'
import { defineTask, registerFlags, registerGlobalFlags, TASKS } from './flags.ts'

/** A task a project adds in its tasks.ts. */
export interface TaskDefinition {
  /** One line for `--help`. */
  description: string
  /** Positional arguments in cac's syntax, e.g. `<tenant> [others...]`. */
  args?: string
  /** Extra flags: `{ '--limit <n>': 'How many rows' }`. The common flags (--env, --json...) are always there. */
  flags?: Record<string, string>
  /** Open the database (default true): DATABASE_URL or the embedded PostgreSQL, as for `seed`. */
  database?: boolean
  /** Hold the run lock while the task runs (default true when it opens the database). */
  lock?: boolean
  /**
   * The task. What it returns is printed: as JSON with `--json`, else strings as they are and other
   * values as JSON. Throw a SeedbedError for a coded failure; any other error is exit code 1.
   */
  run(ctx: TaskContext): Promise<unknown> | unknown
}

export type TaskDefinitions = Record<string, TaskDefinition>

type Flags = SettingFlags & Record<string, unknown>

const BUILT_IN = Object.keys(TASKS)
const SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const

/** How this process was started, for hints: `npx seedbed` or `npx tsx tasks.ts`. */
function invocation(): string {
  const script = process.argv[1] ?? ''
  return /tasks\.[cm]?[jt]s$/.test(script) ? 'npx tsx tasks.ts' : 'npx seedbed'
}

/**
 * The settings of a task: the environment's profile (`.env`, `.env.<env>`, the one name rule of
 * lib/config/environment.ts), then the flags. The profile is copied into this process's environment
 * (the CLI's own process: seeds may read it), never over a variable that is set.
 */
function settingsFor(flags: Flags): Settings {
  const { name, variables } = loadEnvironment(flags.env as string | undefined)
  for (const [key, value] of Object.entries(variables)) if (process.env[key] === undefined) process.env[key] = value
  return resolveSettings({ ...flags, env: name }, process.env)
}

/** One CLI invocation's state: its output mode, its signal, its redactor and the exit it ends with. */
class Session {
  readonly started = performance.now()
  readonly controller = new AbortController()
  /** The secrets of this invocation: whatever it prints goes through it. */
  readonly redactor = new Redactor()
  json = false
  /** The exit code of the signal that arrived, if one did. */
  signalled?: number
  private signalledAt = 0
  private stopping?: SeedbedError
  log: Logger = createLogger({ stream: process.stderr, redactor: this.redactor })
  private exiting = false

  constructor() {
    // `on`, not `once`: Ctrl-C reaches this process twice under tsx (from the terminal's process group and
    // relayed by tsx); the default action of the second would kill it before the cancels are sent.
    for (const [signal, code] of Object.entries(SIGNALS)) process.on(signal, () => this.interrupt(signal, code))
    // npx and npm run end without passing SIGTERM on: treat their end as SIGTERM (lib/cli/launcher.ts).
    watchLaunchers(() => this.interrupt('SIGTERM (its launcher, npx or npm, ended)', SIGNALS.SIGTERM))
    // Every path ends through finish(), which exits: an event loop that empties first means the task
    // waits on a promise nothing will settle (a connection gone under a query). Node would end with
    // exit 13 or 0 and no message; say so and fail instead.
    process.once('beforeExit', async () => {
      if (this.exiting) return
      // Close what the stalled run holds (its pool, its place on the embedded server) before exiting.
      const { runShutdown } = await import('../util/shutdown.ts')
      await runShutdown()
      void this.fail(
        new SeedbedError(
          codes.STALLED,
          'the run stopped with work pending: nothing was left for it to wait on (its database connection closed?)',
          {
            hint: 'run again; if it happens again, run with --verbose and report it',
          },
        ),
      )
    })
  }

  loggerFor(flags: Flags): Logger {
    this.json = Boolean(flags.json)
    const format = (flags.logFormat as string | undefined) ?? 'text'
    if (format !== 'text' && format !== 'json') {
      throw new SeedbedError(codes.BAD_OPTION, `--log-format must be text or json, got '${format}'`, {
        hint: 'for example --log-format json',
      })
    }
    const level = flags.quiet ? 1 : flags.verbose ? 4 : 3
    this.log = createLogger({ stream: this.json ? process.stderr : process.stdout, level, format, redactor: this.redactor })
    this.routeConsole()
    return this.log
  }

  /**
   * A seed's own console output goes through the redactor too, and under --json to stderr: stdout
   * holds only the JSON document.
   */
  private routeConsole() {
    const write =
      (stream: NodeJS.WriteStream) =>
      (...args: unknown[]) => {
        stream.write(`${this.redactor.text(formatWithOptions({ colors: false }, ...args))}\n`)
      }
    const out = this.json ? process.stderr : process.stdout
    console.log = write(out)
    console.info = write(out)
    console.debug = write(out)
    console.warn = write(process.stderr)
    console.error = write(process.stderr)
  }

  /**
   * Ctrl-C / SIGTERM: the run's signal aborts, so running seeds are cancelled and rolled back and the
   * ledger records the run as interrupted; the run then ends through `finish` with 130 / 143. If it has
   * not ended within 5 s, the pool's sockets are cut (the server rolls back) and the process exits.
   */
  private interrupt(signal: string, code: number) {
    if (this.signalled !== undefined) {
      // The same signal delivered twice (process group and relay) is one request; a second one
      // later is an impatient user: cut the sockets and go.
      if (performance.now() - this.signalledAt > 2000) void this.forceStop(code)
      return
    }
    this.signalled = code
    this.signalledAt = performance.now()
    const e = new SeedbedError(codes.INTERRUPTED, `interrupted by ${signal}; transactions in progress were rolled back`, {
      hint: 'run again: every seed is applied whole or not at all',
    })
    this.log.error(formatError(e))
    this.controller.abort(e)
    this.stopping = e
    const timer = setTimeout(() => void this.forceStop(code), 5000)
    timer.unref()
  }

  /** Cuts the pool's sockets (the server rolls back), stops the embedded server, exits. */
  private async forceStop(code: number) {
    const { runShutdown } = await import('../util/shutdown.ts')
    await runShutdown()
    void this.finish(code, this.json && this.stopping ? this.errorDocument(this.stopping) : undefined)
  }

  private errorDocument(e: SeedbedError): string {
    const document = { ok: false, durationMs: Math.round(performance.now() - this.started), seeds: [], error: e.toJSON() }
    return `${JSON.stringify(this.redactor.value(document))}\n`
  }

  /** Writes `out`, waits until the pipe has taken it, then exits. Never returns. */
  async finish(code: number, out?: string): Promise<never> {
    if (!this.exiting) {
      this.exiting = true
      const exitCode = this.signalled ?? code
      if (out !== undefined) await new Promise((resolve) => process.stdout.write(out, resolve))
      process.exit(exitCode)
    }
    return new Promise<never>(() => {})
  }

  fail(err: unknown): Promise<never> {
    const e =
      err instanceof SeedbedError
        ? err
        : (err as Error)?.name === 'CACError'
          ? new SeedbedError(codes.BAD_OPTION, (err as Error).message, { hint: `see \`${invocation()} <task> --help\`` })
          : new SeedbedError(codes.SEED_FAILED, (err as Error)?.stack ?? String(err), {
              hint: 'this is a bug in seedbed: please report it',
            })
    this.log.error(formatError(e))
    return this.finish(exitStatus(e.code), this.json ? this.errorDocument(e) : undefined)
  }
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

/** The API options a seeding task takes from the command line, beyond the settings. */
function runOptions(session: Session, flags: Flags, progress: 'live' | 'lines') {
  return {
    logger: session.log,
    applySchema: Boolean(flags.applySchema),
    progress,
    confirmed: Boolean(flags.yes),
    // Production writes: --yes, or the name typed back on a terminal (asked after every other check).
    confirm: process.stdin.isTTY ? confirmOnTerminal : undefined,
    force: Boolean(flags.force),
    strict: Boolean(flags.strict),
    signal: session.controller.signal,
    argv: session.redactor.value(process.argv.slice(2)),
  }
}

type Metrics = typeof import('../output/metrics.ts')

/**
 * Writes what a run produced besides the terminal: Prometheus metrics (file, Pushgateway) and the
 * JSON report. Returns the report, redacted, and whether `--report` was written (when asked for).
 */
async function publish(
  session: Session,
  flags: Flags,
  settings: Settings,
  outcome: unknown,
  addMetrics: (runMetrics: Metrics['runMetrics'], registry: import('prom-client').Registry) => void,
  html?: () => Promise<string>,
): Promise<{ document: string; reported: boolean }> {
  const { metricsFile, pushgateway, env } = settings
  if (metricsFile || pushgateway) {
    const { Registry } = await import('prom-client')
    const { runMetrics, writeMetricsFile, pushMetrics } = await import('../output/metrics.ts')
    const registry = new Registry()
    addMetrics(runMetrics, registry)
    if (metricsFile) await writeMetricsFile(registry, metricsFile)
    // A failed push is reported but does not undo or fail the seeding that happened.
    if (pushgateway) await pushMetrics(registry, pushgateway, env).catch((e) => session.log.error(formatError(e)))
  }
  const document = JSON.stringify(session.redactor.value(outcome))
  return { document, reported: await writeReport(session, flags, document, html) }
}

/** `--report <file>`: the HTML report when the file ends in .html (or .htm), else the JSON document. */
const isHtml = (file: unknown) => typeof file === 'string' && /\.html?$/i.test(file)

async function writeReport(session: Session, flags: Flags, document: string, html?: () => Promise<string>): Promise<boolean> {
  if (!flags.report) return true
  return writeReportFile(session, '--report', String(flags.report), async () => (isHtml(flags.report) && html ? html() : `${document}\n`))
}

/**
 * Writes a report file (`--report`, `report --output`), making its folder when missing. One that cannot
 * be written is E_REPORT_WRITE, logged beside the run's own output (the run is over and what it
 * committed stays; its summary still shows it): false then, and the exit status is 1.
 */
async function writeReportFile(session: Session, flag: string, file: string, content: () => Promise<string>): Promise<boolean> {
  const { mkdir, writeFile } = await import('node:fs/promises')
  const text = await content()
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true })
    await writeFile(file, text)
    return true
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message
    const error = new SeedbedError(
      codes.REPORT_WRITE,
      `cannot write the report to ${file} (${why})${flag === '--report' ? '; the run itself is over, as shown' : ''}`,
      {
        file,
        hint: `${flag} needs a path where a file can be written: a folder you can write to (made when missing), not an existing folder`,
        cause,
      },
    )
    session.log.error(formatError(error))
    return false
  }
}

/** The HTML report of a run (lib/output/report-html.ts), loaded only when one is asked for. */
async function runHtml(result: import('../contract/types.ts').RunResult, meta: import('../output/report-html.ts').ReportMeta) {
  const { runReportHtml } = await import('../output/report-html.ts')
  return runReportHtml(result, meta)
}

async function runSeeding(session: Session, task: 'seed' | 'validate' | 'fresh', flags: Flags): Promise<never> {
  const log = session.loggerFor(flags)
  const api = await import('../execution/api.ts')
  const settings = settingsFor(flags)
  const { readDatabaseList } = await import('../config/database-list.ts')
  const databases = await readDatabaseList({
    urls: flags.databaseUrl,
    file: settings.databasesFile,
    command: flags.databasesCommand as string | undefined,
    signal: session.controller.signal,
  })
  if (databases) return runMany(session, task, flags, settings, databases)
  if (flags.databaseConcurrency !== undefined) {
    throw new SeedbedError(codes.BAD_OPTION, '--database-concurrency needs a list of databases', {
      hint: 'add --database-url (repeated), --databases-file or --databases-command',
    })
  }
  // A terminal gets a live progress line; CI, pipes and --json get a plain line every 2 s.
  const result = await api[task]({ ...settings, ...runOptions(session, flags, process.stderr.isTTY && !session.json ? 'live' : 'lines') })
  const { document, reported } = await publish(
    session,
    flags,
    settings,
    result,
    (runMetrics, registry) => runMetrics(result, settings.env, registry),
    () => runHtml(result, { command: task, env: settings.env }),
  )
  const code = result.ok && reported ? 0 : 1
  if (session.json) return session.finish(code, `${document}\n`)
  const { formatSummary } = await import('../output/summary.ts')
  log.log(`\n${formatSummary(result)}`)
  return session.finish(code)
}

/** The run of `seed`, `fresh` or `validate` on a list of databases (lib/execution/many.ts). */
async function runMany(
  session: Session,
  task: 'seed' | 'validate' | 'fresh',
  flags: Flags,
  all: Settings,
  databases: import('../config/database-list.ts').DatabaseEntry[],
): Promise<never> {
  const log = session.log
  const { seedMany } = await import('../execution/many.ts')
  const { intOption } = await import('../config/config.ts')
  const { databaseUrl: _one, ...settings } = all
  if (isHtml(flags.report)) {
    throw new SeedbedError(
      codes.BAD_OPTION,
      `--report ${flags.report}: an HTML report shows one database's run, and this run has a list of databases`,
      {
        hint: 'write a JSON report (--report run.json) for a list, or run one database with --report run.html',
      },
    )
  }
  const many = await seedMany(databases, {
    ...settings,
    command: task,
    databaseConcurrency: intOption('--database-concurrency', flags.databaseConcurrency, 1, 1000),
    // Several databases at once: one live terminal line each would overwrite the others.
    ...runOptions(session, flags, 'lines'),
  })
  const { document, reported } = await publish(session, flags, all, many, (runMetrics, registry) => {
    for (const d of many.databases) {
      const result = d.result ?? { ok: false, durationMs: d.durationMs, dryRun: settings.dryRun, seeds: [] }
      runMetrics(result, settings.env, registry, d.database)
    }
  })
  // Every database refused for the same wrong input (a profile, a confirmation) means nothing ran: 2.
  const usage = many.databases.every((d) => d.error && exitStatus(d.error.code) === 2)
  const code = many.ok ? (reported ? 0 : 1) : usage ? 2 : 1
  if (session.json) return session.finish(code, `${document}\n`)
  const { formatManySummary } = await import('../output/summary.ts')
  log.log(`\n${formatManySummary(many)}`)
  return session.finish(code)
}

/** `seedbed types`: the tables' TypeScript declarations, written to --out. */
async function runTypes(session: Session, flags: Flags) {
  const log = session.loggerFor(flags)
  // --schema here lists schemas; it is not the seeding tasks' schema folder.
  const { schema, out, ...rest } = flags
  const settings = settingsFor(rest)
  const schemas = schemaNames(schema)
  const { writeTypes } = await import('../execution/api.ts')
  const options = {
    ...settings,
    logger: createLogger({ stream: process.stderr, level: 1 }),
    ...(out !== undefined && { out: String(out) }),
  }
  const result = await writeTypes({ ...options, ...(schemas && { schemas }) })
  if (session.json) return session.finish(0, `${JSON.stringify(result)}\n`)
  log.success(`wrote the types of ${result.tables} tables to ${result.file} (catalog ${result.catalog.slice(0, 12)})`)
  return session.finish(0)
}

/** `seedbed generate`: a fake seed per table of the connected database. */
async function runGenerate(session: Session, flags: Flags) {
  const log = session.loggerFor(flags)
  // --schema here names database schemas, not the schema folder.
  const settings = settingsFor({ ...flags, schema: undefined })
  const { generateSeeds, formatGenerated } = await import('./generate.ts')
  const report = await generateSeeds(settings, log, session.controller.signal, flags)
  if (session.json) return session.finish(0, `${JSON.stringify(report)}\n`)
  log.log(formatGenerated(report, invocation()))
  return session.finish(0)
}

function defineBuiltIns(cli: CAC, session: Session): void {
  defineTask(cli, 'seed')
    .example('  seedbed seed --only users --json')
    .action((flags: Flags) => runSeeding(session, 'seed', flags))

  defineTask(cli, 'fresh')
    // its flags: lib/cli/flags.ts
    .action((flags: Flags) => runSeeding(session, 'fresh', flags))

  defineTask(cli, 'validate').action((flags: Flags) => runSeeding(session, 'validate', flags))

  defineTask(cli, 'plan')
    // its flags: lib/cli/flags.ts
    .action(async (flags: Flags) => {
      session.loggerFor(flags)
      const settings = settingsFor(flags)
      // Only the planner: `plan` loads neither the runner nor the driver, unless it reads the catalog.
      const { planProject } = await import('../planning/project.ts')
      const { renderPlan } = await import('../planning/plan-format.ts')
      const format = session.json ? 'json' : String(flags.format ?? 'text')
      const planned = await planProject(settings)
      for (const e of planned.excluded) session.log.debug(`${e.name}: not in this run (${e.reason})`)
      // dependsOn: 'auto' needs the catalog to plan at all.
      if (!flags.check && !planned.seeds.some((s) => s.autoDepends)) return session.finish(0, `${renderPlan(planned.levels, format)}\n`)
      const { checkPlan } = await import('../execution/api.ts')
      const checked = await checkPlan({ ...settings, logger: createLogger({ stream: process.stderr, level: 1 }) })
      const levels = checked.levels.map((l) => l.seeds)
      const { problems, staleTypes } = checked
      if (!flags.check || (!problems.length && !staleTypes.length)) return session.finish(0, `${renderPlan(levels, format, checked)}\n`)
      process.stdout.write(`${renderPlan(levels, format, checked)}\n`)
      // A stale types file fails the check as a foreign-key problem does (exit 2); the latter is the error shown.
      const { planError } = await import('../planning/foreign-keys.ts')
      const { staleError } = await import('../schema/types-file.ts')
      const error = problems.length ? planError(problems) : staleError(staleTypes)
      if (session.json) return session.finish(exitStatus(error.code))
      return session.fail(error)
    })

  defineTask(cli, 'types')
    .example('  seedbed types --schema public,app --out src/db/_tables.ts')
    .action((flags: Flags) => runTypes(session, flags))

  defineTask(cli, 'status')
    // its flags: lib/cli/flags.ts
    .action(async (flags: Flags) => {
      session.loggerFor(flags)
      const settings = settingsFor(flags)
      const { status } = await import('../execution/api.ts')
      const { formatStatus } = await import('../output/summary.ts')
      const result = await status({ ...settings, logger: createLogger({ stream: process.stderr, level: 1 }) })
      return session.finish(0, `${session.json ? JSON.stringify(result) : formatStatus(result)}\n`)
    })

  defineTask(cli, 'undo')
    .example('  seedbed undo --dry-run --diff')
    .action(async (which: string | undefined, flags: Flags) => {
      const log = session.loggerFor(flags)
      const settings = settingsFor(flags)
      const run = which === undefined ? undefined : Number(which)
      if (run !== undefined && !(Number.isInteger(run) && run > 0)) {
        throw new SeedbedError(codes.BAD_OPTION, `undo takes a run id, got '${which}'`, {
          hint: '`status` lists the runs; for example `undo 12`',
        })
      }
      const { undo } = await import('../execution/api.ts')
      const { progress: _, applySchema: __, force: ___, ...options } = runOptions(session, flags, 'lines')
      const result = await undo({ ...settings, ...options, ...(run !== undefined && { run }) })
      const reported = await writeReport(session, flags, JSON.stringify(session.redactor.value(result)), async () => {
        const { undoReportHtml } = await import('../output/report-html.ts')
        return undoReportHtml(result, { env: settings.env })
      })
      if (session.json) return session.finish(reported ? 0 : 1, `${JSON.stringify(session.redactor.value(result))}\n`)
      const { formatUndo } = await import('../output/summary.ts')
      log.log(`\n${formatUndo(result)}`)
      return session.finish(reported ? 0 : 1)
    })

  defineTask(cli, 'report')
    .example('  seedbed report 12 --output run.html')
    .action(async (which: string | undefined, flags: Flags) => {
      const log = session.loggerFor(flags)
      const settings = settingsFor(flags)
      const run = which === undefined ? undefined : Number(which)
      if (run !== undefined && !(Number.isInteger(run) && run > 0)) {
        throw new SeedbedError(codes.BAD_OPTION, `report takes a run id, got '${which}'`, {
          hint: '`status` lists the runs; for example `report 12`',
        })
      }
      const { recordedRun } = await import('../execution/api.ts')
      const { recordedReportHtml } = await import('../output/report-html.ts')
      const recorded = await recordedRun({ ...settings, logger: session.log, ...(run !== undefined && { run }) })
      const html = recordedReportHtml(recorded)
      if (!flags.output) return session.finish(0, html)
      if (!(await writeReportFile(session, '--output', String(flags.output), async () => html))) return session.finish(1)
      log.success(`wrote the report of run ${recorded.run.id} to ${String(flags.output)}`)
      return session.finish(0)
    })

  defineTask(cli, 'ledger-sql')
    // its flags: lib/cli/flags.ts
    .action(async (flags: Flags) => {
      session.loggerFor(flags)
      const { ledgerSql } = await import('../db/ledger.ts')
      const role = flags.role === undefined ? undefined : String(flags.role)
      if (role !== undefined && !role.trim()) {
        throw new SeedbedError(codes.BAD_OPTION, '--role needs a role name', { hint: 'for example --role seeder' })
      }
      const text = ledgerSql(role)
      return session.finish(0, session.json ? `${JSON.stringify({ sql: text })}\n` : text)
    })

  defineTask(cli, 'new')
    // its flags: lib/cli/flags.ts
    .action(async (name: string, flags: Flags) => {
      const log = session.loggerFor(flags)
      const { newSeedFile } = await import('./scaffold.ts')
      const path = await import('node:path')
      const file = await newSeedFile(resolveSettings(flags).seedsDir, name)
      log.success(`wrote ${path.relative(process.cwd(), file)}`)
      return session.finish(0)
    })

  defineTask(cli, 'generate')
    .example('  seedbed generate --schema public --rows 100')
    .action((flags: Flags) => runGenerate(session, flags))

  defineTask(cli, 'init')
    // its flags: lib/cli/flags.ts
    .action(async (flags: Flags) => {
      const log = session.loggerFor(flags)
      const { initProject, formatInit } = await import('./init.ts')
      const report = await initProject({
        dir: process.cwd(),
        seedsDir: flags.seeds as string | undefined,
        dryRun: Boolean(flags.dryRun),
        runtime: flags.runtime as string | undefined,
      })
      if (session.json) return session.finish(0, `${JSON.stringify(report)}\n`)
      log.log(formatInit(report))
      return session.finish(0)
    })
}

function defineDb(cli: CAC, session: Session): void {
  defineTask(cli, 'db')
    .example('  seedbed db start --write-env .env.local')
    .action(async (action: string, flags: Flags) => {
      const log = session.loggerFor(flags)
      const settings = settingsFor(flags)
      const { dbCommand } = await import('./db.ts')
      const result = await dbCommand(action, {
        dataDir: settings.dataDir,
        port: settings.embeddedPort,
        envFile: flags.writeEnv as string | undefined,
        log,
      })
      if (session.json) return session.finish(result.code, `${JSON.stringify(result.data)}\n`)
      if (result.text) process.stdout.write(`${result.text}\n`)
      if (result.note) process.stderr.write(`${result.note}\n`)
      return session.finish(result.code)
    })
}

function defineCustom(cli: CAC, session: Session, name: string, task: TaskDefinition): void {
  const cmd = registerFlags(cli.command(task.args ? `${name} ${task.args}` : name, task.description), 'task')
  for (const [flag, description] of Object.entries(task.flags ?? {})) cmd.option(flag, description)
  cmd.action(async (...params: unknown[]) => {
    const flags = params.pop() as Flags
    const args = params.flatMap((p) => (Array.isArray(p) ? p.map(String) : p === undefined ? [] : [String(p)]))
    const log = session.loggerFor(flags)
    const settings = settingsFor(flags)
    const { runCustomTask } = await import('../execution/task.ts')
    const database = task.database ?? true
    const result = await runCustomTask(
      { settings, log, args, flags, signal: session.controller.signal, database, lock: task.lock ?? database },
      async (ctx) => {
        try {
          return await task.run(ctx)
        } catch (err) {
          session.log.debug((err as Error)?.stack ?? String(err))
          throw await taskErrorOf(name, err)
        }
      },
    )
    if (session.json) return session.finish(0, `${JSON.stringify(session.redactor.value(result ?? null))}\n`)
    if (result !== undefined) log.log(typeof result === 'string' ? result : JSON.stringify(session.redactor.value(result), null, 2))
    return session.finish(0)
  })
}

/** A project task's failure: the driver's errors keep their codes; anything else is E_TASK_FAILED. */
async function taskErrorOf(name: string, err: unknown): Promise<SeedbedError> {
  if (err instanceof SeedbedError) return err
  if (typeof (err as { code?: unknown })?.code === 'string') {
    const { fromDriverError } = await import('../errors/pg-errors.ts')
    const mapped = fromDriverError(err)
    if (mapped.code !== codes.SEED_FAILED) return mapped
  }
  const message = err instanceof Error ? err.message : String(err)
  return new SeedbedError(codes.TASK_FAILED, `task '${name}' failed: ${message}`, {
    hint: 'fix the task in tasks.ts; --verbose logs the stack',
    cause: err,
  })
}

/** Rejects a flag the task does not declare, suggesting the closest one. */
function checkFlags(cli: CAC, command: Command): void {
  const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  const known = new Set([...command.options, ...cli.globalCommand.options].flatMap((o) => o.names))
  const flagNames = [...known].map((n) => `--${kebab(n)}`)
  for (const key of Object.keys(cli.options)) {
    if (key === '--' || known.has(key)) continue
    const flag = key.length === 1 ? `-${key}` : `--${kebab(key)}`
    throw new SeedbedError(codes.UNKNOWN_OPTION, `unknown flag ${flag} for task '${command.name}'${didYouMean(flag, flagNames)}`, {
      hint: `see \`${invocation()} ${command.name} --help\``,
    })
  }
}

/**
 * Runs the task named on the command line: a built-in one (seed, fresh, validate, plan, status, new,
 * init) or one of `custom`. Prints, then exits the process with the task's exit code: call it last,
 * from the CLI or a project's tasks.ts.
 *
 * ```ts
 * // tasks.ts
 * import { tasks } from 'seedbed/tasks'
 *
 * await tasks({
 *   'count-users': {
 *     description: 'Print how many users there are',
 *     async run({ sql }) {
 *       const [{ n }] = await sql`SELECT count(*)::int AS n FROM users`
 *       return `${n} users`
 *     },
 *   },
 * })
 * ```
 */
export function runTasks(custom: TaskDefinitions = {}, argv: readonly string[] = process.argv): Promise<never> {
  const session = new Session()
  // The invocation's redactor is the run's: a secret registered anywhere inside is hidden in all it prints.
  return withRedactor(() => runTask(session, custom, argv), session.redactor)
}

/**
 * `--scale -1` as `--scale=-1`: cac (mri) reads a value that starts with `-` as a flag of its own
 * (`unknown flag -1`, "did you mean '--h'?"); joined, the option's own check refuses it by name.
 * Only after a flag that takes a value (`<n>` in its definition) and for a negative number.
 */
function negativeValues(cli: ReturnType<typeof cac>, argv: readonly string[]): string[] {
  const options = [...cli.globalCommand.options, ...cli.commands.flatMap((c) => c.options)]
  const valued = new Set(
    options.filter((o) => /[<[]/.test(o.rawName)).flatMap((o) => o.rawName.split(/[\s,]+/).filter((n) => n.startsWith('-'))),
  )
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1]
    if (valued.has(argv[i]!) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${argv[i]}=${next}`)
      i++
    } else out.push(argv[i]!)
  }
  return out
}

async function runTask(session: Session, custom: TaskDefinitions, argv: readonly string[]): Promise<never> {
  try {
    const cli = cac('seedbed')
    for (const name of Object.keys(custom)) {
      if (BUILT_IN.includes(name)) {
        throw new SeedbedError(codes.BAD_OPTION, `tasks.ts defines '${name}', which is a built-in task`, {
          hint: 'give the task another name',
        })
      }
    }
    defineBuiltIns(cli, session)
    defineDb(cli, session)
    registerGlobalFlags(cli)
    for (const [name, task] of Object.entries(custom)) defineCustom(cli, session, name, task)
    cli.help()
    cli.parse(negativeValues(cli, argv), { run: false })
    if (cli.options.help) return session.finish(0)
    if (cli.options.version && !cli.matchedCommand) {
      const { seedbedVersion } = await import('../util/version.ts')
      return session.finish(0, `seedbed ${seedbedVersion()}\n`)
    }
    const command = cli.matchedCommand
    if (!command) {
      if (cli.args.length === 0) {
        cli.outputHelp()
        return session.finish(0)
      }
      const names = [...BUILT_IN, ...Object.keys(custom)]
      throw new SeedbedError(codes.UNKNOWN_COMMAND, `unknown task '${cli.args[0]}'${didYouMean(String(cli.args[0]), names)}`, {
        hint: `tasks: ${names.join(', ')}`,
      })
    }
    checkFlags(cli, command)
    await cli.runMatchedCommand()
    return session.finish(0)
  } catch (err) {
    return session.fail(err)
  }
}
