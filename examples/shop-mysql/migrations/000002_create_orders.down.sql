DROP TABLE audit_log;
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE products;
