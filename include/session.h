/*
 * session.h — sign-in sessions and login throttling.
 *
 * The cookie carries a 32-byte random token (base64url); the database keeps only its
 * BLAKE2b hash, so a copy of the database does not let anyone in. A session ends after
 * 30 minutes without use or 12 hours after sign-in, or at logout. Each session has its own
 * CSRF token. Five failed logins for one account within 15 minutes lock it for 15 minutes;
 * a client address that keeps failing is made to wait longer and longer between tries.
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

struct login_failure {
	const char *login;
	const char *ip;
	int locked_now; /* out: this failure locked the account */
};
int login_failure_job(struct db *w, void *arg, struct err *e); /* arg: struct login_failure */

/* What a login attempt may do before its password is checked. */
struct login_gate {
	long long user_id; /* 0 if no active user has that login */
	char hash[192];
	long long locked_until;
	long long ip_wait; /* seconds this address must still wait, 0 if none */
};
int login_gate_read(struct db *rdb, const char *login, const char *ip, struct login_gate *g);

#endif
