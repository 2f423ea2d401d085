-- 023: pausing the clock (挂起, SPEC section 8). Staff ask with a reason (suspend_pending,
-- suspend_reason); a reviewer grants it (suspended_on: the day of approval) or refuses; resuming
-- moves the deadline by the working days paused. While paused a ticket is neither overdue, due
-- soon nor stale: the tallies of deadlines and progress leave it out; the state kind marks it
-- (flags 32: paused, 64: a pause asked for), so that 挂起中 is a count like the others, and the
-- domain, source and category kinds mark it too (flags 32), whose deadlines the lights of a
-- filtered list are counted from.
ALTER TABLE tickets ADD COLUMN suspend_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN suspend_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN suspended_on TEXT CHECK (suspended_on IS NULL OR date(suspended_on) = suspended_on);
CREATE INDEX tickets_suspended ON tickets (suspended_on) WHERE suspended_on IS NOT NULL;
CREATE INDEX tickets_suspend_pending ON tickets (id) WHERE suspend_pending = 1;
-- The ledger page ordered by deadline (its 整改时限 heading) reads this instead of sorting
-- every ticket.
CREATE INDEX tickets_deadline ON tickets (deadline, id);

DROP VIEW tallies_expected;
DROP VIEW tally_ticket_rows;

CREATE VIEW tally_ticket_rows AS
SELECT id AS ticket_id, 'state' AS kind, coalesce(campaign_id, 0) AS campaign_id, unit_path, responsible_path,
       status, coalesce(color, '') AS color, supervised,
       coalesce(status = 'closed' AND closed_on <= original_deadline, 0) + 2 * (unsatisfied_count >= 1)
       + 4 * (status = 'rectifying' AND return_count > 0) + 8 * (extension_deadline IS NOT NULL)
       + 16 * (status = 'closed' AND callback_count = 0) + 32 * (suspended_on IS NOT NULL)
       + 64 * (suspend_pending = 1) AS flags,
       0 AS dim, '' AS day
  FROM tickets
UNION ALL
SELECT id, 'domain', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0,
       32 * (suspended_on IS NOT NULL), domain_id,
       CASE WHEN status <> 'closed' THEN deadline ELSE '' END
  FROM tickets
UNION ALL
SELECT id, 'source', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0,
       32 * (suspended_on IS NOT NULL), source_id,
       CASE WHEN status <> 'closed' THEN deadline ELSE '' END
  FROM tickets
UNION ALL
SELECT id, 'place', coalesce(campaign_id, 0), unit_path, responsible_path, status, coalesce(color, ''), 0,
       2 * (unsatisfied_count >= 1), coalesce(location_unit_id, 0), ''
  FROM tickets
UNION ALL
SELECT id, 'deadline', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, deadline
  FROM tickets WHERE status <> 'closed' AND suspended_on IS NULL
UNION ALL
SELECT id, 'original', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, original_deadline
  FROM tickets WHERE status <> 'closed'
UNION ALL
SELECT id, 'progress', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0, 0, 0, last_progress_on
  FROM tickets WHERE status <> 'closed' AND suspended_on IS NULL
UNION ALL
SELECT id, 'backdated', coalesce(campaign_id, 0), unit_path, responsible_path, 'deadline', '', 0, 0,
       CAST(julianday(deadline) - 2440587.5 AS INTEGER), substr(created_at, 1, 10)
  FROM tickets WHERE status <> 'closed' AND suspended_on IS NULL AND deadline < substr(created_at, 1, 10)
UNION ALL
SELECT id, 'backdated', coalesce(campaign_id, 0), unit_path, responsible_path, 'progress', '', 0, 0,
       CAST(julianday(last_progress_on) - 2440587.5 AS INTEGER), substr(created_at, 1, 10)
  FROM tickets WHERE status <> 'closed' AND suspended_on IS NULL AND last_progress_on < substr(created_at, 1, 10)
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
SELECT id, 'category', coalesce(campaign_id, 0), unit_path, responsible_path, status, '', 0,
       32 * (suspended_on IS NOT NULL), category_id,
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
    signed_late, suspended_on, suspend_pending ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, -1
      FROM tally_ticket_rows WHERE ticket_id = OLD.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tickets_tally_update_after AFTER UPDATE OF campaign_id, unit_path, responsible_path, status, color,
    supervised, closed_on, original_deadline, unsatisfied_count, return_count, extension_deadline, callback_count,
    domain_id, source_id, category_id, deadline, location_unit_id, last_progress_on, created_at, sign_by, signed_at,
    signed_late, suspended_on, suspend_pending ON tickets
BEGIN
    INSERT INTO tallies
    SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, 1
      FROM tally_ticket_rows WHERE ticket_id = NEW.id
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
