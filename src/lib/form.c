/*
 * form.c — urlencoded form parsing (values must be UTF-8: utf8.h).
 */
#include "form.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) into a new string; NULL if malformed. */
static char *decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			out[w++] = ' ';
		} else if (c == '%') {
			int hi = i + 1 < n ? hex_digit(s[i + 1]) : -1;
			int lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			out[w++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '\0') {
			free(out);
			return NULL;
		} else {
			out[w++] = c;
		}
	}
	out[w] = '\0';
	if (!utf8_valid(out, w)) {
		free(out);
		return NULL;
	}
	return out;
}

int form_parse(const char *s, size_t len, struct form *f)
{
	f->n = 0;
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && s[end] != '&')
			end++;
		if (end > i) {
			size_t eq = i;
			while (eq < end && s[eq] != '=')
				eq++;
			if (f->n >= FORM_MAX_PAIRS)
				goto bad;
			char *k = decode(s + i, eq - i);
			char *v = eq < end ? decode(s + eq + 1, end - eq - 1) : xstrdup("");
			if (!k || !v) {
				free(k);
				free(v);
				goto bad;
			}
			f->keys[f->n] = k;
			f->values[f->n] = v;
			f->n++;
		}
		i = end + 1;
	}
	return 0;
bad:
	form_free(f);
	return -1;
}

void form_free(struct form *f)
{
	for (int i = 0; i < f->n; i++) {
		free(f->keys[i]);
		free(f->values[i]);
	}
	f->n = 0;
}

const char *form_text(const struct form *f, const char *key)
{
	const char *v = f ? form_get(f, key) : NULL;
	return v ? v : "";
}

const char *form_get(const struct form *f, const char *key)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], key) == 0)
			return f->values[i];
	return NULL;
}
