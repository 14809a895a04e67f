import {
  DEFAULT_PRIORITY,
  SEED_NAME
} from "./chunk-IO7WYGO7.js";
import {
  acquireLock,
  backoffMs,
  fromDriverError,
  openDatabase,
  parseDatabaseUrl,
  transientReason
} from "./chunk-TFDB6JHZ.js";
import {
  ensureTypeScript
} from "./chunk-GEZXA2OC.js";
import {
  PRODUCTION,
  fakerFor,
  resolveSettings,
  scaled
} from "./chunk-PXCDQJM3.js";
import {
  SeedbedError,
  codes,
  formatError
} from "./chunk-K7UNPX46.js";
import {
  createLogger
} from "./chunk-AXPJMKOQ.js";
import {
  addSecret
} from "./chunk-MHV4YG4X.js";

// lib/planning/discover.ts
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
var SEED_FILE = /\.(ts|mts|js|mjs)$/;
var KNOWN_KEYS = /* @__PURE__ */ new Set(["name", "description", "dependsOn", "priority", "environments", "secrets", "timeout", "run", "validate"]);
var names = (v) => Array.isArray(v) && v.every((x) => typeof x === "string");
async function listSeedFiles(dir) {
  let entries;
  try {
    entries = await readdir(dir);
  } catch (cause) {
    throw new SeedbedError(codes.SEEDS_DIR, `cannot read the seeds folder ${dir}`, {
      file: dir,
      hint: "create it, or point --seeds (SEEDBED_SEEDS_DIR) at the folder that holds your seed files",
      cause
    });
  }
  return entries.filter((f) => SEED_FILE.test(f) && !f.endsWith(".d.ts") && !f.startsWith("_") && !f.startsWith(".")).sort().map((f) => path.join(dir, f));
}
function toSeed(mod, file, checksum = "") {
  const exported = mod.default ?? mod.seed;
  const where = path.basename(file);
  if (!exported || typeof exported !== "object") {
    throw new SeedbedError(codes.SEED_NO_EXPORT, `${where} exports no seed`, {
      file,
      hint: "export default defineSeed({ name, dependsOn, run }) (or export const seed = ...)"
    });
  }
  const s = exported;
  const invalid = (what) => new SeedbedError(codes.SEED_INVALID, `${where}: ${what}`, {
    file,
    hint: 'see "The seed contract" in the README; defineSeed() turns these mistakes into type errors'
  });
  const unknown = Object.keys(s).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length) throw invalid(`unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")}`);
  if (typeof s.run !== "function") throw invalid("`run` must be a function");
  if (s.validate !== void 0 && typeof s.validate !== "function") throw invalid("`validate` must be a function");
  const name = s.name ?? path.basename(file).replace(SEED_FILE, "");
  if (typeof name !== "string" || !SEED_NAME.test(name)) {
    throw invalid(`name ${JSON.stringify(name)} must be lower case letters, digits, '_' or '-'`);
  }
  if (s.description !== void 0 && typeof s.description !== "string") throw invalid("`description` must be a string");
  const deps = s.dependsOn ?? [];
  if (!Array.isArray(deps) || deps.some((d) => typeof d !== "string")) throw invalid("`dependsOn` must be an array of seed names");
  if (deps.includes(name)) throw invalid(`seed '${name}' depends on itself`);
  const priority = s.priority ?? DEFAULT_PRIORITY;
  if (typeof priority !== "number" || !Number.isFinite(priority)) throw invalid("`priority` must be a finite number");
  if (s.environments !== void 0 && !names(s.environments)) throw invalid("`environments` must be an array of environment names");
  if (s.secrets !== void 0 && !names(s.secrets)) throw invalid("`secrets` must be an array of variable names");
  if (s.timeout !== void 0 && !(typeof s.timeout === "number" && s.timeout > 0))
    throw invalid("`timeout` must be a number of seconds above 0");
  return {
    name,
    description: s.description ?? "",
    dependsOn: [...new Set(deps)],
    priority,
    ...s.environments ? { environments: s.environments } : {},
    secrets: s.secrets ?? [],
    ...s.timeout ? { timeout: s.timeout } : {},
    file,
    checksum,
    run: s.run,
    ...s.validate ? { validate: s.validate } : {}
  };
}
async function discoverSeeds(dir) {
  const files = await listSeedFiles(dir);
  const seeds = [];
  const byName = /* @__PURE__ */ new Map();
  for (const file of files) {
    let mod;
    try {
      await ensureTypeScript(file);
      mod = await import(pathToFileURL(file).href);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
      throw new SeedbedError(codes.SEED_LOAD, `${path.basename(file)} failed to load: ${reason}`, {
        file,
        hint: "fix the error in that file (run `npx tsc --noEmit` for details)",
        cause
      });
    }
    const seed2 = toSeed(
      mod,
      file,
      createHash("sha256").update(await readFile(file)).digest("hex")
    );
    const other = byName.get(seed2.name);
    if (other) {
      throw new SeedbedError(
        codes.SEED_DUPLICATE,
        `seed name '${seed2.name}' is used by both ${path.basename(other)} and ${path.basename(file)}`,
        { file, seed: seed2.name, hint: "give each seed a unique name" }
      );
    }
    byName.set(seed2.name, file);
    seeds.push(seed2);
  }
  return seeds;
}

