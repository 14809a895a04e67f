import t from 'tap'
import { testDatabase } from './helpers.ts'
import { seedRunner } from './seed-runner.ts'

// Issue 29: forms met in the schemas of real applications (test/fixtures/schemas/openstreetmap and lago,
// Rails db/structure.sql files), filled with no override: a constant DEFAULT in a unique key, "exactly
// one parent" CHECKs, and a regular expression CHECK on a code.
const db = await testDatabase(t)
const { inSeed, twice } = seedRunner(db.sql, 'real-apps')

t.test(
  'a constant DEFAULT in a unique or foreign key is a column seedbed fills: one value fills one row, or names no parent',
  async (t) => {
    // openstreetmap's users.display_name, diary_entries.language_code, and relation_members' (relation_id,
    // version DEFAULT 0, sequence_id DEFAULT 0).
    await db.sql`CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email varchar NOT NULL,
    display_name varchar DEFAULT '' NOT NULL,
    status text DEFAULT 'pending' NOT NULL)`
    await db.sql`CREATE UNIQUE INDEX users_display_name_idx ON users (display_name)`
    await db.sql`CREATE TABLE relations (relation_id bigint NOT NULL, version bigint NOT NULL, PRIMARY KEY (relation_id, version))`
    await db.sql`CREATE TABLE relation_members (
    relation_id bigint NOT NULL,
    member_role varchar NOT NULL,
    version bigint DEFAULT 0 NOT NULL,
    sequence_id integer DEFAULT 0 NOT NULL,
    PRIMARY KEY (relation_id, version, sequence_id),
    FOREIGN KEY (relation_id, version) REFERENCES relations (relation_id, version))`
    await twice(t, 'users', 30)
    const [users] =
      await db.sql`SELECT count(DISTINCT display_name)::int AS names, count(*) FILTER (WHERE status = 'pending')::int AS pending FROM users`
    t.same(users, { names: 30, pending: 30 }, 'display_name made distinct; a constant DEFAULT outside any key still the server’s')
    // diary_entries.language_code DEFAULT 'en' REFERENCES languages: 'en' need not be a language seedbed made.
    await db.sql`CREATE TABLE languages (code varchar PRIMARY KEY, english_name varchar NOT NULL)`
    await db.sql`CREATE TABLE diary_entries (
    id bigserial PRIMARY KEY,
    title varchar NOT NULL,
    language_code varchar DEFAULT 'en' NOT NULL REFERENCES languages (code))`
    await twice(t, 'languages', 5)
    await twice(t, 'diary_entries', 20)
    await twice(t, 'relations', 10)
    await twice(t, 'relation_members', 40)
    const [members] = await db.sql`
    SELECT count(*)::int AS n FROM relation_members m JOIN relations r USING (relation_id, version)`
    t.equal(members!.n, 40, 'every member refers to a relation by both columns of its foreign key')
  },
)

