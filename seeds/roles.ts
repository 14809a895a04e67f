import { defineSeed } from 'seedbed'

export const ROLES = [
  { name: 'admin', description: 'Full access, including user management' },
  { name: 'editor', description: 'Manages the catalogue' },
  { name: 'customer', description: 'Browses and orders' },
]

export default defineSeed({
  name: 'roles',
  writes: ['roles'],
  description: 'The roles every environment needs',
  environments: ['development', 'test', 'staging', 'production'],
  priority: 10,
  async run({ upsert }) {
    await upsert('roles', ROLES, { conflict: ['name'] })
  },
  async validate({ sql }) {
    const [{ count }] = await sql<
      [{ count: number }]
    >`SELECT count(*)::int AS count FROM roles WHERE name IN ${sql(ROLES.map((r) => r.name))}`
    if (count !== ROLES.length) throw new Error(`expected ${ROLES.length} roles, found ${count}`)
  },
})
