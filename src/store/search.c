/*
 * search.c — index terms and match expressions for the ledger's text search (see search.h).
 */
#include "search.h"

#include <stdint.h>
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

static void terms_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	struct buf b;
	buf_init(&b);
	search_terms((const char *)sqlite3_value_text(argv[0]), &b);
	sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
	buf_free(&b);
}

int search_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "search_terms", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				       NULL, terms_fn, NULL, NULL);
}
