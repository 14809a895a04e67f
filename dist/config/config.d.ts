/** Every setting of a run, resolved from flags, then environment variables, then defaults. */
export interface Settings {
    /** Unset means the embedded PostgreSQL. */
    databaseUrl?: string;
    seedsDir: string;
    schemaDir: string;
    dataDir: string;
    embeddedPort?: number;
    poolSize: number;
    concurrency: number;
    env: string;
    only: string[];
    /** Multiplier for seeds' `ctx.scaled()` row counts. */
    scale: number;
    /** The environment's profile (`.env.<env>`, SEEDBED_* variables, flags). */
    enabled: boolean;
    onStartup: boolean;
    /** Whole-run and per-seed time limits in ms; 0 means none. */
    timeoutMs: number;
    seedTimeoutMs: number;
    maxRetries: number;
    dryRun: boolean;
    /** Seeds allowed to run; empty means all (outside production, where it is required). */
    allow: string[];
    lockTimeoutMs: number;
    /** Run only seeds whose file changed since their last success, and what depends on them. */
    changed: boolean;
}
/** Flags as cac hands them over (numbers may arrive as numbers or strings). */
export interface SettingFlags {
    seeds?: string;
    schema?: string;
    concurrency?: unknown;
    poolSize?: unknown;
    only?: unknown;
    scale?: unknown;
    env?: string;
    timeout?: unknown;
    seedTimeout?: unknown;
    maxRetries?: unknown;
    dryRun?: boolean;
    lockTimeout?: unknown;
    changed?: boolean;
}
export declare const DEFAULT_POOL_SIZE = 10;
/** An integer option, or E_BAD_OPTION naming the flag or variable it came from. */
export declare function intOption(name: string, raw: unknown, min: number, max: number): number | undefined;
/** `--only a,b --only c` and `--only a b` forms, as a flat list of names. */
export declare function listOption(raw: unknown): string[];
export declare function resolveSettings(flags?: SettingFlags, env?: NodeJS.ProcessEnv, cwd?: string): Settings;
