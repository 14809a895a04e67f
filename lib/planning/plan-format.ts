import path from 'node:path'
import { entryOf, type Fill, type FillCount, type LoadedSeed } from '../contract/contract.ts'
import type { PlanCheck } from '../contract/types.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { table } from '../output/summary.ts'
import { planToHtml, planToSvg } from '../output/plan-graph.ts'

/** What the formats show of a seed: a discovered seed, or one of `plan()`'s public levels. */
type Levels = readonly (readonly Pick<LoadedSeed, 'name' | 'priority' | 'dependsOn' | 'description' | 'file' | 'fill'>[])[]

/** A fill's count per table, as the plan shows it. */
const fillCounts = (fill: Fill) => Object.fromEntries(Object.entries(fill).map(([t, e]) => [t, entryOf(e).count]))
/** A count as the text plan shows it: `300`, or `0-5 per customers`. */
const shownCount = (n: FillCount) => (typeof n === 'number' ? String(n) : `${n.min}-${n.max} per ${n.per}`)

/** The description the text plan shows: the seed's own, then the tables its fill fills. */
function described(s: Levels[number][number]): string {
  const fills =
    s.fill &&
    `fills ${Object.entries(fillCounts(s.fill))
      .map(([t, n]) => `${t} (${shownCount(n)})`)
      .join(', ')}`
  return [s.description, fills].filter(Boolean).join('; ')
}

/** The foreign-key part of a checked plan. */
export type PlanCheckPart = Pick<PlanCheck, 'inferred' | 'problems' | 'notes'> & Partial<Pick<PlanCheck, 'staleTypes'>>

/** One line for a types file `plan --check` found stale (E_TYPES_STALE). */
export function staleText(s: PlanCheck['staleTypes'][number]): string {
  return `${s.file} was generated from another catalog than the database's (a migration since?): run \`seedbed types\` to write it again`
}

/** The text after the levels of a checked plan: what 'auto' inferred, the problems, the notes. */
function formatCheck(check: PlanCheckPart): string {
  const lines: string[] = []
  if (check.inferred.length) {
    lines.push('', "inferred by dependsOn: 'auto':")
    for (const i of check.inferred) lines.push(`  ${i.seed} -> ${i.on}   (${i.table} refers to ${i.refTable}: ${i.constraint})`)
  }
  lines.push(
    '',
    check.problems.length
      ? `foreign-key check: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}`
      : 'foreign-key check: every seed runs after the seeds writing the tables it refers to',
  )
  for (const p of check.problems) lines.push(`  E_PLAN_FOREIGN_KEY ${p.message}`)
  for (const s of check.staleTypes ?? []) lines.push('', `types: E_TYPES_STALE ${staleText(s)}`)
  if (check.notes.length) {
    lines.push('', 'notes:')
    for (const n of check.notes) lines.push(`  ${n.seed}: ${n.text}`)
  }
  return lines.join('\n')
}

export const PLAN_FORMATS = ['text', 'json', 'mermaid', 'dot', 'svg', 'html'] as const
export type PlanFormat = (typeof PLAN_FORMATS)[number]

/** The plan as JSON data: levels of seeds with what `plan --json` shows of each. */
export function planToJson(levels: Levels) {
  return {
    levels: levels.map((level, i) => ({
      level: i,
      seeds: level.map((s) => ({
        name: s.name,
        priority: s.priority,
        dependsOn: [...s.dependsOn],
        description: s.description,
        file: s.file.startsWith('<memory>') ? s.file : path.relative(process.cwd(), s.file),
        ...(s.fill && { fill: fillCounts(s.fill) }),
      })),
    })),
  }
}

export function formatPlan(levels: Levels): string {
  const count = levels.reduce((n, l) => n + l.length, 0)
  const rows = [['level', 'seed', 'priority', 'depends on', 'description']]
  for (const [i, level] of levels.entries()) {
    for (const [j, s] of level.entries()) {
      rows.push([j === 0 ? String(i) : '', s.name, String(s.priority), s.dependsOn.join(', ') || '-', described(s)])
    }
  }
  return (
    `${count} seed${count === 1 ? '' : 's'} in ${levels.length} level${levels.length === 1 ? '' : 's'} (seeds of a level run concurrently)\n\n` +
    table(rows, new Set([0, 2]))
  )
}

/** A Mermaid flowchart: one subgraph per level, an arrow from each dependency to its dependant. */
export function planToMermaid(levels: Levels): string {
  const lines = ['flowchart LR']
  levels.forEach((level, i) => {
    lines.push(`  subgraph level${i}["level ${i}"]`)
    for (const s of level) lines.push(`    ${s.name}`)
    lines.push('  end')
  })
  for (const s of levels.flat()) for (const d of s.dependsOn) lines.push(`  ${d} --> ${s.name}`)
  return lines.join('\n')
}

/** Graphviz DOT: one cluster per level, an edge from each dependency to its dependant. */
export function planToDot(levels: Levels): string {
  const lines = ['digraph seeds {', '  rankdir=LR;', '  node [shape=box];']
  levels.forEach((level, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label="level ${i}";`)
    for (const s of level) lines.push(`    "${s.name}";`)
    lines.push('  }')
  })
  for (const s of levels.flat()) for (const d of s.dependsOn) lines.push(`  "${d}" -> "${s.name}";`)
  lines.push('}')
  return lines.join('\n')
}

/** The plan in one of the `plan --format` forms; with `check`, what the foreign-key check found (text and json). */
export function renderPlan(levels: Levels, format: string, check?: PlanCheckPart): string {
  switch (format) {
    case 'text':
      return formatPlan(levels) + (check ? `\n${formatCheck(check)}` : '')
    case 'json':
      return JSON.stringify({ ...planToJson(levels), ...check })
    case 'mermaid':
      return planToMermaid(levels)
    case 'dot':
      return planToDot(levels)
    case 'svg':
      return planToSvg(levels)
    case 'html':
      return planToHtml(levels)
  }
  throw new SeedbedError(codes.BAD_OPTION, `--format must be one of ${PLAN_FORMATS.join(', ')}, got '${format}'`, {
    hint: 'for example: plan --format mermaid',
  })
}
