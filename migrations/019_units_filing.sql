-- 019: which units file a ledger and report progress by the campaign's phases (SPEC section 6's
-- filing checks, the dispatch notice's 阶段报送 columns). Streets do; the district's own
-- departments do not unless the admin says so (a department that owns problems, say): the
-- notice lists only the units that file, so a department is never shown as 未报送.
ALTER TABLE units ADD COLUMN files_ledger INTEGER NOT NULL DEFAULT 0 CHECK (files_ledger IN (0, 1));
UPDATE units SET files_ledger = 1 WHERE kind = 'street';
CREATE TRIGGER units_files_ledger AFTER INSERT ON units WHEN NEW.kind = 'street'
BEGIN
    UPDATE units SET files_ledger = 1 WHERE id = NEW.id;
END;
