/**
 * The pieces every HTML page seedbed writes shares: escaping and a self-contained page (inline CSS,
 * inline SVG, no script, no font, no request: the Content-Security-Policy forbids any).
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text or an attribute value made safe for HTML and SVG: seed names and error messages come from users. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

/** Text escaped as {@link esc}, with each `backticked` span (a command, a flag, a file in a hint) shown as code. */
export function escCode(value: unknown): string {
  return esc(value).replace(/`([^`]+)`/g, '<code>$1</code>')
}

/** Milliseconds as a person reads them: `850 ms`, `2.4 s`, `3 m 05 s`. */
export function ms(value: number): string {
  if (value < 1000) return `${Math.round(value)} ms`
  if (value < 60_000) return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`
  const s = Math.round(value / 1000)
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`
}

/** A count with thousands separated: `12,433`. */
export const int = (n: number) => Math.round(n).toLocaleString('en-US')

const CSS = `
:root { --ok: #2e7d32; --failed: #c62828; --not-run: #9e9e9e; --retried: #ef6c00; --ink: #1d2330; --muted: #5f6b7a; --line: #d9dee5; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 24px; max-width: 1280px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: var(--muted); margin: 0 0 12px; } .meta span { margin-right: 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; } .card small { color: var(--muted); }
table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f4f6f9; font-weight: 600; } td.n, th.n { text-align: right; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; font-size: 12px; }
.status.succeeded { background: var(--ok); } .status.failed { background: var(--failed); } .status.not_executed { background: var(--not-run); } .status.interrupted { background: #6a1b9a; } .status.unknown { background: var(--not-run); }
.error { border-left: 4px solid var(--failed); background: #fdf2f2; padding: 8px 12px; margin: 8px 0; white-space: pre-wrap; }
.error .hint { color: var(--muted); }
.null { color: var(--muted); font-style: italic; } .old { color: var(--failed); text-decoration: line-through; } .new { color: var(--ok); }
.legend span { margin-right: 14px; } .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
.critical { font-weight: 600; }
svg text { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
body.wide { max-width: none; } body.wide .scroll { display: inline-block; overflow: visible; }
.scroll { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
`

/** A whole page: `body` is trusted markup built with {@link esc}; `wide` lets it grow past 1280 px (a big graph). */
export function page(title: string, body: string, options: { wide?: boolean } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="seedbed">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body${options.wide ? ' class="wide"' : ''}>
${body}
</body>
</html>
`
}

/** A table: `head` cells are text; `rows` cells are trusted markup. `numeric` columns align right. */
export function htmlTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  options: { numeric?: ReadonlySet<number>; rowAttrs?: readonly string[] } = {},
): string {
  const cls = (i: number) => (options.numeric?.has(i) ? ' class="n"' : '')
  const th = head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')
  const trs = rows.map((r, j) => `<tr${options.rowAttrs?.[j] ?? ''}>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('\n')
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table>`
}
