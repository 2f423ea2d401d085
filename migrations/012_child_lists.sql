-- 012: which of a ticket's child lists have ever had a row (1 progress, 2 attachments,
-- 4 callbacks, 8 links), so that the ticket page searches only those. The first row of a
-- kind sets its bit and nothing clears it: a set bit only costs a search that finds nothing.
-- Tickets from before this migration hold -1 (every bit): their lists are all searched.
-- New tickets are written with 0.
ALTER TABLE tickets ADD COLUMN child_lists INTEGER NOT NULL DEFAULT -1;
CREATE TRIGGER progress_child_list AFTER INSERT ON progress BEGIN
    UPDATE tickets SET child_lists = child_lists | 1 WHERE id = NEW.ticket_id AND child_lists & 1 = 0;
END;
CREATE TRIGGER attachments_child_list AFTER INSERT ON attachments BEGIN
    UPDATE tickets SET child_lists = child_lists | 2 WHERE id = NEW.ticket_id AND child_lists & 2 = 0;
END;
CREATE TRIGGER callbacks_child_list AFTER INSERT ON callbacks BEGIN
    UPDATE tickets SET child_lists = child_lists | 4 WHERE id = NEW.ticket_id AND child_lists & 4 = 0;
END;
CREATE TRIGGER ticket_links_child_list AFTER INSERT ON ticket_links BEGIN
    UPDATE tickets SET child_lists = child_lists | 8 WHERE id = NEW.ticket_id AND child_lists & 8 = 0;
END;