t.test('exactly one of two columns set (a CHECK of NULL tests compared): the first set, the other NULL', async (t) => {
  // lago's usage_thresholds, rate_phases and usage_monitoring_alerts.
  await db.sql`CREATE TABLE plans (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL)`
  await db.sql`CREATE TABLE subscriptions (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL)`
  await db.sql`CREATE TABLE thresholds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id uuid REFERENCES plans,
    subscription_id uuid REFERENCES subscriptions,
    amount_cents bigint NOT NULL,
    recurring boolean DEFAULT false NOT NULL,
    CONSTRAINT exactly_one_parent CHECK ((plan_id IS NOT NULL) <> (subscription_id IS NOT NULL)))`
  await db.sql`CREATE UNIQUE INDEX thresholds_plan ON thresholds (amount_cents, plan_id, recurring) WHERE plan_id IS NOT NULL`
  await db.sql`CREATE UNIQUE INDEX thresholds_subscription ON thresholds (amount_cents, subscription_id, recurring) WHERE subscription_id IS NOT NULL`
  await db.sql`CREATE TABLE phases (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id uuid REFERENCES plans,
    subscription_id uuid REFERENCES subscriptions,
    external_id varchar,
    wallet text,
    a int, b int, c int,
    CONSTRAINT one_parent CHECK ((plan_id IS NULL) <> (subscription_id IS NULL)),
    CONSTRAINT external_or_wallet CHECK ((external_id IS NOT NULL) = (wallet IS NULL)),
    CONSTRAINT one_of_three CHECK (num_nonnulls(a, b, c) = 1))`
  await db.sql`CREATE UNIQUE INDEX phases_external ON phases (external_id, plan_id)`
  await inSeed(async (ctx) => {
    await ctx.fake('plans', 5)
    await ctx.fake('subscriptions', 5)
  })
  await twice(t, 'thresholds', 25)
  await twice(t, 'phases', 25)
  const [rows] = await db.sql`
    SELECT (SELECT count(*) FROM thresholds WHERE plan_id IS NOT NULL AND subscription_id IS NULL)::int AS thresholds,
           (SELECT count(*) FROM phases WHERE plan_id IS NOT NULL AND subscription_id IS NULL AND external_id IS NOT NULL
              AND wallet IS NULL AND a IS NOT NULL AND b IS NULL AND c IS NULL)::int AS phases`
  t.same(rows, { thresholds: 25, phases: 25 }, 'in every row the first column is set and the others NULL')
})

t.test('a regular expression CHECK of one character class: the text made is of that class', async (t) => {
  // lago's roles.code: CHECK (code ~ '^[a-z0-9_]{1,100}$'), a unique key.
  await db.sql`CREATE TABLE roles (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code varchar NOT NULL UNIQUE,
    slug text NOT NULL UNIQUE,
    name varchar NOT NULL,
    initials text NOT NULL,
    tag text,
    CONSTRAINT code_is_valid CHECK (code ~ '^[a-z0-9_]{1,100}$'),
    CONSTRAINT slug_is_valid CHECK (slug ~ '^[a-z0-9\-]+$'),
    CONSTRAINT name_is_valid CHECK (name ~ '^.{1,100}$'),
    CONSTRAINT initials_are_valid CHECK (initials ~ '^[A-Z]{2,3}$'),
    CONSTRAINT tag_is_valid CHECK (tag ~* '^[a-f0-9]{8}$'))`
  await twice(t, 'roles', 60)
  const [row] = await db.sql`SELECT count(*) FILTER (WHERE tag IS NOT NULL)::int AS tags FROM roles`
  t.ok(row!.tags > 0, 'a nullable column with such a CHECK is filled, not only left NULL')
})

t.test('a key other tables refer to, DEFAULT gen_random_uuid(), is made by seedbed: the same rows in every database', async (t) => {
  // lago's organizations: id uuid DEFAULT gen_random_uuid() PRIMARY KEY beside unique api_key and slug, and
  // dozens of tables referring to it.
  const other = await testDatabase(t)
  const rows: unknown[] = []
  for (const sql of [db.sql, other.sql]) {
    await sql`CREATE TABLE organizations (id uuid DEFAULT gen_random_uuid() PRIMARY KEY, name varchar NOT NULL, slug varchar NOT NULL UNIQUE)`
    await sql`CREATE TABLE members (
      id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations,
      email varchar NOT NULL UNIQUE)`
    await seedRunner(sql, 'real-apps').inSeed(async (ctx) => {
      await ctx.fake('organizations', 5)
      await ctx.fake('members', 20)
    })
    rows.push(await sql`SELECT o.id, o.slug, m.email FROM members m JOIN organizations o ON o.id = m.organization_id ORDER BY m.email`)
  }
  t.equal((rows[0] as unknown[]).length, 20)
  t.same(rows[1], rows[0], 'the organizations and the references to them are the same in a fresh database')
})
