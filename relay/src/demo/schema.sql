-- The embedded demo database: a made-up wholesale company, "Northpeak Supply".
-- Generated deterministically by `vizkraft demo-db` (relay/src/demo/mod.rs).

CREATE TABLE regions (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE employees (
    id          INTEGER PRIMARY KEY,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    title       TEXT NOT NULL,
    region_id   INTEGER NOT NULL REFERENCES regions(id),
    manager_id  INTEGER REFERENCES employees(id),
    hire_date   DATE NOT NULL
);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    segment       TEXT NOT NULL,          -- Enterprise, Mid-Market, Small Business, Public Sector
    country       TEXT NOT NULL,
    city          TEXT NOT NULL,
    region_id     INTEGER NOT NULL REFERENCES regions(id),
    sales_rep_id  INTEGER NOT NULL REFERENCES employees(id),
    signup_date   DATE NOT NULL
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL,
    unit_price  NUMERIC(10,2) NOT NULL,
    unit_cost   NUMERIC(10,2) NOT NULL
);

CREATE TABLE orders (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers(id),
    employee_id   INTEGER NOT NULL REFERENCES employees(id),
    order_date    DATE NOT NULL,
    status        TEXT NOT NULL,          -- delivered, shipped, processing, cancelled
    total_amount  NUMERIC(12,2) NOT NULL  -- sum of the order's line totals
);

CREATE TABLE order_lines (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    product_id  INTEGER NOT NULL REFERENCES products(id),
    quantity    INTEGER NOT NULL,
    unit_price  NUMERIC(10,2) NOT NULL,
    discount    REAL NOT NULL,            -- fraction, 0 to 0.25
    line_total  NUMERIC(12,2) NOT NULL    -- quantity * unit_price * (1 - discount)
);

CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_date ON orders(order_date);
CREATE INDEX order_lines_order ON order_lines(order_id);
CREATE INDEX order_lines_product ON order_lines(product_id);
