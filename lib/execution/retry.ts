/**
 * Errors worth another try: the server or the network, not the seed. A constraint violation or a
 * bug in a seed fails the same way every time and is never retried.
 */
const TRANSIENT = new Map<string, string>([
  ['40001', 'serialization failure'],
  ['40P01', 'deadlock detected'],
  ['57P01', 'server shut the connection down (admin shutdown)'],
  ['57P02', 'server crash shutdown'],
  ['57P03', 'server cannot accept connections yet'],
  ['53300', 'too many connections'],
  ['08000', 'connection exception'],
  ['08001', 'cannot connect'],
  ['08003', 'connection does not exist'],
  ['08006', 'connection failure'],
  ['CONNECTION_CLOSED', 'connection lost'],
  ['CONNECTION_ENDED', 'connection ended'],
  ['ECONNRESET', 'connection reset'],
  ['ECONNREFUSED', 'cannot connect yet'],
  ['EPIPE', 'connection lost'],
])

/** Why an error is transient, or undefined when it is not. */
export function transientReason(err: unknown): string | undefined {
  const e = err as { code?: unknown; sqlState?: unknown; cause?: unknown } | undefined
  const code = typeof e?.sqlState === 'string' ? e.sqlState : typeof e?.code === 'string' ? e.code : undefined
  if (code && TRANSIENT.has(code)) return `${TRANSIENT.get(code)} (${code})`
  const cause = (e?.cause ?? undefined) as { code?: unknown } | undefined
  return cause && cause !== err && typeof cause.code === 'string' && TRANSIENT.has(cause.code)
    ? `${TRANSIENT.get(cause.code)} (${cause.code})`
    : undefined
}

/** Exponential backoff with full jitter: a random wait up to 200 ms x 2^attempt, at most 5 s. */
export function backoffMs(attempt: number, random = Math.random): number {
  return Math.round(random() * Math.min(5000, 200 * 2 ** attempt))
}
