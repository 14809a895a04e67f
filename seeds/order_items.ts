import { defineSeed } from 'seedbed'
import { buildOrder, CUSTOMERS_PER_SCALE, orderNo, ORDERS_PER_SCALE } from './_orders.ts'

export default defineSeed({
  name: 'order_items',
  writes: ['order_items'],
  description: 'The lines of every fake order (1 to 4 each), priced from the catalogue',
  dependsOn: ['orders', 'products'],
  async run({ load, faker, scaled }) {
    const customers = scaled(CUSTOMERS_PER_SCALE)
    function* rows() {
      for (let n = 1, count = scaled(ORDERS_PER_SCALE); n <= count; n++) {
        for (const l of buildOrder(faker, n, () => '', customers).lines) {
          yield [orderNo(n), l.line_no, l.product_sku, l.quantity, l.price_cents]
        }
      }
    }
    await load('order_items', rows(), {
      columns: ['order_no', 'line_no', 'product_sku', 'quantity', 'price_cents'],
      conflict: ['order_no', 'line_no'],
    })
  },
  async validate({ sql }) {
    const [row] = await sql`
      SELECT count(*)::int AS n FROM orders o
      WHERE o.total_cents <> (SELECT coalesce(sum(quantity * price_cents), 0) FROM order_items i WHERE i.order_no = o.order_no)`
    if (row!.n > 0) throw new Error(`${row!.n} orders whose total differs from their lines`)
  },
})
