/** Whether a process runs (EPERM: it runs, as another user). Signal 0 checks without signalling. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
