/**
 * Fake-row generation alone, no database: 200k customer-like rows (email, name, date, score), each
 * from a faker reseeded for its row, made and encoded as COPY text. Measured in one run, alternating
 * (median of --runs): faker's default Mersenne Twister reseeded per row (seedbed before its
 * counter-based generator), seedbed's `fakerFor` reseeded per row, and `fakerFor` never reseeded
 * (the floor: faker's own cost of the values).
 *
 *   npx tsx bench/fake.ts [--rows 200000] [--runs 3]
 */
import { parseArgs } from 'node:util'
import type { Faker } from '@faker-js/faker'
import { faker as english } from '@faker-js/faker/locale/en'
import type { CopyRow } from '../lib/contract/types.ts'
import { FAKE_REFERENCE_DATE, fakerFor, stableHash, uniqueEmail } from '../lib/helpers/fake.ts'
import { rowEncoder } from '../lib/sql/copy.ts'

const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, runs: { type: 'string', default: '3' } } })
const rows = Number(values.rows)
const runs = Number(values.runs)
const COLUMNS = ['id', 'email', 'name', 'created_at', 'score']
const KEY = stableHash('customers')

/** faker as seedbed made it before: the package's default randomizer, a Mersenne Twister. */
function twisterFaker(): Faker {
  const FakerClass = english.constructor as new (options: { locale: Faker['rawDefinitions'] }) => Faker
  const faker = new FakerClass({ locale: english.rawDefinitions })
  faker.seed(KEY)
  faker.setDefaultRefDate(FAKE_REFERENCE_DATE)
  return faker
}

function* customers(faker: Faker, reseed: boolean): Generator<CopyRow> {
  for (let i = 1; i <= rows; i++) {
    if (reseed) faker.seed([KEY, i])
    yield [i, uniqueEmail(faker, i), faker.person.fullName(), faker.date.past({ years: 3 }), faker.number.int({ min: 0, max: 1000 })]
  }
}

const cases: [string, () => Generator<CopyRow>][] = [
  ['Mersenne Twister, reseeded per row (before)', () => customers(twisterFaker(), true)],
  ['fakerFor, reseeded per row (after)', () => customers(fakerFor('customers'), true)],
  ['fakerFor, never reseeded (floor)', () => customers(fakerFor('customers'), false)],
]

const times = new Map<string, number[]>(cases.map(([name]) => [name, []]))
for (let run = 0; run < runs; run++) {
  for (const [name, make] of cases) {
    const encode = rowEncoder(COLUMNS, 'customers')
    const t0 = performance.now()
    let i = 0
    for (const r of make()) encode(r, i++)
    times.get(name)!.push(performance.now() - t0)
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const before = median(times.get(cases[0]![0])!)
console.log(`${rows} customer-like rows, generated and encoded, median of ${runs} (node ${process.version})`)
console.log('| case | ms | rows/s | speed-up vs before |')
console.log('| --- | --- | --- | --- |')
for (const [name] of cases) {
  const ms = median(times.get(name)!)
  console.log(`| ${name} | ${ms.toFixed(0)} | ${Math.round((rows / ms) * 1000)} | ${(before / ms).toFixed(2)}x |`)
}
