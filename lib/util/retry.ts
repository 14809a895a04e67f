import { setTimeout as wait } from 'node:timers/promises'

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

/** Waits `ms`; when `signal` aborts first, rejects at once with its reason (the timer is cleared). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await wait(ms, undefined, { signal })
  } catch (err) {
    throw signal?.aborted ? signal.reason : err
  }
}

/** Waits for `promise` at most `ms` (then resolves undefined); its timer never outlives the wait. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  const done = new AbortController()
  try {
    return await Promise.race([
      promise,
      sleep(ms, done.signal).then(
        () => undefined,
        () => undefined,
      ),
    ])
  } finally {
    done.abort()
  }
}

export interface RetryOptions {
  /** Tries after the first one (0: none). */
  retries: number
  /** Stops the waits between tries at once: the wait rejects with the signal's reason. */
  signal?: AbortSignal
  /** Why a failure deserves another try, or undefined to give up (default: transientReason). */
  retryable?: (err: unknown) => string | undefined
  /** Told before each wait, to log it. */
  onRetry?: (retry: { n: number; waitMs: number; reason: string }) => void
}

/**
 * Runs `fn` (given the try number from 0) until it succeeds, retrying transient failures with
 * backoff, at most `retries` times. The one retry loop of seedbed: seeds and the first connection.
 */
export async function retrying<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await fn(n)
    } catch (err) {
      const reason = (options.retryable ?? transientReason)(err)
      if (!reason || n >= options.retries || options.signal?.aborted) throw err
      const waitMs = backoffMs(n)
      options.onRetry?.({ n: n + 1, waitMs, reason })
      await sleep(waitMs, options.signal)
    }
  }
}
