import { createConsola, type ConsolaReporter, type LogObject } from 'consola'
import { currentRedactor, type Redactor } from '../errors/redact.ts'

import type { Logger } from '../contract/types.ts'

export type { Logger }

/**
 * What the API accepts as `logger`: any object with these four methods (console, pino, winston,
 * consola...). Lines arrive as one string each, redacted, prefixed with `[seed]` for a seed's lines.
 */
export interface LoggerLike {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

const LEVEL_OF: Record<string, keyof LoggerLike> = {
  trace: 'debug',
  debug: 'debug',
  verbose: 'debug',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
}

/**
 * seedbed's logger writing to a caller's. A consola instance keeps its reporters (its format, its
 * streams), each behind the redactor: a caller's logger never sees a secret either.
 */
export function adaptLogger(target: LoggerLike | Logger): Logger {
  if (typeof (target as Logger).withTag === 'function' && typeof (target as Logger).setReporters === 'function') {
    const own = target as Logger
    const logger = own.create({})
    logger.setReporters(own.options.reporters.map((r) => redacting(r)))
    return logger
  }
  const logger = createConsola({ level: 4, throttle: 0 })
  const forward: ConsolaReporter = {
    log(o) {
      const text = o.args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(' ')
      const method = LEVEL_OF[o.type] ?? 'info'
      target[method].call(target, o.tag ? `[${o.tag}] ${text}` : text)
    },
  }
  logger.setReporters([redacting(forward)])
  return logger
}

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
  /** Redacts every line (default: the redactor of the run each line is logged in). */
  redactor?: Redactor
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

/**
 * Wraps a reporter so every argument is redacted before it is written anywhere: by `redactor`, else by
 * the redactor of the run the line is logged in.
 */
function redacting(reporter: ConsolaReporter, redactor?: Redactor): ConsolaReporter {
  return {
    log(logObj: LogObject, ctx) {
      const r = redactor ?? currentRedactor()
      reporter.log({ ...logObj, args: r.value(logObj.args), message: logObj.message && r.value(logObj.message) }, ctx)
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
  logger.setReporters(base.map((r) => redacting(r, options.redactor)))
  return logger
}
