import { SeedbedError } from '../errors/errors.js';
/** Environments seedbed knows without a `.env.<name>` file; any name with such a file is valid too. */
export declare const KNOWN_ENVIRONMENTS: readonly ["development", "test", "staging", "production"];
export declare const PRODUCTION = "production";
/**
 * Picks the environment and loads its profile into `env`: `.env`, then `.env.<name>` over it,
 * and real environment variables over both. The name comes from `--env`, else APP_ENV, else
 * NODE_ENV (from the real environment, then from `.env`), else `development`.
 */
export declare function loadEnvironment(flag: string | undefined, cwd?: string, env?: NodeJS.ProcessEnv): string;
/** `30`, `30s`, `500ms`, `5m`, `1h` as milliseconds; `0` means none. */
export declare function parseDuration(name: string, raw: unknown): number | undefined;
/** `true/false/1/0/yes/no/on/off`. */
export declare function parseBoolean(name: string, raw: unknown): boolean | undefined;
/** A bad flag is E_BAD_OPTION; a bad environment variable is E_BAD_ENV. Both name it. */
export declare function optionError(name: string, message: string, hint: string): SeedbedError;
