-- 005: staff see the tickets of their unit's subtree (a range of unit paths). Counting a
-- to-do queue by status inside that range reads only the index.
CREATE INDEX tickets_status_unit_path ON tickets (status, unit_path, last_progress_on);
CREATE INDEX tickets_status_responsible_path ON tickets (status, responsible_path, last_progress_on);
