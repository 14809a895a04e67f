import { createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject } from 'consola'
import { redactValue } from './redact.ts'

export type Logger = ConsolaInstance

export interface LoggerOptions {
  /**
   * Where info lines go (warnings and errors always go to stderr). `seed --json` sends
   * everything to stderr so that stdout holds only the JSON document.
   */
  stream?: NodeJS.WriteStream
  /** consola level: 0 errors only, 3 info (default), 4 debug. */
  level?: number
  /** Extra reporters (tests inject a collector, as consola's own tests do). */
  reporters?: ConsolaReporter[]
}

/** Wraps a reporter so every argument is redacted before it is written anywhere. */
function redacting(reporter: ConsolaReporter): ConsolaReporter {
  return {
    log(logObj: LogObject, ctx) {
      reporter.log({ ...logObj, args: redactValue(logObj.args), message: logObj.message && redactValue(logObj.message) }, ctx)
    },
  }
}

/** The one consola instance of a run; seeds get `log.withTag(seed.name)`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr
  const logger = createConsola({
    level: options.level ?? 3,
    stdout: stream,
    stderr: process.stderr,
    // Identical lines from different seeds are real events: never swallow them.
    throttle: 0,
  })
  const base = options.reporters ?? logger.options.reporters
  logger.setReporters(base.map(redacting))
  return logger
}
