import {
  SeedbedError,
  codes
} from "./chunk-K7UNPX46.js";

// lib/config/environment.ts
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "dotenv";
var KNOWN_ENVIRONMENTS = ["development", "test", "staging", "production"];
var PRODUCTION = "production";
function loadEnvironment(flag, cwd = process.cwd(), env = process.env) {
  const read = (file2) => existsSync(file2) ? parse(readFileSync(file2)) : {};
  const base2 = read(path.join(cwd, ".env"));
  const name = flag || env.APP_ENV || env.NODE_ENV || base2.APP_ENV || base2.NODE_ENV || "development";
  const file = path.join(cwd, `.env.${name}`);
  if (!/^[a-z][a-z0-9_-]*$/.test(name) || !KNOWN_ENVIRONMENTS.includes(name) && !existsSync(file)) {
    throw new SeedbedError(codes.ENV_UNKNOWN, `unknown environment '${name}'`, {
      hint: `use one of ${KNOWN_ENVIRONMENTS.join(", ")}, or create .env.${name} for a profile of your own`
    });
  }
  const profile = { ...base2, ...read(file) };
  for (const [key, value] of Object.entries(profile)) if (env[key] === void 0) env[key] = value;
  return name;
}
function parseDuration(name, raw) {
  if (raw === void 0 || raw === "") return void 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(raw).trim());
  if (!m || typeof raw === "boolean") {
    throw optionError(name, `${name} must be a duration such as 30s, 5m or 500ms, got '${String(raw)}'`, `for example ${name} 5m`);
  }
  const unit = { ms: 1, s: 1e3, m: 6e4, h: 36e5 }[m[2] ?? "s"];
  return Math.round(Number(m[1]) * unit);
}
function parseBoolean(name, raw) {
  if (raw === void 0 || raw === "") return void 0;
  if (typeof raw === "boolean") return raw;
  const v = String(raw).trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw optionError(name, `${name} must be true or false, got '${String(raw)}'`, `for example ${name}=true`);
}
function optionError(name, message, hint) {
  return new SeedbedError(name.startsWith("--") ? codes.BAD_OPTION : codes.BAD_ENV, message, { hint });
}

// lib/config/config.ts
import path2 from "node:path";

// lib/helpers/fake.ts
import { base, en, Faker } from "@faker-js/faker";
var FAKE_REFERENCE_DATE = /* @__PURE__ */ new Date("2026-01-01T00:00:00.000Z");
function stableHash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}
function fakerFor(key) {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(stableHash(key));
  faker.setDefaultRefDate(FAKE_REFERENCE_DATE);
  return faker;
}
function scaled(baseCount, scale) {
  return baseCount <= 0 ? 0 : Math.max(1, Math.round(baseCount * scale));
}
function parseScale(name, raw) {
  if (raw === void 0 || raw === "") return void 0;
  const n = typeof raw === "number" ? raw : Number(String(raw).trim());
  if (typeof raw === "boolean" || !Number.isFinite(n) || n <= 0 || n > 1e6) {
    throw new SeedbedError(codes.BAD_OPTION, `${name} must be a number above 0 (at most 1000000), got '${String(raw)}'`, {
      hint: `for example ${name} 10 for ten times the default rows`
    });
  }
  return n;
}

// lib/config/config.ts
var DEFAULT_POOL_SIZE = 10;
function intOption(name, raw, min, max) {
  if (raw === void 0 || raw === "") return void 0;
  if (typeof raw === "boolean") throw optionError(name, `${name} needs a value`, `for example ${name} 4`);
  const n = typeof raw === "number" ? raw : Number(String(raw).trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw optionError(name, `${name} must be an integer from ${min} to ${max}, got '${String(raw)}'`, `fix the value of ${name}`);
  }
  return n;
}
function listOption(raw) {
  const values = Array.isArray(raw) ? raw : raw === void 0 || raw === true ? [] : [raw];
  return values.flatMap((v) => String(v).split(",")).map((s) => s.trim()).filter(Boolean);
}
function resolveSettings(flags = {}, env = process.env, cwd = process.cwd()) {
  if (flags.only === true || Array.isArray(flags.only) && flags.only.includes(true)) {
    throw new SeedbedError(codes.BAD_OPTION, "--only needs seed names, as in --only users,products", {
      hint: "run `plan` to list the seeds"
    });
  }
  const poolSize = intOption("--pool-size", flags.poolSize, 1, 1e3) ?? intOption("SEEDBED_POOL_SIZE", env.SEEDBED_POOL_SIZE, 1, 1e3) ?? DEFAULT_POOL_SIZE;
  const concurrency = intOption("--concurrency", flags.concurrency, 1, 1e3) ?? intOption("SEEDBED_CONCURRENCY", env.SEEDBED_CONCURRENCY, 1, 1e3) ?? poolSize;
  if (concurrency > poolSize) {
    throw new SeedbedError(codes.BAD_OPTION, `--concurrency ${concurrency} exceeds the connection pool size ${poolSize}`, {
      hint: "each running seed holds one connection: raise --pool-size (SEEDBED_POOL_SIZE) or lower --concurrency"
    });
  }
  const dir = (value, fallback) => path2.resolve(cwd, value || fallback);
  return {
    databaseUrl: env.DATABASE_URL || void 0,
    seedsDir: dir(flags.seeds ?? env.SEEDBED_SEEDS_DIR, "seeds"),
    schemaDir: dir(flags.schema ?? env.SEEDBED_SCHEMA_DIR, "schema"),
    dataDir: dir(env.SEEDBED_DATA_DIR, ".seedbed"),
    embeddedPort: intOption("SEEDBED_EMBEDDED_PORT", env.SEEDBED_EMBEDDED_PORT, 1, 65535),
    poolSize,
    concurrency,
    env: flags.env || env.APP_ENV || "development",
    only: listOption(flags.only),
    scale: parseScale("--scale", flags.scale) ?? parseScale("SEEDBED_SCALE", env.SEEDBED_SCALE) ?? 1,
    enabled: parseBoolean("SEEDBED_ENABLED", env.SEEDBED_ENABLED) ?? true,
    onStartup: parseBoolean("SEEDBED_ON_STARTUP", env.SEEDBED_ON_STARTUP) ?? false,
    timeoutMs: parseDuration("--timeout", flags.timeout) ?? parseDuration("SEEDBED_TIMEOUT", env.SEEDBED_TIMEOUT) ?? 0,
    seedTimeoutMs: parseDuration("--seed-timeout", flags.seedTimeout) ?? parseDuration("SEEDBED_SEED_TIMEOUT", env.SEEDBED_SEED_TIMEOUT) ?? 0,
    maxRetries: intOption("--max-retries", flags.maxRetries, 0, 20) ?? intOption("SEEDBED_MAX_RETRIES", env.SEEDBED_MAX_RETRIES, 0, 20) ?? 3,
    dryRun: flags.dryRun || (parseBoolean("SEEDBED_DRY_RUN", env.SEEDBED_DRY_RUN) ?? false),
    allow: listOption(env.SEEDBED_ALLOW),
    lockTimeoutMs: parseDuration("--lock-timeout", flags.lockTimeout) ?? parseDuration("SEEDBED_LOCK_TIMEOUT", env.SEEDBED_LOCK_TIMEOUT) ?? 18e4,
    changed: Boolean(flags.changed)
  };
}

export {
  fakerFor,
  scaled,
  PRODUCTION,
  loadEnvironment,
  resolveSettings
};
//# sourceMappingURL=chunk-PXCDQJM3.js.map
