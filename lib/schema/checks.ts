/**
 * The simple CHECK constraints fake rows satisfy, read from the constraint's expression as
 * PostgreSQL prints it (`pg_get_expr(conbin, conrelid)`, so the forms are canonical whatever the
 * DDL said): `col IN (...)` (printed `col = ANY (ARRAY[...])`), `col = v`, `col > n`, `>=`, `<`, `<=`
 * (either side), `col BETWEEN a AND b` (printed as two comparisons joined by AND), `col IS NOT NULL`,
 * "exactly one of" forms (`(a IS NOT NULL) <> (b IS NOT NULL)`, `num_nonnulls(a, b) = 1`), and any AND of
 * these. Pure: no I/O.
 */

export type Comparison = '>' | '>=' | '<' | '<=' | '='

/** One conjunct of a CHECK: a column compared with a literal, or limited to a list. */
export type Condition =
  | { column: string; op: Comparison; value: string }
  | { column: string; in: string[] }
  | { column: string; notNull: true }
  /** Only as one side of an OR (`end >= start OR end IS NULL`): the column left NULL satisfies it. */
  | { column: string; isNull: true }

/** What the CHECKs on one column allow, merged. */
export interface ColumnLimits {
  /** Lowest allowed value and whether it is allowed itself (`>=`) or not (`>`). */
  min?: { value: string; inclusive: boolean }
  max?: { value: string; inclusive: boolean }
  /** The only values allowed (`IN`, `=`): the intersection of every list. */
  in?: string[]
  notNull?: boolean
  /** Left NULL: an OR's readable side was `col IS NULL`. */
  isNull?: boolean
  /** Text length bounds (`length(col) >= 3`, `char_length(col) <= 12`): hints, the server judges the CHECK. */
  minLength?: number
  maxLength?: number
  /** The characters text may hold (`col ~ '^[a-z0-9_]{1,100}$'`): a hint, the server judges the CHECK. */
  chars?: string
}

const IDENT = /^(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))$/
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/
const FLIP: Record<Comparison, Comparison> = { '>': '<', '>=': '<=', '<': '>', '<=': '>=', '=': '=' }

/** Splits `text` at top-level occurrences of `separator` (outside quotes, parentheses and brackets). */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote: string | null = null
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      if (c === quote) {
        if (text[i + 1] === quote) i++
        else quote = null
      }
    } else if (c === "'" || c === '"') quote = c
    else if (c === '(' || c === '[') depth++
    else if (c === ')' || c === ']') depth--
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i))
      start = i + separator.length
      i += separator.length - 1
    }
  }
  parts.push(text.slice(start))
  return parts.map((p) => p.trim())
}

/** Whether the outer parentheses of `text` enclose all of it (`(a) AND (b)` is not enclosed). */
function enclosed(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false
  let depth = 0
  let quote: string | null = null
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      if (c === quote) quote = null
    } else if (c === "'" || c === '"') quote = c
    else if (c === '(') depth++
    else if (c === ')' && --depth === 0 && i < text.length - 1) return false
  }
  return depth === 0
}

/** Drops wrapping parentheses and casts: `((x)::text)` is `x`, `'a'::text` is `'a'`, `(0)::numeric` is `0`. */
function bare(text: string): string {
  let s = text.trim()
  for (;;) {
    if (enclosed(s)) {
      s = s.slice(1, -1).trim()
      continue
    }
    // A cast at the top level: the last `::` outside quotes and parentheses.
    const parts = splitTop(s, '::')
    if (parts.length > 1 && /^[A-Za-z_" ][\w" .]*(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?$/.test(parts.at(-1)!)) {
      s = parts.slice(0, -1).join('::').trim()
      continue
    }
    return s
  }
}

/** A literal's text (a quoted string unescaped, or a number), or undefined when it is not one. */
function literal(text: string): string | undefined {
  const s = bare(text)
  if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) return s.slice(1, -1).replace(/''/g, "'")
  if (NUMBER.test(s)) return s
  return undefined
}

function column(text: string): string | undefined {
  const m = IDENT.exec(bare(text))
  if (!m) return undefined
  return m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!
}

const FOLDS: Record<string, (v: string) => string> = {
  upper: (v) => v.toUpperCase(),
  lower: (v) => v.toLowerCase(),
  btrim: (v) => v.trim(),
}

/**
 * `upper(col)`, `lower(col)`, `btrim(col)` compared with a list or a value: the column, and a filter that
 * keeps the listed values the function leaves as they are (writing one of those satisfies the CHECK).
 */
