import { codes, SeedbedError } from '../errors/errors.ts'

/**
 * The one AbortSignal of a run. It carries the caller's signal (the CLI aborts it on Ctrl-C and
 * SIGTERM with E_INTERRUPTED) and the global --timeout (E_TIMEOUT); its reason is always a
 * SeedbedError, so the ledger can tell an interrupted run from a timed-out one.
 */
export interface RunStop {
  signal: AbortSignal
  /** Starts the --timeout deadline (0: none): from when seeding starts, not while the lock is awaited. */
  startTimeout(ms: number): void
  /** Clears the timer and lets go of the caller's signal: nothing of the run outlives it. */
  dispose(): void
}

/** A caller's reason as a SeedbedError: a plain `controller.abort()` is an interruption. */
function asInterruption(reason: unknown): SeedbedError {
  if (reason instanceof SeedbedError) return reason
  return new SeedbedError(codes.INTERRUPTED, 'the run was stopped by its caller; running seeds were cancelled and rolled back', {
    hint: 'run again: every seed is applied whole or not at all',
    cause: reason,
  })
}

export function runStop(caller?: AbortSignal): RunStop {
  const controller = new AbortController()
  // One listener on the caller's signal and one timer, both removed by dispose (AbortSignal.any
  // would keep a reference to the caller's signal for as long as it lives).
  const onAbort = () => controller.abort(asInterruption(caller!.reason))
  if (caller?.aborted) onAbort()
  else caller?.addEventListener('abort', onAbort, { once: true })
  let timer: NodeJS.Timeout | undefined
  return {
    signal: controller.signal,
    startTimeout(ms) {
      if (ms <= 0 || controller.signal.aborted) return
      timer = setTimeout(
        () =>
          controller.abort(
            new SeedbedError(
              codes.TIMEOUT,
              `the run took longer than --timeout ${ms / 1000} s; running seeds were cancelled and rolled back`,
              {
                hint: 'raise --timeout (SEEDBED_TIMEOUT); seeds that did not finish are reported not_executed or failed',
              },
            ),
          ),
        ms,
      )
    },
    dispose() {
      clearTimeout(timer)
      caller?.removeEventListener('abort', onAbort)
    },
  }
}