// lib/db/ledger.ts
import os from "node:os";
import { execFileSync } from "node:child_process";
async function ensureLedger(sql) {
  await sql.begin(async (tx) => {
    await tx`CREATE SCHEMA IF NOT EXISTS seedbed`;
    await tx`CREATE TABLE IF NOT EXISTS seedbed.runs (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      command     text NOT NULL,
      environment text NOT NULL,
      os_user     text NOT NULL,
      host        text NOT NULL,
      git_commit  text,
      arguments   jsonb NOT NULL,
      started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
      ended_at    timestamptz,
      status      text NOT NULL DEFAULT 'running'
    )`;
    await tx`CREATE TABLE IF NOT EXISTS seedbed.seed_runs (
      run_id      bigint NOT NULL REFERENCES seedbed.runs (id) ON DELETE CASCADE,
      seed        text NOT NULL,
      checksum    text NOT NULL,
      status      text NOT NULL,
      created     integer NOT NULL,
      updated     integer NOT NULL,
      skipped     integer NOT NULL,
      duration_ms integer NOT NULL,
      error_code  text,
      finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (run_id, seed)
    )`;
  });
}
function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || null;
  } catch {
    return null;
  }
}
async function startRun(sql, command, environment, args) {
  await sql`UPDATE seedbed.runs SET status = 'abandoned', ended_at = clock_timestamp() WHERE status = 'running'`;
  const [row] = await sql`
    INSERT INTO seedbed.runs (command, environment, os_user, host, git_commit, arguments)
    VALUES (${command}, ${environment}, ${os.userInfo().username}, ${os.hostname()}, ${gitCommit()}, ${sql.json(args)})
    RETURNING id`;
  return Number(row.id);
}
async function finishRun(sql, runId, status2) {
  await sql`UPDATE seedbed.runs SET status = ${status2}, ended_at = clock_timestamp() WHERE id = ${runId}`;
}
async function recordSeed(sql, runId, seed2, report) {
  await sql`
    INSERT INTO seedbed.seed_runs (run_id, seed, checksum, status, created, updated, skipped, duration_ms, error_code)
    VALUES (${runId}, ${seed2.name}, ${seed2.checksum}, ${report.status}, ${report.created}, ${report.updated}, ${report.skipped}, ${report.durationMs}, ${report.error?.code ?? null})
    ON CONFLICT (run_id, seed) DO UPDATE SET status = excluded.status, error_code = excluded.error_code`;
}
async function lastSuccesses(sql) {
  const [{ exists }] = await sql`SELECT to_regclass('seedbed.seed_runs') IS NOT NULL AS exists`;
  if (!exists) return /* @__PURE__ */ new Map();
  const rows = await sql`
    SELECT DISTINCT ON (sr.seed) sr.seed, sr.checksum, sr.finished_at
    FROM seedbed.seed_runs sr JOIN seedbed.runs r ON r.id = sr.run_id
    WHERE sr.status = 'succeeded' AND r.command <> 'validate'
      AND r.id >= coalesce((SELECT max(id) FROM seedbed.runs WHERE command = 'fresh' AND status = 'succeeded'), 0)
    ORDER BY sr.seed, sr.finished_at DESC`;
  return new Map(rows.map((r) => [r.seed, { seed: r.seed, checksum: r.checksum, finishedAt: r.finished_at }]));
}
async function lastRuns(sql, limit = 10) {
  const [{ exists }] = await sql`SELECT to_regclass('seedbed.runs') IS NOT NULL AS exists`;
  if (!exists) return [];
  return (await sql`SELECT id::int AS id, command, environment, os_user, host, git_commit, started_at, ended_at, status FROM seedbed.runs ORDER BY id DESC LIMIT ${limit}`).map((r) => ({ ...r }));
}

