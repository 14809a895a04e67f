import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import type { SeedReport } from '../contract/types.ts'

/**
 * OpenTelemetry spans: one per run, one per level, one per seed, with counts as attributes. They
 * go through @opentelemetry/api only, so they cost nothing and go nowhere unless the application
 * registers an SDK (a tracer provider).
 */
const tracer = () => trace.getTracer('seedbed')

/** Starts a span as a child of `parent` (explicitly: no context manager is needed). */
export function startSpan(name: string, attributes: Record<string, string | number | boolean>, parent?: Span): Span {
  return tracer().startSpan(name, { attributes }, parent ? trace.setSpan(context.active(), parent) : undefined)
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
    span.setStatus({ code: SpanStatusCode.ERROR, message: report.error.message })
  }
  span.end()
}
