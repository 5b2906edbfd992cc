ALTER TABLE users ADD COLUMN deleted_at DATETIME NULL;
ALTER TABLE users RENAME COLUMN handle TO username;
ALTER TABLE order_items DROP FOREIGN KEY fk_order_items_product;
ALTER TABLE orders MODIFY total_amount DECIMAL(12, 2) NOT NULL;
ALTER TABLE orders MODIFY status VARCHAR(20) NOT NULL DEFAULT 'pending';
ALTER TABLE orders DROP COLUMN channel;
ALTER TABLE orders DROP COLUMN shipped_at;
DROP INDEX idx_orders_status ON orders;
