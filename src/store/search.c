/*
 * search.c — index terms and match expressions for the ledger's text search (see search.h).
 */
#include "search.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"


/*
 * A code point as it is indexed: fullwidth ASCII (typed in a Chinese input method's fullwidth
 * mode) as ASCII, ASCII letters in lower case; 0 for what separates words (spaces,
 * punctuation, symbols, invalid bytes).
 */
static unsigned long term_cp(long cp)
{
	if (cp < 0)
		return 0;
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		cp -= 0xFEE0;
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			return (unsigned long)cp + ('a' - 'A');
		return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ? (unsigned long)cp : 0;
	}
	static const unsigned long separators[][2] = {
		{ 0x80, 0xBF },	    /* Latin-1 controls, punctuation and signs */
		{ 0xD7, 0xD7 },	    { 0xF7, 0xF7 },
		{ 0x2000, 0x2BFF }, /* general punctuation, symbols, arrows, shapes */
		{ 0x3000, 0x303F }, /* CJK punctuation: 、。「」 and the ideographic space */
		{ 0xFE10, 0xFE6F }, /* vertical, compatibility and small forms */
		{ 0xFF5F, 0xFFEF }, /* halfwidth punctuation, fullwidth signs */
		{ 0x1F000, 0x1FFFF }, /* emoji and pictographs */
	};
	for (size_t k = 0; k < sizeof separators / sizeof separators[0]; k++)
		if ((unsigned long)cp >= separators[k][0] && (unsigned long)cp <= separators[k][1])
			return 0;
	return (unsigned long)cp;
}


void search_terms(const char *text, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	char prev[4];
	size_t nprev = 0, i = 0;
	for (;;) {
		unsigned long cp = s[i] ? term_cp(utf8_next(s, SIZE_MAX, &i)) : 0;
		if (!cp) {
			/* The run's last character on its own: every occurrence starts a term. */
			if (nprev) {
				if (out->len)
					buf_putc(out, ' ');
				buf_append(out, prev, nprev);
			}
			nprev = 0;
			if (!s[i])
				return;
			continue;
		}
		char cur[4];
		size_t ncur = utf8_encode(cp, cur);
		if (nprev) {
			if (out->len)
				buf_putc(out, ' ');
			buf_append(out, prev, nprev);
			buf_append(out, cur, ncur);
		}
		memcpy(prev, cur, ncur);
		nprev = ncur;
	}
}

/* Appends k bytes to out (n bytes with its NUL, *len used) if they fit; returns whether. */
static int put(char *out, size_t n, size_t *len, const char *s, size_t k)
{
	if (*len + k + 1 > n)
		return 0;
	memcpy(out + *len, s, k);
	*len += k;
	out[*len] = '\0';
	return 1;
}

int search_match(const char *q, char *out, size_t n)
{
	const unsigned char *s = (const unsigned char *)(q ? q : "");
	size_t len = 0, i = 0;
	int words = 0;
	if (n)
		out[0] = '\0';
	while (s[i]) {
		/* The next run of letters and digits. */
		unsigned long run[64];
		int nrun = 0;
		unsigned long cp = 0;
		while (s[i] && !(cp = term_cp(utf8_next(s, SIZE_MAX, &i))))
			;
		while (cp) {
			if (nrun < (int)(sizeof run / sizeof run[0]))
				run[nrun++] = cp;
			cp = s[i] ? term_cp(utf8_next(s, SIZE_MAX, &i)) : 0;
		}
		if (!nrun)
			break;
		size_t start = len;
		char a[4], b[4];
		size_t na = utf8_encode(run[0], a);
		int ok = (!words || put(out, n, &len, " ", 1)) && put(out, n, &len, "\"", 1);
		if (ok && nrun == 1) {
			ok = put(out, n, &len, a, na) && put(out, n, &len, "\"*", 2);
		} else if (ok) {
			int grams = 0;
			for (int k = 1; k < nrun; k++) {
				size_t nb = utf8_encode(run[k], b);
				/* Room for the bigram, its space and the closing quote. */
				if (len + (grams ? 1 : 0) + na + nb + 2 > n)
					break;
				if (grams)
					put(out, n, &len, " ", 1);
				put(out, n, &len, a, na);
				put(out, n, &len, b, nb);
				grams++;
				memcpy(a, b, nb);
				na = nb;
			}
			ok = grams > 0 && put(out, n, &len, "\"", 1);
		}
		if (!ok) {
			/* No room left: the expression keeps the words before this one. */
			len = start;
			if (n)
				out[len] = '\0';
			break;
		}
		words++;
	}
	return words;
}

