-- 030: the cards a ticket earned, on the ticket itself (bit 1 yellow, bit 2 red, any deadline):
-- the ledger's rows show them, and a list page then reads no other table per row.
ALTER TABLE tickets ADD COLUMN card_flags INTEGER NOT NULL DEFAULT 0;

UPDATE tickets SET card_flags = (SELECT coalesce(max(kind = 'yellow'), 0) + 2 * coalesce(max(kind = 'red'), 0)
                                   FROM cards c WHERE c.ticket_id = tickets.id)
 WHERE id IN (SELECT ticket_id FROM cards);

CREATE TRIGGER cards_flags AFTER INSERT ON cards
BEGIN
    UPDATE tickets SET card_flags = card_flags | CASE NEW.kind WHEN 'yellow' THEN 1 ELSE 2 END
     WHERE id = NEW.ticket_id;
END;

-- The dispatch report counts a period's cards by the unit carded, from their index alone; its
-- dispatches come from the tallies (kind 'dispatch'), so 028's index by time is not needed.
DROP INDEX cards_at;
CREATE INDEX cards_period ON cards (at, unit_id, kind);
DROP INDEX dispatches_at;
