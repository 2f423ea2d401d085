-- 025: the to-do counts read their partial indexes alone (partial_index in ticket.c). A
-- street's 超时未签收 count checked its scope on every waiting ticket's row (86,000 of them in a
-- million: 0.2–2 s), and the counts of two sections together (returned and not reporting;
-- a pause asked for on a supervised ticket) read each ticket of the smaller one. Each index
-- now carries the columns its counts compare, the list order in front where a list walks it
-- (SQLite reads an index alone only when it holds every column the query names, those of the
-- index's own condition too).
DROP INDEX tickets_sign_waiting;
CREATE INDEX tickets_sign_waiting ON tickets (sign_by, unit_path, responsible_path, status, signed_at)
 WHERE status = 'open' AND signed_at IS NULL AND sign_by IS NOT NULL;
DROP INDEX tickets_returned;
CREATE INDEX tickets_returned ON tickets (urgency_rank, deadline, id, unit_path, responsible_path, last_progress_on,
                                          suspended_on, status, return_count)
 WHERE status = 'rectifying' AND return_count > 0;
DROP INDEX tickets_suspend_pending;
CREATE INDEX tickets_suspend_pending ON tickets (id, unit_path, responsible_path, supervised, status, extension_deadline,
                                                 suspend_pending)
 WHERE suspend_pending = 1;
