-- 020: the keyword finds a problem by its address and by who reported it: the address and the
-- caller's name as bigram terms (as 011), and the caller's phone by its last digits (a term per
-- ending of 4 to 11 digits, "p5678" for a number ending in 5678: the platform's operators look a
-- caller up by the last four). A separate table, so that the search can leave out the personal
-- columns for whoever may not see them (src/domain/ticket.c).
CREATE VIRTUAL TABLE tickets_contact_fts USING fts5 (address, person, tokenize = 'ascii');
INSERT INTO tickets_contact_fts (rowid, address, person)
SELECT id, search_terms(address), search_person_terms(reporter_name, reporter_phone)
  FROM tickets WHERE address <> '' OR reporter_name <> '' OR reporter_phone <> '';
INSERT INTO tickets_contact_fts (tickets_contact_fts) VALUES ('optimize');
