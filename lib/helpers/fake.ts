import type { Faker } from '@faker-js/faker'
// The English locale's entry alone: the package's main entry loads every locale (about twice the
// start-up time). Its instance carries the merged en + base definitions and the Faker class.
import { faker as english } from '@faker-js/faker/locale/en'

import { FAKE_REFERENCE_DATE } from './unique.ts'

export { FAKE_REFERENCE_DATE, uniqueEmail } from './unique.ts'

const FakerClass = english.constructor as new (options: { locale: Faker['rawDefinitions'] }) => Faker

/** FNV-1a: a stable 32-bit number from a seed's name, so each seed has its own sequence. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/** A Faker seeded from `key` (the seed's name, plus a salt to split streams). */
export function fakerFor(key: string): Faker {
  const faker = new FakerClass({ locale: english.rawDefinitions })
  faker.seed(stableHash(key))
  faker.setDefaultRefDate(FAKE_REFERENCE_DATE)
  return faker
}

/** The row count for a base count at a scale: at least 1 row for a non-zero base. */
export function scaled(baseCount: number, scale: number): number {
  return baseCount <= 0 ? 0 : Math.max(1, Math.round(baseCount * scale))
}
