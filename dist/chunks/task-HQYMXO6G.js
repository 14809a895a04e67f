import {
  acquireLock,
  openDatabase
} from "./chunk-TFDB6JHZ.js";
import "./chunk-IGOMR4D7.js";
import "./chunk-K7UNPX46.js";
import "./chunk-MHV4YG4X.js";

// lib/execution/task.ts
async function runCustomTask(options, run) {
  const { settings, log, args, flags, signal } = options;
  if (!options.database) return run({ sql: void 0, log, settings, args, flags, signal });
  const db = await openDatabase({
    url: settings.databaseUrl,
    poolSize: settings.poolSize + 1,
    dataDir: settings.dataDir,
    embeddedPort: settings.embeddedPort,
    retries: settings.maxRetries,
    log
  });
  log.debug(`database ${db.display}${db.embedded ? " (embedded)" : ""}, environment ${settings.env}`);
  try {
    const lock = options.lock ? await acquireLock(db.sql, settings.lockTimeoutMs, log) : void 0;
    try {
      return await run({ sql: db.sql, log, settings, args, flags, signal });
    } finally {
      await lock?.release();
    }
  } finally {
    await db.close();
  }
}
export {
  runCustomTask
};
//# sourceMappingURL=task-HQYMXO6G.js.map
