-- A later migration on tables that already hold data.
CREATE INDEX idx_orders_status ON orders (status);

ALTER TABLE orders ADD COLUMN shipped_at DATETIME NULL;
ALTER TABLE orders ADD COLUMN channel VARCHAR(20) NOT NULL DEFAULT 'web';
ALTER TABLE orders MODIFY status VARCHAR(100) NOT NULL DEFAULT 'pending';
ALTER TABLE orders MODIFY total_amount DECIMAL(14, 2) NOT NULL;

ALTER TABLE order_items ADD CONSTRAINT fk_order_items_product FOREIGN KEY (product_id) REFERENCES products (id);

ALTER TABLE users RENAME COLUMN username TO handle;
ALTER TABLE users DROP COLUMN deleted_at;
