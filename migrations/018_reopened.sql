-- 018: a ticket sent back to rectification after it was closed — by an unsatisfied callback
-- or as a relapse (反弹) — is work to do again, and the street must see it as such. It keeps
-- the day and the reason it was reopened; its deadline starts again from the reopening (a
-- provisional one until a reviewer sets it: deadline_pending, in the centre's to-do), while
-- original_deadline keeps the strict on-time figure.
ALTER TABLE tickets ADD COLUMN reopened_on TEXT CHECK (reopened_on IS NULL OR date(reopened_on) = reopened_on);
ALTER TABLE tickets ADD COLUMN reopen_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN deadline_pending INTEGER NOT NULL DEFAULT 0 CHECK (deadline_pending IN (0, 1));

-- The to-do queues read them through small partial indexes: few tickets are in either.
CREATE INDEX tickets_reopened ON tickets (unit_path, responsible_path) WHERE reopened_on IS NOT NULL AND status = 'rectifying';
CREATE INDEX tickets_deadline_pending ON tickets (unit_path) WHERE deadline_pending = 1;
