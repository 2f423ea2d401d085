-- 002: sessions, login throttling and the tamper-evident event chain.

-- A session is known by the BLAKE2b hash of its 32-byte token; the token itself lives only
-- in the user's cookie. Times are Unix seconds.
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    ip          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, by login and by client address, for lockout and slow-down.
CREATE TABLE login_failures (
    id     INTEGER PRIMARY KEY,
    login  TEXT NOT NULL COLLATE NOCASE,
    ip     TEXT NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;

-- Every change to ledger data, kept forever. Each event's hash covers its content and the
-- previous event's hash (BLAKE2b-256, hex); audit_head holds the newest, so that removing
-- events from the end is detected as well.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor_id   INTEGER,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  INTEGER NOT NULL,
    action     TEXT NOT NULL,
    before     TEXT,
    after      TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX events_entity ON events (entity, entity_id, id);

CREATE TABLE audit_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_id    INTEGER NOT NULL,
    last_hash  TEXT NOT NULL
);
