-- 028: merging repeats (合并, SPEC section 9). A reviewer merges an unclosed ticket into
-- another: it becomes 'merged' (已合并, final), keeps its 原工单号 (an import stays idempotent),
-- is listed on the primary ticket, and leaves every total and rate: the tallies' rows leave out
-- merged tickets, and a ticket's linked rows (its events, callbacks, dispatches) follow its
-- status as they follow its units, so that they leave the tallies when it is merged.
ALTER TABLE tickets ADD COLUMN merged_into INTEGER REFERENCES tickets (id);
CREATE INDEX tickets_merged_into ON tickets (merged_into) WHERE merged_into IS NOT NULL;

DROP VIEW tallies_expected;
DROP VIEW tally_ticket_rows;
DROP VIEW tally_linked_rows;

CREATE VIEW tally_ticket_rows AS
SELECT id AS ticket_id, 'state' AS kind, coalesce(campaign_id, 0) AS campaign_id, unit_path, responsible_path,
       status, coalesce(color, '') AS color, supervised,
       coalesce(status = 'closed' AND closed_on <= original_deadline, 0) + 2 * (unsatisfied_count >= 1)
       + 4 * (status = 'rectifying' AND return_count > 0) + 8 * (extension_deadline IS NOT NULL)
       + 16 * (status = 'closed' AND callback_count = 0) + 32 * (suspended_on IS NOT NULL)
       + 64 * (suspend_pending = 1) AS flags,
       0 AS dim, '' AS day
  FROM tickets WHERE status <> 'merged'
UNION ALL
SELECT id, 'domain', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0,
       32 * (suspended_on IS NOT NULL), domain_id,
       CASE WHEN status <> 'closed' THEN deadline ELSE '' END
  FROM tickets WHERE status <> 'merged'
UNION ALL
SELECT id, 'source', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0,
       32 * (suspended_on IS NOT NULL), source_id,
       CASE WHEN status <> 'closed' THEN deadline ELSE '' END
  FROM tickets WHERE status <> 'merged'
UNION ALL
SELECT id, 'place', coalesce(campaign_id, 0), unit_path, responsible_path, status, coalesce(color, ''), 0,
       2 * (unsatisfied_count >= 1), coalesce(location_unit_id, 0), ''
  FROM tickets WHERE status <> 'merged'
UNION ALL
SELECT id, 'deadline', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, deadline
  FROM tickets WHERE status <> 'merged' AND status <> 'closed' AND suspended_on IS NULL
UNION ALL
SELECT id, 'original', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, original_deadline
  FROM tickets WHERE status <> 'merged' AND status <> 'closed'
UNION ALL
SELECT id, 'progress', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, last_progress_on
  FROM tickets WHERE status <> 'merged' AND status <> 'closed' AND suspended_on IS NULL
UNION ALL
SELECT id, 'backdated', coalesce(campaign_id, 0), unit_path, responsible_path, 'deadline', '', 0, 0,
       CAST(julianday(deadline) - 2440587.5 AS INTEGER), substr(created_at, 1, 10)
  FROM tickets WHERE status <> 'merged' AND status <> 'closed' AND suspended_on IS NULL AND deadline < substr(created_at, 1, 10)
UNION ALL
SELECT id, 'backdated', coalesce(campaign_id, 0), unit_path, responsible_path, 'progress', '', 0, 0,
       CAST(julianday(last_progress_on) - 2440587.5 AS INTEGER), substr(created_at, 1, 10)
  FROM tickets WHERE status <> 'merged' AND status <> 'closed' AND suspended_on IS NULL AND last_progress_on < substr(created_at, 1, 10)
UNION ALL
SELECT id, 'backdated', coalesce(campaign_id, 0), unit_path, responsible_path, 'closed', '', 0, 0,
       CAST(julianday(closed_on) - 2440587.5 AS INTEGER), substr(created_at, 1, 10)
  FROM tickets WHERE status <> 'merged' AND closed_on < substr(created_at, 1, 10)
