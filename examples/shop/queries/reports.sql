-- Queries the application runs.
SELECT * FROM orders WHERE user_id = $1;

SELECT id, email FROM users WHERE lower(email) = lower($1);

SELECT id, name FROM products WHERE name LIKE '%phone%';

SELECT id, total_amount FROM orders WHERE shipped_at = NULL;

SELECT id FROM orders ORDER BY random() LIMIT 10;

SELECT id, email FROM users LIMIT 20;

SELECT u.id, u.email
FROM users u
WHERE u.id NOT IN (SELECT o.user_id FROM orders o WHERE o.status = 'refunded');

DELETE FROM user_sessions;

-- Revenue per country and product category, for the monthly report.
SELECT u.country, p.category, count(*) AS orders, sum(oi.quantity * oi.unit_price) AS revenue
FROM orders o
JOIN users u ON u.id = o.user_id
JOIN order_items oi ON oi.order_id = o.id
JOIN products p ON p.id = oi.product_id
GROUP BY u.country, p.category;
