import {
  runMetrics
} from "./chunks/chunk-D2Q3D7QM.js";
import {
  cloneDatabase,
  dropTemplate,
  prepareTemplate,
  truncateAndReplant
} from "./chunks/chunk-WRWLLYZA.js";
import {
  fresh,
  plan,
  seed,
  status,
  validate
} from "./chunks/chunk-NBWOXC2R.js";
import {
  defineSeed
} from "./chunks/chunk-IO7WYGO7.js";
import "./chunks/chunk-TFDB6JHZ.js";
import "./chunks/chunk-GEZXA2OC.js";
import {
  PRODUCTION,
  loadEnvironment,
  resolveSettings
} from "./chunks/chunk-PXCDQJM3.js";
import "./chunks/chunk-IGOMR4D7.js";
import {
  SeedbedError,
  codes
} from "./chunks/chunk-K7UNPX46.js";
import {
  createLogger
} from "./chunks/chunk-AXPJMKOQ.js";
import "./chunks/chunk-MHV4YG4X.js";

// lib/execution/startup.ts
async function seedOnStartup(options = {}) {
  const { allowProduction, envDir, ...runOptions } = options;
  const env = envDir === false ? options.env ?? process.env.APP_ENV ?? "development" : loadEnvironment(options.env, envDir);
  const onStartup = runOptions.onStartup ?? resolveSettings({ env }).onStartup;
  if (!onStartup) return { ran: false, reason: `SEEDBED_ON_STARTUP is not true in ${env}` };
  if (env === PRODUCTION && !allowProduction)
    return { ran: false, reason: "start-up seeding never runs in production unless allowProduction is set" };
  const result = await seed({ ...runOptions, env, changed: runOptions.changed ?? true, confirmed: env === PRODUCTION });
  return { ran: true, result };
}
export {
  SeedbedError,
  cloneDatabase,
  codes,
  createLogger,
  defineSeed,
  dropTemplate,
  fresh,
  plan,
  prepareTemplate,
  runMetrics,
  seed,
  seedOnStartup,
  status,
  truncateAndReplant,
  validate
};
//# sourceMappingURL=index.js.map