UNION ALL
SELECT id, 'created', coalesce(campaign_id, 0), unit_path, responsible_path, '', '', 0, 0, 0, substr(created_at, 1, 10)
  FROM tickets WHERE status <> 'merged'
UNION ALL
SELECT id, 'closed', coalesce(campaign_id, 0), unit_path, responsible_path, '', '', 0, 0, 0, closed_on
  FROM tickets WHERE status <> 'merged' AND closed_on IS NOT NULL
UNION ALL
SELECT id, 'category', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0,
       32 * (suspended_on IS NOT NULL), category_id,
       CASE WHEN status <> 'closed' THEN deadline ELSE '' END
  FROM tickets WHERE status <> 'merged'
UNION ALL
SELECT id, 'sign', coalesce(campaign_id, 0), unit_path, responsible_path,
       CASE WHEN signed_at IS NULL THEN 'waiting' WHEN signed_late THEN 'late' ELSE 'on_time' END, '', 0, 0,
       CASE WHEN signed_at IS NULL THEN CAST(strftime('%s', sign_by) AS INTEGER) ELSE 0 END,
       substr(coalesce(dispatched_at, created_at), 1, 10)
  FROM tickets WHERE status <> 'merged' AND sign_by IS NOT NULL AND (signed_at IS NOT NULL OR status = 'open');

CREATE VIEW tally_linked_rows AS
SELECT t.id AS ticket_id, 'c' AS src, c.id AS src_id, 'callback' AS kind, coalesce(t.campaign_id, 0) AS campaign_id,
       t.unit_path, t.responsible_path, c.result AS status, '' AS color, 0 AS supervised, 0 AS flags, 0 AS dim,
       '' AS day
  FROM tickets t JOIN callbacks c ON c.ticket_id = t.id
 WHERE t.status <> 'merged'
UNION ALL
SELECT t.id, 'e', e.id,
       CASE WHEN e.action IN ('create', 'seed') THEN 'ev_new' WHEN e.action = 'verify' THEN 'ev_closed'
            WHEN e.action = 'return' THEN 'ev_returned' ELSE 'ev_reopened' END,
       coalesce(t.campaign_id, 0), t.unit_path, t.responsible_path, '', '', 0, 0, 0, substr(e.at, 1, 10)
  FROM tickets t JOIN events e ON e.entity = 'ticket' AND e.entity_id = t.id
 WHERE t.status <> 'merged' AND (e.action IN ('create', 'seed', 'verify', 'return', 'reopen')
    OR (e.action = 'callback' AND e.after LIKE '%"status":"rectifying"%'))
UNION ALL
SELECT t.id, 'd', d.id, 'dispatch', coalesce(t.campaign_id, 0), t.unit_path, t.responsible_path, d.outcome, '', 0, 0, 0,
       substr(d.at, 1, 10)
  FROM tickets t JOIN dispatches d ON d.ticket_id = t.id
 WHERE t.status <> 'merged';

CREATE VIEW tallies_expected AS
SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, count(*) AS n
  FROM (SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_ticket_rows
        UNION ALL
        SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_linked_rows)
 GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day;

DROP TRIGGER tickets_tally_move_before;
DROP TRIGGER tickets_tally_move_after;
CREATE TRIGGER tickets_tally_move_before BEFORE UPDATE OF campaign_id, unit_path, responsible_path, status ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, -count(*)
      FROM tally_linked_rows WHERE ticket_id = OLD.id
     GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tickets_tally_move_after AFTER UPDATE OF campaign_id, unit_path, responsible_path, status ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, count(*)
      FROM tally_linked_rows WHERE ticket_id = NEW.id
     GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- The dispatch report counts each unit's dispatches and cards of a period by their time.
CREATE INDEX dispatches_at ON dispatches (at, unit_path, outcome, ticket_id);
CREATE INDEX cards_at ON cards (at);
