-- A later migration on tables that already hold data.
CREATE INDEX idx_orders_status ON orders (status);

ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
ALTER TABLE orders ADD COLUMN channel text NOT NULL;
ALTER TABLE orders ALTER COLUMN status TYPE varchar(40);
ALTER TABLE orders ALTER COLUMN total_amount TYPE numeric(14, 2);

ALTER TABLE order_items ADD CONSTRAINT order_items_product_fk FOREIGN KEY (product_id) REFERENCES products (id);

ALTER TABLE users RENAME COLUMN username TO handle;
DROP TABLE audit_log;