/* text with each code point as indexed and each separator run as one space. */
static void normalize(const char *text, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t i = 0;
	int gap = 1;
	buf_putc(out, ' ');
	while (s[i]) {
		unsigned long cp = term_cp(utf8_next(s, SIZE_MAX, &i));
		if (!cp) {
			if (!gap)
				buf_putc(out, ' ');
			gap = 1;
			continue;
		}
		char c[4];
		buf_append(out, c, utf8_encode(cp, c));
		gap = 0;
	}
	if (!gap)
		buf_putc(out, ' ');
}

/* The query's words as the index finds them: runs of at most 64 code points, each ended
 * by a NUL, the list ended by an empty one. */
static void query_words(const char *q, struct buf *out)
{
	struct buf norm;
	buf_init(&norm);
	normalize(q, &norm);
	const char *p = norm.data;
	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *end = strchr(p, ' ');
		if (!end || end == p)
			break;
		/* At most 64 code points, as search_match reads a run. */
		size_t k = 0, cps = 0;
		while (p + k < end && cps < 64) {
			k++;
			while (p + k < end && ((unsigned char)p[k] & 0xC0) == 0x80)
				k++;
			cps++;
		}
		buf_append(out, p, k);
		buf_putc(out, '\0');
		p = end;
	}
	buf_putc(out, '\0');
	buf_free(&norm);
}

/* Whether every word of words (query_words) is in one of the n texts. */
static int words_in(const struct buf *words, const char *const *texts, int n)
{
	struct buf norm[SEARCH_TEXTS];
	if (n > SEARCH_TEXTS)
		n = SEARCH_TEXTS;
	for (int k = 0; k < n; k++) {
		buf_init(&norm[k]);
		normalize(texts[k], &norm[k]);
	}
	int found = words->len > 1;
	for (const char *w = words->data; found && *w; w += strlen(w) + 1) {
		found = 0;
		for (int k = 0; k < n && !found; k++)
			found = norm[k].data && strstr(norm[k].data, w) != NULL;
	}
	for (int k = 0; k < n; k++)
		buf_free(&norm[k]);
	return found;
}

int search_has(const char *q, const char *const *texts, int n)
{
	struct buf words;
	buf_init(&words);
	query_words(q, &words);
	int found = words_in(&words, texts, n);
	buf_free(&words);
	return found;
}

static void free_buf(void *p)
{
	buf_free(p);
	free(p);
}

/* search_has(q, text...): the query's words are kept with the statement (auxdata), so a scan
 * parses them once; each text is normalized as the index reads it. */
static void has_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct buf *words = sqlite3_get_auxdata(ctx, 0);
	if (!words) {
		words = malloc(sizeof *words);
		if (!words) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
		buf_init(words);
		query_words((const char *)sqlite3_value_text(argv[0]), words);
		sqlite3_set_auxdata(ctx, 0, words, free_buf);
		words = sqlite3_get_auxdata(ctx, 0);
		if (!words) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
	}
	const char *texts[SEARCH_TEXTS];
	int n = argc - 1 > SEARCH_TEXTS ? SEARCH_TEXTS : argc - 1;
	for (int k = 0; k < n; k++)
		texts[k] = (const char *)sqlite3_value_text(argv[k + 1]);
	int found = words_in(words, texts, n);
	sqlite3_result_int(ctx, found);
}

static void terms_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct buf b;
	buf_init(&b);
	search_terms((const char *)sqlite3_value_text(argv[0]), &b);
	sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
	buf_free(&b);
}

void search_person_terms(const char *name, const char *phone, struct buf *out)
{
	search_terms(name ? name : "", out);
	char digits[40];
	size_t n = 0;
	for (const char *p = phone ? phone : ""; *p && n + 1 < sizeof digits; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	digits[n] = '\0';
	for (size_t k = PHONE_TAIL_MIN; k <= n && k <= PHONE_TAIL_MAX; k++)
		buf_printf(out, "%sp%s", out->len ? " " : "", digits + n - k);
}

int search_phone_tail(const char *q, char *out, size_t n)
{
	size_t len = strlen(q);
	if (len < PHONE_TAIL_MIN || len > PHONE_TAIL_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (q[i] < '0' || q[i] > '9')
			return 0;
	snprintf(out, n, "p%s", q);
	return 1;
}

static void person_terms_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct buf b;
	buf_init(&b);
	search_person_terms((const char *)sqlite3_value_text(argv[0]), (const char *)sqlite3_value_text(argv[1]), &b);
	sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
	buf_free(&b);
}

int search_register(sqlite3 *db)
{
	int rc = sqlite3_create_function(db, "search_terms", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
					 NULL, terms_fn, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "search_has", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
					     NULL, has_fn, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function(db, "search_person_terms", 2,
					     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, person_terms_fn, NULL,
					     NULL);
	return rc;
}