// lib/planning/plan.ts
var byPriority = (a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
function findCycle(byName) {
  const state = /* @__PURE__ */ new Map();
  const stack = [];
  const visit = (name) => {
    const seen = state.get(name);
    if (seen === "done") return void 0;
    if (seen === "visiting") return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, "visiting");
    stack.push(name);
    for (const dep of [...byName.get(name).dependsOn].sort()) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(name, "done");
    return void 0;
  };
  for (const name of [...byName.keys()].sort()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return void 0;
}
function planLevels(seeds, options = {}) {
  const byName = new Map(seeds.map((s) => [s.name, s]));
  for (const seed2 of [...seeds].sort(byPriority)) {
    const missing = seed2.dependsOn.filter((d) => !byName.has(d));
    if (missing.length) {
      throw new SeedbedError(
        codes.DEPENDENCY_MISSING,
        `seed '${seed2.name}' depends on ${missing.map((m) => `'${m}'`).join(", ")}, which no seed file defines`,
        { seed: seed2.name, hint: "fix the name in dependsOn, or add the missing seed" }
      );
    }
  }
  const cycle = findCycle(byName);
  if (cycle) {
    throw new SeedbedError(codes.DEPENDENCY_CYCLE, `dependency cycle: ${cycle.join(" -> ")}`, {
      seed: cycle[0],
      hint: "remove one of these dependencies; a seed cannot (even indirectly) need itself"
    });
  }
  let selected;
  if (options.only?.length) {
    const unknown = options.only.filter((n) => !byName.has(n));
    if (unknown.length) {
      throw new SeedbedError(
        codes.ONLY_UNKNOWN,
        `--only names ${unknown.map((u) => `'${u}'`).join(", ")}, not a seed; known seeds: ${[...byName.keys()].sort().join(", ")}`,
        { seed: unknown[0], hint: "run `plan` to list the seeds" }
      );
    }
    selected = /* @__PURE__ */ new Set();
    const take = (name) => {
      if (selected.has(name)) return;
      selected.add(name);
      byName.get(name).dependsOn.forEach(take);
    };
    options.only.forEach(take);
  } else {
    selected = new Set(byName.keys());
  }
  const level = /* @__PURE__ */ new Map();
  const levelOf = (name) => {
    let l = level.get(name);
    if (l === void 0) {
      const deps = byName.get(name).dependsOn;
      l = deps.length ? 1 + Math.max(...deps.map(levelOf)) : 0;
      level.set(name, l);
    }
    return l;
  };
  const levels = [];
  for (const name of selected) {
    const n = levelOf(name);
    if (!levels[n]) levels[n] = [];
    levels[n].push(byName.get(name));
  }
  const exactly = options.exactly;
  return levels.map((l) => (exactly ? l.filter((s) => exactly.has(s.name)) : l).sort(byPriority)).filter((l) => l.length > 0);
}

// lib/output/progress.ts
var fmt = new Intl.NumberFormat("en-US");
var rate = (rows, ms) => ms > 0 ? Math.round(rows * 1e3 / ms) : 0;
function createProgress(options) {
  const { log, live } = options;
  const stream = options.stream ?? process.stderr;
  const interval = options.intervalMs ?? (live ? 100 : 2e3);
  const active = /* @__PURE__ */ new Map();
  const render = () => {
    const parts = [...active].map(
      ([name, s]) => `${name} ${fmt.format(s.rows)} rows, ${fmt.format(rate(s.rows, performance.now() - s.since))} rows/s`
    );
    stream.write(`\r\x1B[2K${parts.join(" | ")}`);
  };
  return {
    start(seed2) {
      const state = { rows: 0, since: performance.now(), shown: performance.now() };
      active.set(seed2, state);
      return {
        tick(rows) {
          state.rows = rows;
          const now = performance.now();
          if (now - state.shown < interval) return;
          state.shown = now;
          if (live) render();
          else log.withTag(seed2).info(`${fmt.format(rows)} rows, ${fmt.format(rate(rows, now - state.since))} rows/s`);
        },
        end() {
          active.delete(seed2);
          if (live) stream.write("\r\x1B[2K");
        }
      };
    }
  };
}

// lib/execution/run.ts
import pLimit from "p-limit";

// lib/execution/cancel.ts
var WINDOW = 64;
function cancellable(tx) {
  const recent = [];
  let stopped;
  const track = (query) => {
    const q = query;
    if (q && typeof q.cancel === "function") {
      recent.push(q);
      if (recent.length > WINDOW) recent.shift();
    }
    return query;
  };
  const proxy = new Proxy(tx, {
    apply(target, thisArg, args) {
      const isQuery = Array.isArray(args[0]) && "raw" in args[0];
      if (isQuery && stopped) throw stopped;
      const result = Reflect.apply(target, thisArg, args);
      return isQuery ? track(result) : result;
    },
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === "unsafe" && typeof value === "function") {
        return (...args) => {
          if (stopped) throw stopped;
          return track(value.apply(target, args));
        };
      }
      return value;
    }
  });
  return {
    sql: proxy,
    cancel(reason) {
      stopped = reason;
      for (const q of recent) if (q.active) void Promise.resolve(q.cancel()).catch(() => void 0);
    }
  };
}

// lib/sql/copy.ts
import { once } from "node:events";

// lib/sql/fragments.ts
function joinFragments(sql, fragments, separator = "comma") {
  return fragments.reduce((acc, f) => separator === "and" ? sql`${acc} AND ${f}` : sql`${acc}, ${f}`);
}
function columnList(sql, columns, qualifier) {
  return joinFragments(
    sql,
    columns.map((c) => qualifier ? sql`${sql(qualifier)}.${sql(c)}` : sql`${sql(c)}`)
  );
}

