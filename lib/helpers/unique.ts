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

/** A fake person: the name and email are made from the same first and last name. */
export interface FakePerson {
  firstName: string
  lastName: string
  /** `firstName lastName` */
  name: string
  /** `first.last.<row>@domain`, unique by the row number, as uniqueEmail makes it */
  email: string
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '')

// The locale's plain last names, found once per locale: faker's lastName() goes through a weighted
// pattern and its template engine (about 1.6 us a name here), fullName() through another (6 us).
const lastNameLists = new WeakMap<object, readonly string[] | null>()
function lastNames(faker: Faker): readonly string[] | null {
  const raw = faker.rawDefinitions
  let list = lastNameLists.get(raw)
  if (list === undefined) {
    const names = raw.person?.last_name as readonly string[] | { generic?: readonly string[] } | undefined
    list = Array.isArray(names) ? names : ((names as { generic?: readonly string[] } | undefined)?.generic ?? null)
    lastNameLists.set(raw, list?.length ? list : null)
  }
  return lastNameLists.get(raw)!
}

/**
 * A person for row `row` in three draws: a first name (`faker.person.firstName()`), a last name from
 * the locale's list, and the name and email made from them, so they agree with each other. About 5x
 * cheaper than `uniqueEmail` plus `faker.person.fullName()`, which draw two names each and run
 * faker's template engine: the rows of a million-row load cost their generation more than COPY.
 * The name has no prefix or suffix and no double-barrelled last name (fullName adds them to about
 * one name in six); a locale without a plain last-name list falls back to `faker.person.lastName()`.
 * Deterministic like the faker it is given: reseed it per row (`faker.seed([key, row])`) to make
 * row `row` the same whatever was drawn before.
 */
export function fakePerson(faker: Faker, row: number, domain = 'example.com'): FakePerson {
  const firstName = faker.person.firstName()
  const list = lastNames(faker)
  const lastName = list ? list[faker.number.int(list.length - 1)]! : faker.person.lastName()
  return { firstName, lastName, name: `${firstName} ${lastName}`, email: `${slug(firstName)}.${slug(lastName)}.${row}@${domain}` }
}
