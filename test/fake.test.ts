import path from 'node:path'
import t from 'tap'
import { seed } from '../lib/execution/api.ts'
import { applySchema } from '../lib/db/schema.ts'
import { counterRandomizer, fakePerson, fakerFor, stableHash } from '../lib/helpers/fake.ts'
import { buildOrder } from '../seeds/_orders.ts'
import { customerEmail } from '../seeds/customers.ts'
import { exampleCounts, ROOT, testDatabase } from './helpers.ts'

process.env.SEEDBED_BCRYPT_COST = '4'

/** What a customer-like row draws after reseeding for row `i`. */
function row(faker: ReturnType<typeof fakerFor>, i: number) {
  faker.seed([stableHash('customers'), i])
  return [faker.person.fullName(), faker.internet.email(), faker.date.past({ years: 3 }).toISOString(), faker.number.int(1000)]
}

t.test('ctx.faker reseeds on the counter generator: faker.seed([key, row]) draws what the randomizer does', async (t) => {
  const faker = fakerFor('customers')
  const reference = counterRandomizer([stableHash('customers'), 42])
  faker.seed([stableHash('customers'), 42])
  const expected = Array.from({ length: 5 }, () => Math.floor(reference.next() * 1_000_000))
  t.same(
    Array.from({ length: 5 }, () => faker.number.int({ min: 0, max: 999_999 })),
    expected,
  )
})

t.test('the same key and row give the same values, twice and in two fresh Fakers', async (t) => {
  const a = fakerFor('customers')
  const b = fakerFor('customers')
  const first = row(a, 7)
  a.number.int(99) // draws in between must not matter after a reseed
  t.same(row(a, 7), first, 'the same Faker, reseeded')
  t.same(row(b, 7), first, 'a fresh Faker')
  t.equal(first.length, 4)
  t.same(customerEmail(fakerFor('x'), 3), customerEmail(fakerFor('y'), 3), 'the example keys customers by row, not by seed name')
  t.same(buildOrder(fakerFor('orders'), 9, String, 100), buildOrder(fakerFor('order_items'), 9, String, 100), 'orders and lines agree')
  // Without reseeding, a Faker's stream is keyed by its name: two names give different streams.
  t.not(fakerFor('customers').number.int(1e9), fakerFor('orders').number.int(1e9))
})

t.test('different rows and different keys differ', async (t) => {
  const faker = fakerFor('customers')
  const names = new Set<string>()
  const draws = new Set<number>()
  for (let i = 1; i <= 1000; i++) {
    faker.seed([stableHash('customers'), i])
    draws.add(faker.number.int(2 ** 40))
    names.add(faker.person.fullName())
  }
  t.equal(draws.size, 1000, 'a first draw of 40 bits differs for every row')
  t.ok(names.size > 900, `names vary by row (${names.size} distinct of 1000)`)
  const r = counterRandomizer()
  const values = (seed: number | number[]) => {
    r.seed(seed)
    return [r.next(), r.next()]
  }
  t.not(values([1, 2])[0], values([2, 1])[0], 'the order of the seed parts matters')
  t.not(values([1, 2])[0], values([1, 2, 0])[0], 'so does their number')
  t.not(values(1)[0], values(1.5)[0], 'fractions are part of the key')
  t.not(values(2 ** 40)[0], values(0)[0], 'so are bits above 32')
  t.same(values(5), values([5]), 'a number and a one-element array are the same seed')
})

t.test("an order's date and status are its own, not its customer's", async (t) => {
  // orders.ts passes an email lookup that reseeds the same faker for the customer: drawing after it
  // gave every order of a customer the same date and status.
  const faker = fakerFor('orders')
  const byCustomer = new Map<string, string[]>()
  for (let n = 1; n <= 2000; n++) {
    const o = buildOrder(faker, n, (i) => customerEmail(faker, i), 1000)
    byCustomer.set(o.customer_email, [...(byCustomer.get(o.customer_email) ?? []), `${o.placed_at.toISOString()} ${o.status}`])
  }
  const many = [...byCustomer.values()].filter((v) => v.length > 1)
  const alike = many.filter((v) => new Set(v).size === 1).length
  t.ok(many.length > 400, `${many.length} customers with more than one order`)
  t.ok(alike < many.length / 10, `customers whose orders all share one date and status: ${alike} of ${many.length}`)
  const alone = buildOrder(fakerFor('order_items'), 77, () => '', 1000)
  const same = fakerFor('orders')
  const withEmail = buildOrder(same, 77, (i) => customerEmail(same, i), 1000)
  t.same(
    [withEmail.placed_at, withEmail.status, withEmail.lines],
    [alone.placed_at, alone.status, alone.lines],
    'a lookup on the same faker changes nothing else',
  )
})

