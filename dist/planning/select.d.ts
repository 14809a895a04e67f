import type { LoadedSeed } from '../contract/contract.js';
export interface Excluded {
    name: string;
    reason: string;
}
/**
 * The seeds that may run in an environment. Without `environments`, a seed runs everywhere but in
 * production. In production a seed must list `production` and be on the allow-list; elsewhere a
 * non-empty allow-list narrows the set. A kept seed that depends on an excluded one, or `--only`
 * naming an excluded seed, is E_SEED_NOT_ALLOWED. Pure: no I/O.
 */
export declare function selectForEnvironment(seeds: readonly LoadedSeed[], env: string, allow: readonly string[], only?: readonly string[]): {
    kept: LoadedSeed[];
    excluded: Excluded[];
};
/** Seeds that need any of `names`, directly or not: what must re-run when those change. */
export declare function dependantsOf(seeds: readonly LoadedSeed[], names: Iterable<string>): Set<string>;
