import type { Faker } from '@faker-js/faker'
import { PRODUCTS } from './products.ts'

/**
 * The orders and their lines are one deterministic stream, shared by the `orders` and
 * `order_items` seeds: order n always has the same customer, lines and total, so the two seeds
 * agree without reading each other's rows back. (Files starting with `_` are not seeds.)
 */
export const ORDERS_PER_SCALE = 2000
export const CUSTOMERS_PER_SCALE = 1000
const STATUSES = ['pending', 'paid', 'shipped', 'cancelled'] as const

export const orderNo = (n: number) => `ORD-${String(n).padStart(8, '0')}`

export interface Order {
  order_no: string
  customer_email: string
  placed_at: Date
  status: string
  total_cents: number
  lines: { line_no: number; product_sku: string; quantity: number; price_cents: number }[]
}

/**
 * Order n, from a faker reseeded for that order (O(1) on seedbed's counter-based generator): any
 * order can be rebuilt on its own.
 */
export function buildOrder(faker: Faker, n: number, customerEmails: (i: number) => string, customers: number): Order {
  faker.seed([0x0de5, n])
  const lines = Array.from({ length: faker.number.int({ min: 1, max: 4 }) }, (_, i) => {
    const product = PRODUCTS[faker.number.int({ min: 0, max: PRODUCTS.length - 1 })]!
    return { line_no: i + 1, product_sku: product.sku, quantity: faker.number.int({ min: 1, max: 5 }), price_cents: product.price_cents }
  })
  const customer = faker.number.int({ min: 1, max: customers })
  const placed_at = faker.date.past({ years: 2 })
  const status = faker.helpers.arrayElement(STATUSES)
  return {
    order_no: orderNo(n),
    // Last: the lookup may reseed this faker for the customer (orders.ts passes customerEmail).
    customer_email: customerEmails(customer),
    placed_at,
    status,
    total_cents: lines.reduce((sum, l) => sum + l.quantity * l.price_cents, 0),
    lines,
  }
}
