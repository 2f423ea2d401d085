/*
 * auth.c — password policy (composition, and zxcvbn against common passwords) and argon2id
 * hashing.
 *
 * The limits follow the OWASP recommendation for argon2id (19 MiB, 2 passes): strong enough
 * for a login form. One hash is computed at a time, so that a burst of logins (which run on
 * the request threads, 32 of them) costs waiting, not 19 MiB each.
 */
#include "auth.h"
#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <zxcvbn.h>

#define PWHASH_OPSLIMIT 2ULL
#define PWHASH_MEMLIMIT (19ULL * 1024 * 1024)

static pthread_mutex_t pwhash_lock = PTHREAD_MUTEX_INITIALIZER;

/* The hash's 19 MiB go back to the system at once rather than staying cached for later. */
static void pwhash_done(void)
{
	mem_release_free();
	pthread_mutex_unlock(&pwhash_lock);
}

/*
 * How hard a password is to guess, by zxcvbn (Dropbox's estimator, as Debian ships it): it
 * knows the most common passwords of public breaches and their l33t forms (Password1,
 * P@ssw0rd, Admin@123), keyboard walks, dates and sequences, and the login itself. Below
 * about a million guesses (20 bits) a password falls to a short list, lockout or not.
 */
#define PASSWORD_MIN_BITS 20.0

static double guess_bits(const char *password, const char *login)
{
	const char *words[] = { login && *login ? login : NULL, NULL };
	return ZxcvbnMatch(password, words, NULL);
}

int auth_password_ok(const char *password, const char *login, struct err *e)
{
	size_t len = strlen(password);
	int lower = 0, upper = 0, digit = 0, other = 0;
	for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
		if (*p >= 'a' && *p <= 'z')
			lower = 1;
		else if (*p >= 'A' && *p <= 'Z')
			upper = 1;
		else if (*p >= '0' && *p <= '9')
			digit = 1;
		else
			other = 1;
	}
	if (len < 8 || lower + upper + digit + other < 3) {
		err_set(e, 422, "weak_password", "password",
			"密码至少 8 位，并包含小写字母、大写字母、数字、符号中的至少三类");
		return 0;
	}
	if (len > 256) {
		err_set(e, 422, "weak_password", "password", "密码不能超过 256 个字符");
		return 0;
	}
	if (guess_bits(password, login) < PASSWORD_MIN_BITS) {
		err_set(e, 422, "weak_password", "password",
			"该密码过于常见或容易猜到（如 Password1、Admin@123、含登录名的密码），请换一个");
		return 0;
	}
	return 1;
}

int auth_password_hash(const char *password, char *out, size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	pthread_mutex_lock(&pwhash_lock);
	int rc = crypto_pwhash_str_alg(out, password, strlen(password), PWHASH_OPSLIMIT, (size_t)PWHASH_MEMLIMIT,
				       crypto_pwhash_ALG_ARGON2ID13);
	pwhash_done();
	return rc;
}

int auth_password_verify(const char *hash, const char *password)
{
	pthread_mutex_lock(&pwhash_lock);
	int ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	pwhash_done();
	return ok;
}

int auth_password_needs_rehash(const char *hash)
{
	return crypto_pwhash_str_needs_rehash(hash, PWHASH_OPSLIMIT, (size_t)PWHASH_MEMLIMIT) != 0;
}
