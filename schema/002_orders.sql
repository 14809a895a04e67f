-- Bulk tables of the example project, filled with deterministic fake data by COPY.
-- Natural keys (email, order_no, sku) keep the rows identical across runs and databases.
CREATE TABLE IF NOT EXISTS customers (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email      text NOT NULL UNIQUE,
  name          text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL,
  score         integer NOT NULL
);

CREATE TABLE IF NOT EXISTS orders (
  order_no       text PRIMARY KEY,
  customer_email text NOT NULL REFERENCES customers (email),
  placed_at      timestamptz NOT NULL,
  status         text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  total_cents    integer NOT NULL CHECK (total_cents >= 0)
);

CREATE TABLE IF NOT EXISTS order_items (
  order_no    text NOT NULL REFERENCES orders (order_no) ON DELETE CASCADE,
  line_no     integer NOT NULL,
  product_sku text NOT NULL REFERENCES products (sku),
  quantity    integer NOT NULL CHECK (quantity > 0),
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY (order_no, line_no)
);
