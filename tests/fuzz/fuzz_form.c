/*
 * fuzz_form.c — libFuzzer target: urlencoded form bodies and query strings (form_parse) and
 * the UTF-8 check behind them. Any input must parse or be refused without a crash or leak,
 * and what parses must be valid UTF-8 without NUL bytes. Each value is also taken as a search
 * query (q): its index terms must be valid UTF-8 of letters, digits and spaces, and its match
 * expression must fit and be one that FTS5 accepts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "form.h"
#include "search.h"

static sqlite3_stmt *match_stmt(void)
{
	static sqlite3 *db;
	static sqlite3_stmt *st;
	if (!st && (sqlite3_open(":memory:", &db) != SQLITE_OK ||
		    sqlite3_exec(db, "CREATE VIRTUAL TABLE f USING fts5 (a, tokenize = 'ascii');"
				     "INSERT INTO f (a) VALUES ('供水 水管 管网 网 xr r');", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, "SELECT count(*) FROM f WHERE f MATCH ?1", -1, &st, NULL) != SQLITE_OK))
		abort();
	return st;
}

static void check_search(const char *q)
{
	struct buf terms;
	buf_init(&terms);
	search_terms(q, &terms);
	if (terms.len && !utf8_valid(terms.data, terms.len))
		abort();
	for (size_t i = 0; i < terms.len; i++) {
		unsigned char c = (unsigned char)terms.data[i];
		if (c < 0x80 && c != ' ' && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z'))
			abort();
	}
	buf_free(&terms);
	char expr[256];
	int words = search_match(q, expr, sizeof expr);
	if (strlen(expr) >= sizeof expr || (words == 0) != (expr[0] == '\0'))
		abort();
	if (words > 0) {
		sqlite3_stmt *st = match_stmt();
		sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			abort(); /* an expression FTS5 refuses would be a 500 for a person's search */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f;
	if (form_parse((const char *)data, size, &f) == 0) {
		for (int i = 0; i < f.n; i++) {
			if (!utf8_valid(f.keys[i], strlen(f.keys[i])) || !utf8_valid(f.values[i], strlen(f.values[i])))
				abort();
			(void)form_get(&f, f.keys[i]);
			check_search(f.values[i]);
		}
		form_free(&f);
	}
	return 0;
}
