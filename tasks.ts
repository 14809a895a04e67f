/**
 * The example project's task file: seedbed's built-in tasks plus the project's own, in one file.
 * `npx tsx tasks.ts <task>`, or `npx seedbed <task>` (which runs this file when it is here).
 */
import { tasks } from 'seedbed/tasks'

await tasks({
  'top-customers': {
    description: 'Print the customers with the most orders (an example of a project task)',
    args: '[limit]',
    async run({ sql, args }) {
      const limit = Number(args[0] ?? 5)
      const rows = await sql<{ email: string; orders: number }[]>`
        SELECT c.email, count(o.*)::int AS orders
        FROM customers c LEFT JOIN orders o ON o.customer_email = c.email
        GROUP BY c.email ORDER BY orders DESC, c.email LIMIT ${limit}`
      return rows.map((r) => `${String(r.orders).padStart(4)}  ${r.email}`).join('\n')
    },
  },
})
