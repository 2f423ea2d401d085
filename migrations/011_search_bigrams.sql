-- 011: the search index holds bigrams (see src/search.c). The trigram index found only words of
-- three characters or more; many Chinese words have two (供水, 噪音, 路灯), and those were
-- matched by reading every ticket's text: 0.8-2.5 s at a million tickets. Now every word of
-- two characters or more is a phrase of indexed terms, and a single character a prefix.
-- search_terms() is the application's SQL function: rows are written only by `ledger`.
DROP TABLE tickets_fts;
CREATE VIRTUAL TABLE tickets_fts USING fts5 (title, description, notes, tokenize = 'ascii');
INSERT INTO tickets_fts (rowid, title, description, notes)
SELECT t.id, search_terms(t.title), search_terms(t.description),
       search_terms(coalesce((SELECT group_concat(note, ' ') FROM progress WHERE ticket_id = t.id), ''))
  FROM tickets t;
-- One merged index: left in the many segments a bulk insert makes, the index merged them bit by
-- bit on each later write, and ticket creation ran at half its rate for a while (3.6 s here at a
-- million tickets).
INSERT INTO tickets_fts (tickets_fts) VALUES ('optimize');