function folded(text: string): { column: string; keep: (v: string) => boolean } | undefined {
  const m = /^(upper|lower|btrim)\((.*)\)$/.exec(bare(text))
  const c = m ? column(m[2]!) : undefined
  if (!m || c === undefined) return undefined
  const fold = FOLDS[m[1]!]!
  return { column: c, keep: (v) => fold(v) === v }
}

function conjunct(text: string): Condition | undefined {
  const s = bare(text)
  const notNull = /^(.*) IS NOT NULL$/.exec(s)
  if (notNull) {
    const c = column(notNull[1]!)
    return c === undefined ? undefined : { column: c, notNull: true }
  }
  const any = splitTop(s, ' = ANY ')
  if (any.length === 2) {
    const f = folded(any[0]!)
    const c = column(any[0]!) ?? f?.column
    const list = bare(any[1]!)
    if (c === undefined || !list.startsWith('ARRAY[') || !list.endsWith(']')) return undefined
    const values = splitTop(list.slice(6, -1), ',').map(literal)
    if (!values.every((v) => v !== undefined)) return undefined
    return { column: c, in: f ? (values as string[]).filter(f.keep) : (values as string[]) }
  }
  for (const op of ['>=', '<=', '<>', '>', '<', '='] as const) {
    const sides = splitTop(s, ` ${op} `)
    if (sides.length !== 2) continue
    if (op === '<>') return undefined
    const [left, right] = sides as [string, string]
    const f = op === '=' ? folded(left) : undefined
    const fv = f && literal(right)
    if (f && fv !== undefined) return { column: f.column, in: [fv].filter(f.keep) }
    const lc = column(left)
    const rv = literal(right)
    if (lc !== undefined && rv !== undefined) return { column: lc, op, value: rv }
    const rc = column(right)
    const lv = literal(left)
    if (rc !== undefined && lv !== undefined) return { column: rc, op: FLIP[op], value: lv }
    return undefined
  }
  return undefined
}

/** `col IS NULL` or `col IS NOT NULL`: the column, and whether the test is true of a column that is set. */
function nullTest(text: string): { column: string; set: boolean } | undefined {
  const m = /^(.*) IS (NOT )?NULL$/.exec(bare(text))
  const c = m ? column(m[1]!) : undefined
  return c === undefined ? undefined : { column: c, set: m![2] !== undefined }
}

/**
 * "Exactly one of" CHECKs: two NULL tests compared (`(a IS NOT NULL) <> (b IS NOT NULL)`, `(a IS NULL) <> (b IS NULL)`,
 * `(a IS NOT NULL) = (b IS NULL)`) or `num_nonnulls(a, b, ...) = 1`. Rows with the first column set and the
 * others as the tests then ask (NULL, for the usual forms) meet them.
 */
function exactlyOne(text: string): Condition[] | undefined {
  const s = bare(text)
  const counted = /^num_nonnulls\((.*)\) = 1$/.exec(s)
  if (counted) {
    const names = splitTop(counted[1]!, ',').map(column)
    if (names.length < 2 || names.some((c) => c === undefined) || new Set(names).size !== names.length) return undefined
    const [first, ...rest] = names as string[]
    return [{ column: first!, notNull: true }, ...rest.map((c) => ({ column: c, isNull: true as const }))]
  }
  for (const op of [' <> ', ' = ']) {
    const sides = splitTop(s, op)
    if (sides.length !== 2) continue
    const [a, b] = sides.map(nullTest)
    if (!a || !b || a.column === b.column) return undefined
    // The first column set makes its test `a.set`; the second's test must then differ (<>) or match (=).
    const bTest = op === ' <> ' ? !a.set : a.set
    return [{ column: a.column, notNull: true }, bTest === b.set ? { column: b.column, notNull: true } : { column: b.column, isNull: true }]
  }
  return undefined
}

