import { fmix32 } from '../helpers/fake.ts'

/**
 * The row generator's randomness: every cell (row, part of the row) has a sequence of its own, so a
 * value depends on its row and column alone. An override or a new column changes no other column, and
 * a self-reference can rebuild an earlier row's key without making the row. Like lib/helpers/fake.ts's
 * counterRandomizer (a hash of a key and a counter), but keyed by three 32-bit integers without the
 * float decoding its `seed()` does per part: a million-row table reseeds ten million times.
 * 32-bit integer arithmetic only, so the same on every machine and Node version.
 */
export interface CellRandom {
  /** Starts the sequence of cell (row, part). */
  at(row: number, part: number): void
  /** A uniform draw in [0, 1), 53 bits. */
  next(): number
}

export function cellRandom(key: number): CellRandom {
  let k1 = 0
  let k2 = 0
  let n = 0
  const draw = () => fmix32(fmix32((k1 + Math.imul(n++, 0x9e3779b9)) >>> 0) ^ k2)
  return {
    at(row, part) {
      // Rows past 2^32 fold their high half into the part.
      const high = Math.floor(row / 4294967296)
      k1 = fmix32(key ^ Math.imul(row >>> 0, 0x27d4eb2f))
      k2 = fmix32(k1 ^ Math.imul((part + Math.imul(high, 0x165667b1)) >>> 0, 0x85ebca77) ^ 0x6a09e667)
      n = 0
    },
    next: () => ((draw() >>> 5) * 67108864 + (draw() >>> 6)) / 9007199254740992,
  }
}
