/*
 * test_search.c — the search index's terms and match expressions, and, through a real FTS5
 * table, that a search finds exactly the texts holding each word of the query (checked
 * against a plain substring search over random texts and queries).
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "search.h"
#include "test.h"

static void check_terms(const char *text, const char *want)
{
	struct buf b;
	buf_init(&b);
	search_terms(text, &b);
	CHECK_STR(b.data ? b.data : "", want);
	buf_free(&b);
}

static void check_match(const char *q, size_t n, int words, const char *want)
{
	char out[256];
	int got = search_match(q, out, n);
	if (got != words)
		fprintf(stderr, "search_match(%s): %d words, want %d\n", q, got, words);
	CHECK(got == words);
	CHECK_STR(out, want);
}

static void test_terms(void)
{
	check_terms("供水管网", "供水 水管 管网 网");
	check_terms("水", "水");
	check_terms("光明路，XR-2023 ", "光明 明路 路 xr r 20 02 23 3");
	check_terms("ＸＲ１号楼", "xr r1 1号 号楼 楼"); /* fullwidth letters and digits as ASCII */
	check_terms("「噪音」扰民！", "噪音 音 扰民 民");
	check_terms("\xff供水\xe4\xbe", "供水 水"); /* invalid bytes separate, they are not indexed */
	check_terms("", "");
	check_terms(NULL, "");
	check_terms("。 、", "");
}

static void test_match(void)
{
	check_match("供水", 256, 1, "\"供水\"");
	check_match("供水管网", 256, 1, "\"供水 水管 管网\"");
	check_match("水", 256, 1, "\"水\"*");
	check_match("光明路 漏损", 256, 2, "\"光明 明路\" \"漏损\"");
	check_match("XR-2023", 256, 2, "\"xr\" \"20 02 23\"");
	check_match("，。！ ", 256, 0, "");
	check_match("", 256, 0, "");
	/* Too long for the room: the first words, each whole or cut at a bigram, never half a term. */
	check_match("供水 漏损严重", 16, 1, "\"供水\"");
	check_match("漏损严重", 16, 1, "\"漏损 损严\"");
	check_match("漏损严重", 9, 1, "\"漏损\"");
	check_match("漏损严重", 8, 0, "");
}

/* ---- random texts and queries against a plain substring search ---- */

static const char *const alphabet[] = { "供", "水", "管", "网", "噪", "a", "B", "1", "，", " ", "。" };
#define NALPHA (sizeof alphabet / sizeof alphabet[0])
#define LETTERS 8 /* the first eight are letters; the rest separate words */

static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

/* A random text of up to max symbols (indices into alphabet). */
static int random_text(int *sym, int max, int letters_only)
{
	int n = 1 + (int)rnd((unsigned)max);
	for (int i = 0; i < n; i++)
		sym[i] = (int)rnd(letters_only ? LETTERS : NALPHA);
	return n;
}

static void to_utf8(const int *sym, int n, char *out)
{
	out[0] = '\0';
	for (int i = 0; i < n; i++)
		strcat(out, alphabet[sym[i]]);
}

/* Whether word (letters) occurs inside one run of letters of text; B and b are one letter. */
static int occurs(const int *text, int nt, const int *word, int nw)
{
	for (int i = 0; i + nw <= nt; i++) {
		int k = 0;
		while (k < nw && text[i + k] == word[k])
			k++;
		if (k == nw)
			return 1;
	}
	return 0;
}

