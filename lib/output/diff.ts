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

function seedLines(name: string, diff: SeedDiff): string[] {
  const lines = [`diff of ${name}:`]
  for (const t of diff.tables) lines.push(...tableLines(t, diff.limit))
  const { created, updated, skipped, by } = diff.unseen
  if (created || updated || skipped) {
    lines.push(`  written by ${by.join(', ')}: created ${created}, updated ${updated}, skipped ${skipped} (seedbed cannot see these rows)`)
  }
  if (lines.length === 1) lines.push('  no change')
  return lines
}

/** `--dry-run --diff`: each seed's rows to be created and columns to be changed, or '' without a diff. */
export function formatDiff(result: RunResult): string {
  const parts = result.seeds.filter((s) => s.diff).map((s) => seedLines(s.name, s.diff!).join('\n'))
  return parts.join('\n\n')
}
