/** bcrypt cost: 10 by default (about 60 ms a hash); SEEDBED_BCRYPT_COST lowers it for tests. */
export declare function bcryptCost(env?: NodeJS.ProcessEnv): number;
/** Keeps a stored hash that still matches, so re-seeding does not rewrite password rows. */
export declare function hashPassword(plain: string, current?: string | null, cost?: number): Promise<string>;
export declare function randomToken(bytes?: number): string;
/**
 * A secret from the environment, registered for redaction. Its development default applies only
 * in development; anywhere else a missing secret stops the run before anything is written.
 */
export declare function readSecret(name: string, env: string, devDefault?: string, source?: NodeJS.ProcessEnv): string;
