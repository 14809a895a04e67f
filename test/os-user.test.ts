/**
 * The ledger's os_user under Node and Bun: Bun's os.userInfo() says `unknown` for root with no USER
 * in the environment (as in CI); the ledger records the account name all the same.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { NO_CHILD_COVERAGE, ROOT } from './helpers.ts'

const expected = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim()
const source = path.join(ROOT, 'lib', 'util', 'os-user.ts')
const script = `import { osUser } from ${JSON.stringify(source)}; console.log(osUser())`
// No USER, LOGNAME or USERNAME: what a service or CI job may have.
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...NO_CHILD_COVERAGE }

t.test('under Node', async (t) => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8' })
  t.equal(out.trim(), expected)
})

t.test('under Bun', async (t) => {
  const bun = path.join(ROOT, 'node_modules', '.bin', 'bun')
  t.equal(execFileSync(bun, ['-e', script], { env, encoding: 'utf8' }).trim(), expected)
})
