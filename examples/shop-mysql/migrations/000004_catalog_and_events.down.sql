DROP TABLE user_events;
DROP TABLE product_attributes;
DROP TABLE suppliers;
