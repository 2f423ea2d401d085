/*
 * auth.c — password policy and argon2id hashing.
 *
 * The limits follow the OWASP recommendation for argon2id (19 MiB, 2 passes): strong enough
 * for a login form. One hash is computed at a time, so that a burst of logins (which run on
 * the request threads, 32 of them) costs waiting, not 19 MiB each.
 */
#include "auth.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define PWHASH_OPSLIMIT 2ULL
#define PWHASH_MEMLIMIT (19ULL * 1024 * 1024)

static pthread_mutex_t pwhash_lock = PTHREAD_MUTEX_INITIALIZER;

/* tcmalloc's call, present when the server is linked with it: hands the hash's 19 MiB back to
 * the system at once rather than keeping it cached for later. */
extern void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));

static void pwhash_done(void)
{
	if (MallocExtension_ReleaseFreeMemory)
		MallocExtension_ReleaseFreeMemory();
	pthread_mutex_unlock(&pwhash_lock);
}

int auth_password_ok(const char *password, struct err *e)
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
