import type { Faker } from '@faker-js/faker'
import { defineSeed, fakePerson } from 'seedbed'
import { CUSTOMERS_PER_SCALE } from './_orders.ts'

/**
 * Customer i's name and email, reproducible on its own (orders refer to customers by email).
 * Reseeding per row is O(1): seedbed's faker draws from a counter-based generator, not a Mersenne
 * Twister. `fakePerson` draws the name once for both, without faker's template engine.
 */
export function customer(faker: Faker, i: number) {
  faker.seed([0xc057, i])
  return fakePerson(faker, i)
}

export const customerEmail = (faker: Faker, i: number): string => customer(faker, i).email

export default defineSeed({
  name: 'customers',
  writes: ['customers'],
  description: 'Fake customers, 1,000 x scale, loaded with COPY',
  secrets: ['SEED_DEMO_PASSWORD'],
  async run({ sql, load, faker, scaled, secret, hashPassword }) {
    const count = scaled(CUSTOMERS_PER_SCALE)
    // One bcrypt hash for every fake customer: at cost 10 a hash takes ~60 ms, so hashing per row
    // would take hours at a million rows. The stored hash is kept while the password is unchanged.
    const [stored] = await sql<{ password_hash: string }[]>`SELECT password_hash FROM customers LIMIT 1`
    const passwordHash = await hashPassword(secret('SEED_DEMO_PASSWORD', { devDefault: 'demo-dev-password' }), stored?.password_hash)
    // A generator: rows are made as COPY takes them, so memory stays flat at any scale.
    function* rows() {
      for (let i = 1; i <= count; i++) {
        const { email, name } = customer(faker, i)
        yield [email, name, passwordHash, faker.date.past({ years: 3 }), faker.number.int({ min: 0, max: 1000 })]
      }
    }
    await load('customers', rows(), { columns: ['email', 'name', 'password_hash', 'created_at', 'score'], conflict: ['email'] })
  },
})
