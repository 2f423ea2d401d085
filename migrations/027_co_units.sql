-- 027: co-handling units (协办, SPEC section 9). A ticket may name units that share the work
-- with its responsible (lead) unit; their staff see the ticket and act for their unit: sign
-- for their part (co-accept), report progress, report it done (co-done). The lead's 申请销号
-- waits until every co-unit is done. A unit's path never changes (units are only added), so
-- it is kept here for the staff-scope range.
CREATE TABLE co_units (
	ticket_id INTEGER NOT NULL REFERENCES tickets(id),
	unit_id INTEGER NOT NULL REFERENCES units(id),
	unit_path TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'done')),
	note TEXT NOT NULL DEFAULT '',
	added_at TEXT NOT NULL,
	accepted_at TEXT,
	done_at TEXT,
	PRIMARY KEY (ticket_id, unit_id)
) WITHOUT ROWID;

-- A staff scope's co-handled tickets: a range of paths, then their ids.
CREATE INDEX co_units_path ON co_units (unit_path, ticket_id);

-- A note a co-unit's staff write names their unit (报告进展 as 协办单位).
ALTER TABLE progress ADD COLUMN unit_id INTEGER REFERENCES units (id);
