/**
 * What must happen before the process exits on Ctrl-C or SIGTERM: close the pool (the server
 * then rolls back the transactions in progress) and stop the embedded PostgreSQL. Resources
 * register here; only the CLI installs the signal handlers that run them, so the API never exits.
 */
type Cleanup = () => Promise<void>;
/** Registers a cleanup; call the returned function once it has run normally. */
export declare function onShutdown(fn: Cleanup): () => void;
/** Runs every registered cleanup, newest first, ignoring their failures. */
export declare function runShutdown(): Promise<void>;
export {};
