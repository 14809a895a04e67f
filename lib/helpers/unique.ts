import type { Faker } from '@faker-js/faker'

/**
 * Fake-data helpers that need no faker of their own (seed files import them from `seedbed` without
 * loading faker). The reference date fake dates are drawn around: faker defaults to "now", which
 * would make every run different; a fixed date keeps the same seed producing the same rows.
 */
export const FAKE_REFERENCE_DATE = new Date('2026-01-01T00:00:00.000Z')

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