// lib/sql/copy.ts
var SPECIAL = /[\\\t\n\r]/;
var SPECIAL_ALL = /[\\\t\n\r]/g;
var ESCAPES = { "\\": "\\\\", "	": "\\t", "\n": "\\n", "\r": "\\r" };
var escapeText = (s) => SPECIAL.test(s) ? s.replace(SPECIAL_ALL, (c) => ESCAPES[c]) : s;
function arrayElement(value) {
  if (value === null || value === void 0) return "NULL";
  if (Array.isArray(value)) return arrayLiteral(value);
  const text = scalarText(value);
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
var arrayLiteral = (values) => `{${values.map(arrayElement).join(",")}}`;
function scalarText(value) {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "t" : "f";
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}
function encodeField(value) {
  return value === null || value === void 0 ? "\\N" : escapeText(scalarText(value));
}
function rowEncoder(columns, table) {
  return (row, index) => {
    const values = Array.isArray(row) ? row : columns.map((c) => row[c]);
    if (values.length !== columns.length) {
      throw new SeedbedError(
        codes.COPY_ROW,
        `row ${index + 1} for ${table} has ${values.length} values, expected ${columns.length} (${columns.join(", ")})`,
        {
          table,
          hint: "give every row one value per column, in the order of `columns`"
        }
      );
    }
    let line = "";
    for (let i = 0; i < values.length; i++) line += (i ? "	" : "") + encodeField(values[i]);
    return `${line}
`;
  };
}
async function copyRows(sql, table, columns, rows, options = {}) {
  const encode = rowEncoder(columns, table);
  const chunkRows = options.chunkRows ?? 1e3;
  const stream = await sql`COPY ${sql(table)} (${columnList(sql, columns)}) FROM STDIN`.writable();
  const failed = once(stream, "error").then(([e]) => Promise.reject(e));
  failed.catch(() => void 0);
  let count = 0;
  let chunk = "";
  let inChunk = 0;
  const add = (row) => {
    chunk += encode(row, count++);
    if (++inChunk < chunkRows) return void 0;
    const full = !stream.write(chunk);
    chunk = "";
    inChunk = 0;
    options.onProgress?.(count);
    return full ? once(stream, "drain") : void 0;
  };
  try {
    if (Symbol.iterator in rows) {
      for (const row of rows) {
        const wait = add(row);
        if (wait) await wait;
      }
    } else {
      for await (const row of rows) {
        const wait = add(row);
        if (wait) await wait;
      }
    }
    if (chunk) stream.write(chunk);
    await Promise.race([
      new Promise((resolve, reject) => stream.end((err) => err ? reject(err) : resolve())),
      failed
    ]);
  } catch (err) {
    if (!stream.destroyed) stream.destroy(err);
    throw err;
  }
  options.onProgress?.(count);
  return count;
}

// lib/sql/load.ts
var stageCount = 0;
async function loadRows(sql, table, rows, options) {
  const { columns } = options;
  const conflict = options.conflict ?? [];
  const requested = options.mode ?? "auto";
  const problem = columns.length === 0 ? "`columns` is empty" : requested !== "copy" && conflict.length === 0 ? "`conflict` is required to merge" : conflict.find((c) => !columns.includes(c)) ? `conflict column '${conflict.find((c) => !columns.includes(c))}' is not in columns` : void 0;
  if (problem) {
    throw new SeedbedError(codes.LOAD_OPTIONS, `load into ${table}: ${problem}`, {
      table,
      hint: "pass columns (in row order) and conflict (a unique key among them)"
    });
  }
  let mode = requested === "auto" ? "merge" : requested;
  if (requested === "auto") {
    const [row] = await sql`SELECT NOT EXISTS (SELECT 1 FROM ${sql(table)}) AS empty`;
    if (row.empty) mode = "copy";
  }
  if (mode === "copy") {
    const created = await copyRows(sql, table, columns, rows, { onProgress: options.onProgress });
    return { mode, created, updated: 0, skipped: 0 };
  }
  const stage = `seedbed_stage_${++stageCount}`;
  await sql`CREATE TEMP TABLE ${sql(stage)} ON COMMIT DROP AS SELECT ${columnList(sql, columns)} FROM ${sql(table)} WITH NO DATA`;
  const staged = await copyRows(sql, stage, columns, rows, { onProgress: options.onProgress });
  await sql`ANALYZE ${sql(stage)}`;
  const update = options.update ? [...options.update] : columns.filter((c) => !conflict.includes(c));
  const join = joinFragments(
    sql,
    conflict.map((c) => sql`t.${sql(c)} = s.${sql(c)}`),
    "and"
  );
  const firstKey = sql`t.${sql(conflict[0])}`;
  const changed = update.length ? sql`OR ROW(${columnList(sql, update, "t")}) IS DISTINCT FROM ROW(${columnList(sql, update, "s")})` : sql``;
  const action = update.length ? sql`DO UPDATE SET ${joinFragments(
    sql,
    update.map((c) => sql`${sql(c)} = excluded.${sql(c)}`)
  )}
          WHERE ROW(${columnList(sql, update, table)}) IS DISTINCT FROM ROW(${columnList(sql, update, "excluded")})` : sql`DO NOTHING`;
  const [counts] = await sql`
    WITH written AS (
      INSERT INTO ${sql(table)} (${columnList(sql, columns)})
      SELECT ${columnList(sql, columns, "s")}
      FROM ${sql(stage)} s LEFT JOIN ${sql(table)} t ON ${join}
      WHERE ${firstKey} IS NULL ${changed}
      ON CONFLICT (${columnList(sql, conflict)}) ${action}
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS created, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM written`;
  return { mode, created: counts.created, updated: counts.updated, skipped: staged - counts.created - counts.updated };
}

// lib/helpers/secrets.ts
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/bcrypt";
function bcryptCost(env = process.env) {
  const raw = env.SEEDBED_BCRYPT_COST;
  if (raw === void 0 || raw === "") return 10;
  const cost = Number(raw);
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) {
    throw new SeedbedError(codes.BAD_OPTION, `SEEDBED_BCRYPT_COST must be an integer from 4 to 31, got '${raw}'`, {
      hint: "unset it for the default of 10"
    });
  }
  return cost;
}
async function hashPassword(plain, current, cost = bcryptCost()) {
  addSecret(plain);
  if (current && await verify(plain, current).catch(() => false)) return current;
  return hash(plain, cost);
}
function randomToken(bytes = 32) {
  return randomBytes(bytes).toString("base64url");
}
function readSecret(name, env, devDefault, source = process.env) {
  const value = source[name] || (env === "development" ? devDefault : void 0);
  if (!value) {
    throw new SeedbedError(codes.SECRET_MISSING, `the secret ${name} is not set (environment '${env}')`, {
      hint: `set ${name} in the environment or in .env.${env}; only development has a default`
    });
  }
  addSecret(value);
  return value;
}

