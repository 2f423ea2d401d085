-- 017: urgency and complexity are two facts. Urgency (紧急/一般) is what the person logging the
-- problem chose; complexity follows from the deadline: beyond the end of the campaign's
-- rectification phase the case is complex (seed 000 §三.二.2) and needs a public commitment
-- and interim measures. Until now a complex case was stored as the urgency 'complex', which
-- lost an urgent ticket's urgency; such tickets become 'normal' (their urgency is not known)
-- and complex. From now on the deadline decides complexity, whatever changes it (an edit, an
-- extension), by the trigger below; creation sets it with the ticket.
ALTER TABLE tickets ADD COLUMN complex INTEGER NOT NULL DEFAULT 0 CHECK (complex IN (0, 1));

UPDATE tickets SET complex = 1, urgency = 'normal', urgency_rank = 2 WHERE urgency = 'complex';
UPDATE tickets SET complex = 1
 WHERE complex = 0
   AND deadline > (SELECT max(end_date) FROM campaign_phases p
                    WHERE p.campaign_id = tickets.campaign_id AND p.kind = 'rectify');

CREATE TRIGGER tickets_complex AFTER UPDATE OF deadline ON tickets
BEGIN
    UPDATE tickets
       SET complex = coalesce(NEW.deadline > (SELECT max(end_date) FROM campaign_phases p
                                               WHERE p.campaign_id = NEW.campaign_id AND p.kind = 'rectify'), 0)
     WHERE id = NEW.id;
END;
