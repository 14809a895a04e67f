import { type LoadedSeed } from '../contract/contract.js';
/** Seed files in a folder: `.ts`/`.js` files, not declarations, not `_helpers.ts`, sorted. */
export declare function listSeedFiles(dir: string): Promise<string[]>;
/** Checks one module's export and returns the seed it describes. Pure: no I/O. */
export declare function toSeed(mod: Record<string, unknown>, file: string, checksum?: string): LoadedSeed;
/**
 * Loads every seed file of a folder. Any file that fails to load, exports nothing usable or
 * reuses a name is an error naming that file, and nothing runs.
 */
export declare function discoverSeeds(dir: string): Promise<LoadedSeed[]>;
