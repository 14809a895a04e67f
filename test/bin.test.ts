/**
 * The built `seedbed` bin (dist/cli/bin.js, what `npx seedbed` runs) in a project of its own: its
 * short path for --version, and the TypeScript loading it registers itself under Node for a project's
 * tasks.ts and seeds, in an ES module package and in a CommonJS one. Build first: it runs dist/.
 */
import { spawnSync } from 'node:child_process'
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { initProject } from '../lib/cli/init.ts'
import { NO_CHILD_COVERAGE, ROOT, tempDir, testDatabase } from './helpers.ts'

const BIN = path.join(ROOT, 'dist', 'cli', 'bin.js')
const bin = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: '',
      SEEDBED_BCRYPT_COST: '4',
      ...NO_CHILD_COVERAGE,
      ...env,
    },
  })

t.test('--version and -v print the version without loading the project tasks.ts (nor TypeScript)', async (t) => {
  const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'))
  const project = await tempDir(t, 'seedbed-version-')
  await writeFile(path.join(project, 'package.json'), '{ "name": "app", "type": "module" }\n')
  // A tasks.ts the bin runs for any task (it names seedbed/tasks); loading it fails, so a printed version
  // shows it was not loaded.
  await writeFile(
    path.join(project, 'tasks.ts'),
    "// runs seedbed/tasks\nconst where: string = 'tasks.ts'\nthrow new Error(where + ' was loaded')\n",
  )
  for (const flag of ['--version', '-v']) {
    const r = bin([flag], project)
    t.equal(r.status, 0, r.stderr)
    t.equal(r.stdout.trim(), `seedbed ${version}`, flag)
  }
  const help = bin(['--help'], project)
  t.equal(help.status, 1)
  t.match(help.stderr, /tasks\.ts was loaded/, '--help still loads tasks.ts (it lists the project tasks), TypeScript and all')
})

for (const type of ['module', 'commonjs'] as const) {
  t.test(`an init project of type ${type}: the bin runs its tasks.ts and seeds (TypeScript)`, async (t) => {
    const project = await tempDir(t, `seedbed-bin-${type}-`)
    await writeFile(path.join(project, 'package.json'), `${JSON.stringify({ name: 'app', type })}\n`)
    await mkdir(path.join(project, 'node_modules'))
    await symlink(ROOT, path.join(project, 'node_modules', 'seedbed'))
    await initProject({ dir: project })
    // A task of the project's own, in its tasks.ts, shows the bin ran that file.
    const tasks = path.join(project, 'tasks.ts')
    await writeFile(
      tasks,
      (await readFile(tasks, 'utf8')).replace(
        /tasks\(\{/,
        "tasks({\n  hello: { description: 'Say hello', database: false, run: (): string => 'hello from tasks.ts' },",
      ),
    )
    const plan = bin(['plan'], project)
    t.equal(plan.status, 0, plan.stderr)
    t.match(plan.stdout, /2 seeds in 2 levels/)
    t.match(plan.stdout, /^ +1 +example_notes +\d+ +examples\b/m)
    const cached = await readdir(path.join(project, 'node_modules', '.cache', 'seedbed')).catch(() => [])
    if (type === 'module') t.ok(cached.length, "seedbed's own loader (its cache written)")
    else t.same(cached, [], "a CommonJS package: tsx's loader (no cache of seedbed's)")
    // A coded error stays coded: in a CommonJS project seedbed's files load twice (tsx's CommonJS copies
    // beside the ES modules), and SeedbedError is known by its brand, not by one copy's class.
    for (const [how, r] of [
      ['the bin', bin(['seed', '--only', 'nope'], project)],
      [
        'tsx',
        spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['tasks.ts', 'seed', '--only', 'nope'], {
          cwd: project,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: '', ...NO_CHILD_COVERAGE },
        }),
      ],
    ] as const) {
      t.equal(r.status, 2, `${how}: a usage error's exit status`)
      t.match(r.stderr, /E_ONLY_UNKNOWN: --only names 'nope', not a seed/, how)
      t.notMatch(r.stderr, /bug in seedbed/, how)
    }
    const hello = bin(['hello'], project)
    t.equal(hello.status, 0, hello.stderr)
    t.equal(hello.stdout.trim(), 'hello from tasks.ts')
    // seed (the seeding API loaded ahead in an ES module project), then again with nothing to do.
    const db = await testDatabase(t)
    const seeded = (r: ReturnType<typeof bin>) =>
      JSON.parse(r.stdout).seeds.map((s: { created: number; skipped: number }) => [s.created, s.skipped])
    const first = bin(['seed', '--apply-schema', '--json'], project, { DATABASE_URL: db.url })
    t.equal(first.status, 0, first.stderr)
    t.same(seeded(first), [
      [2, 0],
      [20, 0],
    ])
    const again = bin(['seed', '--json'], project, { DATABASE_URL: db.url })
    t.equal(again.status, 0, again.stderr)
    t.same(
      seeded(again),
      [
        [0, 2],
        [0, 20],
      ],
      'nothing to do',
    )
  })
}

