import { type ConsolaInstance, type ConsolaReporter } from 'consola';
export type Logger = ConsolaInstance;
export interface LoggerOptions {
    /**
     * Where info lines go (warnings and errors always go to stderr). `seed --json` sends
     * everything to stderr so that stdout holds only the JSON document.
     */
    stream?: NodeJS.WriteStream;
    /** consola level: 0 errors only, 3 info (default), 4 debug. */
    level?: number;
    /** Extra reporters (tests inject a collector, as consola's own tests do). */
    reporters?: ConsolaReporter[];
    /** `json`: one JSON object per line (`time`, `level`, `tag`, `message`) for log shippers. */
    format?: 'text' | 'json';
}
/** The one consola instance of a run; seeds get `log.withTag(seed.name)`. */
export declare function createLogger(options?: LoggerOptions): Logger;
