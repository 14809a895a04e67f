import type { Faker } from '@faker-js/faker'
import { defineSeed } from '../lib/contract.ts'
import { uniqueEmail } from '../lib/fake.ts'
import { CUSTOMERS_PER_SCALE } from './_orders.ts'

/** Customer i's email, reproducible on its own (orders refer to customers by email). */
export function customerEmail(faker: Faker, i: number): string {
  faker.seed([0xc057, i])
  return uniqueEmail(faker, i)
}

export default defineSeed({
  name: 'customers',
  description: 'Fake customers, 1,000 x scale, loaded with COPY',
  async run({ load, faker, scaled }) {
    const count = scaled(CUSTOMERS_PER_SCALE)
    // A generator: rows are made as COPY takes them, so memory stays flat at any scale.
    function* rows() {
      for (let i = 1; i <= count; i++) {
        const email = customerEmail(faker, i)
        yield [email, faker.person.fullName(), faker.date.past({ years: 3 }), faker.number.int({ min: 0, max: 1000 })]
      }
    }
    await load('customers', rows(), { columns: ['email', 'name', 'created_at', 'score'], conflict: ['email'] })
  },
})
