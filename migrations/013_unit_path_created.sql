-- 013: the index on the unit tree carries the day a ticket was logged, so that a street's
-- list filtered to a range of days counts its tickets from the index alone; with unit_path
-- alone it read every ticket of the street from the table (about a second for a street of
-- 330,000 tickets, 35 ms with this). The index is replaced, not joined by a second one: a
-- second index on unit_path gave the planner a choice, and with sampled statistics it took the
-- wrong one for the street's list and sorted the whole street.
-- The index's planner statistics go with it; whoever applies a migration takes them again.
DROP INDEX tickets_unit_path;
CREATE INDEX tickets_unit_path ON tickets (unit_path, urgency_rank, deadline, id, created_at);
