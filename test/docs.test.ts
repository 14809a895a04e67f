import { execFileSync } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { COMMANDS, flagHelp, flagsOf, flagUsage, TASKS } from '../lib/cli/flags.ts'
import { variables } from '../lib/cli/variables.ts'
import { codes, errorCodes } from '../lib/errors/errors.ts'
import { REFERENCE, renderReference } from '../scripts/docs.ts'
import { ROOT, runCli } from './helpers.ts'

t.test('docs/reference.md is what the flag, variable, exit-code and error-code data generates', async (t) => {
  const committed = await readFile(REFERENCE, 'utf8')
  t.equal(committed, renderReference(), 'when it differs: `npm run docs`, and commit the page')
})

/** The options `--help` lists: `--name <value>` and its description, as cac prints them. */
function helpOptions(help: string): Map<string, string> {
  const options = help.split(/\n\s*\n/).find((block) => block.startsWith('Options:')) ?? ''
  const found = new Map<string, string>()
  for (const m of options.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+(?: <[^>]+>)?) {2,}(.*?) *$/gm)) found.set(m[1]!, m[2]!)
  return found
}

t.test("each task's --help lists exactly the flags the data gives it, with the data's text", async (t) => {
  // `task` is a project's own task: the example's top-customers, which declares no flags of its own.
  const helps = await Promise.all(COMMANDS.map((c) => runCli([c === 'task' ? 'top-customers' : c, '--help'])))
  COMMANDS.forEach((command, i) => {
    const r = helps[i]!
    t.equal(r.code, 0, `${command} --help exits 0`)
    const listed = helpOptions(r.stdout)
    const declared = flagsOf(command)
    t.same([...listed.keys()].sort(), declared.map(flagUsage).sort(), `${command}: the flags cac knows are the data's`)
    for (const flag of declared) {
      if (flag.builtIn) continue
      // cac adds `(default: true)` to a negated flag.
      t.equal(listed.get(flagUsage(flag))?.replace(' (default: true)', ''), flagHelp(flag), `${command} ${flagUsage(flag)}`)
    }
  })
})

t.test('the top-level --help lists every built-in task with the summary the data gives it', async (t) => {
  const r = await runCli([])
  t.equal(r.code, 0)
  const listed = new Map([...r.stdout.matchAll(/^ {2}([a-z-]+(?: [<[][a-z.]+[>\]])?) {2,}(.+)$/gm)].map((m) => [m[1]!, m[2]!]))
  for (const [name, { args, summary }] of Object.entries(TASKS)) t.equal(listed.get(args ? `${name} ${args}` : name), summary, name)
})

t.test('runner.ts declares no flag or built-in task of its own: they come from lib/cli/flags.ts', async (t) => {
  const runner = await readFile(path.join(ROOT, 'lib', 'cli', 'runner.ts'), 'utf8')
  t.notMatch(runner, /\.option\(\s*['"`]-/, 'no .option() with a literal flag')
  t.notMatch(runner, /\.command\(\s*['"`]/, 'no .command() with a literal task name')
})

/**
 * Environment variable names the code reads: `env.NAME`, `vars.NAME` (any object named *env or vars),
 * `env['NAME']`, `secret('NAME')`, `env.npm_config_name` (set by the launcher), and any SEEDBED_* name written anywhere in lib/.
 */
async function variablesRead(): Promise<Set<string>> {
  const files = [
    ...(await readdir(path.join(ROOT, 'lib'), { recursive: true })).map((f) => path.join('lib', f)),
    ...(await readdir(path.join(ROOT, 'seeds'))).map((f) => path.join('seeds', f)),
  ].filter((f) => f.endsWith('.ts') && f !== path.join('lib', 'cli', 'variables.ts'))
  const names = new Set<string>()
  for (const file of files) {
    const text = await readFile(path.join(ROOT, file), 'utf8')
    const read =
      /\b(?:\w*[eE]nv|vars)\.([A-Z][A-Z0-9_]+)\b|\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]|secret\('([A-Z][A-Z0-9_]+)'|\b(SEEDBED_[A-Z][A-Z0-9_]*)\b|\benv\.(npm_config_[a-z_]+)\b/g
    for (const m of text.matchAll(read)) names.add((m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5])!)
  }
  return names
}

t.test('the variables in the data are the ones the code reads', async (t) => {
  const read = await variablesRead()
  t.ok(read.size >= 30, `found ${read.size} names`)
  const listed = new Set<string>(variables.map((v) => v.name))
  for (const name of read) t.ok(listed.has(name), `${name} is read and is in lib/cli/variables.ts`)
  for (const name of listed) t.ok(read.has(name), `${name} is in lib/cli/variables.ts and the code reads it`)
})

t.test('every error code has a cause and what to do, once', async (t) => {
  t.same(errorCodes.map((e) => e.code).sort(), Object.values(codes).sort())
  for (const e of errorCodes) t.ok(e.cause.length > 10 && e.todo.length > 5, e.code)
})

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-')

async function anchors(file: string): Promise<Set<string>> {
  const text = (await readFile(file, 'utf8')).replace(/```[\s\S]*?```/g, '')
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const [, heading] of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(heading!)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

t.test('every link between the README and the docs pages reaches a file and a heading', async (t) => {
  const pages = ['README.md', ...(await readdir(path.join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
  let links = 0
  for (const page of pages) {
    const text = (await readFile(path.join(ROOT, page), 'utf8')).replace(/```[\s\S]*?```/g, '')
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue
      links++
      const [file, anchor] = target!.split('#')
      const resolved = file ? path.resolve(path.dirname(path.join(ROOT, page)), file) : path.join(ROOT, page)
      const exists = await readFile(resolved).then(
        () => true,
        () =>
          readdir(resolved).then(
            () => true,
            () => false,
          ),
      )
      t.ok(exists, `${page}: ${target} reaches a file`)
      if (exists && anchor) t.ok((await anchors(resolved)).has(anchor), `${page}: ${target} reaches a heading`)
    }
  }
  t.ok(links > 20, `${links} links checked`)
})

t.test("the README's project map lists every folder of the repository and every folder of lib/", async (t) => {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
  const map = readme.slice(readme.indexOf('## Project map'), readme.indexOf('\n## ', readme.indexOf('## Project map') + 1))
  const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n')
  const folders = new Set<string>()
  for (const file of tracked) {
    const parts = file.split('/')
    if (parts.length > 1) folders.add(`${parts[0]}/`)
    if (parts[0] === 'lib' && parts.length > 2) folders.add(`lib/${parts[1]}/`)
  }
  t.ok(folders.size >= 15, [...folders].join(' '))
  for (const folder of folders) t.match(map, new RegExp(`^\\| \`${folder}\` \\| \\S`, 'm'), `${folder} has its line`)
})