// lib/sql/upsert.ts
var MAX_PARAMETERS = 65535;
var MAX_BATCH_ROWS = 5e3;
function tallyRows(rows, attempted) {
  const created = rows.filter((r) => r.inserted).length;
  return { created, updated: rows.length - created, skipped: attempted - rows.length };
}
async function upsertRows(sql, table, rows, options) {
  const loose = sql;
  const result = { created: 0, updated: 0, skipped: 0, rows: [] };
  if (rows.length === 0) return result;
  const columns = Object.keys(rows[0]);
  const conflict = [...options.conflict];
  const bad = conflict.filter((c) => !columns.includes(c));
  if (conflict.length === 0 || bad.length) {
    throw new SeedbedError(
      codes.SEED_FAILED,
      `upsert into ${table}: conflict columns ${bad.length ? `${bad.join(", ")} are not among the row keys` : "are empty"}`,
      {
        table,
        hint: "name the columns of a unique constraint of that table, present in every row"
      }
    );
  }
  const update = options.update ? [...options.update] : columns.filter((c) => !conflict.includes(c));
  const action = update.length ? sql`DO UPDATE SET ${joinFragments(
    sql,
    update.map((c) => sql`${sql(c)} = excluded.${sql(c)}`)
  )}
          WHERE ROW(${columnList(sql, update, table)}) IS DISTINCT FROM ROW(${columnList(sql, update, "excluded")})` : sql`DO NOTHING`;
  const returning = options.returning?.length ? sql`, ${sql(options.returning)}` : sql``;
  const batchSize = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize);
    const returned = await loose`
      INSERT INTO ${sql(table)} ${loose(batch, columns)}
      ON CONFLICT (${columnList(sql, conflict)}) ${action}
      RETURNING (xmax = 0) AS inserted ${returning}`;
    const counts = tallyRows(returned, batch.length);
    result.created += counts.created;
    result.updated += counts.updated;
    result.skipped += counts.skipped;
    for (const row of returned) {
      const { inserted: _, ...rest } = row;
      result.rows.push(rest);
    }
  }
  return result;
}

// lib/execution/context.ts
function createContext(sql, log, options) {
  const { env, seed: seed2 } = options;
  const scale = options.scale ?? 1;
  let faker;
  let before = 0;
  const progress = (rows) => options.progress?.(before + rows);
  const counts = { created: 0, updated: 0, skipped: 0 };
  const add = (c) => {
    counts.created += c.created ?? 0;
    counts.updated += c.updated ?? 0;
    counts.skipped += c.skipped ?? 0;
  };
  const ctx = {
    sql,
    log,
    env,
    async upsert(table, rows, options2) {
      const result = await upsertRows(sql, table, rows, options2);
      add(result);
      return result;
    },
    tally(rows, attempted) {
      const c = tallyRows(rows, attempted);
      add(c);
      return c;
    },
    count: add,
    async copy(table, rows, { columns }) {
      const n = await copyRows(sql, table, columns, rows, { onProgress: progress });
      before += n;
      add({ created: n });
      return n;
    },
    async load(table, rows, loadOptions) {
      const result = await loadRows(sql, table, rows, { ...loadOptions, onProgress: progress });
      before += result.created + result.updated + result.skipped;
      add(result);
      return result;
    },
    get faker() {
      if (!faker) faker = fakerFor(seed2);
      return faker;
    },
    scale,
    scaled: (n) => scaled(n, scale),
    hashPassword: (plain, current) => hashPassword(plain, current),
    randomToken,
    secret: (name, options2) => readSecret(name, env, options2?.devDefault)
  };
  return { ctx, counts };
}

// lib/output/tracing.ts
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
var tracer = () => trace.getTracer("seedbed");
function startSpan(name, attributes, parent) {
  return tracer().startSpan(name, { attributes }, parent ? trace.setSpan(context.active(), parent) : void 0);
}
function endSeedSpan(span, report) {
  span.setAttributes({
    "seedbed.status": report.status,
    "seedbed.created": report.created,
    "seedbed.updated": report.updated,
    "seedbed.skipped": report.skipped,
    "seedbed.attempts": report.attempts,
    "seedbed.duration_ms": report.durationMs
  });
  if (report.error) {
    span.setAttribute("seedbed.error_code", report.error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: report.error.message });
  }
  span.end();
}

