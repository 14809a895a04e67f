import { defineSeed } from 'seedbed'

/** A two-level tree; `parent` names another category's slug. */
export const CATEGORIES = [
  { slug: 'garden', name: 'Garden', parent: null },
  { slug: 'seeds', name: 'Seeds', parent: 'garden' },
  { slug: 'tools', name: 'Tools', parent: 'garden' },
  { slug: 'kitchen', name: 'Kitchen', parent: null },
  { slug: 'preserving', name: 'Preserving', parent: 'kitchen' },
]

export default defineSeed({
  name: 'categories',
  writes: ['categories'],
  description: 'The product category tree',
  environments: ['development', 'test', 'staging', 'production'],
  async run({ sql, tally }) {
    // Parents first, then children looking their parent up by slug: plain tagged-template SQL,
    // counted by tally() from the RETURNING clause.
    for (const level of [CATEGORIES.filter((c) => !c.parent), CATEGORIES.filter((c) => c.parent)]) {
      const rows = await sql<{ inserted: boolean }[]>`
        INSERT INTO categories AS c (slug, name, parent_id)
        SELECT v.slug, v.name, p.id
        FROM unnest(${level.map((c) => c.slug)}::text[], ${level.map((c) => c.name)}::text[], ${level.map((c) => c.parent)}::text[])
             AS v (slug, name, parent_slug)
        LEFT JOIN categories p ON p.slug = v.parent_slug
        ON CONFLICT (slug) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id
          WHERE (c.name, c.parent_id) IS DISTINCT FROM (excluded.name, excluded.parent_id)
        RETURNING (xmax = 0) AS inserted`
      tally(rows, level.length)
    }
  },
  async validate({ sql }) {
    const orphans = await sql`
      SELECT v.slug FROM unnest(${CATEGORIES.filter((c) => c.parent).map((c) => c.slug)}::text[]) AS v (slug)
      JOIN categories c ON c.slug = v.slug WHERE c.parent_id IS NULL`
    if (orphans.length) throw new Error(`categories without their parent: ${orphans.map((o) => o.slug).join(', ')}`)
  },
})
