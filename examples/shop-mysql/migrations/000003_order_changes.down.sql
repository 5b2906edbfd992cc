CREATE TABLE audit_log (
    table_name  VARCHAR(50) NOT NULL,
    record_id   BIGINT UNSIGNED NOT NULL,
    action      VARCHAR(10) NOT NULL,
    user_id     BIGINT UNSIGNED,
    changed_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT fk_audit_log_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE users RENAME COLUMN handle TO username;
ALTER TABLE order_items DROP FOREIGN KEY fk_order_items_product;
ALTER TABLE orders MODIFY total_amount DECIMAL(12, 2) NOT NULL;
ALTER TABLE orders MODIFY status VARCHAR(20) NOT NULL DEFAULT 'pending';
ALTER TABLE orders DROP COLUMN channel;
ALTER TABLE orders DROP COLUMN shipped_at;
DROP INDEX idx_orders_status ON orders;
