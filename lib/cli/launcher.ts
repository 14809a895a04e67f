import { readFileSync } from 'node:fs'
import { processAlive as alive } from '../util/pid.ts'

/**
 * `npx` and `npm run` do not pass SIGTERM on: `npm exec` ends and the program it started runs on
 * (checked with npm 11). So `timeout 60 npx seedbed seed`, a CI cancel or `docker stop` would stop
 * the launcher while the seeds kept committing. The CLI therefore watches the processes that
 * launched it (npm, npx, tsx and the `sh -c` between them) and treats the end of any of them as
 * SIGTERM. Linux only (it reads /proc); elsewhere run the bin directly or through make.
 */
// Command shells spawned with -c count (npm runs scripts through `sh -c`); an interactive shell does not,
// so `nohup npx seedbed seed &` survives the terminal that started it.
const LAUNCHER = /^(npm|npx|tsx)(\s|$)|^(\S*\/)?(sh|bash|dash) -c |npm-cli\.js|npx-cli\.js|\/tsx\/dist\/cli|node_modules\/\.bin\/tsx/

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined
  } catch {
    return undefined
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return ''
  }
}

/** The launchers above this process, nearest first, up to the first process that is not one. */
export function launchers(start = process.ppid): number[] {
  const out: number[] = []
  for (let pid: number | undefined = start; pid && out.length < 6; pid = parentOf(pid)) {
    const line = commandLine(pid)
    // `npm exec` renames itself; its title starts with "npm".
    if (!LAUNCHER.test(line)) break
    out.push(pid)
  }
  return out
}

/**
 * Calls `onGone` once if a launcher exits while this process runs. The check runs every 250 ms on an
 * unref'd timer: it never keeps the process alive. Returns the function that stops watching.
 */
export function watchLaunchers(onGone: () => void, intervalMs = 250): () => void {
  const watched = launchers()
  if (watched.length === 0) return () => {}
  const timer = setInterval(() => {
    if (watched.every(alive)) return
    clearInterval(timer)
    onGone()
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
