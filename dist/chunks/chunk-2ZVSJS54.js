import {
  loadEnvironment,
  resolveSettings
} from "./chunk-PXCDQJM3.js";
import {
  SeedbedError,
  codes,
  exitStatus,
  formatError
} from "./chunk-K7UNPX46.js";
import {
  createLogger
} from "./chunk-AXPJMKOQ.js";
import {
  redactValue
} from "./chunk-MHV4YG4X.js";

// lib/cli/runner.ts
import { cac } from "cac";

// lib/cli/launcher.ts
import { readFileSync } from "node:fs";
var LAUNCHER = /^(npm|npx|tsx)(\s|$)|^(\S*\/)?(sh|bash|dash) -c |npm-cli\.js|npx-cli\.js|\/tsx\/dist\/cli|node_modules\/\.bin\/tsx/;
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : void 0;
  } catch {
    return void 0;
  }
}
function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}
var alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
};
function launchers(start = process.ppid) {
  const out = [];
  for (let pid = start; pid && out.length < 6; pid = parentOf(pid)) {
    const line = commandLine(pid);
    if (!LAUNCHER.test(line)) break;
    out.push(pid);
  }
  return out;
}
function watchLaunchers(onGone, intervalMs = 250) {
  const watched = launchers();
  if (watched.length === 0) return () => {
  };
  const timer = setInterval(() => {
    if (watched.every(alive)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

// lib/cli/suggest.ts
import { distance } from "fastest-levenshtein";
function closest(input, candidates) {
  let best;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(input.length / 3)) ? best : void 0;
}
function didYouMean(input, candidates) {
  const match = closest(input, candidates);
  return match ? ` (did you mean '${match}'?)` : "";
}

// lib/cli/runner.ts
var BUILT_IN = ["seed", "fresh", "validate", "plan", "status", "new", "init"];
var SIGNALS = { SIGINT: 130, SIGTERM: 143 };
function invocation() {
  const script = process.argv[1] ?? "";
  return /tasks\.[cm]?[jt]s$/.test(script) ? "npx tsx tasks.ts" : "npx seedbed";
}
var Session = class {
  started = performance.now();
  controller = new AbortController();
  json = false;
  /** The exit code of the signal that arrived, if one did. */
  signalled;
  log = createLogger({ stream: process.stderr });
  exiting = false;
  constructor() {
    for (const [signal, code] of Object.entries(SIGNALS)) process.once(signal, () => this.interrupt(signal, code));
    watchLaunchers(() => this.interrupt("SIGTERM (its launcher, npx or npm, ended)", SIGNALS.SIGTERM));
  }
  loggerFor(flags) {
    this.json = Boolean(flags.json);
    const format = flags.logFormat ?? "text";
    if (format !== "text" && format !== "json") {
      throw new SeedbedError(codes.BAD_OPTION, `--log-format must be text or json, got '${format}'`, {
        hint: "for example --log-format json"
      });
    }
    const level = flags.quiet ? 1 : flags.verbose ? 4 : 3;
    this.log = createLogger({ stream: this.json ? process.stderr : process.stdout, level, format });
    return this.log;
  }
  /**
   * Ctrl-C / SIGTERM: the run's signal aborts, so running seeds are cancelled and rolled back and the
   * ledger records the run as interrupted; the run then ends through `finish` with 130 / 143. If it has
   * not ended within 5 s, the pool's sockets are cut (the server rolls back) and the process exits.
   */
  interrupt(signal, code) {
    if (this.signalled !== void 0) return;
    this.signalled = code;
    const e = new SeedbedError(codes.INTERRUPTED, `interrupted by ${signal}; transactions in progress were rolled back`, {
      hint: "run again: every seed is applied whole or not at all"
    });
    this.log.error(formatError(e));
    this.controller.abort(e);
    const timer = setTimeout(async () => {
      const { runShutdown } = await import("./shutdown-RWVPTASR.js");
      await runShutdown();
      void this.finish(code, this.json ? this.errorDocument(e) : void 0);
    }, 5e3);
    timer.unref();
  }
  errorDocument(e) {
    return `${JSON.stringify({ ok: false, durationMs: Math.round(performance.now() - this.started), seeds: [], error: e.toJSON() })}
`;
  }
  /** Writes `out`, waits until the pipe has taken it, then exits. Never returns. */
  async finish(code, out) {
    if (!this.exiting) {
      this.exiting = true;
      const exitCode = this.signalled ?? code;
      if (out !== void 0) await new Promise((resolve) => process.stdout.write(out, resolve));
      process.exit(exitCode);
    }
    return new Promise(() => {
    });
  }
  fail(err) {
    const e = err instanceof SeedbedError ? err : err?.name === "CACError" ? new SeedbedError(codes.BAD_OPTION, err.message, { hint: `see \`${invocation()} <task> --help\`` }) : new SeedbedError(codes.SEED_FAILED, err?.stack ?? String(err), {
      hint: "this is a bug in seedbed: please report it"
    });
    this.log.error(formatError(e));
    return this.finish(exitStatus(e.code), this.json ? this.errorDocument(e) : void 0);
  }
};
async function confirmOnTerminal(env) {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`This run writes to ${env}. Type the environment name to continue: `);
    if (answer.trim() !== env) {
      throw new SeedbedError(codes.CONFIRMATION_MISMATCH, `confirmation '${answer.trim()}' does not match '${env}': nothing was written`, {
        hint: `type ${env} exactly, or pass --yes in a pipeline`
      });
    }
    return true;
  } finally {
    rl.close();
  }
}
async function runSeeding(session, task, flags) {
  const log = session.loggerFor(flags);
  const api = await import("./api-XUBTJTAR.js");
  loadEnvironment(flags.env);
  const settings = resolveSettings(flags);
  const result = await api[task]({
    ...settings,
    logger: log,
    applySchema: Boolean(flags.applySchema),
    // A terminal gets a live progress line; CI, pipes and --json get a plain line every 2 s.
    progress: process.stderr.isTTY && !session.json ? "live" : "lines",
    confirmed: Boolean(flags.yes),
    // Production writes: --yes, or the name typed back on a terminal (asked after every other check).
    confirm: process.stdin.isTTY ? confirmOnTerminal : void 0,
    force: Boolean(flags.force),
    signal: session.controller.signal,
    argv: redactValue(process.argv.slice(2))
  });
  const metricsFile = flags.metricsFile || process.env.SEEDBED_METRICS_FILE;
  const pushgateway = flags.pushgateway || process.env.SEEDBED_PUSHGATEWAY;
  if (metricsFile || pushgateway) {
    const { runMetrics, writeMetricsFile, pushMetrics } = await import("./metrics-DNDZVWCY.js");
    const registry = runMetrics(result, settings.env);
    if (metricsFile) await writeMetricsFile(registry, metricsFile);
    if (pushgateway) await pushMetrics(registry, pushgateway, settings.env).catch((e) => log.error(formatError(e)));
  }
  const document = JSON.stringify(redactValue(result));
  if (flags.report) {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(flags.report, `${document}
`);
  }
  const code = result.ok ? 0 : 1;
  if (session.json) return session.finish(code, `${document}
`);
  const { formatSummary } = await import("./summary-BSFZA73P.js");
  log.log(`
${formatSummary(result)}`);
  return session.finish(code);
}
function seedingFlags(cmd) {
  return cmd.option("--only <seeds>", "Run only these seeds (comma-separated) and what they depend on").option("--concurrency <n>", "Seeds of one level running at once (default: pool size; env SEEDBED_CONCURRENCY)").option("--pool-size <n>", "Database connections (default 10; env SEEDBED_POOL_SIZE)").option("--seeds <dir>", "Folder of seed files (default seeds/; env SEEDBED_SEEDS_DIR)").option("--schema <dir>", "Folder of schema .sql files (default schema/; env SEEDBED_SCHEMA_DIR)").option("--dry-run", "Run every seed in a transaction that is rolled back; report what would change").option("--timeout <duration>", "Cancel the whole run after this long, e.g. 10m (env SEEDBED_TIMEOUT)").option("--seed-timeout <duration>", "Cancel a seed after this long, e.g. 60s (env SEEDBED_SEED_TIMEOUT)").option("--max-retries <n>", "Retries of a seed after a transient failure (default 3; env SEEDBED_MAX_RETRIES)").option("--lock-timeout <duration>", "Wait this long for another run to finish (default 3m; env SEEDBED_LOCK_TIMEOUT)").option("--yes", "Confirm a run that writes to production without a prompt").option("--scale <n>", "Multiply the row counts of scalable seeds (default 1; env SEEDBED_SCALE)").option("--report <file>", "Also write the JSON result to this file").option("--metrics-file <file>", "Write Prometheus metrics (text format) for node_exporter (env SEEDBED_METRICS_FILE)").option("--pushgateway <url>", "Push Prometheus metrics to a Pushgateway (env SEEDBED_PUSHGATEWAY)");
}
function commonFlags(cmd) {
  return cmd.option("--env <name>", "Environment profile: .env then .env.<name> (default APP_ENV, NODE_ENV, development)").option("--json", "Print the result as one JSON document on stdout; logs go to stderr").option("--log-format <format>", "text (default) or json: one JSON object per log line").option("--verbose", "Log debug lines too").option("--quiet", "Log only warnings and errors");
}
function defineBuiltIns(cli, session) {
  commonFlags(seedingFlags(cli.command("seed", "Run the seeds in dependency order (idempotent)"))).option("--apply-schema", "Apply the schema .sql files first (they must be idempotent)").option("--changed", "Run only seeds whose file changed since their last success, and what depends on them").example("  seedbed seed --only users --json").action((flags) => runSeeding(session, "seed", flags));
  commonFlags(seedingFlags(cli.command("fresh", "Drop the public schema, apply the schema files, then seed"))).option("--force", "Allow fresh in production (it still asks for confirmation)").action((flags) => runSeeding(session, "fresh", flags));
  commonFlags(seedingFlags(cli.command("validate", "Run only the validate functions, read-only"))).action(
    (flags) => runSeeding(session, "validate", flags)
  );
  commonFlags(cli.command("plan", "Print the dependency levels; touches no database")).option("--only <seeds>", "Plan only these seeds and what they depend on").option("--seeds <dir>", "Folder of seed files (default seeds/; env SEEDBED_SEEDS_DIR)").option("--format <format>", "text (default), json, mermaid or dot").action(async (flags) => {
    session.loggerFor(flags);
    loadEnvironment(flags.env);
    const { plan } = await import("./api-XUBTJTAR.js");
    const { renderPlan } = await import("./plan-format-P7VXUMNT.js");
    const { levels } = await plan({ ...resolveSettings(flags), logger: session.log });
    return session.finish(0, `${renderPlan(levels, session.json ? "json" : String(flags.format ?? "text"))}
`);
  });
  commonFlags(cli.command("status", "Show the last runs and, per seed, its last success and whether its file changed")).option("--seeds <dir>", "Folder of seed files (default seeds/; env SEEDBED_SEEDS_DIR)").action(async (flags) => {
    session.loggerFor(flags);
    loadEnvironment(flags.env);
    const { status } = await import("./api-XUBTJTAR.js");
    const { formatStatus } = await import("./summary-BSFZA73P.js");
    const result = await status({ ...resolveSettings(flags), logger: createLogger({ stream: process.stderr, level: 1 }) });
    return session.finish(0, `${session.json ? JSON.stringify(result) : formatStatus(result)}
`);
  });
  commonFlags(cli.command("new <name>", "Write seeds/<name>.ts from a template")).option("--seeds <dir>", "Folder of seed files (default seeds/; env SEEDBED_SEEDS_DIR)").action(async (name, flags) => {
    const log = session.loggerFor(flags);
    const { newSeedFile } = await import("./scaffold-BTDPZ7UX.js");
    const path = await import("node:path");
    const file = await newSeedFile(resolveSettings(flags).seedsDir, name);
    log.success(`wrote ${path.relative(process.cwd(), file)}`);
    return session.finish(0);
  });
  commonFlags(cli.command("init", "Add seedbed to this project: tasks.ts, seeds/, .env.example, scripts, Makefile, test setup")).option("--seeds <dir>", "Folder for seed files (default seeds/)").option("--dry-run", "Print what would be written; write nothing").action(async (flags) => {
    const log = session.loggerFor(flags);
    const { initProject, formatInit } = await import("./init-53ABGZEN.js");
    const report = await initProject({ dir: process.cwd(), seedsDir: flags.seeds, dryRun: Boolean(flags.dryRun) });
    if (session.json) return session.finish(0, `${JSON.stringify(report)}
`);
    log.log(formatInit(report));
    return session.finish(0);
  });
}
function defineCustom(cli, session, name, task) {
  const cmd = commonFlags(cli.command(task.args ? `${name} ${task.args}` : name, task.description));
  cmd.option("--lock-timeout <duration>", "Wait this long for another run to finish (default 3m; env SEEDBED_LOCK_TIMEOUT)");
  for (const [flag, description] of Object.entries(task.flags ?? {})) cmd.option(flag, description);
  cmd.action(async (...params) => {
    const flags = params.pop();
    const args = params.flatMap((p) => Array.isArray(p) ? p.map(String) : p === void 0 ? [] : [String(p)]);
    const log = session.loggerFor(flags);
    loadEnvironment(flags.env);
    const settings = resolveSettings(flags);
    const { runCustomTask } = await import("./task-HQYMXO6G.js");
    const database = task.database ?? true;
    const result = await runCustomTask(
      { settings, log, args, flags, signal: session.controller.signal, database, lock: task.lock ?? database },
      async (ctx) => task.run(ctx)
    );
    if (session.json) return session.finish(0, `${JSON.stringify(redactValue(result ?? null))}
`);
    if (result !== void 0) log.log(typeof result === "string" ? result : JSON.stringify(redactValue(result), null, 2));
    return session.finish(0);
  });
}
function checkFlags(cli, command) {
  const kebab = (s) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const known = new Set([...command.options, ...cli.globalCommand.options].flatMap((o) => o.names));
  const flagNames = [...known].map((n) => `--${kebab(n)}`);
  for (const key of Object.keys(cli.options)) {
    if (key === "--" || known.has(key)) continue;
    const flag = key.length === 1 ? `-${key}` : `--${kebab(key)}`;
    throw new SeedbedError(codes.UNKNOWN_OPTION, `unknown flag ${flag} for task '${command.name}'${didYouMean(flag, flagNames)}`, {
      hint: `see \`${invocation()} ${command.name} --help\``
    });
  }
}
async function runTasks(custom = {}, argv = process.argv) {
  const session = new Session();
  try {
    const cli = cac("seedbed");
    for (const name of Object.keys(custom)) {
      if (BUILT_IN.includes(name)) {
        throw new SeedbedError(codes.BAD_OPTION, `tasks.ts defines '${name}', which is a built-in task`, {
          hint: "give the task another name"
        });
      }
    }
    defineBuiltIns(cli, session);
    for (const [name, task] of Object.entries(custom)) defineCustom(cli, session, name, task);
    cli.help();
    cli.parse([...argv], { run: false });
    if (cli.options.help) return session.finish(0);
    const command = cli.matchedCommand;
    if (!command) {
      if (cli.args.length === 0) {
        cli.outputHelp();
        return session.finish(0);
      }
      const names = [...BUILT_IN, ...Object.keys(custom)];
      throw new SeedbedError(codes.UNKNOWN_COMMAND, `unknown task '${cli.args[0]}'${didYouMean(String(cli.args[0]), names)}`, {
        hint: `tasks: ${names.join(", ")}`
      });
    }
    checkFlags(cli, command);
    await cli.runMatchedCommand();
    return session.finish(0);
  } catch (err) {
    return session.fail(err);
  }
}

export {
  runTasks
};
//# sourceMappingURL=chunk-2ZVSJS54.js.map
