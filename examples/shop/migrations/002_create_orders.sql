-- Products, orders and their items.
CREATE TABLE products (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    category    text NOT NULL,
    price       double precision NOT NULL
);

CREATE TABLE orders (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    status        varchar(20) NOT NULL DEFAULT 'pending',
    total_amount  numeric(12, 2) NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_items (
    id          bigserial PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id  bigint NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_price  numeric(12, 2) NOT NULL
);

CREATE TABLE audit_log (
    table_name  varchar(50) NOT NULL,
    record_id   bigint NOT NULL,
    action      varchar(10) NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
