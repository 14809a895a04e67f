import { defineSeed } from 'seedbed'

/** Demo accounts besides the admin; they share one demo password. */
export const DEMO_USERS = [
  { email: 'editor@example.com', name: 'Edith Editor', role: 'editor' },
  { email: 'carol@example.com', name: 'Carol Customer', role: 'customer' },
  { email: 'dan@example.com', name: 'Dan Customer', role: 'customer' },
]

export default defineSeed({
  name: 'users',
  writes: ['users'],
  description: 'The admin account (password from SEED_ADMIN_PASSWORD) and demo users',
  dependsOn: ['roles'],
  environments: ['development', 'test', 'staging', 'production'],
  secrets: ['SEED_ADMIN_PASSWORD', 'SEED_DEMO_PASSWORD'],
  async run({ sql, upsert, secret, hashPassword, randomToken, env }) {
    // Secrets come from the environment; the defaults exist in development only.
    const adminPassword = secret('SEED_ADMIN_PASSWORD', { devDefault: 'admin-dev-password' })
    const adminEmail = process.env.SEED_ADMIN_EMAIL || 'admin@example.com'
    // Demo accounts never reach production.
    const demo = env === 'production' ? [] : DEMO_USERS
    const demoPassword = demo.length ? secret('SEED_DEMO_PASSWORD', { devDefault: 'demo-dev-password' }) : ''
    const people = [{ email: adminEmail, name: 'Administrator', role: 'admin' }, ...demo]

    const roles = new Map((await sql<{ id: string; name: string }[]>`SELECT id, name FROM roles`).map((r) => [r.name, r.id]))
    const stored = new Map(
      (
        await sql<{ email: string; password_hash: string }[]>`
        SELECT email, password_hash FROM users WHERE email IN ${sql(people.map((p) => p.email))}`
      ).map((u) => [u.email, u.password_hash]),
    )
    const rows = []
    for (const p of people) {
      const plain = p.role === 'admin' ? adminPassword : demoPassword
      rows.push({
        email: p.email,
        name: p.name,
        role_id: roles.get(p.role)!,
        // Keeps the stored hash when the password has not changed, so re-runs skip the row.
        password_hash: await hashPassword(plain, stored.get(p.email)),
        api_token: randomToken(),
      })
    }
    // api_token is set on insert only: an existing user's token is never rotated by seeding.
    await upsert('users', rows, { conflict: ['email'], update: ['name', 'role_id', 'password_hash'] })
  },
  async validate({ sql }) {
    const admins = await sql`SELECT u.email FROM users u JOIN roles r ON r.id = u.role_id WHERE r.name = 'admin'`
    if (admins.length === 0) throw new Error('no user holds the admin role')
  },
})
