/*
 * auth.h — passwords: the policy, hashing with argon2id (libsodium) and verification.
 */
#ifndef LEDGER_AUTH_H
#define LEDGER_AUTH_H

#include <stddef.h>

#include "util.h"

/*
 * At least 8 characters, from at least 3 of: lower case, upper case, digits, others; and not
 * a common or easily guessed password (zxcvbn, with login as a word to avoid; NULL: none).
 */
int auth_password_ok(const char *password, const char *login, struct err *e);

/* argon2id hash string into out (crypto_pwhash_STRBYTES). 0, or -1 when memory ran out. */
int auth_password_hash(const char *password, char *out, size_t outlen);

/* 1 if password matches the stored hash. */
int auth_password_verify(const char *hash, const char *password);

/* 1 if the stored hash was made with other limits than today's and should be redone. */
int auth_password_needs_rehash(const char *hash);

#endif
