-- 031: assessment (考评, SPEC section 11). Each unit is scored monthly on indicators of the
-- tickets dispatched in the month, each counted for the unit responsible for it. The counts
-- come from the running tallies, three kinds more, kept by the same triggers:
--
--   kind       counts            responsible_path        status           flags                 dim                         day
--   assess     every ticket      its responsible unit    ''               see below             unclosed: original deadline day dispatched
--                                                                                               (day number); closed: 0
--   assess_cb  every callback    its ticket's            the answer       0 not recorded,       0                           its ticket's day dispatched
--                                                                         1 未解决, 2 已解决
--   assess_d   every dispatch    the unit dispatched to  its outcome      0                     0                           the dispatch's day
--
-- assess flags: 1 closed, 2 closed by the original deadline, 4 closed and called back, 8 returned
-- for redo or reopened, 16 closed now or once (reopened). Signing comes from the 'sign' kind.
-- A ticket's dispatch time and reopening change only with its status or units (a reassignment,
-- a reopening), so the update triggers' columns already cover these rows.

-- A callback records whether the problem was solved (解决率), beside the citizen's satisfaction.
ALTER TABLE callbacks ADD COLUMN resolved INTEGER CHECK (resolved IS NULL OR resolved IN (0, 1));

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
  FROM tickets WHERE status <> 'merged' AND sign_by IS NOT NULL AND (signed_at IS NOT NULL OR status = 'open')
UNION ALL
SELECT id, 'assess', coalesce(campaign_id, 0), unit_path, responsible_path, '', '', 0,
       (status = 'closed') + 2 * coalesce(status = 'closed' AND closed_on <= original_deadline, 0)
       + 4 * (status = 'closed' AND callback_count > 0) + 8 * (return_count > 0 OR reopened_on IS NOT NULL)
       + 16 * (status = 'closed' OR reopened_on IS NOT NULL),
       CASE WHEN status <> 'closed' THEN coalesce(CAST(julianday(original_deadline) - 2440587.5 AS INTEGER), 0) ELSE 0 END,
       substr(coalesce(dispatched_at, created_at), 1, 10)
  FROM tickets WHERE status <> 'merged';


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
 WHERE t.status <> 'merged'
UNION ALL
SELECT t.id, 'c', c.id, 'assess_cb', coalesce(t.campaign_id, 0), t.unit_path, t.responsible_path, c.result, '', 0,
       coalesce(c.resolved + 1, 0), 0, substr(coalesce(t.dispatched_at, t.created_at), 1, 10)
  FROM tickets t JOIN callbacks c ON c.ticket_id = t.id
 WHERE t.status <> 'merged'
UNION ALL
SELECT t.id, 'd', d.id, 'assess_d', coalesce(t.campaign_id, 0), t.unit_path, d.unit_path, d.outcome, '', 0, 0, 0,
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

INSERT INTO tallies
SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day, count(*)
  FROM (SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_ticket_rows WHERE kind = 'assess'
        UNION ALL
        SELECT kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
          FROM tally_linked_rows WHERE kind IN ('assess_cb', 'assess_d'))
 GROUP BY kind, campaign_id, unit_path, responsible_path, status, color, supervised, flags, dim, day
    ON CONFLICT DO UPDATE SET n = n + excluded.n;

-- A month's rows of each kind, found by their day.
CREATE INDEX tallies_assess_day ON tallies (day) WHERE kind = 'assess';
CREATE INDEX tallies_assess_cb_day ON tallies (day) WHERE kind = 'assess_cb';
CREATE INDEX tallies_assess_d_day ON tallies (day) WHERE kind = 'assess_d';
CREATE INDEX tallies_sign_day ON tallies (day) WHERE kind = 'sign';

-- A scheme: per indicator, its weight (points), floor and target (fractions). campaign_id 0 is
-- the district's default; a campaign's own rows replace it for that campaign. For an indicator
-- where lower is better the floor is the higher rate (points start below it).
CREATE TABLE assessment_weights (
    campaign_id  INTEGER NOT NULL DEFAULT 0,
    indicator    TEXT NOT NULL CHECK (indicator IN ('sign_on_time', 'on_time', 'closed', 'resolved', 'satisfied',
                                                    'callback_coverage', 'return_rate', 'redo_rate')),
    weight       REAL NOT NULL CHECK (weight > 0 AND weight <= 100),
    floor        REAL NOT NULL CHECK (floor BETWEEN 0 AND 1),
    target       REAL NOT NULL CHECK (target BETWEEN 0 AND 1),
    PRIMARY KEY (campaign_id, indicator)
) WITHOUT ROWID;

-- A published month: its figures as they stood, the scheme used included, never recomputed.
CREATE TABLE assessment_months (
    month         TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    campaign_id   INTEGER NOT NULL DEFAULT 0,
    published_at  TEXT NOT NULL,
    published_by  INTEGER REFERENCES users (id),
    result        TEXT NOT NULL CHECK (json_valid(result)),
    PRIMARY KEY (month, campaign_id)
) WITHOUT ROWID;
