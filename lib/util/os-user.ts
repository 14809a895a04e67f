import { readFileSync } from 'node:fs'
import os from 'node:os'

/**
 * The name of the user running this process, for the ledger. Node asks the system (getpwuid); Bun's
 * `os.userInfo()` answers `unknown` where the name is not in its environment (root in a container,
 * CI), so then the account of the process's uid in /etc/passwd, then USER / LOGNAME.
 */
export function osUser(): string {
  let info: os.UserInfo<string> | undefined
  try {
    info = os.userInfo()
  } catch {
    // No entry for this uid (a container's arbitrary uid): the environment may still say.
  }
  if (info?.username && info.username !== 'unknown') return info.username
  const uid = info?.uid ?? process.getuid?.()
  if (uid !== undefined && uid >= 0) {
    try {
      const entry = readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((line) => line.split(':')[2] === String(uid))
      if (entry) return entry.split(':')[0]!
    } catch {
      // Not Unix, or no passwd file.
    }
  }
  return process.env.USER || process.env.LOGNAME || process.env.USERNAME || 'unknown'
}
