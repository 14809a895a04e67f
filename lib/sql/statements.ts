/**
 * SQL text read as PostgreSQL's lexer reads it, just enough to tell its statements apart: quotes
 * ('...', E'...' with backslash escapes, "..."), dollar quotes ($$...$$, $tag$...$tag$), line and
 * nested block comments. Used to refuse transaction control in a seed's SQL before it is sent.
 */

const IDENT = /[\p{L}\p{N}_$]/u
const DOLLAR = /^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/u

/** Where the quoted or commented text that opens at `i` ends (the index after it), or -1 when none opens there. */
function skipQuoted(text: string, i: number): number {
  const c = text[i]!
  const next = text[i + 1]
  if (c === '-' && next === '-') {
    const end = text.indexOf('\n', i)
    return end < 0 ? text.length : end + 1
  }
  if (c === '/' && next === '*') {
    let depth = 0
    for (let j = i; j < text.length; j++) {
      const pair = text.slice(j, j + 2)
      if (pair !== '/*' && pair !== '*/') continue
      depth += pair === '/*' ? 1 : -1
      if (depth === 0) return j + 2
      j++
    }
    return text.length
  }
  if (c === "'" || c === '"') {
    const escapes = c === "'" && /[eE]/.test(text[i - 1] ?? '') && !IDENT.test(text[i - 2] ?? '')
    for (let j = i + 1; j < text.length; j++) {
      if (escapes && text[j] === '\\') j++
      else if (text[j] === c) return j + 1 // a doubled quote reopens at once
    }
    return text.length
  }
  if (c === '$' && !IDENT.test(text[i - 1] ?? '')) {
    const tag = DOLLAR.exec(text.slice(i))?.[0]
    if (!tag) return -1
    const end = text.indexOf(tag, i + tag.length)
    return end < 0 ? text.length : end + tag.length
  }
  return -1
}

/**
 * The statements of `text`, split at the semicolons outside quotes, dollar quotes and comments;
 * comments become a space, empty statements are left out.
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = []
  let current = ''
  for (let i = 0; i < text.length; ) {
    const end = skipQuoted(text, i)
    if (end >= 0) {
      current += text[i] === '-' || text[i] === '/' ? ' ' : text.slice(i, end)
      i = end
    } else if (text[i] === ';') {
      statements.push(current)
      current = ''
      i++
    } else {
      current += text[i++]
    }
  }
  statements.push(current)
  return statements.map((s) => s.trim()).filter(Boolean)
}

/**
 * Statements that begin, end or prepare a transaction. ROLLBACK TO SAVEPOINT (and SAVEPOINT, RELEASE)
 * stay inside the transaction and are not among them; PREPARE of a statement is not either.
 */
const CONTROL = /^(?:begin|start\s+transaction|commit|end|abort|prepare\s+transaction|rollback(?!\s+(?:(?:work|transaction)\s+)?to\b))\b/i

/** The first statement of `text` that is transaction control, as written (its first 60 characters), or undefined. */
export function transactionControl(text: string): string | undefined {
  const found = splitStatements(text).find((s) => CONTROL.test(s))
  return found && (found.length > 60 ? `${found.slice(0, 57)}...` : found).replace(/\s+/g, ' ')
}
