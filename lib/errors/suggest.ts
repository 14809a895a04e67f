import { distance } from 'fastest-levenshtein'

/**
 * The closest candidate to a mistyped name, when it is close enough to be what was meant: at most
 * a third of the name's length in edits (and at least two: `plna` finds `plan`), so `--dryrun` finds `--dry-run` while
 * `--x` suggests nothing.
 */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    const d = distance(input.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined
}

/** ` (did you mean 'x'?)`, or nothing. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closest(input, candidates)
  return match ? ` (did you mean '${match}'?)` : ''
}