t.test('fakePerson: name and email from the same names, unique by row, the same for the same seed', async (t) => {
  const faker = fakerFor('people')
  const people = Array.from({ length: 2000 }, (_, i) => {
    faker.seed([1, i])
    return fakePerson(faker, i)
  })
  for (const p of people.slice(0, 50)) {
    t.equal(p.name, `${p.firstName} ${p.lastName}`)
    const slug = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '')
    t.equal(p.email, `${slug(p.firstName)}.${slug(p.lastName)}.${people.indexOf(p)}@example.com`)
  }
  t.equal(new Set(people.map((p) => p.email)).size, people.length, 'emails unique')
  t.ok(new Set(people.map((p) => p.lastName)).size > 300, 'last names vary across the locale list')
  t.ok(new Set(people.map((p) => p.firstName)).size > 500, 'first names vary')
  const again = fakerFor('other')
  again.number.int(10) // draws in between do not matter after a reseed
  again.seed([1, 7])
  t.same(fakePerson(again, 7), people[7], 'the same row from another Faker')
  t.equal(fakePerson(again, 3, 'shop.test').email.endsWith('.3@shop.test'), true, 'a domain of its own')
  // A locale whose last names come only from patterns: falls back to faker.person.lastName().
  const Faker = faker.constructor as new (o: { locale: unknown }) => typeof faker
  const patterned = new Faker({
    locale: { person: { first_name: { generic: ['Ann'] }, last_name_pattern: { generic: [{ value: 'Smith', weight: 1 }] } } },
  })
  t.same([fakePerson(patterned, 1).name, fakePerson(patterned, 1).email], ['Ann Smith', 'ann.smith.1@example.com'])
})

t.test('the distribution is sane', async (t) => {
  const r = counterRandomizer([stableHash('dist'), 1])
  let sum = 0
  let outside = 0
  const buckets = new Array<number>(10).fill(0)
  const n = 10_000
  for (let i = 0; i < n; i++) {
    const v = r.next()
    if (!(v >= 0 && v < 1)) outside++
    sum += v
    buckets[Math.floor(v * 10)]!++
  }
  t.equal(outside, 0, 'no value outside [0, 1)')
  t.ok(sum / n > 0.49 && sum / n < 0.51, `mean ${sum / n}`)
  t.ok(Math.min(...buckets) > 900 && Math.max(...buckets) < 1100, `deciles ${buckets.join(' ')}`)
  // One value per row (row-seeded first draws) is what per-row reseeding relies on: uniform too.
  let rowSum = 0
  for (let i = 0; i < n; i++) {
    r.seed([0xc057, i])
    rowSum += r.next()
  }
  t.ok(rowSum / n > 0.49 && rowSum / n < 0.51, `mean of first draws across rows ${rowSum / n}`)
})

t.test('the example bulk seeds at scale 0.2 load, then a second run skips every row', async (t) => {
  const db = await testDatabase(t)
  const options = {
    databaseUrl: db.url,
    seedsDir: path.join(ROOT, 'seeds'),
    schemaDir: path.join(ROOT, 'schema'),
    only: ['customers', 'orders', 'order_items'],
    scale: 0.2,
  }
  await applySchema(db.sql, options.schemaDir)
  const first = await seed(options)
  t.ok(first.ok, 'first run succeeds')
  const counts = await exampleCounts(db.sql)
  t.same([counts.customers, counts.orders], [200, 400])
  t.ok(counts.order_items! >= 400 && counts.order_items! <= 1600, `1 to 4 lines an order (${counts.order_items})`)
  const [dupes] = await db.sql`SELECT count(*) - count(DISTINCT email) AS n FROM customers`
  t.equal(Number(dupes!.n), 0, 'customer emails unique')
  const [orphans] = await db.sql`SELECT count(*)::int AS n FROM orders WHERE customer_email NOT IN (SELECT email FROM customers)`
  t.equal(orphans!.n, 0, 'every order placed by a seeded customer')
  const bulk = ['customers', 'orders', 'order_items']
  for (const s of first.seeds.filter((s) => bulk.includes(s.name))) t.equal(s.created, counts[s.name], `${s.name}: all created`)

  const second = await seed(options)
  t.ok(second.ok, 'second run succeeds')
  t.same(await exampleCounts(db.sql), counts, 'row counts unchanged')
  const checked = second.seeds.filter((s) => bulk.includes(s.name))
  t.equal(checked.length, 3)
  for (const s of checked) t.same([s.created, s.updated, s.skipped], [0, 0, counts[s.name]], `${s.name}: all skipped`)
})
