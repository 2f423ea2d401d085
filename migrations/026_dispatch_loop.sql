-- 026: the dispatch loop (SPEC sections 9 and 10): 退单, 催办 and cards, notifications.
--
-- Two states join the ticket's: return_requested (退单待审: the unit asked the centre to take
-- the dispatch back) and merged (已合并, final). SQLite cannot alter a CHECK; its documented
-- way for a change that leaves every stored row valid (a list of allowed values that only
-- grows) is to rewrite the table's definition in sqlite_schema. The migration runner bumps
-- schema_version after every migration, so that every connection reads the new definition.
-- The rewrite comes last: ALTER TABLE within the same transaction would work from the old text.

ALTER TABLE tickets ADD COLUMN urge_count INTEGER NOT NULL DEFAULT 0;

-- Every dispatch of a ticket to a unit: at creation, at each reassignment and when the centre
-- refuses a return (the same unit, dispatched again). outcome says what became of a return
-- the unit asked for: none, asked (pending), granted (the centre reassigned), refused. The
-- per-unit counts of SPEC section 9 (dispatches, returns asked, granted, refused) are these
-- rows, under the unit dispatched to whatever becomes of the ticket.
CREATE TABLE dispatches (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    unit_id      INTEGER NOT NULL REFERENCES units (id),
    unit_path    TEXT NOT NULL,
    at           TEXT NOT NULL,
    outcome      TEXT NOT NULL DEFAULT 'none' CHECK (outcome IN ('none', 'asked', 'granted', 'refused')),
    reason_code  TEXT CHECK (reason_code IS NULL OR reason_code IN ('not_our_area', 'unclear_ownership',
                                                                   'overlapping_duties', 'other')),
    reason       TEXT,
    asked_at     TEXT,
    decided_at   TEXT,
    decision     TEXT
);
CREATE INDEX dispatches_ticket ON dispatches (ticket_id, id);
INSERT INTO dispatches (ticket_id, unit_id, unit_path, at)
SELECT id, responsible_unit_id, responsible_path, coalesce(dispatched_at, created_at) FROM tickets ORDER BY id;

-- Cards (黄牌, 红牌), issued by the server for a deadline: at most one of each per deadline.
CREATE TABLE cards (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('yellow', 'red')),
    deadline   TEXT NOT NULL,
    unit_id    INTEGER NOT NULL REFERENCES units (id), -- the responsible unit carded
    at         TEXT NOT NULL,
    UNIQUE (ticket_id, kind, deadline)
);
CREATE INDEX cards_unit ON cards (unit_id, at);

-- Notifications (消息提醒): one row per event that asks someone to act, and one inbox row per
-- user it is for (the staff whose unit is the ticket's responsible unit or above it, or every
-- reviewer), so that a user's unread count is one row of inbox_unread. A notification with a
-- key (a sign_by, a deadline) is made once per ticket, kind and key.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('dispatched', 'sign_overdue', 'yellow_card', 'red_card', 'returned',
                                              'unsatisfied', 'urged', 'return_requested', 'extension_requested',
                                              'suspend_requested')),
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    key         TEXT
);
CREATE UNIQUE INDEX notifications_once ON notifications (ticket_id, kind, key) WHERE key IS NOT NULL;
CREATE TABLE inbox (
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    notification_id  INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    read_at          TEXT,
    PRIMARY KEY (user_id, notification_id)
) WITHOUT ROWID;
CREATE INDEX inbox_unread_items ON inbox (user_id, notification_id) WHERE read_at IS NULL;
CREATE TABLE inbox_unread (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    n        INTEGER NOT NULL
);
CREATE TRIGGER inbox_count_insert AFTER INSERT ON inbox WHEN NEW.read_at IS NULL
BEGIN
    INSERT INTO inbox_unread (user_id, n) VALUES (NEW.user_id, 1) ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER inbox_count_read AFTER UPDATE OF read_at ON inbox WHEN OLD.read_at IS NULL AND NEW.read_at IS NOT NULL
