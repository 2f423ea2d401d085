-- 007: the to-do queues' partial indexes in the ledger's sort order. Their counts now come
-- from the tallies (006); what remains is listing a queue's first page, which these indexes
-- give without reading or sorting anything outside the queue.
DROP INDEX tickets_extension_pending;
DROP INDEX tickets_supervised_open;
DROP INDEX tickets_callbacks_due;
DROP INDEX tickets_returned;
CREATE INDEX tickets_extension_pending ON tickets (urgency_rank, deadline, id) WHERE extension_deadline IS NOT NULL;
CREATE INDEX tickets_supervised_open ON tickets (urgency_rank, deadline, id) WHERE supervised = 1 AND status <> 'closed';
CREATE INDEX tickets_callbacks_due ON tickets (urgency_rank, deadline, id) WHERE status = 'closed' AND callback_count = 0;
CREATE INDEX tickets_returned ON tickets (urgency_rank, deadline, id) WHERE status = 'rectifying' AND return_count > 0;
