-- 029: the webhook outbox (SPEC section 10). With `ledger serve --notify-url URL`, every
-- notification is also posted to a group robot (企业微信/钉钉): written here in the same
-- transaction as the notification, so that it survives a restart or a power cut, and delivered
-- by the server's sender, which retries with back-off until the receiver takes it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    body            TEXT NOT NULL,            -- the JSON posted
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,         -- epoch seconds of the next try
    delivered_at    TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE delivered_at IS NULL;
