import { defineSeed } from 'seedbed'
import { PERMISSIONS } from './permissions.ts'

/** Which role holds which permission; `*` is every permission. */
export const GRANTS: Record<string, readonly string[]> = {
  admin: ['*'],
  editor: ['products.read', 'products.write', 'categories.read', 'categories.write', 'orders.read'],
  customer: ['products.read', 'categories.read'],
}

export default defineSeed({
  name: 'role_permissions',
  writes: ['role_permissions'],
  description: 'Grants each role its permissions',
  environments: ['development', 'test', 'staging', 'production'],
  dependsOn: ['roles', 'permissions'],
  async run({ sql, tally }) {
    const pairs = Object.entries(GRANTS).flatMap(([role, perms]) =>
      (perms.includes('*') ? PERMISSIONS.map((p) => p.name) : perms).map((permission) => ({ role, permission })),
    )
    const rows = await sql<{ inserted: boolean }[]>`
      INSERT INTO role_permissions (role_id, permission_id)
      SELECT r.id, p.id
      FROM unnest(${pairs.map((g) => g.role)}::text[], ${pairs.map((g) => g.permission)}::text[]) AS g (role, permission)
      JOIN roles r ON r.name = g.role
      JOIN permissions p ON p.name = g.permission
      ON CONFLICT DO NOTHING
      RETURNING (xmax = 0) AS inserted`
    tally(rows, pairs.length)
  },
  async validate({ sql }) {
    const [row] = await sql`
      SELECT count(*)::int AS n FROM role_permissions rp JOIN roles r ON r.id = rp.role_id WHERE r.name = 'admin'`
    if (row!.n !== PERMISSIONS.length) throw new Error(`admin holds ${row!.n} of ${PERMISSIONS.length} permissions`)
  },
})