// lib/execution/run.ts
var elapsed = (since) => Math.round(performance.now() - since);
var sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function checkCounts(value, seed2) {
  const v = value;
  const ok = (n) => Number.isInteger(n) && n >= 0;
  if (!v || typeof v !== "object" || !ok(v.created) || !ok(v.updated) || !ok(v.skipped)) {
    throw new SeedbedError(codes.SEED_RESULT, `seed '${seed2}' returned ${JSON.stringify(value)}, not { created, updated, skipped }`, {
      seed: seed2,
      hint: "return nothing (the upsert/tally helpers count for you) or counts as non-negative integers"
    });
  }
  return { created: v.created, updated: v.updated, skipped: v.skipped };
}
function validationError(err, seed2) {
  const driverLike = typeof err?.code === "string";
  if (err instanceof SeedbedError || driverLike) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SeedbedError(codes.VALIDATION_FAILED, `seed '${seed2}' failed validation: ${message}`, {
    seed: seed2,
    hint: "the seed was rolled back; fix the seed or its validate function",
    cause: err
  });
}
var DryRunRollback = class extends Error {
};
async function executeLevels(options) {
  const { sql, levels, log, env, target, signal } = options;
  const mode = options.mode ?? "seed";
  const started = performance.now();
  const reports = /* @__PURE__ */ new Map();
  for (const [i, level] of levels.entries()) {
    for (const s of level) {
      reports.set(s.name, {
        name: s.name,
        level: i,
        status: "not_executed",
        created: 0,
        updated: 0,
        skipped: 0,
        durationMs: 0,
        rowsPerSecond: 0,
        attempts: 0,
        error: null
      });
    }
  }
  let failed = false;
  const stopped = () => failed || signal?.aborted;
  const attempt = async (seed2, transact, seedLog, progress) => {
    const limitMs = seed2.timeout ? seed2.timeout * 1e3 : options.seedTimeoutMs ?? 0;
    return transact(async (rawTx) => {
      const { sql: tx, cancel } = cancellable(rawTx);
      let timer;
      const stop = new Promise((_, reject) => {
        const fail = (e) => {
          cancel(e);
          reject(e);
        };
        if (limitMs) {
          timer = setTimeout(
            () => fail(
              new SeedbedError(codes.TIMEOUT, `seed '${seed2.name}' ran longer than ${limitMs / 1e3} s; cancelled and rolled back`, {
                seed: seed2.name,
                hint: "raise the seed's `timeout` or --seed-timeout (SEEDBED_SEED_TIMEOUT), or make it faster"
              })
            ),
            limitMs
          );
        }
        const onAbort = () => fail(
          signal.reason instanceof SeedbedError ? signal.reason : new SeedbedError(codes.INTERRUPTED, "the run was stopped", { seed: seed2.name })
        );
        if (signal?.aborted) onAbort();
        else signal?.addEventListener("abort", onAbort, { once: true });
      });
      stop.catch(() => void 0);
      const body = async () => {
        const { ctx, counts } = createContext(tx, seedLog, { seed: seed2.name, env, scale: options.scale, progress });
        if (mode === "validate") {
          await seed2.validate?.(ctx).catch((e) => Promise.reject(validationError(e, seed2.name)));
          return counts;
        }
        const returned = await seed2.run(ctx);
        const result = returned === void 0 ? counts : checkCounts(returned, seed2.name);
        if (seed2.validate) await seed2.validate(ctx).catch((e) => Promise.reject(validationError(e, seed2.name)));
        return result;
      };
      try {
        const counts = await Promise.race([body(), stop]);
        const report = reports.get(seed2.name);
        if (options.ledger && mode === "seed") await options.ledger.succeeded(rawTx, seed2, { ...report, ...counts, status: "succeeded" });
        return counts;
      } finally {
        clearTimeout(timer);
      }
    });
  };
  const runOne = async (seed2, transact, levelSpan) => {
    if (stopped()) return;
    const report = reports.get(seed2.name);
    const span = startSpan(`seed ${seed2.name}`, { "seedbed.seed": seed2.name, "seedbed.level": report.level }, levelSpan);
    const seedLog = log.withTag(seed2.name);
    const t0 = performance.now();
    const progress = options.progress?.start(seed2.name);
    try {
      for (let n = 0; ; n++) {
        report.attempts = n + 1;
        try {
          const counts = await attempt(seed2, transact, seedLog, progress?.tick);
          const durationMs = elapsed(t0);
          const rows = counts.created + counts.updated + counts.skipped;
          Object.assign(report, counts, {
            status: "succeeded",
            durationMs,
            rowsPerSecond: durationMs ? Math.round(rows * 1e3 / durationMs) : 0
          });
          seedLog.success(
            mode === "validate" ? `valid (${report.durationMs} ms)` : `${mode === "dry-run" ? "would create" : "created"} ${counts.created}, updated ${counts.updated}, skipped ${counts.skipped} (${report.durationMs} ms)`
          );
          return;
        } catch (err) {
          const reason = mode === "dry-run" ? void 0 : transientReason(err);
          if (!reason || n >= (options.maxRetries ?? 0) || stopped()) throw err;
          const wait = backoffMs(n);
          seedLog.warn(`retry ${n + 1}/${options.maxRetries} in ${wait} ms: ${reason}`);
          await sleep(wait);
        }
      }
    } catch (err) {
      failed = true;
      const error = fromDriverError(err, { seed: seed2.name, target });
      Object.assign(report, { status: "failed", durationMs: elapsed(t0), error: error.toJSON() });
      seedLog.error(formatError(error));
      if (options.ledger && mode === "seed") await options.ledger.failed(seed2, report).catch(() => void 0);
    } finally {
      progress?.end();
      endSeedSpan(span, report);
    }
  };
  const runSpan = startSpan("seedbed run", { "seedbed.mode": mode, "seedbed.env": env, "seedbed.levels": levels.length });
  const runLevels = async (transact, concurrency) => {
    for (const [i, level] of levels.entries()) {
      if (stopped()) break;
      const levelSpan = startSpan(`level ${i}`, { "seedbed.level": i, "seedbed.seeds": level.length }, runSpan);
      const limit = pLimit(Math.max(1, concurrency));
      await Promise.all(level.map((seed2) => limit(() => runOne(seed2, transact, levelSpan))));
      levelSpan.end();
    }
  };
  if (mode === "dry-run") {
    await sql.begin(async (outer) => {
      await runLevels((fn) => outer.savepoint(fn), 1);
      throw new DryRunRollback();
    }).catch((e) => {
      if (!(e instanceof DryRunRollback)) throw e;
    });
  } else if (mode === "validate") {
    await runLevels((fn) => sql.begin("read only", fn), options.concurrency);
  } else {
    await runLevels((fn) => sql.begin(fn), options.concurrency);
  }
  const seeds = [...reports.values()];
  const ok = seeds.every((s) => s.status === "succeeded");
  runSpan.setAttribute("seedbed.ok", ok);
  runSpan.end();
  return { ok, durationMs: elapsed(started), ...mode === "dry-run" && { dryRun: true }, seeds };
}

