import { FAKE_REFERENCE_DATE, type FakePerson } from '../helpers/unique.ts'
import type { ColumnLimits } from './checks.ts'
import { classText, textFormGenerator } from './text-forms.ts'
import type { ColumnType } from './types.ts'
import type { Words } from './words.ts'

/** A uniform draw in [0, 1), from the cell's own seeded sequence. */
export type Next = () => number

/**
 * How one column's values are made: `random` for any row, and `nth(k)`, the k-th of `size` distinct
 * values, for a column (or part of a key) that must be unique: distinct k give distinct values by
 * construction (the row number is in the value), so no value is ever drawn twice and retried.
 * Values are text PostgreSQL parses (or numbers, booleans, Buffers, arrays COPY encodes).
 */
export interface ValueGenerator {
  random(next: Next, row: number): unknown
  nth(k: number, next: Next, row: number): unknown
  size: number
  /**
   * Its first `spread` values (`nth(0)` to `nth(spread - 1)`) lie along a realistic range (dates, times),
   * and any first few of them are spread over it. In a key whose lower parts already tell its rows apart,
   * such a part takes the row's lower digits too (lib/schema/fake-rows.ts), so the rows do not all share
   * its first value.
   */
  spread?: number
}

/** Why a column's values cannot be made: the generator's caller turns it into E_FAKE_UNSUPPORTED. */
export class Unsupported extends Error {}

