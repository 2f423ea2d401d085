/*
 * search.h — the text the search index holds, and the match expression a query becomes.
 *
 * Chinese has no spaces between words and many words are two characters long, so the index
 * holds every pair of neighbouring characters (a bigram) of each run of letters and digits, and
 * the run's last character on its own: "供水管网" is indexed as "供水 水管 管网 网". A word of
 * two characters or more is found as the phrase of its bigrams; a single character as a prefix
 * (every occurrence of a character starts one of the indexed terms). The FTS5 table uses the
 * "ascii" tokenizer, which splits only at ASCII spaces and punctuation: the terms stay as made.
 */
#ifndef LEDGER_SEARCH_H
#define LEDGER_SEARCH_H

#include <sqlite3.h>
#include <stddef.h>

#include "util.h"

/* Appends the index terms of text to out, separated by spaces (ASCII letters lowercased). */
void search_terms(const char *text, struct buf *out);

/*
 * The FTS5 MATCH expression for a query typed by a person: each run of letters and digits must
 * occur (AND). Written into out (at most n bytes with its NUL; a very long query keeps its first
 * words). Returns the number of words in the expression: 0 when the query has none (only
 * punctuation, say), and the caller then matches the text itself.
 */
int search_match(const char *q, char *out, size_t n);

#define SEARCH_TEXTS 6
/*
 * Whether texts (up to SEARCH_TEXTS, NULL for none) hold every word of q as the index would find it:
 * each run of q's letters and digits inside one run of one text. The same answer as the
 * MATCH of search_match(q) on the texts' search_terms, without the index: for walking rows
 * in the list's order when a word is common, so that a page stops after its rows.
 */
int search_has(const char *q, const char *const *texts, int n);

/*
 * The terms of who reported a problem: the name's (as search_terms) and the phone's endings of
 * PHONE_TAIL_MIN to PHONE_TAIL_MAX digits, each as "p" and the digits ("p5678").
 */
#define PHONE_TAIL_MIN 4
#define PHONE_TAIL_MAX 11
void search_person_terms(const char *name, const char *phone, struct buf *out);
/* A query that is the last digits of a phone (4 to 11 digits) as its term into out: 1, else 0. */
int search_phone_tail(const char *q, char *out, size_t n);

/* Registers search_terms(text), search_has(q, text, ...) and search_person_terms(name, phone)
 * as SQL functions on the connection. */
int search_register(sqlite3 *db);

#endif
