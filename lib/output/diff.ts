import type { RunResult, SeedDiff, TableDiff } from '../contract/types.ts'
import { redactValue } from '../errors/redact.ts'

// Redacted before JSON escapes a quote or a backslash of a secret, which the log's redaction would then miss.
const show = (value: unknown): string => JSON.stringify(redactValue(value ?? null))
const fields = (row: Record<string, unknown>) =>
  Object.entries(row)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ')

function tableLines(t: TableDiff, limit: number): string[] {
  const lines = [`  ${t.table}: would create ${t.created}, update ${t.updated}`]
  for (const row of t.createdRows) lines.push(`    + ${fields(row)}`)
  for (const row of t.updatedRows) {
    const key = `(${fields(row.key)})`
    if (!row.changes) lines.push(`    ~ ${key} (old values not seen: a hand-written statement)`)
    else
      lines.push(
        `    ~ ${key} ${Object.entries(row.changes)
          .map(([c, v]) => `${c}: ${show(v.old)} -> ${show(v.new)}`)
          .join(', ')}`,
      )
  }
  const moreCreated = t.created - t.createdRows.length
  const moreUpdated = t.updated - t.updatedRows.length
  if (moreCreated > 0 || moreUpdated > 0) {
    lines.push(`    ... ${moreCreated} more created, ${moreUpdated} more updated not shown (--diff-limit ${limit}; 0 shows all)`)
  }
  return lines
}

/** A seed's section, or undefined when it would change nothing (its tables all 0 and 0): those are named on one line. */
function seedLines(name: string, diff: SeedDiff): string[] | undefined {
  const lines = [`diff of ${name}:`]
  for (const t of diff.tables) if (t.created || t.updated) lines.push(...tableLines(t, diff.limit))
  const { created, updated, skipped, by } = diff.unseen
  if (created || updated || skipped) {
    lines.push(`  written by ${by.join(', ')}: would create ${created}, update ${updated}, skip ${skipped} (seedbed cannot see these rows)`)
  }
  return lines.length === 1 ? undefined : lines
}

/**
 * Said under a diff that shows created rows in a table with a sequence: nextval() is not transactional, so the ids a dry run draws
 * from serial and identity columns are spent, and the real run's rows get the next ones.
 */
export const SEQUENCE_NOTE =
  'ids drawn from sequences (serial, identity) are spent by the dry run, as PostgreSQL never rolls a sequence back: the real run gives its rows the next ones, not those shown'

/** `--dry-run --diff`: each seed's rows to be created and columns to be changed, or '' without a diff. */
export function formatDiff(result: RunResult): string {
  const withDiff = result.seeds.filter((s) => s.diff)
  const parts: string[] = []
  const unchanged: string[] = []
  for (const s of withDiff) {
    const lines = seedLines(s.name, s.diff!)
    if (lines) parts.push(lines.join('\n'))
    else unchanged.push(s.name)
  }
  if (unchanged.length) parts.push(`no change: ${unchanged.join(', ')}`)
  // Only where rows were created in a table with a sequence (or one not known to have none).
  if (withDiff.some((s) => s.diff!.tables.some((t) => t.created > 0 && t.sequence !== false))) parts.push(`note: ${SEQUENCE_NOTE}`)
  return parts.join('\n\n')
}
