-- 006: running tallies. The dashboard, the reports and every page's to-do counts ask the same
-- few questions of the whole ledger ("how many unclosed tickets of this street are past their
-- deadline?"). Scanning a million tickets for each answer takes seconds; these counts, kept
-- up to date by triggers in the same transaction as the change, answer in a millisecond.
--
-- One row per distinct combination of the columns a report can filter or group by, with n the
-- number of tickets (or callbacks, or events) that have it. The filter columns are named as in
-- tickets, so the ledger's scope and unit filters apply to them unchanged. What each column
-- holds depends on kind:
--
--   kind       counts                 status                       color  flags  dim                day
--   state      every ticket           ticket status                color  yes    0                  ''
--   domain     every ticket           ticket status                ''     0      domain_id          deadline if unclosed
--   source     every ticket           ticket status                ''     0      source_id          deadline if unclosed
--   place      every ticket           ticket status                color  yes    location unit id   ''
--   deadline   unclosed tickets       ticket status                ''     0      0                  deadline
--   original   unclosed tickets       ticket status                ''     0      0                  original_deadline
--   progress   unclosed tickets       ticket status                ''     0      0                  last_progress_on
--   backdated  tickets with a date before the day they were logged: status names the date
--              ('deadline' or 'progress' of an unclosed ticket: a backlog logged already overdue;
--              'closed'), dim = that date as a day number, day = the day logged. The dispatch
--              report leaves these out of periods that ended before the tickets existed.
--   created    every ticket           ''                           ''     0      0                  day logged
--   closed     tickets with closed_on ''                           ''     0      0                  closed_on
--   callback   every callback         the citizen's answer         ''     0      0                  ''
--   ev_new, ev_closed, ev_returned, ev_reopened: the ticket events the dispatch report counts,
--              by the day they happened (a reopening is an explicit reopen or an unsatisfied
--              callback that sent the ticket back to rectification)
--
-- flags (state, place): 1 closed by the original deadline, 2 the citizen was unsatisfied at
-- least once, 4 returned and being reworked, 8 an extension request pending, 16 closed and
-- not yet called back.
--
-- Callbacks and events count under their ticket's unit and campaign, so they move when the
-- ticket's do. `ledger tally-check` compares this table with tallies_expected, the same counts
-- computed from scratch.
CREATE TABLE tallies (
    kind              TEXT NOT NULL,
    campaign_id       INTEGER NOT NULL,            -- 0: no campaign
    unit_path         TEXT NOT NULL,
    responsible_path  TEXT NOT NULL,
    status            TEXT NOT NULL,
    color             TEXT NOT NULL,
    supervised        INTEGER NOT NULL,
    flags             INTEGER NOT NULL,
    dim               INTEGER NOT NULL,
    day               TEXT NOT NULL,
    n                 INTEGER NOT NULL,
    PRIMARY KEY (kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day)
) WITHOUT ROWID;

-- What one ticket contributes, one row per kind.
CREATE VIEW tally_ticket_rows AS
SELECT id AS ticket_id, 'state' AS kind, coalesce(campaign_id, 0) AS campaign_id, unit_path, responsible_path,
       status, coalesce(color, '') AS color, supervised,
       coalesce(status = 'closed' AND closed_on <= original_deadline, 0) + 2 * (unsatisfied_count >= 1)
       + 4 * (status = 'rectifying' AND return_count > 0) + 8 * (extension_deadline IS NOT NULL)
       + 16 * (status = 'closed' AND callback_count = 0) AS flags,
       0 AS dim, '' AS day
  FROM tickets
UNION ALL
SELECT id, 'domain', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, domain_id,
       CASE WHEN status <> 'closed' THEN deadline ELSE '' END
  FROM tickets
UNION ALL
SELECT id, 'source', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, source_id,
       CASE WHEN status <> 'closed' THEN deadline ELSE '' END
  FROM tickets
UNION ALL
SELECT id, 'place', coalesce(campaign_id, 0), unit_path, responsible_path, status, coalesce(color, ''), 0,
       2 * (unsatisfied_count >= 1), coalesce(location_unit_id, 0), ''
  FROM tickets
UNION ALL
SELECT id, 'deadline', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, deadline
  FROM tickets WHERE status <> 'closed'
UNION ALL
SELECT id, 'original', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, original_deadline
  FROM tickets WHERE status <> 'closed'
UNION ALL
SELECT id, 'progress', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, last_progress_on
  FROM tickets WHERE status <> 'closed'
UNION ALL
SELECT id, 'backdated', coalesce(campaign_id, 0), unit_path, responsible_path, 'deadline', '', 0, 0,
       CAST(julianday(deadline) - 2440587.5 AS INTEGER), substr(created_at, 1, 10)
  FROM tickets WHERE status <> 'closed' AND deadline < substr(created_at, 1, 10)
UNION ALL
SELECT id, 'backdated', coalesce(campaign_id, 0), unit_path, responsible_path, 'progress', '', 0, 0,
       CAST(julianday(last_progress_on) - 2440587.5 AS INTEGER), substr(created_at, 1, 10)
  FROM tickets WHERE status <> 'closed' AND last_progress_on < substr(created_at, 1, 10)
UNION ALL
SELECT id, 'backdated', coalesce(campaign_id, 0), unit_path, responsible_path, 'closed', '', 0, 0,
       CAST(julianday(closed_on) - 2440587.5 AS INTEGER), substr(created_at, 1, 10)
  FROM tickets WHERE closed_on < substr(created_at, 1, 10)
UNION ALL
SELECT id, 'created', coalesce(campaign_id, 0), unit_path, responsible_path, '', '', 0, 0, 0, substr(created_at, 1, 10)
  FROM tickets
UNION ALL
SELECT id, 'closed', coalesce(campaign_id, 0), unit_path, responsible_path, '', '', 0, 0, 0, closed_on
  FROM tickets WHERE closed_on IS NOT NULL;

-- What a ticket's callbacks ('c') and events ('e') contribute.
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
    OR (e.action = 'callback' AND e.after LIKE '%"status":"rectifying"%');

CREATE VIEW tallies_expected AS
SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, count(*) AS n
  FROM (SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_ticket_rows
        UNION ALL
        SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_linked_rows)
 GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day;

INSERT INTO tallies SELECT * FROM tallies_expected WHERE true;

-- A count that reaches zero is removed, so the table holds only combinations that exist.
CREATE TRIGGER tallies_drop_zero AFTER UPDATE OF n ON tallies WHEN NEW.n = 0
BEGIN
    DELETE FROM tallies
     WHERE kind = NEW.kind AND campaign_id = NEW.campaign_id AND unit_path = NEW.unit_path
       AND responsible_path = NEW.responsible_path AND status = NEW.status AND color = NEW.color
       AND supervised = NEW.supervised AND flags = NEW.flags AND dim = NEW.dim AND day = NEW.day;
END;

CREATE TRIGGER tickets_tally_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, 1
      FROM tally_ticket_rows WHERE ticket_id = NEW.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- An update takes the ticket's rows out as they were and puts them back as they are.
CREATE TRIGGER tickets_tally_update_before BEFORE UPDATE OF campaign_id, unit_path, responsible_path, status, color,
    supervised, closed_on, original_deadline, unsatisfied_count, return_count, extension_deadline, callback_count,
    domain_id, source_id, deadline, location_unit_id, last_progress_on, created_at ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, -1
      FROM tally_ticket_rows WHERE ticket_id = OLD.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tickets_tally_update_after AFTER UPDATE OF campaign_id, unit_path, responsible_path, status, color,
    supervised, closed_on, original_deadline, unsatisfied_count, return_count, extension_deadline, callback_count,
    domain_id, source_id, deadline, location_unit_id, last_progress_on, created_at ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, 1
      FROM tally_ticket_rows WHERE ticket_id = NEW.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tickets_tally_move_before BEFORE UPDATE OF campaign_id, unit_path, responsible_path ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, -count(*)
      FROM tally_linked_rows WHERE ticket_id = OLD.id
     GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tickets_tally_move_after AFTER UPDATE OF campaign_id, unit_path, responsible_path ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, count(*)
      FROM tally_linked_rows WHERE ticket_id = NEW.id
     GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tickets_tally_delete BEFORE DELETE ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, -count(*)
      FROM (SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
              FROM tally_ticket_rows WHERE ticket_id = OLD.id
            UNION ALL
            SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
              FROM tally_linked_rows WHERE ticket_id = OLD.id)
     GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER callbacks_tally_insert AFTER INSERT ON callbacks
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, 1
      FROM tally_linked_rows WHERE ticket_id = NEW.ticket_id AND src = 'c' AND src_id = NEW.id
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER callbacks_tally_delete BEFORE DELETE ON callbacks
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, -1
      FROM tally_linked_rows WHERE ticket_id = OLD.ticket_id AND src = 'c' AND src_id = OLD.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER events_tally_insert AFTER INSERT ON events WHEN NEW.entity = 'ticket'
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, 1
      FROM tally_linked_rows WHERE ticket_id = NEW.entity_id AND src = 'e' AND src_id = NEW.id
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- The dispatch report asks which tickets reported progress between two dates.
CREATE INDEX progress_on_date ON progress (on_date, ticket_id);
