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