t.test(
  "the bin's own TypeScript loader (an ES module package, a plain tsconfig.json): esbuild once, then its cache; tsx's loader otherwise",
  async (t) => {
    const project = await tempDir(t, 'seedbed-bin-loader-')
    await writeFile(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'app', type: 'module', imports: { '#lib/*': './lib/*.js' } })}\n`,
    )
    await mkdir(path.join(project, 'node_modules'))
    await symlink(ROOT, path.join(project, 'node_modules', 'seedbed'))
    await initProject({ dir: project })
    await mkdir(path.join(project, 'lib'))
    await writeFile(path.join(project, 'lib', 'names.ts'), "export const greeting: string = 'hello'\n")
    await mkdir(path.join(project, 'lib', 'count'))
    await writeFile(path.join(project, 'lib', 'count', 'index.ts'), "export const count = (n: number): string => String(n) + ' times'\n")
    // Helpers Node loads as CommonJS (a .cts file; a .ts file under a package.json without "type"),
    // a .js file beside a .ts of the same name, a plain JavaScript file imported without extension.
    await writeFile(path.join(project, 'lib', 'legacy.cts'), "export const legacy = (): string => 'cts'\n")
    await mkdir(path.join(project, 'lib', 'cjs'))
    await writeFile(path.join(project, 'lib', 'cjs', 'package.json'), '{}\n')
    await writeFile(path.join(project, 'lib', 'cjs', 'helper.ts'), 'export const helper = (): string => typeof module\n')
    await writeFile(path.join(project, 'lib', 'both.ts'), "export const which: string = 'ts'\n")
    await writeFile(path.join(project, 'lib', 'both.js'), "export const which = 'js'\n")
    await writeFile(path.join(project, 'lib', 'plain.js'), "export const plain = 'plain js'\n")
    const tasks = (greeting: string) => `import { tasks } from 'seedbed/tasks'
import { count } from './lib/count'
import { greeting } from './lib/names.js'
import { greeting as imported } from '#lib/names'
import { legacy } from './lib/legacy.cjs'
import { helper } from './lib/cjs/helper.ts'
import { which } from './lib/both.js'
import { plain } from './lib/plain'

interface Shape {
  n: number
}
await tasks({
  hello: { description: 'Say hello', database: false, run: (): string => \`\${greeting} ${greeting} \${count(2)}\` },
  more: { description: 'The other imports', database: false, run: (): string => [imported, legacy(), helper(), which, plain].join(', ') },
  boom: {
    description: 'Fail',
    database: false,
    run: (): string => {
      const shape: Shape = { n: 1 }
      throw new Error(\`boom \${shape.n}\`)
    },
  },
})
`
    await writeFile(path.join(project, 'tasks.ts'), tasks('world'))
    const cache = path.join(project, 'node_modules', '.cache', 'seedbed')
    const cached = async () => (await readdir(cache).catch(() => [])).sort()

    const first = bin(['hello'], project)
    t.equal(first.status, 0, first.stderr)
    t.equal(first.stdout.trim(), 'hello world 2 times', '`./lib/names.js` found lib/names.ts, `./lib/count` found lib/count/index.ts')
    const more = bin(['more'], project)
    t.equal(more.status, 0, more.stderr)
    t.equal(
      more.stdout.trim(),
      'hello, cts, object, ts, plain js',
      'package.json imports, a .cts and a CommonJS .ts helper (as CommonJS), the .ts beside a .js, an extensionless .js',
    )
    const files = await cached()
    t.equal(files.length, 6, 'tasks.ts and the five TypeScript files it imports, transformed and cached')
    const stamps = await Promise.all(files.map(async (f) => (await stat(path.join(cache, f))).mtimeMs))
    const again = bin(['hello'], project)
    t.equal(again.stdout.trim(), 'hello world 2 times')
    t.same(await cached(), files, 'the second run transforms nothing')
    t.same(await Promise.all(files.map(async (f) => (await stat(path.join(cache, f))).mtimeMs)), stamps, 'and rewrites nothing')
    // A changed file is transformed again: its cache entry is keyed by its text.
    await writeFile(path.join(project, 'tasks.ts'), tasks('again'))
    const changed = bin(['hello'], project)
    t.equal(changed.stdout.trim(), 'hello again 2 times', 'the edited tasks.ts runs, not its cached predecessor')
    t.equal((await cached()).length, 7)
    // Stack positions are the TypeScript file's (an inline source map), as under tsx.
    const boom = bin(['boom', '--verbose'], project)
    t.equal(boom.status, 1)
    t.match(boom.stderr, /E_TASK_FAILED: task 'boom' failed: boom 1/)
    t.match(
      boom.stdout + boom.stderr,
      new RegExp(`at Object\\.run \\(${project.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/tasks\\.ts:21:13\\)`),
    )
    // The plan and a seed's files load the same way.
    t.match(bin(['plan'], project).stdout, /2 seeds in 2 levels/)
    t.equal((await cached()).length, 9, 'the two seeds cached too')

    // A tsconfig.json this loader would read otherwise than TypeScript (paths; comments) is tsx's.
    await rm(cache, { recursive: true })
    const tsconfig = JSON.parse(await readFile(path.join(project, 'tsconfig.json'), 'utf8'))
    tsconfig.compilerOptions.paths = { '@lib/*': ['./lib/*'] }
    await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig))
    await writeFile(path.join(project, 'tasks.ts'), tasks('paths').replace("from './lib/count'", "from '@lib/count/index.ts'"))
    const paths = bin(['hello'], project)
    t.equal(paths.status, 0, paths.stderr)
    t.equal(paths.stdout.trim(), 'hello paths 2 times', "tsconfig's paths resolved (by tsx)")
    t.same(await cached(), [], "tsx's loader, not this one")
    delete tsconfig.compilerOptions.paths
    await writeFile(path.join(project, 'tsconfig.json'), `// tsc --init writes comments\n${JSON.stringify(tsconfig)}`)
    await writeFile(path.join(project, 'tasks.ts'), tasks('comments'))
    t.equal(bin(['hello'], project).stdout.trim(), 'hello comments 2 times')
    t.same(await cached(), [], 'a tsconfig.json with comments: tsx reads it')
  },
)
