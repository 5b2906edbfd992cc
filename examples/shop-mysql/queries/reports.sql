-- Queries the application runs (with sample values where the application binds parameters).
SELECT * FROM orders WHERE user_id = 42;

SELECT id, email FROM users WHERE LOWER(email) = LOWER('Ann@Example.com');

SELECT id, name FROM products WHERE name LIKE '%phone%';

SELECT id, total_amount FROM orders WHERE shipped_at = NULL;

SELECT id FROM orders ORDER BY RAND() LIMIT 10;

SELECT id, email FROM users LIMIT 20;

SELECT id, email FROM users WHERE country = 'DE';

SELECT u.id, u.email
FROM users u
WHERE u.id NOT IN (SELECT a.user_id FROM audit_log a WHERE a.action = 'delete');

SELECT SQL_CACHE id, name, price FROM products WHERE category = 'phones';

DELETE FROM user_sessions;

-- Revenue per country and product category, for the monthly report.
SELECT u.country, p.category, COUNT(*) AS orders, SUM(oi.quantity * oi.unit_price) AS revenue
FROM orders o
JOIN users u ON u.id = o.user_id
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.product_id
GROUP BY u.country, p.category;