static void test_against_substrings(void)
{
	sqlite3 *db;
	CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
	CHECK(search_register(db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE VIRTUAL TABLE f USING fts5 (a, b, tokenize = 'ascii')", NULL, NULL, NULL) ==
	      SQLITE_OK);
	enum { ROWS = 300, QUERIES = 400 };
	static int text[ROWS][2][24], ntext[ROWS][2];
	/* Each text goes into the index and, as typed, into a plain table for search_has. */
	CHECK(sqlite3_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_stmt *ins[2];
	CHECK(sqlite3_prepare_v2(db, "INSERT INTO f (rowid, a, b) VALUES (?1, search_terms(?2), search_terms(?3))", -1,
				 &ins[0], NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3)", -1, &ins[1], NULL) == SQLITE_OK);
	for (int r = 0; r < ROWS; r++) {
		char u[2][128];
		for (int c = 0; c < 2; c++) {
			ntext[r][c] = random_text(text[r][c], 24, 0);
			to_utf8(text[r][c], ntext[r][c], u[c]);
		}
		for (int k = 0; k < 2; k++) {
			sqlite3_bind_int(ins[k], 1, r + 1);
			sqlite3_bind_text(ins[k], 2, u[0], -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins[k], 3, u[1], -1, SQLITE_TRANSIENT);
			CHECK(sqlite3_step(ins[k]) == SQLITE_DONE);
			sqlite3_reset(ins[k]);
		}
	}
	sqlite3_finalize(ins[0]);
	sqlite3_finalize(ins[1]);
	sqlite3_stmt *find;
	CHECK(sqlite3_prepare_v2(db, "SELECT rowid FROM f WHERE f MATCH ?1 ORDER BY rowid", -1, &find, NULL) == SQLITE_OK);
	/* search_has over the same texts must find the same rows. */
	sqlite3_stmt *scan;
	CHECK(sqlite3_prepare_v2(db, "SELECT id FROM t WHERE search_has(?1, a, b, NULL) ORDER BY id", -1, &scan, NULL) ==
	      SQLITE_OK);
	int mismatches = 0, found_some = 0, scan_mismatches = 0;
	for (int qi = 0; qi < QUERIES; qi++) {
		/* One or two words of one to four letters, separated by a space. */
		int words[2][4], nw[2], nwords = 1 + (int)rnd(2);
		char q[128] = "";
		for (int w = 0; w < nwords; w++) {
			nw[w] = random_text(words[w], 4, 1);
			char u[64];
			to_utf8(words[w], nw[w], u);
			if (w)
				strcat(q, " ");
			strcat(q, u);
		}
		char expr[512];
		CHECK(search_match(q, expr, sizeof expr) == nwords);
		char hit[ROWS + 1] = { 0 };
		sqlite3_bind_text(find, 1, expr, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(find) == SQLITE_ROW)
			hit[sqlite3_column_int(find, 0)] = 1;
		sqlite3_reset(find);
		char scanned[ROWS + 1] = { 0 };
		sqlite3_bind_text(scan, 1, q, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(scan) == SQLITE_ROW)
			scanned[sqlite3_column_int(scan, 0)] = 1;
		sqlite3_reset(scan);
		for (int r = 0; r < ROWS; r++) {
			if (scanned[r + 1] != hit[r + 1] && scan_mismatches++ < 5)
				fprintf(stderr, "search_has(%s): row %d %d, the index %d\n", q, r + 1, scanned[r + 1], hit[r + 1]);
			int want = 1;
			for (int w = 0; w < nwords; w++)
				want = want && (occurs(text[r][0], ntext[r][0], words[w], nw[w]) ||
						occurs(text[r][1], ntext[r][1], words[w], nw[w]));
			found_some += want;
			if (want != hit[r + 1]) {
				if (mismatches++ < 5)
					fprintf(stderr, "query %s (%s): row %d found %d, holds %d\n", q, expr, r + 1,
						hit[r + 1], want);
			}
		}
	}
	sqlite3_finalize(find);
	sqlite3_finalize(scan);
	CHECK(mismatches == 0);
	CHECK(scan_mismatches == 0);
	CHECK(found_some > QUERIES); /* the queries do find texts: the comparison means something */
	sqlite3_close(db);
}

static void test_has(void)
{
	const char *t1[] = { "小区供水管网漏水", NULL, "整改：已维修" };
	CHECK(search_has("供水", t1, 3));
	CHECK(search_has("水 维修", t1, 3));     /* words may be in different texts */
	CHECK(!search_has("供水维修", t1, 3));   /* a word is inside one run of one text */
	CHECK(!search_has("管网，维", t1, 2));   /* the third text not given */
	const char *t2[] = { "XR-2023-000123 光明路", "" };
	CHECK(search_has("xr", t2, 2));
	CHECK(search_has("ＸＲ 000123", t2, 2)); /* fullwidth as ASCII */
	CHECK(!search_has("2023000123", t2, 2)); /* "-" separates runs */
	CHECK(!search_has("，。", t2, 2));        /* no word: nothing is found */
}

/* Who reported it: the name's terms and the phone's endings of 4 to 11 digits. */
static void test_person(void)
{
	struct buf b;
	buf_init(&b);
	search_person_terms("王芳", "138-1234-5678", &b);
	CHECK_STR(b.data, "王芳 芳 p5678 p45678 p345678 p2345678 p12345678 p812345678 p3812345678 p13812345678");
	buf_free(&b);
	buf_init(&b);
	search_person_terms("", "0516-8888", &b); /* a short landline: its endings of 4 to 8 */
	CHECK_STR(b.data, "p8888 p68888 p168888 p5168888 p05168888");
	buf_free(&b);
	buf_init(&b);
	search_person_terms("", "123", &b); /* fewer than 4 digits: nothing to find it by */
	CHECK(b.len == 0);
	buf_free(&b);
	char t[24];
	CHECK(search_phone_tail("5678", t, sizeof t) && !strcmp(t, "p5678"));
	CHECK(search_phone_tail("13812345678", t, sizeof t));
	CHECK(!search_phone_tail("567", t, sizeof t));           /* three digits are too few */
	CHECK(!search_phone_tail("138123456789", t, sizeof t)); /* twelve are no phone's end */
	CHECK(!search_phone_tail("56a8", t, sizeof t));
}

int main(void)
{
	test_person();
	test_terms();
	test_has();
	test_match();
	test_against_substrings();
	return test_summary("test_search");
}