BEGIN
    UPDATE inbox_unread SET n = n - 1 WHERE user_id = NEW.user_id;
END;
CREATE TRIGGER inbox_count_delete AFTER DELETE ON inbox WHEN OLD.read_at IS NULL
BEGIN
    UPDATE inbox_unread SET n = n - 1 WHERE user_id = OLD.user_id;
END;

-- The dispatches count in the tallies (kind dispatch: status the outcome, day the day of the
-- dispatch), so that the dashboard and the stats read 回退率 as they read the other rates. Like
-- the events, they count under the ticket's units and move with them (a scan of the tickets
-- gives the same answer); the unit each was dispatched to stays in dispatches.unit_path.
DROP VIEW tallies_expected;
DROP VIEW tally_linked_rows;
CREATE VIEW tally_linked_rows AS
SELECT t.id AS ticket_id, 'c' AS src, c.id AS src_id, 'callback' AS kind, coalesce(t.campaign_id, 0) AS campaign_id,
       t.unit_path, t.responsible_path, c.result AS status, '' AS color, 0 AS supervised, 0 AS flags, 0 AS dim,
       '' AS day
  FROM tickets t JOIN callbacks c ON c.ticket_id = t.id
UNION ALL
SELECT t.id, 'e', e.id,
       CASE WHEN e.action IN ('create', 'seed') THEN 'ev_new' WHEN e.action = 'verify' THEN 'ev_closed'
            WHEN e.action = 'return' THEN 'ev_returned' ELSE 'ev_reopened' END,
       coalesce(t.campaign_id, 0), t.unit_path, t.responsible_path, '', '', 0, 0, 0, substr(e.at, 1, 10)
  FROM tickets t JOIN events e ON e.entity = 'ticket' AND e.entity_id = t.id
 WHERE e.action IN ('create', 'seed', 'verify', 'return', 'reopen')
    OR (e.action = 'callback' AND e.after LIKE '%"status":"rectifying"%')
UNION ALL
SELECT t.id, 'd', d.id, 'dispatch', coalesce(t.campaign_id, 0), t.unit_path, t.responsible_path, d.outcome, '', 0, 0, 0,
       substr(d.at, 1, 10)
  FROM tickets t JOIN dispatches d ON d.ticket_id = t.id;

CREATE VIEW tallies_expected AS
SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, count(*) AS n
  FROM (SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_ticket_rows
        UNION ALL
        SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_linked_rows)
 GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day;

INSERT INTO tallies
SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, count(*)
  FROM tally_linked_rows WHERE src = 'd'
 GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
    ON CONFLICT DO UPDATE SET n = n + excluded.n;

CREATE TRIGGER dispatches_tally_insert AFTER INSERT ON dispatches
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, 1
      FROM tally_linked_rows WHERE ticket_id = NEW.ticket_id AND src = 'd' AND src_id = NEW.id
        ON CONFLICT DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER dispatches_tally_update_before BEFORE UPDATE OF outcome, unit_path, at ON dispatches
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, -1
      FROM tally_linked_rows WHERE ticket_id = OLD.ticket_id AND src = 'd' AND src_id = OLD.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER dispatches_tally_update_after AFTER UPDATE OF outcome, unit_path, at ON dispatches
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, 1
      FROM tally_linked_rows WHERE ticket_id = NEW.ticket_id AND src = 'd' AND src_id = NEW.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- The two new states (see the top).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (status IN (''open'', ''rectifying'', ''verifying'', ''closed''))',
                     'CHECK (status IN (''open'', ''rectifying'', ''verifying'', ''closed'', ''return_requested'', ''merged''))')
 WHERE type = 'table' AND name = 'tickets';
PRAGMA writable_schema = OFF;
-- Refused (the CHECK) unless the definition now names the new states.
CREATE TEMP TABLE migration_026_check (ok INTEGER CHECK (ok));
INSERT INTO migration_026_check
SELECT instr(sql, '''return_requested'', ''merged''') > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'tickets';
DROP TABLE migration_026_check;
