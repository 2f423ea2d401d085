-- 034: the same file on two tickets (SPEC section 12: the same photo cannot close two problems
-- unnoticed) is found by its SHA-256 through this index.
CREATE INDEX attachments_sha256 ON attachments (sha256, ticket_id);
