/*
 * session.h — sign-in sessions and login throttling.
 *
 * The cookie carries a 32-byte random token (base64url); the database keeps only its
 * BLAKE2b hash, so a copy of the database does not let anyone in. A session ends after
 * 30 minutes without use or 12 hours after sign-in, or at logout. Each session has its own
 * CSRF token. Five failed logins for one login from one address within 15 minutes lock that
 * login for that address for 15 minutes (so that nobody can lock another's account from
 * elsewhere); a known and an unknown login are answered alike. A client address that keeps
 * failing is made to wait longer and longer between tries, whatever the logins.
 */
#ifndef LEDGER_SESSION_H
#define LEDGER_SESSION_H

#include "authz.h"
#include "db.h"

#define SESSION_IDLE_SECONDS (30 * 60)
#define SESSION_MAX_SECONDS (12 * 60 * 60)
#define SESSION_TOUCH_SECONDS 60 /* last_seen is written at most once a minute */
#define LOCKOUT_FAILURES 5
#define LOCKOUT_WINDOW_SECONDS (15 * 60)
#define LOCKOUT_SECONDS (15 * 60)
#define IP_FREE_FAILURES 10 /* failures from one address before it is slowed down */

#define TOKEN_TEXT 64 /* base64url of 32 bytes is 43 characters; hex of 32 is 64 */

struct session_user {
	long long session_id;
	long long user_id;
	long long created_at, last_seen;
	enum role role;
	char login[65];
	char name[65];
	char unit_code[33];
	char unit_name[101];
	char unit_path[256];
	char csrf[TOKEN_TEXT + 1];
};

/*
 * Looks up the session of a cookie token on a read connection. Returns 1 and fills u when it
 * is valid now; 0 when unknown, expired or the user was deactivated (*expired_id is then the
 * session to delete, or 0).
 */
int session_lookup(struct db *rdb, const char *token, struct session_user *u, long long *expired_id);

/* Writer jobs (run through db_write). */
struct session_new {
	long long user_id;
	const char *ip;
	const char *login;
	const char *rehash; /* a new password hash to store, or NULL */
	char token[TOKEN_TEXT + 1]; /* out: the cookie value */
	char csrf[TOKEN_TEXT + 1];  /* out */
};
int session_create_job(struct db *w, void *arg, struct err *e);   /* arg: struct session_new */
int session_delete_job(struct db *w, void *arg, struct err *e);   /* arg: long long session id */
int session_touch_job(struct db *w, void *arg, struct err *e);    /* arg: long long session id */

/* A sign-in attempt, counted before its password is checked (login_attempt_job). */
struct login_attempt {
	const char *login;
	const char *ip;
	long long wait; /* out: seconds to wait; the attempt was not counted and must not go on */
	int locked;     /* out: refused because this login is locked for this address */
	int number;     /* out: the attempt's number within the window (1 to LOCKOUT_FAILURES) */
};
int login_attempt_job(struct db *w, void *arg, struct err *e); /* arg: struct login_attempt */

/* The active user of a login: *user_id 0 if there is none. 0, or -1 on a database error. */
int login_user_read(struct db *rdb, const char *login, long long *user_id, char *hash, size_t n);

#endif
