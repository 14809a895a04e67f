import { createRequire } from 'node:module'
import type { Faker, Randomizer } from '@faker-js/faker'

import { FAKE_REFERENCE_DATE } from './unique.ts'

export { FAKE_REFERENCE_DATE, fakePerson, type FakePerson, uniqueEmail } from './unique.ts'

const require = createRequire(import.meta.url)
let english: Faker | undefined

/**
 * The English locale's entry alone: the package's main entry loads every locale (about twice the
 * start-up time). Its instance carries the merged en + base definitions and the Faker class. Loaded
 * on first use (about 30 ms), synchronously as `ctx.faker` is a getter (require of an ES module:
 * Node >= 20.19, Bun, Deno), so a seed that never reads `ctx.faker` never loads it.
 */
function englishFaker(): Faker {
  english ??= (require('@faker-js/faker/locale/en') as typeof import('@faker-js/faker/locale/en')).faker
  return english
}

/** FNV-1a: a stable 32-bit number from a seed's name, so each seed has its own sequence. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/** murmur3's 32-bit finaliser: every input bit flips about half the output bits. */
export function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

// A seed part is any JavaScript number (faker's own examples pass 13.37): its two 32-bit halves
// as a double, read little-endian whatever the machine, so 1, 1.5, -1 and 2 ** 40 are different keys.
const bits = new DataView(new ArrayBuffer(8))

/**
 * A counter-based generator for faker: value n is a hash of (key, n), so `seed()` only hashes the
 * seed into a 64-bit key and sets the counter to 0. faker's default Mersenne Twister fills 624
 * words on every `seed()` (24-32 us), which made reseeding per row most of a fake row's cost; here
 * `faker.seed([key, row])` costs about as much as one draw, and any row can be rebuilt on its own.
 * The same seed gives the same values on every run, machine and Node version (32-bit integer
 * arithmetic only). Each `next()` takes 53 bits from two hashed counter values, like faker's own.
 */
export function counterRandomizer(seed: number | number[] = 0): Randomizer {
  let k1 = 0
  let k2 = 0
  let n = 0
  // splitmix32-style: the key's first half offsets a Weyl sequence, the second re-keys its hash.
  const draw = () => fmix32(fmix32((k1 + Math.imul(n++, 0x9e3779b9)) >>> 0) ^ k2)
  const randomizer: Randomizer = {
    next: () => ((draw() >>> 5) * 67108864 + (draw() >>> 6)) / 9007199254740992,
    seed(value) {
      const parts = typeof value === 'number' ? [value] : value
      let a = 0x6a09e667
      let b = 0xbb67ae85 ^ parts.length
      for (const part of parts) {
        bits.setFloat64(0, part, true)
        a = fmix32(a ^ bits.getUint32(0, true) ^ Math.imul(b, 0x27d4eb2f))
        b = fmix32(b ^ bits.getUint32(4, true) ^ Math.imul(a, 0x165667b1))
      }
      k1 = a
      k2 = b
      n = 0
    },
  }
  randomizer.seed(seed)
  return randomizer
}

/**
 * A Faker seeded from `key` (the seed's name, plus a salt to split streams), on a counter-based
 * generator: reseed it per row with `faker.seed([key, row])` (O(1)) to make row `row` the same
 * whatever was drawn before it.
 */
export function fakerFor(key: string): Faker {
  const base = englishFaker()
  const FakerClass = base.constructor as new (options: { locale: Faker['rawDefinitions']; randomizer?: Randomizer }) => Faker
  const faker = new FakerClass({ locale: base.rawDefinitions, randomizer: counterRandomizer() })
  faker.seed(stableHash(key))
  faker.setDefaultRefDate(FAKE_REFERENCE_DATE)
  return faker
}

/** The row count for a base count at a scale: at least 1 row for a non-zero base. */
export function scaled(baseCount: number, scale: number): number {
  return baseCount <= 0 ? 0 : Math.max(1, Math.round(baseCount * scale))
}
