import { defineSeed } from 'seedbed'

export const PRODUCTS = [
  { sku: 'SEED-TOM-001', name: 'Tomato seeds, Moneymaker', category: 'seeds', price_cents: 295 },
  { sku: 'SEED-BAS-002', name: 'Basil seeds, Genovese', category: 'seeds', price_cents: 250 },
  { sku: 'SEED-CAR-003', name: 'Carrot seeds, Nantes', category: 'seeds', price_cents: 199 },
  { sku: 'TOOL-TRW-001', name: 'Hand trowel', category: 'tools', price_cents: 1250 },
  { sku: 'TOOL-DIB-002', name: 'Dibber, ash wood', category: 'tools', price_cents: 899 },
  { sku: 'TOOL-CAN-003', name: 'Watering can, 5 l', category: 'tools', price_cents: 2400 },
  { sku: 'PRES-JAR-001', name: 'Preserving jars, 6 x 500 ml', category: 'preserving', price_cents: 1800 },
  { sku: 'PRES-FUN-002', name: 'Jam funnel', category: 'preserving', price_cents: 450 },
]

export default defineSeed({
  name: 'products',
  writes: ['products'],
  description: 'The catalogue, filed under categories and created by the admin',
  dependsOn: ['categories', 'users'],
  async run({ sql, upsert }) {
    const categories = new Map((await sql<{ id: string; slug: string }[]>`SELECT id, slug FROM categories`).map((c) => [c.slug, c.id]))
    const [admin] = await sql<{ id: string }[]>`
      SELECT u.id FROM users u JOIN roles r ON r.id = u.role_id WHERE r.name = 'admin' ORDER BY u.id LIMIT 1`
    await upsert(
      'products',
      PRODUCTS.map(({ category, ...p }) => ({ ...p, category_id: categories.get(category)!, created_by: admin?.id ?? null })),
      { conflict: ['sku'] },
    )
  },
  async validate({ sql }) {
    const [row] = await sql`SELECT count(*)::int AS n FROM products WHERE sku IN ${sql(PRODUCTS.map((p) => p.sku))}`
    if (row!.n !== PRODUCTS.length) throw new Error(`expected ${PRODUCTS.length} products, found ${row!.n}`)
  },
})
