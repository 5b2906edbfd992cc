-- Users and their sessions.
CREATE TABLE users (
    id          serial PRIMARY KEY,
    email       varchar(255) NOT NULL UNIQUE,
    username    varchar(50)  NOT NULL UNIQUE,
    country     char(2),
    created_at  timestamp NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);

CREATE INDEX idx_users_created_at ON users (created_at DESC);
CREATE INDEX idx_users_email ON users (email);

CREATE TABLE user_sessions (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  varchar(64) NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL
);
