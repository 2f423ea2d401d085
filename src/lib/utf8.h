/*
 * utf8.h — the one UTF-8 decoder, and what is built on it: validation, counting characters,
 * cutting at a character boundary, encoding a code point. Strict (RFC 3629): no overlong
 * forms, no surrogates, nothing past U+10FFFF.
 */
#ifndef LEDGER_UTF8_H
#define LEDGER_UTF8_H

#include <stddef.h>

/*
 * The code point at s[*i] (s has len bytes; a NUL ends it early, as it is no continuation
 * byte), advancing *i past it; -1 for a byte that starts no valid sequence (*i then moves one
 * byte, so a loop always advances).
 */
long utf8_next(const unsigned char *s, size_t len, size_t *i);

/* 1 if the len bytes at s are valid UTF-8 (NUL bytes included as characters). */
int utf8_valid(const char *s, size_t len);

/* Characters in the NUL-terminated s (a stray byte counts as one). */
size_t utf8_chars(const char *s);

/* The bytes of s's first character (1 for a stray byte). */
size_t utf8_first_len(const char *s);

/* The longest prefix of the len bytes at s of at most max bytes that ends on a character. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* Writes code point cp (at most U+10FFFF) into out; its length in bytes. */
size_t utf8_encode(unsigned long cp, char out[4]);

#endif
