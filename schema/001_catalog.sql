-- The example project's tables. Idempotent (IF NOT EXISTS) so `seed --apply-schema` can run it
-- on every start; `fresh` drops the public schema and applies it from scratch.
CREATE TABLE IF NOT EXISTS roles (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS permissions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS role_permissions (
  role_id       bigint NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  permission_id bigint NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
  PRIMARY KEY (role_id, permission_id)
);

CREATE TABLE IF NOT EXISTS users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  name          text NOT NULL,
  role_id       bigint NOT NULL REFERENCES roles (id),
  password_hash text NOT NULL,
  api_token     text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS categories (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug      text NOT NULL UNIQUE,
  name      text NOT NULL,
  parent_id bigint REFERENCES categories (id)
);

CREATE TABLE IF NOT EXISTS products (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku         text NOT NULL UNIQUE,
  name        text NOT NULL,
  category_id bigint NOT NULL REFERENCES categories (id),
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  active      boolean NOT NULL DEFAULT true,
  created_by  bigint REFERENCES users (id)
);