// lib/db/schema.ts
import { readdir as readdir2, readFile as readFile2 } from "node:fs/promises";
import path2 from "node:path";
async function applySchema(sql, dir) {
  let files;
  try {
    files = (await readdir2(dir)).filter((f) => f.endsWith(".sql")).sort();
  } catch (cause) {
    throw new SeedbedError(codes.SCHEMA_FAILED, `cannot read the schema folder ${dir}`, {
      file: dir,
      hint: "point --schema (SEEDBED_SCHEMA_DIR) at the folder of .sql files",
      cause
    });
  }
  for (const file of files) {
    const text = await readFile2(path2.join(dir, file), "utf8");
    try {
      await sql.begin((tx) => tx.unsafe(text));
    } catch (cause) {
      const e = cause;
      throw new SeedbedError(codes.SCHEMA_FAILED, `schema file ${file} failed: ${e.message ?? String(cause)}`, {
        file: path2.join(dir, file),
        sqlState: e.code,
        hint: "fix the SQL in that file; it was rolled back",
        cause
      });
    }
  }
  return files;
}
async function dropPublicSchema(sql) {
  await sql.begin(async (tx) => {
    await tx`DROP SCHEMA IF EXISTS public CASCADE`;
    await tx`CREATE SCHEMA public`;
  });
}

// lib/planning/select.ts
function selectForEnvironment(seeds, env, allow, only = []) {
  if (env === PRODUCTION && allow.length === 0) {
    throw new SeedbedError(codes.SEED_NOT_ALLOWED, "production has no allow-list: no seed may run there", {
      hint: "set SEEDBED_ALLOW in .env.production to the seeds production needs (each must also list production in environments)"
    });
  }
  const excluded = [];
  const kept = seeds.filter((s) => {
    const declared = s.environments ?? [];
    const reason = env === PRODUCTION && !declared.includes(PRODUCTION) ? "not declared for production" : env !== PRODUCTION && s.environments && !declared.includes(env) ? `declared for ${declared.join(", ")} only` : allow.length && !allow.includes(s.name) ? `not on the allow-list (SEEDBED_ALLOW)` : void 0;
    if (reason) excluded.push({ name: s.name, reason });
    return !reason;
  });
  const out = new Map(excluded.map((e) => [e.name, e.reason]));
  for (const name of only) {
    if (out.has(name)) {
      throw new SeedbedError(codes.SEED_NOT_ALLOWED, `seed '${name}' does not run in ${env}: ${out.get(name)}`, {
        seed: name,
        hint: `declare it for ${env} (environments) and add it to SEEDBED_ALLOW, or choose another seed`
      });
    }
  }
  for (const seed2 of kept) {
    const missing = seed2.dependsOn.find((d) => out.has(d));
    if (missing) {
      throw new SeedbedError(
        codes.SEED_NOT_ALLOWED,
        `seed '${seed2.name}' runs in ${env} but depends on '${missing}', which does not (${out.get(missing)})`,
        {
          seed: seed2.name,
          hint: `allow '${missing}' in ${env} too, or keep '${seed2.name}' out of it`
        }
      );
    }
  }
  return { kept, excluded };
}
function dependantsOf(seeds, names2) {
  const found = new Set(names2);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of seeds) {
      if (!found.has(s.name) && s.dependsOn.some((d) => found.has(d))) {
        found.add(s.name);
        grew = true;
      }
    }
  }
  return found;
}

