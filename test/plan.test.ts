import t from 'tap'
import { codes } from '../lib/errors/errors.ts'
import { planLevels, type PlanSeed } from '../lib/planning/plan.ts'

const s = (name: string, dependsOn: string[] = [], priority = 100): PlanSeed => ({ name, dependsOn, priority })
const names = (levels: PlanSeed[][]) => levels.map((l) => l.map((x) => x.name))
const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    return [(e as { code: string }).code, (e as Error).message]
  }
  return ['no error', '']
}

t.test('dependencies give levels', async (t) => {
  const seeds = [
    s('products', ['categories', 'users']),
    s('users', ['roles']),
    s('roles'),
    s('categories'),
    s('role_permissions', ['roles', 'permissions']),
    s('permissions'),
  ]
  t.same(names(planLevels(seeds)), [['categories', 'permissions', 'roles'], ['role_permissions', 'users'], ['products']])
})

t.test('a seed goes one level past its deepest dependency, not its first', async (t) => {
  const seeds = [s('a'), s('b', ['a']), s('c', ['b']), s('d', ['a', 'c'])]
  t.same(names(planLevels(seeds)), [['a'], ['b'], ['c'], ['d']])
})

t.test('priority orders a level, lower first; name breaks ties', async (t) => {
  const seeds = [s('zeta', [], 1), s('alpha', [], 50), s('beta', [], 50), s('gamma', [], 100), s('last', ['zeta'], 0)]
  t.same(names(planLevels(seeds)), [['zeta', 'alpha', 'beta', 'gamma'], ['last']])
})

t.test('the result does not depend on input order', async (t) => {
  const seeds = [s('c', ['a']), s('b'), s('a'), s('d', ['b', 'c'])]
  t.same(names(planLevels(seeds)), names(planLevels([...seeds].reverse())))
})

t.test('--only takes the named seeds and everything they need, transitively', async (t) => {
  const seeds = [s('a'), s('b', ['a']), s('c', ['b']), s('x'), s('y', ['x'])]
  t.same(names(planLevels(seeds, { only: ['c'] })), [['a'], ['b'], ['c']])
  t.same(names(planLevels(seeds, { only: ['c', 'x'] })), [['a', 'x'], ['b'], ['c']])
  t.same(names(planLevels(seeds, { only: ['a'] })), [['a']])
})

t.test('--only with an unknown name is E_ONLY_UNKNOWN and lists the known seeds', async (t) => {
  const [code, message] = codeOf(() => planLevels([s('a'), s('b')], { only: ['a', 'nope'] }))
  t.equal(code, codes.ONLY_UNKNOWN)
  t.match(message, /'nope'.*known seeds: a, b/)
})

t.test('a missing dependency is E_DEPENDENCY_MISSING naming both seeds', async (t) => {
  const [code, message] = codeOf(() => planLevels([s('users', ['roles', 'teams']), s('roles')]))
  t.equal(code, codes.DEPENDENCY_MISSING)
  t.match(message, /seed 'users' depends on 'teams'/)
})

t.test('a cycle is E_DEPENDENCY_CYCLE, named in order', async (t) => {
  const [code, message] = codeOf(() => planLevels([s('a', ['c']), s('b', ['a']), s('c', ['b']), s('d')]))
  t.equal(code, codes.DEPENDENCY_CYCLE)
  t.match(message, 'a -> c -> b -> a')
  const [code2, message2] = codeOf(() => planLevels([s('root'), s('x', ['root', 'y']), s('y', ['x'])]))
  t.equal(code2, codes.DEPENDENCY_CYCLE)
  t.match(message2, 'x -> y -> x')
})

t.test('an empty project plans to no levels', async (t) => {
  t.same(planLevels([]), [])
})

t.test('a mistyped seed name gets a suggestion: in --only and in dependsOn', async (t) => {
  const seeds = [s('roles'), s('users', ['roles']), s('permissions')]
  const [code, message] = codeOf(() => planLevels(seeds, { only: ['user'] }))
  t.equal(code, 'E_ONLY_UNKNOWN')
  t.match(message, "--only names 'user', not a seed (did you mean 'users'?)")
  const [code2, message2] = codeOf(() => planLevels([s('roles'), s('users', ['role'])]))
  t.equal(code2, 'E_DEPENDENCY_MISSING')
  t.match(message2, "depends on 'role', which no seed file defines (did you mean 'roles'?)")
  t.notMatch(codeOf(() => planLevels(seeds, { only: ['zzzzzz'] }))[1], /did you mean/, 'nothing close: no suggestion')
})
