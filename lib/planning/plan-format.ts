import path from 'node:path'
import type { LoadedSeed } from '../contract/contract.ts'
import { codes, SeedbedError } from '../errors/errors.ts'
import { table } from '../output/summary.ts'
import { planToHtml, planToSvg } from '../output/plan-graph.ts'

type Levels = readonly (readonly LoadedSeed[])[]

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
      })),
    })),
  }
}

export function formatPlan(levels: Levels): string {
  const count = levels.reduce((n, l) => n + l.length, 0)
  const rows = [['level', 'seed', 'priority', 'depends on', 'description']]
  for (const [i, level] of levels.entries()) {
    for (const [j, s] of level.entries()) {
      rows.push([j === 0 ? String(i) : '', s.name, String(s.priority), s.dependsOn.join(', ') || '-', s.description])
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

/** The plan in one of the `plan --format` forms. */
export function renderPlan(levels: Levels, format: string): string {
  switch (format) {
    case 'text':
      return formatPlan(levels)
    case 'json':
      return JSON.stringify(planToJson(levels))
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
