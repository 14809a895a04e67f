/**
 * What must happen before the process exits on Ctrl-C or SIGTERM: close the pool (the server
 * then rolls back the transactions in progress) and stop the embedded PostgreSQL. Resources
 * register here; only the CLI installs the signal handlers that run them, so the API never exits.
 */
type Cleanup = () => Promise<void>
// One set for every copy of this module in the process (a CommonJS project can load seedbed twice: see
// SeedbedError's brand): the CLI's signal handler runs the cleanups registered through either.
const CLEANUPS = Symbol.for('seedbed.shutdown-cleanups')
const shared = globalThis as { [CLEANUPS]?: Set<Cleanup> }
shared[CLEANUPS] ??= new Set<Cleanup>()
const cleanups = shared[CLEANUPS]

/** Registers a cleanup; call the returned function once it has run normally. */
export function onShutdown(fn: Cleanup): () => void {
  cleanups.add(fn)
  return () => void cleanups.delete(fn)
}

/** Runs every registered cleanup, newest first, ignoring their failures. */
export async function runShutdown(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn)
    await fn().catch(() => undefined)
  }
}
