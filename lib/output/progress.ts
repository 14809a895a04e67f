import type { Logger } from './log.ts'

/** Receives a seed's running row count from the COPY helpers. */
export type ProgressTick = (rows: number) => void

export interface ProgressReporter {
  /** A tick function for one seed; `end` it when the seed finishes. */
  start(seed: string): { tick: ProgressTick; end(): void }
}

export interface ProgressOptions {
  log: Logger
  /**
   * A terminal gets one live line rewritten in place; anything else (CI, `--json`, a pipe) gets a
   * plain log line per seed every `intervalMs`.
   */
  live: boolean
  stream?: NodeJS.WritableStream
  intervalMs?: number
}

const fmt = new Intl.NumberFormat('en-US')
const rate = (rows: number, ms: number) => (ms > 0 ? Math.round((rows * 1000) / ms) : 0)

/** Shows rows done and rows per second for loads in progress. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const { log, live } = options
  const stream = options.stream ?? process.stderr
  const interval = options.intervalMs ?? (live ? 100 : 2000)
  const active = new Map<string, { rows: number; since: number; shown: number }>()

  const render = () => {
    const parts = [...active].map(
      ([name, s]) => `${name} ${fmt.format(s.rows)} rows, ${fmt.format(rate(s.rows, performance.now() - s.since))} rows/s`,
    )
    stream.write(`\r\x1b[2K${parts.join(' | ')}`)
  }
  return {
    start(seed) {
      const state = { rows: 0, since: performance.now(), shown: performance.now() }
      active.set(seed, state)
      return {
        tick(rows) {
          state.rows = rows
          const now = performance.now()
          if (now - state.shown < interval) return
          state.shown = now
          if (live) render()
          else log.withTag(seed).info(`${fmt.format(rows)} rows, ${fmt.format(rate(rows, now - state.since))} rows/s`)
        },
        end() {
          active.delete(seed)
          if (live) stream.write('\r\x1b[2K')
        },
      }
    },
  }
}
