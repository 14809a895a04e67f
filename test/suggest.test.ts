import t from 'tap'
import { closest, didYouMean } from '../lib/errors/suggest.ts'

t.test('closest: a few edits away is a match, far is not', async (t) => {
  t.equal(closest('--dryrun', ['--dry-run', '--json', '--only']), '--dry-run')
  t.equal(closest('sed', ['seed', 'plan', 'fresh']), 'seed')
  t.equal(closest('plna', ['seed', 'plan']), 'plan')
  t.equal(closest('--x', ['--only', '--json']), undefined)
  t.equal(closest('completely-different', ['seed', 'plan']), undefined)
  t.equal(didYouMean('statsu', ['status', 'seed']), " (did you mean 'status'?)")
  t.equal(didYouMean('zzz', ['status']), '')
})
