import {
  redactValue
} from "./chunk-MHV4YG4X.js";

// lib/output/log.ts
import { createConsola } from "consola";
function jsonLines(stream) {
  return {
    log(o) {
      const message = o.args.map((a) => typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a)).join(" ");
      stream.write(`${JSON.stringify({ time: o.date.toISOString(), level: o.type, ...o.tag && { tag: o.tag }, message })}
`);
    }
  };
}
function redacting(reporter) {
  return {
    log(logObj, ctx) {
      reporter.log({ ...logObj, args: redactValue(logObj.args), message: logObj.message && redactValue(logObj.message) }, ctx);
    }
  };
}
function createLogger(options = {}) {
  const stream = options.stream ?? process.stderr;
  const logger = createConsola({
    level: options.level ?? 3,
    stdout: stream,
    stderr: process.stderr,
    // Identical lines from different seeds are real events: never swallow them.
    throttle: 0
  });
  const base = options.reporters ?? (options.format === "json" ? [jsonLines(stream)] : logger.options.reporters);
  logger.setReporters(base.map(redacting));
  return logger;
}

export {
  createLogger
};
//# sourceMappingURL=chunk-AXPJMKOQ.js.map
