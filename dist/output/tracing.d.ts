import { type Span } from '@opentelemetry/api';
import type { SeedReport } from '../contract/types.js';
/** Starts a span as a child of `parent` (explicitly: no context manager is needed). */
export declare function startSpan(name: string, attributes: Record<string, string | number | boolean>, parent?: Span): Span;
/** Ends a seed's span with its outcome. */
export declare function endSeedSpan(span: Span, report: SeedReport): void;
