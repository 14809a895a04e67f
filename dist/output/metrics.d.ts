import { Registry } from 'prom-client';
import type { RunResult } from '../contract/types.js';
/**
 * Prometheus metrics of a run, in a registry of their own (nothing global, so an application's
 * own metrics are untouched): seed duration histogram, records created / updated / skipped
 * counters and an errors counter, labelled by seed and status; plus the run's outcome and time.
 */
export declare function runMetrics(result: RunResult, env: string, registry?: Registry<"text/plain; version=0.0.4; charset=utf-8">): Registry;
/** Writes the text format atomically (temp file, then rename), as node_exporter's textfile collector wants. */
export declare function writeMetricsFile(registry: Registry, file: string): Promise<void>;
/** Pushes to a Pushgateway under job `seedbed` (POST: adds to what is there). */
export declare function pushMetrics(registry: Registry, url: string, env: string): Promise<void>;
