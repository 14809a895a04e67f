/**
 * `seedbed db start|stop|status|url|psql` and `seedbed --version`: the embedded server kept running for
 * the application between runs, shared with the runs, and stopped by `db stop`. Always on an embedded
 * server of its own (a temporary data folder), whatever DATABASE_URL says.
 */
import { lstat, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { redactUrl } from '../lib/errors/redact.ts'
import { answers, ROOT, runCli, tempDir } from './helpers.ts'

const dir = await tempDir(t, 'seedbed-db-')
const env = { SEEDBED_DATA_DIR: path.join(dir, 'data') }

t.test('--version and -v print the package version', async (t) => {
  const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'))
  for (const flag of ['--version', '-v']) {
    const r = await runCli([flag])
    t.equal(r.code, 0)
    t.equal(r.stdout.trim(), `seedbed ${version}`, flag)
  }
})

t.test('db start keeps the server for the app; runs share it; db stop stops it', async (t) => {
  const stopped = await runCli(['db', 'status', '--json'], { env })
  t.equal(stopped.code, 0)
  t.equal(JSON.parse(stopped.stdout).running, false)
  const noUrl = await runCli(['db', 'url'], { env })
  t.equal(noUrl.code, 1)
  t.match(noUrl.stdout + noUrl.stderr, /E_DB_NOT_RUNNING: .* is not running\n\s+hint: start it with `?seedbed db start/)

  const envFile = path.join(dir, '.env.local')
  const start = await runCli(['db', 'start', '--write-env', envFile], { env })
  t.equal(start.code, 0, start.stderr)
  const shown = /^DATABASE_URL=(\S+)$/m.exec(start.stdout)?.[1]
  t.match(shown, /^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres$/, 'the URL is printed, its password hidden')
  t.match(start.stdout, `the whole URL (with its password) written to ${envFile}, readable by you alone`)
  const url = /^DATABASE_URL=(\S+)\n$/.exec(await readFile(envFile, 'utf8'))?.[1]
  t.equal(redactUrl(url!), shown, 'and written whole for the app')
  t.equal((await stat(envFile)).mode & 0o777, 0o600, 'in a file only its owner reads')
  t.ok(await answers(url!), 'the server runs after the command ended')
  const printed = await runCli(['db', 'url'], { env })
  t.equal(printed.stdout.trim(), shown, 'db url prints it alone, its password hidden')
  t.match(printed.stderr, /the password is in .*password \(readable by you alone\)/, 'and says where the password is')
  const other = path.join(dir, '.env.other')
  await runCli(['db', 'url', '--write-env', other], { env })
  t.equal(await readFile(other, 'utf8'), `DATABASE_URL=${url}\n`, 'db url --write-env writes it whole')

  const seed = await runCli(['seed', '--apply-schema', '--json'], { env })
  t.equal(seed.code, 0, seed.code ? seed.stderr : 'a run joins it')
  t.ok(await answers(url!), 'a run on it leaves it running')
  const status = JSON.parse((await runCli(['db', 'status', '--json'], { env })).stdout)
  t.match(status, { running: true, pinned: true, url: shown, users: [] })

  const again = await runCli(['db', 'start'], { env })
  t.match(again.stdout, /^already running/, 'a second start says so')
  t.equal(/^DATABASE_URL=(\S+)$/m.exec(again.stdout)?.[1], shown, 'same URL')

  const stop = await runCli(['db', 'stop'], { env })
  t.equal(stop.code, 0)
  t.match(stop.stdout, /^stopped: /)
  t.notOk(await answers(url!), 'stopped')

  const restart = await runCli(['db', 'start'], { env })
  t.equal(/^DATABASE_URL=(\S+)$/m.exec(restart.stdout)?.[1], shown, 'a restart keeps the port, so the URL in .env stays right')
  t.ok(await answers(url!), 'and the password')
  t.equal((await runCli(['db', 'stop'], { env })).code, 0)
})

t.test('an unknown action is a usage error naming the actions', async (t) => {
  const r = await runCli(['db', 'launch'], { env })
  t.equal(r.code, 2)
  t.match(r.stdout + r.stderr, /E_BAD_OPTION: unknown db action 'launch'\n\s+hint: use one of: start, stop, status, url, psql/)
})

t.test('--write-env replaces the file (never writing through a symlink); a file it cannot write is E_BAD_OPTION naming it', async (t) => {
  const start = await runCli(['db', 'start'], { env })
  t.equal(start.code, 0, start.stderr)
  t.teardown(() => runCli(['db', 'stop'], { env }))
  const victim = path.join(dir, 'elsewhere.txt')
  await writeFile(victim, 'not yours to change\n')
  const link = path.join(dir, '.env.link')
  await symlink(victim, link)
  const r = await runCli(['db', 'url', '--write-env', link], { env })
  t.equal(r.code, 0, r.stderr)
  t.equal(await readFile(victim, 'utf8'), 'not yours to change\n', 'the file the link pointed to is untouched')
  t.ok((await lstat(link)).isFile(), 'the link is replaced by a file')
  t.equal((await stat(link)).mode & 0o777, 0o600)
  t.match(
    await readFile(link, 'utf8'),
    /^not yours to change\nDATABASE_URL=postgres:\/\/postgres:[^*@]+@127\.0\.0\.1:\d+\/postgres\n$/,
    'its lines kept, the URL added',
  )

  const nowhere = path.join(dir, 'no-such-folder', '.env')
  const bad = await runCli(['db', 'url', '--write-env', nowhere], { env })
  t.equal(bad.code, 2)
  t.match(bad.stdout + bad.stderr, new RegExp(`E_BAD_OPTION: --write-env ${nowhere.replace(/[.]/g, '\\.')} cannot be written`))
  t.notMatch(bad.stdout + bad.stderr, /bug in seedbed/)
})
