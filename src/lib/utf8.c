/*
 * utf8.c — the UTF-8 decoder (see utf8.h). Every other place that reads UTF-8 (forms, the
 * search index, masking, field lengths, upload names) goes through utf8_next.
 */
#include "utf8.h"

#include <assert.h>
#include <string.h>

long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	assert(*i < len);
	unsigned c = s[*i];
	int n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : -1;
	if (n < 0 || *i + (size_t)n >= len) { /* no sequence, or one cut short by the end */
		(*i)++;
		return -1;
	}
	unsigned long cp = n == 0 ? c : c & (0x3Fu >> n);
	for (int k = 1; k <= n; k++) {
		unsigned b = s[*i + (size_t)k];
		if ((b & 0xC0) != 0x80) {
			(*i)++;
			return -1;
		}
		cp = cp << 6 | (b & 0x3F);
	}
	static const unsigned long least[] = { 0, 0x80, 0x800, 0x10000 };
	if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		(*i)++;
		return -1;
	}
	*i += (size_t)n + 1;
	return (long)cp;
}

int utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len;)
		if (utf8_next((const unsigned char *)s, len, &i) < 0)
			return 0;
	return 1;
}

size_t utf8_chars(const char *s)
{
	size_t n = 0, len = strlen(s);
	for (size_t i = 0; i < len; n++)
		utf8_next((const unsigned char *)s, len, &i);
	return n;
}

size_t utf8_first_len(const char *s)
{
	size_t i = 0, len = strlen(s);
	if (len)
		utf8_next((const unsigned char *)s, len, &i);
	return i;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	size_t i = 0, end = 0;
	while (i < len) {
		utf8_next((const unsigned char *)s, len, &i);
		if (i > max)
			break;
		end = i;
	}
	return end;
}

size_t utf8_encode(unsigned long cp, char out[4])
{
	assert(cp <= 0x10FFFF);
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}
