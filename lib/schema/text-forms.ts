import type { ValueGenerator } from './values.ts'
import type { Words } from './words.ts'

/** A uniform draw in [0, 1) (values.ts's Next, repeated here to keep this file below it). */
type Next = () => number

/**
 * Types PostgreSQL reads from a text form seedbed can write: full text search, xml, money, the
 * geometric types, bit strings, the built-in ranges and multiranges, and the extension types users
 * meet (hstore, ltree; citext is text). Each `nth(k)` holds k, so distinct k give distinct values.
 */
export const TEXT_FORMS = new Set([
  'tsvector',
  'tsquery',
  'xml',
  'money',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  'bit',
  'varbit',
  'int4range',
  'int8range',
  'numrange',
  'daterange',
  'tsrange',
  'tstzrange',
  'int4multirange',
  'int8multirange',
  'nummultirange',
  'datemultirange',
  'tsmultirange',
  'tstzmultirange',
])

/** Extension types, in whatever schema the extension was installed. */
export const EXTENSION_TEXT_FORMS = new Set(['hstore', 'ltree'])

const between = (next: Next, lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
const pick = <T>(next: Next, list: readonly T[]): T => list[Math.floor(next() * list.length)]!
const lexeme = (w: string) => w.toLowerCase().replace(/[^a-z0-9]+/g, '') || 'x'
const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const BIG = Number.MAX_SAFE_INTEGER

/** A range's bounds as text for a lower bound `lo` (an integer) and a width. */
function rangeOf(name: string): ((lo: number, width: number) => string) | undefined {
  const base = name.replace('multirange', 'range')
  const day = (d: number) => new Date(Date.UTC(2023, 0, 1) + d * 86_400_000).toISOString().slice(0, 10)
  const at = (d: number) => `${day(Math.floor(d / 24))} ${String(d % 24).padStart(2, '0')}:00:00`
  switch (base) {
    case 'int4range':
    case 'int8range':
      return (lo, w) => `[${lo},${lo + w})`
    case 'numrange':
      return (lo, w) => `[${lo}.25,${lo + w}.75)`
    case 'daterange':
      return (lo, w) => `[${day(lo)},${day(lo + w)})`
    case 'tsrange':
      return (lo, w) => `[${at(lo)},${at(lo + w)})`
    case 'tstzrange':
      return (lo, w) => `[${at(lo)}+00,${at(lo + w)}+00)`
  }
  return undefined
}

/**
 * The generator for a type of {@link TEXT_FORMS} or {@link EXTENSION_TEXT_FORMS} (`bits` for bit(n) and
 * varbit(n)); undefined for any other name.
 */
export function textFormGenerator(name: string, bits: number | undefined, words: Words): ValueGenerator | undefined {
  const word = (next: Next) => lexeme(pick(next, words.words))
  const some = (next: Next, lo: number, hi: number) => Array.from({ length: between(next, lo, hi) }, () => word(next))
  const num = (next: Next) => between(next, -1000, 1000)
  const made = (random: (next: Next) => string, nth: (k: number, next: Next) => string, size = BIG): ValueGenerator => ({
    random: (next) => random(next),
    nth: (k, next) => nth(k, next),
    size,
  })
  const range = rangeOf(name)
  if (range) {
    const one = (lo: number, next: Next) => range(lo, between(next, 1, 30))
    if (name.includes('multirange'))
      return made(
        (next) => `{${one(between(next, 0, 500), next)}}`,
        (k, next) => `{${one(k * 40, next)}}`,
        1e6,
      )
    return made(
      (next) => one(between(next, 0, 1000), next),
      (k, next) => one(k * 40, next),
      1e6,
    )
  }
  switch (name) {
    case 'tsvector':
      return made(
        (next) => some(next, 2, 6).join(' '),
        (k, next) => `row${k} ${some(next, 1, 4).join(' ')}`,
      )
    case 'tsquery':
      return made(
        (next) => some(next, 1, 3).join(' & '),
        (k, next) => `row${k} & ${word(next)}`,
      )
    case 'xml':
      return made(
        (next) => `<note><title>${xmlText(some(next, 1, 3).join(' '))}</title></note>`,
        (k, next) => `<note id="${k}"><title>${xmlText(word(next))}</title></note>`,
      )
    case 'money':
      return made(
        (next) => `${between(next, 1, 1000)}.${String(between(next, 0, 99)).padStart(2, '0')}`,
        (k) => `${k + 1}.00`,
        1e12,
      )
    case 'point':
      return made(
        (next) => `(${num(next)},${num(next)})`,
        (k, next) => `(${k},${num(next)})`,
      )
    case 'line':
      return made(
        (next) => `{${between(next, 1, 9)},${num(next)},${num(next)}}`,
        (k, next) => `{1,${num(next)},${k}}`,
      )
    case 'lseg':
    case 'box': {
      const two = (x: number, next: Next) => `(${x},${num(next)}),(${x + between(next, 1, 50)},${num(next)})`
      const wrap = (s: string) => (name === 'lseg' ? `[${s}]` : s)
      return made(
        (next) => wrap(two(num(next), next)),
        (k, next) => wrap(two(k, next)),
      )
    }
    case 'path':
    case 'polygon': {
      const points = (x: number, next: Next) =>
        `(${x},0),(${x + between(next, 1, 50)},${between(next, 1, 50)}),(${x},${between(next, 51, 99)})`
      const wrap = (s: string) => (name === 'path' ? `[${s}]` : `(${s})`)
      return made(
        (next) => wrap(points(num(next), next)),
        (k, next) => wrap(points(k, next)),
      )
    }
    case 'circle':
      return made(
        (next) => `<(${num(next)},${num(next)}),${between(next, 1, 100)}>`,
        (k, next) => `<(${k},${num(next)}),${between(next, 1, 100)}>`,
      )
    case 'bit':
    case 'varbit': {
      const fixed = name === 'bit'
      const n = bits ?? (fixed ? 1 : undefined)
      const draw = (next: Next, length: number) => Array.from({ length }, () => (next() < 0.5 ? '0' : '1')).join('')
      const len = (next: Next) => n ?? between(next, 8, 16)
      const width = n ?? 48
      return made(
        (next) => draw(next, fixed ? n! : between(next, 1, len(next))),
        (k) => k.toString(2).padStart(fixed ? width : 1, '0'),
        2 ** Math.min(width, 48),
      )
    }
    case 'hstore':
      return made(
        (next) =>
          some(next, 1, 3)
            .map((w, i) => `"${w}${i}"=>"${word(next)}"`)
            .join(', '),
        (k, next) => `"row"=>"${k}", "tag"=>"${word(next)}"`,
      )
    case 'ltree':
      return made(
        (next) => ['top', ...some(next, 1, 3)].join('.'),
        (k, next) => `top.${word(next)}.n${k}`,
      )
  }
  return undefined
}

/** Text of a row: the column's name says what (lib/schema/values.ts textByName); `k` is the row number a unique value holds. */
type NamedText = (next: Next, row: number, k: number) => string

/**
 * Text of one character class (a CHECK `col ~ '^[a-z0-9_]{1,100}$'`, lib/schema/checks.ts lengthBounds): the
 * text the name suggests with each character outside the class changed (to its other case, else to a filler of
 * the class), within the length bounds. A unique value ends with k in the class's digits after a separator of
 * the class that is none of them (the last separator marks where k starts), or, with no separator to spare, in
 * a fixed width: distinct k give distinct values. Undefined when the class and bounds leave too little room.
 */
export function classText(named: NamedText, chars: string, min: number, max: number | undefined): ValueGenerator | undefined {
  const allowed = new Set(chars)
  if (!allowed.size || (max !== undefined && max < min)) return undefined
  const filler = ['_', '-', 'x', 'X', '0', ...chars].find((c) => allowed.has(c))!
  const swap = (c: string) =>
    allowed.has(c) ? c : allowed.has(c.toLowerCase()) ? c.toLowerCase() : allowed.has(c.toUpperCase()) ? c.toUpperCase() : filler
  const fit = (s: string, lo: number, hi: number) => Array.from(s.slice(0, hi), swap).join('').padEnd(lo, filler)
  const numerals = [...'0123456789'].filter((c) => allowed.has(c))
  const digits = numerals.length >= 2 ? numerals : [...allowed].sort()
  const separator = ['-', '_', '.', ' ', ...chars].find((c) => allowed.has(c) && !digits.includes(c))
  const base = digits.length
  const spell = (k: number, width = 1) => {
    let out = ''
    for (let n = k; n > 0 || out.length < width; n = Math.floor(n / base)) out = digits[n % base]! + out
    return out
  }
  const room = (width: number) => (width >= 52 / Math.log2(base) ? Number.MAX_SAFE_INTEGER : base ** width)
  // Without a separator, k takes a fixed width: the whole value when it is short, else enough for 2^40 rows.
  const width = separator ? 0 : Math.min(max ?? Infinity, Math.max(1, Math.ceil(40 / Math.log2(base))))
  if (base < 2 || (!separator && width < 1) || (separator && max !== undefined && max < 2)) return undefined
  return {
    random: (next, row) => fit(named(next, row, row), min, max ?? Infinity),
    nth(k, next, row) {
      const tail = separator ? separator + spell(k) : spell(k, width)
      return fit(named(next, row, k), Math.max(0, min - tail.length), Math.max(0, (max ?? Infinity) - tail.length)) + tail
    },
    size: separator ? (max === undefined ? Number.MAX_SAFE_INTEGER : room(max - 1)) : room(width),
  }
}
