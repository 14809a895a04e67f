import type { Faker } from '@faker-js/faker'

/**
 * The plain word lists of a faker locale, taken once per locale: the row generator picks from them
 * with one draw each, never through faker's methods or its template engine (which cost microseconds a
 * value; a million-row table has ten million values).
 */
export interface Words {
  firstNames: readonly string[]
  lastNames: readonly string[]
  /** The names lower-cased, letters only (for emails and user names), index for index. */
  firstSlugs: readonly string[]
  lastSlugs: readonly string[]
  cities: readonly string[]
  countries: readonly string[]
  streets: readonly string[]
  words: readonly string[]
  colors: readonly string[]
}

const cache = new WeakMap<object, Words>()

const list = (value: unknown, fallback: readonly string[]): readonly string[] => {
  if (Array.isArray(value) && value.length && value.every((v) => typeof v === 'string')) return value
  if (value && typeof value === 'object') {
    const generic = (value as { generic?: unknown }).generic
    if (Array.isArray(generic) && generic.length) return generic as string[]
  }
  return fallback
}

/** The lists of `faker`'s locale (English names and words where the locale has none). */
export function wordsOf(faker: Faker): Words {
  const raw = faker.rawDefinitions
  let words = cache.get(raw)
  if (!words) {
    const d = raw as unknown as Record<string, Record<string, unknown> | undefined>
    const plain = (v: readonly string[]) => v.filter((w) => /^[A-Za-z][A-Za-z' -]*$/.test(w))
    const firstNames = plain(list(d.person?.first_name, ['Ada', 'Alan', 'Grace', 'Linus']))
    const lastNames = plain(list(d.person?.last_name, ['Lovelace', 'Turing', 'Hopper', 'Torvalds']))
    const slug = (w: string) => w.toLowerCase().replace(/[^a-z]+/g, '')
    words = {
      firstNames,
      lastNames,
      firstSlugs: firstNames.map(slug),
      lastSlugs: lastNames.map(slug),
      cities: list(d.location?.city_name, ['Springfield']),
      countries: list(d.location?.country, ['Freedonia']),
      streets: list(d.location?.street_name, ['Main Street']),
      words: plain(list(d.lorem?.word, ['lorem', 'ipsum', 'dolor', 'sit', 'amet'])),
      colors: list(d.color?.human, ['red', 'green', 'blue']),
    }
    cache.set(raw, words)
  }
  return words
}
