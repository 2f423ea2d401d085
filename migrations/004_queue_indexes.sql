-- 004: indexes for the to-do queues and the deadline and staleness filters, which every
-- page's navigation counts. Partial indexes keep them small: each holds only the tickets
-- that are in that queue.
CREATE INDEX tickets_extension_pending ON tickets (id) WHERE extension_deadline IS NOT NULL;
CREATE INDEX tickets_supervised_open ON tickets (id) WHERE supervised = 1 AND status <> 'closed';
CREATE INDEX tickets_callbacks_due ON tickets (id) WHERE status = 'closed' AND callback_count = 0;
CREATE INDEX tickets_returned ON tickets (id) WHERE status = 'rectifying' AND return_count > 0;
CREATE INDEX tickets_progress ON tickets (status, last_progress_on);
CREATE INDEX tickets_open_deadline ON tickets (deadline) WHERE status <> 'closed';
CREATE INDEX tickets_color ON tickets (color) WHERE color IS NOT NULL;
