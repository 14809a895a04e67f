import { defineSeed } from 'seedbed'
import { buildOrder, CUSTOMERS_PER_SCALE, ORDERS_PER_SCALE } from './_orders.ts'
import { customerEmail } from './customers.ts'

export default defineSeed({
  name: 'orders',
  writes: ['orders'],
  description: 'Fake orders, 2,000 x scale, each placed by a customer',
  dependsOn: ['customers'],
  async run({ load, faker, scaled }) {
    const customers = scaled(CUSTOMERS_PER_SCALE)
    const email = (i: number) => customerEmail(faker, i)
    function* rows() {
      for (let n = 1, count = scaled(ORDERS_PER_SCALE); n <= count; n++) {
        const o = buildOrder(faker, n, email, customers)
        yield [o.order_no, o.customer_email, o.placed_at, o.status, o.total_cents]
      }
    }
    await load('orders', rows(), { columns: ['order_no', 'customer_email', 'placed_at', 'status', 'total_cents'], conflict: ['order_no'] })
  },
})
