import { createConsola, type ConsolaInstance, type ConsolaReporter, type LogObject } from 'consola'
import { redactValue } from '../errors/redact.ts'

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
  /** `json`: one JSON object per line (`time`, `level`, `tag`, `message`) for log shippers. */
  format?: 'text' | 'json'
}

/** One JSON object per log line, on the stream info lines go to. */
function jsonLines(stream: NodeJS.WritableStream): ConsolaReporter {
  return {
    log(o) {
      const message = o.args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ')
      stream.write(`${JSON.stringify({ time: o.date.toISOString(), level: o.type, ...(o.tag && { tag: o.tag }), message })}\n`)
    },
  }
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
  const base = options.reporters ?? (options.format === 'json' ? [jsonLines(stream)] : logger.options.reporters)
  logger.setReporters(base.map(redacting))
  return logger
}