/** The conditions of a CHECK expression, or null when any part of it is not one of the simple forms. */
export function parseCheck(expression: string): Condition[] | null {
  const conditions: Condition[] = []
  for (const part of splitTop(bare(expression), ' AND ')) {
    // `a OR b`: values that satisfy one readable side satisfy it (`col IS NULL OR col IN (...)`,
    // `other IS NULL OR lower(col) = ANY (...)`): the first side that is one of the forms.
    const sides = splitTop(bare(part), ' OR ')
    if (sides.length > 1) {
      // A side of values first; `col IS NULL` (the column left NULL) when no other side is readable.
      const isNull = sides.map((x) => /^(.*) IS NULL$/.exec(bare(x))?.[1]).map((x) => (x === undefined ? undefined : column(x)))
      const nullSide = isNull.find((c) => c !== undefined)
      // A side seedbed cannot read beside `col IS NULL` (`end >= start OR end IS NULL`): the server judges
      // the whole (lib/schema/check-judge.ts), so the column is filled rather than always left NULL.
      const values = sides.map((x, i) => (isNull[i] === undefined ? parseCheck(x) : undefined))
      if (values.some((x) => x === null) && !values.some((x) => x)) return null
      const side = values.find((x) => x) ?? (nullSide === undefined ? undefined : [{ column: nullSide, isNull: true as const }])
      if (!side) return null
      conditions.push(...side)
      continue
    }
    const one = exactlyOne(part)
    if (one) {
      conditions.push(...one)
      continue
    }
    const c = conjunct(part)
    if (!c) return null
    conditions.push(c)
  }
  return conditions
}

/**
 * The conditions of a CHECK's top-level AND parts that are simple forms, when others are not: each holds
 * for every valid row, so fake rows keep them (`birthdate >= '1930-01-01'` of `birthdate >= '1930-01-01'
 * AND birthdate <= now() - '18 years'`) and the server judges the rest (lib/schema/check-judge.ts).
 */
export function readableConjuncts(expression: string): Condition[] {
  return splitTop(bare(expression), ' AND ').flatMap((part) => parseCheck(part) ?? [])
}

const SHORTHANDS: Record<string, string> = { d: '0-9', w: 'A-Za-z0-9_' }

/** The characters of a regular expression's bracket expression body (`a-z0-9_`, `\-`, `\d`), or undefined when negated or unsure. */
function classChars(body: string): string | undefined {
  if (body.startsWith('^') || body.includes('[:')) return undefined
  const spread = body.replace(/\\([dw])/g, (_, x: string) => SHORTHANDS[x]!)
  const chars: string[] = []
  for (let i = 0; i < spread.length; i++) {
    const c = spread[i] === '\\' ? spread[++i] : spread[i]
    if (c === undefined || (spread[i - 1] !== '\\' && '\\[]'.includes(c))) return undefined
    if (spread[i + 1] === '-' && i + 2 < spread.length) {
      const to = spread[i + 2]!
      for (let x = c.charCodeAt(0); x <= to.charCodeAt(0); x++) chars.push(String.fromCharCode(x))
      i += 2
    } else chars.push(c)
  }
  return chars.length ? [...new Set(chars)].join('') : undefined
}

/**
 * A regular expression CHECK of one character class and a count, anchored (`col ~ '^[a-z0-9_]{1,100}$'`,
 * `col ~* '^[a-f0-9]{8}$'`, `col ~ '^\d+$'`, `col ~ '^.{1,100}$'`): the column, its characters (none for `.`)
 * and length bounds.
 */
function textPattern(text: string): { column: string; chars?: string; minLength: number; maxLength?: number } | undefined {
  const sides = splitTop(bare(text), ' ~ ')
  const caseless = sides.length === 1 ? splitTop(bare(text), ' ~* ') : undefined
  const [left, right] = caseless ?? sides
  const c = left === undefined ? undefined : column(left)
  const re = right === undefined ? undefined : literal(right)
  const m = re === undefined ? null : /^\^(\.|\\[dw]|\[((?:\\.|[^\]\\])+)\])(\+|\*|\{(\d+)(,(\d*))?\})?\$$/.exec(re)
  if (c === undefined || !m) return undefined
  const [, token, body, count, lo, comma, hi] = m
  const chars = token === '.' ? '' : token!.startsWith('\\') ? classChars(token!) : classChars(body!)
  if (chars === undefined) return undefined
  const minLength = count === '*' ? 0 : lo !== undefined ? Number(lo) : 1
  const maxLength =
    count === '+' || count === '*' ? undefined : lo === undefined ? 1 : comma === undefined ? minLength : hi ? Number(hi) : undefined
  const cased = caseless ? [...new Set(chars.toLowerCase() + chars.toUpperCase())].join('') : chars
  return { column: c, ...(cased ? { chars: cased } : {}), minLength, ...(maxLength !== undefined ? { maxLength } : {}) }
}

