/*
 * form.h — application/x-www-form-urlencoded bodies and query strings: "+" is a space,
 * %XX a byte. Pairs keep their order; a key may repeat.
 */
#ifndef LEDGER_FORM_H
#define LEDGER_FORM_H

#include "utf8.h"

#include <stddef.h>

#define FORM_MAX_PAIRS 256

struct form {
	int n;
	char *keys[FORM_MAX_PAIRS];
	char *values[FORM_MAX_PAIRS];
};

/*
 * Parses s[0..len) into f (which owns copies; free with form_free). Returns 0, or -1 when
 * the input is malformed (a bad %-escape, a NUL byte, invalid UTF-8, too many pairs);
 * f then holds nothing.
 */
int form_parse(const char *s, size_t len, struct form *f);
void form_free(struct form *f);

/* The first value of key, or NULL. */
const char *form_get(const struct form *f, const char *key);

/* The first value of key, or "" when there is none (or no form at all). */
const char *form_text(const struct form *f, const char *key);

/* The value of a hexadecimal digit, or -1. */
int hex_digit(char c);

#endif
