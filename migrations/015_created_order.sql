-- 015: tickets by the day they were logged, carrying the list's order. A list over a range of
-- days that holds a small share of its scope reads the range from this index, keeps the
-- page's first rows of the order in a small sort of keys, and only then reads those rows
-- (see list_rows in ticket.c); walking the order index instead skipped every ticket logged
-- outside the range (the oldest come first in deadline order): 1.3 s for the last three days
-- of a million tickets. The whole ledger's count over a range of days reads it alone too.
CREATE INDEX tickets_created_order ON tickets (created_at, urgency_rank, deadline, id);