// lib/execution/api.ts
function settle(options) {
  const { sql: _s, logger, applySchema: _a, progress: _p, confirmed: _c, confirm: _k, force: _f, signal: _g, argv: _v, ...given } = options;
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== void 0));
  const settings = { ...resolveSettings({}), ...defined };
  return { settings, log: logger ?? createLogger({ level: -999 }) };
}
async function planWith(settings) {
  const seeds = await discoverSeeds(settings.seedsDir);
  const { kept, excluded } = selectForEnvironment(seeds, settings.env, settings.allow, settings.only);
  return { settings, seeds, excluded, levels: planLevels(kept, { only: settings.only }) };
}
var plan = (options = {}) => planWith(settle(options).settings);
async function withDatabase(options, settings, log, fn) {
  if (options.sql) return fn(options.sql, settings.databaseUrl ? parseDatabaseUrl(settings.databaseUrl) : {});
  const db = await openDatabase({
    url: settings.databaseUrl,
    // One more than the seeds may use: the run lock holds a connection of its own.
    poolSize: settings.poolSize + 1,
    dataDir: settings.dataDir,
    embeddedPort: settings.embeddedPort,
    retries: settings.maxRetries,
    log
  });
  log.info(`database ${db.display}${db.embedded ? " (embedded)" : ""}, environment ${settings.env}`);
  try {
    return await fn(db.sql, db.target);
  } finally {
    await db.close();
  }
}
async function preflight(command, settings, options, levels) {
  const production = settings.env === PRODUCTION;
  if (!settings.enabled) {
    throw new SeedbedError(codes.SEEDING_DISABLED, `seeding is disabled in ${settings.env} (SEEDBED_ENABLED=false)`, {
      hint: `set SEEDBED_ENABLED=true in .env.${settings.env} to seed this environment`
    });
  }
  if (command === "fresh" && settings.dryRun) {
    throw new SeedbedError(codes.BAD_OPTION, "fresh cannot be a dry run: it drops the schema", { hint: "use seed --dry-run" });
  }
  if (command === "fresh" && production && !options.force) {
    throw new SeedbedError(codes.FRESH_PRODUCTION, "fresh drops every table: refused in production without --force", {
      hint: "if you really mean to wipe production, add --force (and confirm)"
    });
  }
  if (command !== "validate" && settings.env !== "development") {
    const missing = [
      ...new Set(levels.flat().flatMap((s) => s.secrets.filter((name) => !process.env[name]).map((name) => `${name} (seed '${s.name}')`)))
    ];
    if (missing.length) {
      throw new SeedbedError(codes.SECRET_MISSING, `missing secrets in ${settings.env}: ${missing.join(", ")}`, {
        hint: `set them in the environment or in .env.${settings.env}; only development has defaults`
      });
    }
  }
  if (command !== "validate" && !settings.dryRun && production && !options.confirmed && !await options.confirm?.(settings.env)) {
    throw new SeedbedError(codes.CONFIRMATION_REQUIRED, "writing to production needs confirmation", {
      hint: "run it on a terminal and type the environment name, or pass --yes in a pipeline"
    });
  }
}
function runSignal(options, timeoutMs) {
  const signals = options.signal ? [options.signal] : [];
  let timer;
  if (timeoutMs > 0) {
    const controller = new AbortController();
    timer = setTimeout(
      () => controller.abort(
        new SeedbedError(
          codes.TIMEOUT,
          `the run took longer than --timeout ${timeoutMs / 1e3} s; running seeds were cancelled and rolled back`,
          {
            hint: "raise --timeout (SEEDBED_TIMEOUT); seeds that did not finish are reported not_executed or failed"
          }
        )
      ),
      timeoutMs
    );
    signals.push(controller.signal);
  }
  return { signal: signals.length ? AbortSignal.any(signals) : void 0, clear: () => clearTimeout(timer) };
}
async function run(options, command) {
  const { settings, log } = settle(options);
  const planned = await planWith(settings);
  for (const e of planned.excluded) log.debug(`${e.name}: not in this run (${e.reason})`);
  let levels = command === "validate" ? planned.levels.map((l) => l.filter((s) => s.validate)).filter((l) => l.length) : planned.levels;
  await preflight(command, settings, options, levels);
  const writes = command !== "validate" && !settings.dryRun;
  return withDatabase(options, settings, log, async (sql, target) => {
    const lock = writes ? await acquireLock(sql, settings.lockTimeoutMs, log) : void 0;
    const stop = runSignal(options, settings.timeoutMs);
    let runId;
    try {
      if (writes) {
        await ensureLedger(sql);
        runId = await startRun(sql, command, settings.env, options.argv ?? []);
      }
      if (command === "fresh") {
        await dropPublicSchema(sql);
        log.info("dropped and recreated the public schema");
      }
      if (command === "fresh" || options.applySchema && !settings.dryRun) {
        const files = await applySchema(sql, settings.schemaDir);
        log.info(`applied schema: ${files.join(", ") || "(no .sql files)"}`);
      }
      if (settings.changed && command === "seed") {
        const done = await lastSuccesses(sql);
        const kept = levels.flat();
        const changed = kept.filter((s) => done.get(s.name)?.checksum !== s.checksum).map((s) => s.name);
        const rerun = dependantsOf(kept, changed);
        log.info(
          changed.length ? `changed since their last success: ${changed.join(", ")}; with what depends on them: ${rerun.size} seed(s)` : "no seed changed since its last success"
        );
        levels = planLevels(kept, { exactly: rerun });
      }
      const ledger = runId === void 0 ? void 0 : {
        succeeded: async (tx, seed2, report) => {
          await lock.assertHeld(tx);
          await recordSeed(tx, runId, seed2, report);
        },
        failed: (seed2, report) => recordSeed(sql, runId, seed2, report)
      };
      const result = await executeLevels({
        sql,
        levels,
        concurrency: settings.concurrency,
        log,
        env: settings.env,
        mode: command === "validate" ? "validate" : settings.dryRun ? "dry-run" : "seed",
        target,
        scale: settings.scale,
        progress: options.progress ? createProgress({ log, live: options.progress === "live" }) : void 0,
        signal: stop.signal,
        seedTimeoutMs: settings.seedTimeoutMs,
        maxRetries: settings.maxRetries,
        ledger
      });
      if (runId !== void 0) {
        const reason = stop.signal?.aborted ? stop.signal.reason?.code : void 0;
        await finishRun(
          sql,
          runId,
          result.ok ? "succeeded" : reason === codes.TIMEOUT ? "timeout" : reason === codes.INTERRUPTED ? "interrupted" : "failed"
        );
      }
      return result;
    } catch (err) {
      if (runId !== void 0)
        await Promise.race([finishRun(sql, runId, "failed").catch(() => void 0), new Promise((r) => setTimeout(r, 2e3))]);
      throw err;
    } finally {
      stop.clear();
      await lock?.release();
    }
  });
}
var seed = (options = {}) => run(options, "seed");
var validate = (options = {}) => run(options, "validate");
var fresh = (options = {}) => run(options, "fresh");
async function status(options = {}) {
  const { settings, log } = settle(options);
  const planned = await planWith(settings);
  return withDatabase(options, settings, log, async (sql) => {
    const done = await lastSuccesses(sql);
    return {
      runs: await lastRuns(sql),
      seeds: planned.levels.flat().map((s) => {
        const last = done.get(s.name);
        return {
          name: s.name,
          lastSucceeded: last?.finishedAt ?? null,
          file: !last ? "never run" : last.checksum === s.checksum ? "unchanged" : "changed"
        };
      })
    };
  });
}

export {
  applySchema,
  plan,
  seed,
  validate,
  fresh,
  status
};
//# sourceMappingURL=chunk-NBWOXC2R.js.map
