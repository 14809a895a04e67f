import type { Span } from '@opentelemetry/api'
import type { SeedReport } from '../contract/types.ts'

/**
 * OpenTelemetry spans: one per run, one per level, one per seed, with counts as attributes. They
 * go through @opentelemetry/api only, so they cost nothing and go nowhere unless the application
 * registers an SDK (a tracer provider). The package itself (about 50 ms to load) is loaded only
 * then: an SDK registers its provider in the API's global (`Symbol.for('opentelemetry.js.api.1')`),
 * which is read here without loading it.
 */
let api: typeof import('@opentelemetry/api') | undefined

const GLOBAL = Symbol.for('opentelemetry.js.api.1')

/** Loads @opentelemetry/api if an application registered a tracer provider; call before startSpan. */
export async function loadTracing(): Promise<void> {
  if (!api && (globalThis as { [GLOBAL]?: { trace?: unknown } })[GLOBAL]?.trace) api = await import('@opentelemetry/api')
}

/** The span of a process without a tracer provider: records nothing (as the API's own no-op span). */
const NOOP: Span = {
  spanContext: () => ({ traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 }),
  setAttribute: () => NOOP,
  setAttributes: () => NOOP,
  addEvent: () => NOOP,
  addLink: () => NOOP,
  addLinks: () => NOOP,
  setStatus: () => NOOP,
  updateName: () => NOOP,
  end: () => {},
  isRecording: () => false,
  recordException: () => {},
}

/** Starts a span as a child of `parent` (explicitly: no context manager is needed). */
export function startSpan(name: string, attributes: Record<string, string | number | boolean>, parent?: Span): Span {
  if (!api) return NOOP
  const { context, trace } = api
  return trace.getTracer('seedbed').startSpan(name, { attributes }, parent ? trace.setSpan(context.active(), parent) : undefined)
}

/** Ends a seed's span with its outcome. */
export function endSeedSpan(span: Span, report: SeedReport): void {
  span.setAttributes({
    'seedbed.status': report.status,
    'seedbed.created': report.created,
    'seedbed.updated': report.updated,
    'seedbed.skipped': report.skipped,
    'seedbed.attempts': report.attempts,
    'seedbed.duration_ms': report.durationMs,
  })
  if (report.error) {
    span.setAttribute('seedbed.error_code', report.error.code)
    // SpanStatusCode.ERROR (2): a constant of the API, which is not loaded without a provider.
    span.setStatus({ code: 2, message: report.error.message })
  }
  span.end()
}
