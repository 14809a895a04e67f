/**
 * What must happen before the process exits on Ctrl-C or SIGTERM: close the pool (the server
 * then rolls back the transactions in progress) and stop the embedded PostgreSQL. Resources
 * register here; only the CLI installs the signal handlers that run them, so the API never exits.
 */
type Cleanup = () => Promise<void>
const cleanups = new Set<Cleanup>()

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
