-- 022: time limits and signing (SPEC section 8).
--
-- time_limits: the district's rules. Each names a source, a category and an urgency (NULL:
-- any), a time to sign and a time to handle, each a number and a unit (wd working days, cd
-- calendar days, h hours; handling may also be phase_end, the end of the campaign's
-- rectification phase). The most specific rule in force applies (most named fields; a tie goes
-- to the newest). A rule is never rewritten: a change is a new rule and the old one retired,
-- so every ticket keeps the rule it was dispatched under. The district starts with the rules
-- of SPEC section 8, which the admin may replace.
--
-- On the ticket: the rule (time_limit_id), when it was dispatched to its responsible unit
-- (dispatched_at), by when it was to be signed for (sign_by), when it was (signed_at) and
-- whether that was late; deadline_rule says the deadline is the rule's (0: set by hand, or from
-- before the rules); commitment_due marks a computed deadline beyond the phase end whose
-- commitment and interim measures are still to come (待补整改承诺).
--
-- A new tally kind counts signing, so that 及时签收率 and 超时未签收 come from the tallies:
--
--   kind       counts                                   status                  dim                          day
--   sign       tickets with a sign_by, signed or open   waiting, late, on_time  sign_by (epoch s) if waiting  day dispatched
CREATE TABLE time_limits (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER REFERENCES sources (id),
    category_id  INTEGER REFERENCES categories (id),
    urgency      TEXT CHECK (urgency IS NULL OR urgency IN ('urgent', 'normal')),
    sign_n       INTEGER NOT NULL CHECK (sign_n BETWEEN 0 AND 999),
    sign_unit    TEXT NOT NULL CHECK (sign_unit IN ('wd', 'cd', 'h')),
    handle_n     INTEGER NOT NULL CHECK (handle_n BETWEEN 0 AND 999),
    handle_unit  TEXT NOT NULL CHECK (handle_unit IN ('wd', 'cd', 'h', 'phase_end')),
    created_at   TEXT NOT NULL,
    retired_at   TEXT
);
INSERT INTO time_limits (source_id, category_id, urgency, sign_n, sign_unit, handle_n, handle_unit, created_at)
VALUES (NULL, NULL, NULL, 1, 'wd', 5, 'wd', '2000-01-01T00:00:00+08:00'),
       (NULL, (SELECT id FROM categories WHERE code = 'consultation'), NULL, 1, 'wd', 3, 'wd', '2000-01-01T00:00:00+08:00'),
       (NULL, NULL, 'urgent', 2, 'h', 1, 'wd', '2000-01-01T00:00:00+08:00'),
       ((SELECT id FROM sources WHERE code = 'self_inspection'), NULL, NULL, 1, 'wd', 0, 'phase_end', '2000-01-01T00:00:00+08:00'),
       ((SELECT id FROM sources WHERE code = 'undercover'), NULL, NULL, 1, 'wd', 0, 'phase_end', '2000-01-01T00:00:00+08:00'),
       ((SELECT id FROM sources WHERE code = 'survey_feedback'), NULL, NULL, 1, 'wd', 0, 'phase_end', '2000-01-01T00:00:00+08:00');

-- Rules are kept with the catalog (009): a new or retired rule counts its version up.
CREATE TRIGGER time_limits_catalog_insert AFTER INSERT ON time_limits BEGIN UPDATE catalog_version SET v = v + 1; END;
CREATE TRIGGER time_limits_catalog_update AFTER UPDATE ON time_limits BEGIN UPDATE catalog_version SET v = v + 1; END;

ALTER TABLE tickets ADD COLUMN time_limit_id INTEGER; -- a time_limits id (rules are retired, never deleted)
ALTER TABLE tickets ADD COLUMN dispatched_at TEXT;
ALTER TABLE tickets ADD COLUMN sign_by TEXT;
ALTER TABLE tickets ADD COLUMN signed_at TEXT;
ALTER TABLE tickets ADD COLUMN signed_late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN commitment_due INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN deadline_rule INTEGER NOT NULL DEFAULT 0; -- 1: the deadline is the rule's
-- 1: the rule's times were counted through a year whose holiday notice was not loaded
-- (Monday–Friday); loading that year counts them again (calendar_store).
ALTER TABLE tickets ADD COLUMN limit_estimated INTEGER NOT NULL DEFAULT 0;
-- Tickets from before were dispatched when logged, with no time to sign; those accepted were
-- signed when the accept event says.
UPDATE tickets SET dispatched_at = created_at;
UPDATE tickets SET signed_at = (SELECT min(e.at) FROM events e WHERE e.entity = 'ticket' AND e.entity_id = tickets.id
                                   AND e.action = 'accept')
 WHERE status <> 'open';
-- The tickets to count again when a year's notice is loaded (calendar_store).
CREATE INDEX tickets_limit_estimated ON tickets (id) WHERE limit_estimated = 1 AND status <> 'closed';
-- The 超时未签收 list: open tickets not signed for, by when they were to be.
CREATE INDEX tickets_sign_waiting ON tickets (sign_by) WHERE status = 'open' AND signed_at IS NULL AND sign_by IS NOT NULL;

DROP VIEW tallies_expected;
DROP VIEW tally_ticket_rows;

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
  FROM tickets WHERE closed_on IS NOT NULL
UNION ALL
SELECT id, 'category', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, category_id,
       CASE WHEN status <> 'closed' THEN deadline ELSE '' END
  FROM tickets
UNION ALL
SELECT id, 'sign', coalesce(campaign_id, 0), unit_path, responsible_path,
       CASE WHEN signed_at IS NULL THEN 'waiting' WHEN signed_late THEN 'late' ELSE 'on_time' END, '', 0, 0,
       CASE WHEN signed_at IS NULL THEN CAST(strftime('%s', sign_by) AS INTEGER) ELSE 0 END,
       substr(coalesce(dispatched_at, created_at), 1, 10)
  FROM tickets WHERE sign_by IS NOT NULL AND (signed_at IS NOT NULL OR status = 'open');

CREATE VIEW tallies_expected AS
SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, count(*) AS n
  FROM (SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_ticket_rows
        UNION ALL
        SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_linked_rows)
 GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day;

DROP TRIGGER tickets_tally_update_before;
DROP TRIGGER tickets_tally_update_after;

CREATE TRIGGER tickets_tally_update_before BEFORE UPDATE OF campaign_id, unit_path, responsible_path, status, color,
    supervised, closed_on, original_deadline, unsatisfied_count, return_count, extension_deadline, callback_count,
    domain_id, source_id, category_id, deadline, location_unit_id, last_progress_on, created_at, sign_by, signed_at,
    signed_late ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, -1
      FROM tally_ticket_rows WHERE ticket_id = OLD.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tickets_tally_update_after AFTER UPDATE OF campaign_id, unit_path, responsible_path, status, color,
    supervised, closed_on, original_deadline, unsatisfied_count, return_count, extension_deadline, callback_count,
    domain_id, source_id, category_id, deadline, location_unit_id, last_progress_on, created_at, sign_by, signed_at,
    signed_late ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, 1
      FROM tally_ticket_rows WHERE ticket_id = NEW.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
