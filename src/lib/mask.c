/*
 * mask.c — masking names and phone numbers.
 */
#include "mask.h"

#include <string.h>

#include "utf8.h"


void mask_name(const char *name, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)(name ? name : "");
	while (*s == ' ')
		s++;
	if (!*s)
		return;
	size_t first = utf8_first_len((const char *)s);
	buf_append(out, s, first);
	s += first;
	size_t rest = 0;
	while (*s) {
		s += utf8_first_len((const char *)s);
		rest++;
	}
	/* A one-character name still hides that it is one character long. */
	for (size_t i = 0; i < (rest ? rest : 1); i++)
		buf_putc(out, '*');
}

void mask_phone(const char *phone, struct buf *out)
{
	const char *p = phone ? phone : "";
	size_t n = strlen(p);
	if (n == 0)
		return;
	if (n >= 11) {
		/* 138****5678: the mobile prefix and the last four stay. */
		buf_append(out, p, 3);
		for (size_t i = 3; i < n - 4; i++)
			buf_putc(out, '*');
		buf_append(out, p + n - 4, 4);
	} else if (n > 4) {
		for (size_t i = 0; i < n - 4; i++)
			buf_putc(out, '*');
		buf_append(out, p + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			buf_putc(out, '*');
	}
}
