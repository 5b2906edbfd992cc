-- The monthly report reads orders by date.
CREATE INDEX idx_orders_created_at ON orders (created_at);
