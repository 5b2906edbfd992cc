-- Suppliers, product attributes and a click stream, written the quick way.
CREATE TABLE suppliers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    phone1       text,
    phone2       text,
    phone3       text,
    product_ids  text -- comma-separated ids of the products it delivers
);

INSERT INTO suppliers (name, phone1, product_ids) VALUES ('Acme', '+1 555 0100', '1,2,3');

CREATE TABLE product_attributes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES products (id),
    attr_name   text NOT NULL,
    attr_value  text
);
CREATE INDEX idx_product_attributes_product_id ON product_attributes (product_id);

CREATE TABLE user_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id),
    event_type   text NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_user_events_user_id ON user_events (user_id);

CREATE FUNCTION purge_rows(p_table text, p_user bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'DELETE FROM ' || p_table || ' WHERE user_id = ' || p_user;
END;
$$;