/**
 * The text bounds of a CHECK's top-level AND parts: length bounds (`length(col) >= 3`, `char_length(col) <= 12`,
 * BETWEEN's two comparisons, either side) and a regular expression of one character class (textPattern):
 * merged into the column's limits, so the text made fits them; the CHECK itself stays one the server judges.
 */
export function lengthBounds(expression: string): { column: string; minLength?: number; maxLength?: number; chars?: string }[] {
  const out: { column: string; minLength?: number; maxLength?: number; chars?: string }[] = []
  for (const part of splitTop(bare(expression), ' AND ')) {
    const pattern = textPattern(part)
    if (pattern) {
      out.push(pattern)
      continue
    }
    for (const op of ['>=', '<=', '>', '<', '='] as const) {
      const sides = splitTop(bare(part), ` ${op} `)
      if (sides.length !== 2) continue
      const fn = (x: string) => /^(?:length|char_length|character_length)\((.*)\)$/.exec(bare(x))?.[1]
      const [l, r] = sides as [string, string]
      const left = fn(l) !== undefined
      const c = column(fn(left ? l : r) ?? '')
      const n = Number(literal(left ? r : l))
      if (c === undefined || !Number.isInteger(n)) break
      const o = left ? op : FLIP[op]
      const min = o === '>' ? n + 1 : o === '>=' || o === '=' ? n : undefined
      const max = o === '<' ? n - 1 : o === '<=' || o === '=' ? n : undefined
      out.push({ column: c, ...(min !== undefined ? { minLength: min } : {}), ...(max !== undefined ? { maxLength: max } : {}) })
      break
    }
  }
  return out
}

const asNumber = (v: string) => (NUMBER.test(v) ? Number(v) : Number.NaN)
/** Compares two literals as numbers when both are, else as text (dates in ISO form sort as text). */
export function compareLiterals(a: string, b: string): number {
  const x = asNumber(a)
  const y = asNumber(b)
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y
  return a < b ? -1 : a > b ? 1 : 0
}

function allows(limits: ColumnLimits, value: string): boolean {
  const { min, max } = limits
  if (min) {
    const c = compareLiterals(value, min.value)
    if (c < 0 || (c === 0 && !min.inclusive)) return false
  }
  if (max) {
    const c = compareLiterals(value, max.value)
    if (c > 0 || (c === 0 && !max.inclusive)) return false
  }
  return true
}

/** Adds one condition to a column's limits, keeping the tightest bound and intersecting lists. */
export function addCondition(limits: ColumnLimits, condition: Condition): ColumnLimits {
  const next = { ...limits }
  if ('notNull' in condition) next.notNull = true
  else if ('isNull' in condition) next.isNull = true
  else if ('in' in condition) next.in = next.in ? next.in.filter((v) => condition.in.includes(v)) : [...condition.in]
  else if (condition.op === '=') next.in = next.in ? next.in.filter((v) => v === condition.value) : [condition.value]
  else {
    const inclusive = condition.op.endsWith('=')
    const bound = { value: condition.value, inclusive }
    if (condition.op.startsWith('>')) {
      const c = next.min ? compareLiterals(bound.value, next.min.value) : 1
      if (c > 0 || (c === 0 && !inclusive)) next.min = bound
    } else {
      const c = next.max ? compareLiterals(bound.value, next.max.value) : -1
      if (c < 0 || (c === 0 && !inclusive)) next.max = bound
    }
  }
  if (next.in) next.in = [...new Set(next.in.filter((v) => allows(next, v)))]
  return next
}

/**
 * A column DEFAULT's constant value (`0.00`, `'new'::text`, `'-1'::integer`, `(-1)`), as text; undefined
 * for any other expression (now(), nextval(), a function: seedbed does not evaluate those).
 */
export function constantDefault(expression: string | null): string | undefined {
  if (!expression) return undefined
  const bare = expression.replace(/^\((.*)\)$/, '$1')
  const quoted = /^'((?:[^']|'')*)'(?:::[\w ."]+(?:\[\])?)?$/.exec(bare)
  if (quoted) return quoted[1]!.replace(/''/g, "'")
  const number = /^\(?(-?\d+(?:\.\d+)?)\)?(?:::[\w ."]+)?$/.exec(bare)
  return number ? number[1] : undefined
}

/** Whether a value breaks the limits seedbed read (a list of allowed values, a number or date bound); false when unsure. */
export function breaksLimits(value: string, limits: ColumnLimits): boolean {
  return Boolean(limits.in && !limits.in.includes(value)) || !allows(limits, value)
}
