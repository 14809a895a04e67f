/**
 * The measuring protocol the benches share. A bench runs each method in a child process of its own
 * (a fresh heap, its own peak RSS); the child times its work and ends by writing one JSON line, a
 * `Measure`, which the parent reads back. Also the median the benches report, and the wall time of a
 * whole command (bench/startup.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { redactUrl } from '../lib/errors/redact.ts'

/** What a child reports: its time, its peak RSS and a line about what it did. */
export interface Measure {
  ms: number
  rssMb?: number
  detail?: string
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** The child's side: its one JSON line, with the process's peak RSS. */
export function report(ms: number, detail = ''): void {
  process.stdout.write(`${JSON.stringify({ ms, rssMb: process.resourceUsage().maxRSS / 1024, detail })}\n`)
}

/** The parent's side: runs `node <args>`, returns the child's last line; a failure throws its stderr (redacted). */
export function runChild(args: string[], options: { cwd?: string; label?: string } = {}): Measure {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20, cwd: options.cwd })
  if (r.status !== 0) throw new Error(`${options.label ?? args.join(' ')} failed: ${redactUrl(r.stderr)}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!)
}

/**
 * The wall time of a whole command, launch to exit, `runs` times (the process's own clock cannot see
 * its launch). Only PATH and HOME are passed on, and `env`. A failure throws its stderr (redacted).
 */
export function timeCommand(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; runs: number },
): number[] {
  const samples: number[] = []
  for (let i = 0; i < options.runs; i++) {
    const t0 = performance.now()
    try {
      execFileSync(command, args, {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    } catch (e) {
      throw new Error(`${command} ${args.join(' ')} failed: ${redactUrl(String((e as { stderr?: Buffer }).stderr ?? e))}`)
    }
    samples.push(performance.now() - t0)
  }
  return samples
}