const pick = <T>(next: Next, list: readonly T[]): T => list[Math.floor(next() * list.length)]!
const between = (next: Next, lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
const DAY = 86_400_000
const REF = FAKE_REFERENCE_DATE.getTime()
const SPAN_DAYS = 3 * 365
const INT_BOUNDS = { 16: [-32768, 32767], 32: [-2147483648, 2147483647], 64: [-(2 ** 53) + 1, 2 ** 53 - 1] } as const

/** The allowed integer range (in units of 10^-scale) from the type's bounds and the CHECKs. */
function unitRange(limits: ColumnLimits, lo: number, hi: number, scale: number): [number, number] {
  const f = 10 ** scale
  let min = lo
  let max = hi
  if (limits.min) {
    const v = Number(limits.min.value) * f
    const b = Number.isInteger(v) ? (limits.min.inclusive ? v : v + 1) : Math.ceil(v)
    min = Math.max(min, b)
  }
  if (limits.max) {
    const v = Number(limits.max.value) * f
    const b = Number.isInteger(v) ? (limits.max.inclusive ? v : v - 1) : Math.floor(v)
    max = Math.min(max, b)
  }
  return [min, max]
}

/** A realistic range inside the allowed one: what column names suggest, else 0..1,000. */
function softRange(name: string, min: number, max: number, scale: number): [number, number] {
  const f = 10 ** scale
  const hint = /(^|_)age($|_)/.test(name)
    ? [18, 90]
    : /year/.test(name)
      ? [1990, 2026]
      : /(qty|quantity|count)/.test(name)
        ? [1, 20]
        : /(rating|stars|score)/.test(name) && max <= 10 * f
          ? [1, 5]
          : /(price|amount|total|cost|cents|balance)/.test(name)
            ? [1, scale ? 1000 : 100_000]
            : [0, 1000]
  const lo = Math.max(min, hint[0]! * f)
  const hi = Math.min(max, hint[1]! * f)
  if (lo <= hi) return [lo, hi]
  return min > hint[1]! * f ? [min, Math.min(max, min + 1000 * f)] : [Math.max(min, max - 1000 * f), max]
}

/** `units` / 10^scale as exact decimal text. */
function decimal(units: number, scale: number): string {
  if (!scale) return String(units)
  const sign = units < 0 ? '-' : ''
  const digits = String(Math.abs(units)).padStart(scale + 1, '0')
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`
}

function numbers(name: string, limits: ColumnLimits, lo: number, hi: number, scale: number, asText: boolean): ValueGenerator {
  const [min, max] = unitRange(limits, lo, hi, scale)
  if (min > max) throw new Unsupported(`its CHECKs and type leave no value (from ${decimal(min, scale)} to ${decimal(max, scale)})`)
  const [softLo, softHi] = softRange(name, min, max, scale)
  const out = (u: number) => (asText ? decimal(u, scale) : u)
  // Unique values count up from 1 (or the lowest allowed): ids and numbers people recognise.
  const start = min <= 10 ** scale && max >= 10 ** scale ? 10 ** scale : min
  return {
    random: (next) => out(between(next, softLo, softHi)),
    nth: (k) => out(start + k),
    size: max - start + 1,
  }
}

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a)

/**
 * A bijection of 0..n-1 that spreads any first few of its values over the whole of it: k * p mod n, with
 * p near n / φ and coprime with n (a golden-ratio stride, as a Weyl sequence), 0 first. Exact for any n:
 * the product is split in two where it could pass 2^53.
 */
export function spreadOver(n: number): (k: number) => number {
  let p = Math.max(1, Math.round(n * 0.6180339887498949))
  while (gcd(p, n) !== 1) p++
  if (n <= 2 ** 32) {
    const hi = Math.floor(p / 65536)
    const lo = p % 65536
    return (k) => (((k * hi) % n) * 65536 + k * lo) % n
  }
  const big = BigInt(n)
  const stride = BigInt(p)
  return (k) => Number((BigInt(k) * stride) % big)
}

function dates(limits: ColumnLimits, step: number, format: (ms: number) => string, birth: boolean): ValueGenerator {
  const bound = (b: ColumnLimits['min']) => (b ? Date.parse(b.value) : Number.NaN)
  const lo = bound(limits.min)
  const hi = bound(limits.max)
  if ((limits.min && Number.isNaN(lo)) || (limits.max && Number.isNaN(hi)))
    throw new Unsupported('its CHECK compares it with a value that is not a date')
  const min = Number.isNaN(lo) ? -Infinity : limits.min!.inclusive ? lo : lo + step
  const max = Number.isNaN(hi) ? Infinity : limits.max!.inclusive ? hi : hi - step
  // Around the fixed reference date: the past three years (birth dates: 18 to 90 years back).
  let from = birth ? REF - 90 * 365 * DAY : REF - SPAN_DAYS * DAY
  let to = birth ? REF - 18 * 365 * DAY : REF
  if (from < min) from = Math.ceil(min / step) * step
  if (to > max) to = Math.floor(max / step) * step
  if (from > to) {
    from = Number.isFinite(min) ? Math.ceil(min / step) * step : Math.floor(max / step) * step - SPAN_DAYS * DAY
    to = Number.isFinite(max) ? Math.min(Math.floor(max / step) * step, from + SPAN_DAYS * DAY) : from + SPAN_DAYS * DAY
  }
  const steps = Math.floor((to - from) / step)
  // Unique: the first `window` over the range, one step apart in a spread order (1,000 timestamps span
  // the three years, not the last 17 minutes); the rest one step apart, counting back below it.
  const top = Math.floor(to / step) * step
  const window = Math.max(1, Math.floor((top - from) / step) + 1)
  const order = spreadOver(window)
  return {
    random: (next) => format(from + Math.floor(next() * (steps + 1)) * step),
    nth: (k) => format(top - (k < window ? order(k) : k) * step),
    size: Number.isFinite(min) ? Math.floor((top - min) / step) + 1 : 1e15 / step,
    spread: window,
  }
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z]+/g, '')
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(width, '0').slice(-width)
const word32 = (next: Next) => Math.floor(next() * 4294967296)

/** The person of a row: every name-like column of one row (email, first_name, name...) names the same one. */
export type People = (row: number) => FakePerson

/** Text a column's name says it holds (email, first_name, city...), made from the locale's word lists. */
function textByName(name: string, w: Words, people: People): (next: Next, row: number, k: number) => string {
  const n = name.toLowerCase()
  const has = (re: RegExp) => re.test(n)
  if (has(/e_?mail/)) {
    return (_, row, k) => {
      const p = people(row)
      return k === row ? p.email : p.email.replace(`.${row}@`, `.${k}@`)
    }
  }
  if (has(/(first|given)_?name/)) return (_, row) => people(row).firstName
  if (has(/(last|family|sur)_?name|^surname$/)) return (_, row) => people(row).lastName
  if (has(/^(user_?name|login|handle|nick(name)?)$/)) return (_, row) => slug(people(row).name)
  if (has(/^(name|full_?name|display_?name|contact_?name|author|customer_?name|person)$/)) return (_, row) => people(row).name
  if (has(/company|organi[sz]ation|employer/))
    return (next) => `${pick(next, w.lastNames)} ${pick(next, ['Inc', 'LLC', 'Group', 'and Sons', 'Ltd'])}`
  if (has(/phone|mobile|fax|^tel/))
    return (next) => `+1-555-${String(between(next, 100, 999))}-${String(between(next, 0, 9999)).padStart(4, '0')}`
  if (has(/url|website|homepage|link|href/))
    return (next) => `https://${slug(pick(next, w.words))}.example.com/${slug(pick(next, w.words))}`
  if (has(/slug/)) return (next) => `${slug(pick(next, w.words))}-${slug(pick(next, w.words))}`
  if (has(/city|town/)) return (next) => pick(next, w.cities)
  if (has(/country/)) return (next) => pick(next, w.countries)
  if (has(/street|address/)) return (next) => `${between(next, 1, 9999)} ${pick(next, w.streets)}`
  if (has(/zip|post_?code|postal/)) return (next) => String(between(next, 10000, 99999))
  if (has(/colou?r/)) return (next) => pick(next, w.colors)
  if (has(/^(sku|code|ref|reference)$|_code$/))
    return (next) => `${slug(pick(next, w.words)).slice(0, 3).toUpperCase()}-${between(next, 1000, 9999)}`
  const sentence = (lo: number, hi: number) => (next: Next) => {
    let s = cap(pick(next, w.words))
    for (let i = between(next, lo, hi) - 1; i > 0; i--) s += ` ${pick(next, w.words)}`
    return s
  }
  if (has(/title|subject|headline|caption/)) return sentence(3, 6)
  if (has(/desc|body|bio|note|comment|content|summary|message|text|about/)) {
    const s = sentence(8, 16)
    return (next) => `${s(next)}.`
  }
  if (has(/(^|_)(status|type|kind|category|tag|label|role)($|_)/)) return (next) => pick(next, w.words)
  return sentence(1, 3)
}

/**
 * Unique text: the row number after the last `-` (or, where the value is too short to hold a name
 * besides, the number alone), so distinct k give distinct values whatever the name part is.
 */
function uniqueText(base: string, k: number, max: number | undefined): string {
  const suffix = `-${k}`
  if (max === undefined) return base + suffix
  if (max > suffix.length) return base.slice(0, max - suffix.length) + suffix
  return String(k)
}

function text(
  name: string,
  type: Extract<ColumnType, { kind: 'text' }>,
  limits: ColumnLimits,
  words: Words,
  people: People,
): ValueGenerator {
  // Within the type's length and a CHECK's length bounds (lib/schema/checks.ts lengthBounds).
  const limit = Math.min(type.max ?? Infinity, limits.maxLength ?? Infinity)
  const max = Number.isFinite(limit) ? Math.max(limit, 1) : undefined
  const pad = limits.minLength ?? 0
  const base = textByName(name, words, people)
  if (limits.chars !== undefined) {
    const made = classText(base, limits.chars, pad, max)
    if (!made) throw new Unsupported(`its CHECK's characters [${limits.chars}] and length leave too little room for the values asked`)
    return made
  }
  const made = pad ? (next: Next, row: number, k: number) => base(next, row, k).padEnd(pad, '_') : base
  const email = /e_?mail/i.test(name)
  return {
    random: (next, row) => {
      const v = made(next, row, row)
      return max !== undefined && v.length > max ? v.slice(0, max) : v
    },
    nth(k, next, row) {
      const v = made(next, row, k)
      // An email keeps its form (its row number makes it unique) when it fits.
      if (email && (max === undefined || v.length <= max)) return v
      return uniqueText(email ? v.slice(0, v.indexOf('@')) : v, k, max)
    },
    size: max === undefined || max >= 15 ? Number.MAX_SAFE_INTEGER : 10 ** max,
  }
}

const fromList = (values: readonly unknown[]): ValueGenerator => ({
  random: (next) => pick(next, values),
  nth: (k) => values[k],
  size: values.length,
})

const two = (n: number) => (n < 10 ? `0${n}` : String(n))
const days = new Map<number, string>()
/** `YYYY-MM-DD` of a day number, cached: Date's toISOString costs more than the rest of a row's dates. */
function dayText(day: number): string {
  let text = days.get(day)
  if (text === undefined) {
    if (days.size > 10_000) days.clear()
    text = new Date(day * DAY).toISOString().slice(0, 10)
    days.set(day, text)
  }
  return text
}
/** `YYYY-MM-DD HH:MM:SS` (UTC) of whole seconds since the epoch. */
function stamp(ms: number): string {
  const day = Math.floor(ms / DAY)
  const s = Math.floor((ms - day * DAY) / 1000)
  return `${dayText(day)} ${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`
}

/**
 * The generator of one column, from its type, its name and the limits its CHECKs and domains set.
 * Throws {@link Unsupported} when a value cannot be made (the message says why).
 */
export function valueGenerator(name: string, type: ColumnType, limits: ColumnLimits, words: Words, people: People): ValueGenerator {
  if (limits.in) {
    if (!limits.in.length) throw new Unsupported('its CHECKs allow no value at all')
    const values = type.kind === 'bool' ? limits.in.map((v) => /^(t|true|1|y|yes|on)$/i.test(v)) : limits.in
    return fromList(values)
  }
  const ranged = limits.min !== undefined || limits.max !== undefined
  const refuse = () => {
    throw new Unsupported(`seedbed reads comparisons (>, <, BETWEEN) on numbers, dates and times, not on ${type.kind}`)
  }
  const lower = name.toLowerCase()
  switch (type.kind) {
    case 'int': {
      const [lo, hi] = INT_BOUNDS[type.bits]
      return numbers(lower, limits, lo, hi, 0, false)
    }
    case 'numeric': {
      const scale = type.precision === undefined ? 2 : (type.scale ?? 0)
      const whole = type.precision === undefined ? 15 : type.precision - scale
      const bound = Math.min(10 ** (whole + scale) - 1, Number.MAX_SAFE_INTEGER)
      return numbers(lower, limits, -bound, bound, scale, true)
    }
    case 'float':
      return numbers(lower, limits, -(10 ** 12), 10 ** 12, 3, true)
    case 'date':
      return dates(limits, DAY, (ms) => dayText(Math.floor(ms / DAY)), /birth|dob/.test(lower))
    case 'timestamp':
      return dates(limits, 1000, type.tz ? (ms) => `${stamp(ms)}+00` : stamp, /birth|dob/.test(lower))
    case 'time': {
      const clock = (s: number) =>
        `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
      if (ranged) refuse()
      const order = spreadOver(86_400)
      return { random: (next) => clock(between(next, 0, 86_399)), nth: (k) => clock(order(k)), size: 86_400, spread: 86_400 }
    }
    case 'interval':
      if (ranged) refuse()
      return { random: (next) => `${between(next, 1, 10_000)} minutes`, nth: (k) => `${k} minutes`, size: Number.MAX_SAFE_INTEGER }
    case 'bool':
      if (ranged) refuse()
      return fromList([false, true])
    case 'enum':
      if (ranged) refuse()
      if (!type.labels.length) throw new Unsupported('its enum type has no labels')
      return fromList(type.labels)
    case 'text':
      if (ranged) refuse()
      return text(name, type, limits, words, people)
    case 'uuid': {
      const uuid = (a: number, b: number, c: number, d: string) =>
        `${hex(a, 8)}-${hex(b >>> 16, 4)}-4${hex(b, 3)}-${hex(0x8000 | (c & 0x3fff), 4)}-${d}`
      return {
        random: (next) => uuid(word32(next), word32(next), word32(next), hex(word32(next), 4) + hex(word32(next), 8)),
        // The last 48 bits are k: unique by construction, random elsewhere.
        nth: (k, next) => uuid(word32(next), word32(next), word32(next), k.toString(16).padStart(12, '0')),
        size: 2 ** 48,
      }
    }
    case 'json':
      return {
        random: (next, row) => JSON.stringify({ row, tag: pick(next, words.words), score: between(next, 0, 100) }),
        nth: (k, next) => JSON.stringify({ row: k, tag: pick(next, words.words) }),
        size: Number.MAX_SAFE_INTEGER,
      }
    case 'inet': {
      const ip = (n: number) => `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
      if (type.cidr) return { random: (next) => `${ip(between(next, 0, 65_535) << 8)}/24`, nth: (k) => `${ip(k << 8)}/24`, size: 65_536 }
      return { random: (next) => ip(between(next, 1, 16_777_214)), nth: (k) => ip(k), size: 16_777_216 }
    }
    case 'macaddr': {
      const mac = (n: number, top: number) => `02:${hex(top, 2)}:${hex(n >>> 24, 2)}:${hex(n >>> 16, 2)}:${hex(n >>> 8, 2)}:${hex(n, 2)}`
      return { random: (next) => mac(word32(next), between(next, 0, 255)), nth: (k) => mac(k, Math.floor(k / 4294967296)), size: 2 ** 40 }
    }
    case 'bytea':
      return {
        random: (next) => Buffer.from(Array.from({ length: between(next, 8, 16) }, () => between(next, 0, 255))),
        nth: (k, next) => {
          const b = Buffer.alloc(12)
          b.writeUIntBE(k, 0, 6)
          for (let i = 6; i < 12; i++) b[i] = between(next, 0, 255)
          return b
        },
        size: 2 ** 48,
      }
    case 'array': {
      if (ranged) refuse()
      if (type.of.unreadChecks.length)
        throw new Unsupported(`its element type's domain has a CHECK seedbed cannot read (${type.of.unreadChecks[0]})`)
      const element = valueGenerator(name.replace(/s$/, ''), type.of.type, type.of.limits, words, people)
      return {
        random: (next, row) => Array.from({ length: between(next, 0, 3) }, () => element.random(next, row)),
        nth: (k, next, row) => [element.nth(k, next, row)],
        size: element.size,
      }
    }
    case 'textform': {
      if (ranged) refuse()
      const made = textFormGenerator(type.name, type.bits, words)
      if (!made) throw new Unsupported(`seedbed makes no values of type ${type.name}`)
      return made
    }
    case 'unsupported':
      throw new Unsupported(`seedbed makes no values of type ${type.name}`)
  }
}
