-- 032: two more of a ticket's child lists in child_lists (012): 16 co-units (协办) ever named,
-- 32 a ticket ever merged into this one (合并). A list's row of the API and the ticket page
-- then look for co-units and merged repeats only where there may be some, instead of one
-- search each per row (most tickets have neither). As in 012 a set bit is never cleared: a
-- reassignment that drops the co-units costs a search that finds nothing.
CREATE TRIGGER co_units_child_list AFTER INSERT ON co_units BEGIN
    UPDATE tickets SET child_lists = child_lists | 16 WHERE id = NEW.ticket_id AND child_lists & 16 = 0;
END;
CREATE TRIGGER tickets_merged_child_list AFTER UPDATE OF merged_into ON tickets WHEN NEW.merged_into IS NOT NULL BEGIN
    UPDATE tickets SET child_lists = child_lists | 32 WHERE id = NEW.merged_into AND child_lists & 32 = 0;
END;
UPDATE tickets SET child_lists = child_lists | 16
 WHERE id IN (SELECT ticket_id FROM co_units) AND child_lists & 16 = 0;
UPDATE tickets SET child_lists = child_lists | 32
 WHERE id IN (SELECT merged_into FROM tickets WHERE merged_into IS NOT NULL) AND child_lists & 32 = 0;
