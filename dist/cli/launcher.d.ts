/** The launchers above this process, nearest first, up to the first process that is not one. */
export declare function launchers(start?: number): number[];
/**
 * Calls `onGone` once if a launcher exits while this process runs. The check runs every 250 ms on an
 * unref'd timer: it never keeps the process alive. Returns the function that stops watching.
 */
export declare function watchLaunchers(onGone: () => void, intervalMs?: number): () => void;
