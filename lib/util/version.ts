import { createRequire } from 'node:module'

/** seedbed's own version, from its package.json: what `--version` prints and part of every template's hash. */
export function seedbedVersion(): string {
  try {
    // Self-reference (package.json `exports`): found from lib/ in this repository and from dist/ in an install.
    return (createRequire(import.meta.url)('seedbed/package.json') as { version: string }).version
  } catch {
    return 'unknown'
  }
}
