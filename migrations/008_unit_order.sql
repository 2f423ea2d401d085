-- 008: a street's ledger in the ledger's order. When a unit filter covers the tickets of one
-- unit path, its first page is the first rows of this index (the path index it replaces
-- served only ranges).
DROP INDEX tickets_unit_path;
CREATE INDEX tickets_unit_path ON tickets (unit_path, urgency_rank, deadline, id);
