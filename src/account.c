/*
 * account.c — signing in and out: the login page, POST /login, POST /logout, and the
 * session API (POST/GET/DELETE /api/v1/session). One function, attempt_login, holds the
 * rules for both.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "db.h"
#include "handlers.h"

enum login_outcome { LOGIN_OK, LOGIN_BAD, LOGIN_LOCKED, LOGIN_SLOW, LOGIN_ERROR };

/* A hash to check unknown logins against, so that they take as long as known ones. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy_hash(void)
{
	auth_password_hash("no such user, no such password", dummy_hash, sizeof dummy_hash);
}

static enum login_outcome attempt_login(struct req *r, const char *login, const char *password,
					struct session_new *sn, long long *retry_after)
{
	struct db *db = db_reader();
	struct login_gate g;
	struct err e = { 0 };
	*retry_after = 0;
	if (!db || login_gate_read(db, login, http_client_ip(r), &g) != 0)
		return LOGIN_ERROR;
	if (g.ip_wait > 0) {
		log_warn("login slowed down: address %s must wait %llds", http_client_ip(r), g.ip_wait);
		*retry_after = g.ip_wait;
		return LOGIN_SLOW;
	}
	long long now = (long long)clock_now();
	if (g.user_id && g.locked_until > now) {
		log_warn("login refused: account %s is locked (address %s)", login, http_client_ip(r));
		*retry_after = g.locked_until - now;
		return LOGIN_LOCKED;
	}
	int ok;
	if (g.user_id) {
		ok = auth_password_verify(g.hash, password);
	} else {
		pthread_once(&dummy_once, make_dummy_hash);
		auth_password_verify(dummy_hash, password);
		ok = 0;
	}
	if (!ok) {
		struct login_failure f = { login, http_client_ip(r), 0 };
		db_write(login_failure_job, &f, &e);
		log_warn("login failed: %s from %s", login, http_client_ip(r));
		if (f.locked_now)
			log_warn("account locked: %s after %d failed logins within %d minutes", login, LOCKOUT_FAILURES,
				 LOCKOUT_WINDOW_SECONDS / 60);
		return LOGIN_BAD;
	}
	/* Hashes made under older limits are redone now, while the password is at hand. */
	char fresh[crypto_pwhash_STRBYTES];
	sn->rehash = NULL;
	if (auth_password_needs_rehash(g.hash) && auth_password_hash(password, fresh, sizeof fresh) == 0)
		sn->rehash = fresh;
	sn->user_id = g.user_id;
	sn->ip = http_client_ip(r);
	sn->login = login;
	int rc = db_write(session_create_job, sn, &e);
	sn->rehash = NULL;
	if (rc != 0) {
		log_error("%s", e.message);
		return LOGIN_ERROR;
	}
	log_info("login: %s from %s", login, http_client_ip(r));
	return LOGIN_OK;
}

static void outcome_message(enum login_outcome o, long long retry, char *msg, size_t n)
{
	switch (o) {
	case LOGIN_BAD:
		snprintf(msg, n, "登录名或密码错误");
		break;
	case LOGIN_LOCKED:
		snprintf(msg, n, "该账号因连续 %d 次登录失败已被锁定，请 %lld 分钟后再试", LOCKOUT_FAILURES,
			 (retry + 59) / 60);
		break;
	case LOGIN_SLOW:
		snprintf(msg, n, "登录尝试过于频繁，请 %lld 秒后再试", retry);
		break;
	default:
		snprintf(msg, n, "登录暂时无法完成，请稍后重试");
		break;
	}
}

static int outcome_status(enum login_outcome o)
{
	return o == LOGIN_BAD ? 401 : o == LOGIN_LOCKED || o == LOGIN_SLOW ? 429 : 500;
}

static void retry_header(struct req *r, long long retry)
{
	if (retry > 0) {
		char v[24];
		snprintf(v, sizeof v, "%lld", retry);
		http_header(r, "Retry-After", v);
	}
}

/* A "next" address is followed only if it is a path on this site. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strchr(next, '\r') || strchr(next, '\n') ||
	    strlen(next) > 500)
		return "/";
	return next;
}

static void login_form(struct req *r, int status, const char *login, const char *next, const char *error)
{
	http_page(r, status, "login",
		  json_pack("{s:s,s:s,s:s*}", "login", login ? login : "", "next", safe_next(next), "error", error));
}

/* GET /login */
void page_login(struct req *r)
{
	if (!http_authorize(r, ACT_PUBLIC, NULL))
		return;
	if (r->signed_in) {
		http_redirect(r, "/");
		return;
	}
	login_form(r, 200, "", http_query(r, "next"), NULL);
}

/* POST /login */
void page_login_post(struct req *r)
{
	if (!http_authorize(r, ACT_PUBLIC, NULL))
		return;
	const struct form *f = http_form(r);
	const char *login = f ? form_get(f, "login") : NULL;
	const char *password = f ? form_get(f, "password") : NULL;
	const char *next = f ? form_get(f, "next") : NULL;
	if (!login || !*login || !password || !*password) {
		login_form(r, 422, login, next, "请填写登录名和密码");
		return;
	}
	struct session_new sn = { 0 };
	long long retry;
	enum login_outcome o = attempt_login(r, login, password, &sn, &retry);
	if (o == LOGIN_OK) {
		http_session_cookie(r, sn.token);
		http_redirect(r, safe_next(next));
	} else {
		char msg[200];
		outcome_message(o, retry, msg, sizeof msg);
		retry_header(r, retry);
		login_form(r, outcome_status(o), login, next, msg);
	}
	sodium_memzero(&sn, sizeof sn);
}

static void end_session(struct req *r)
{
	struct err e;
	db_write(session_delete_job, &r->user.session_id, &e);
	log_info("logout: %s", r->user.login);
	http_session_cookie(r, NULL);
}

/* POST /logout */
void page_logout(struct req *r)
{
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	end_session(r);
	http_redirect(r, "/login");
}

static json_t *session_json(struct req *r, const char *csrf)
{
	return json_pack("{s:{s:s,s:s,s:s,s:s},s:s}", "user", "login", r->user.login, "name", r->user.name, "role",
			 role_code(r->user.role), "unit", r->user.unit_code, "csrf_token", csrf);
}

/* POST /api/v1/session {login, password} */
void api_session_create(struct req *r)
{
	if (!http_authorize(r, ACT_PUBLIC, NULL))
		return;
	json_t *body = http_json_body(r);
	if (!body)
		return;
	const char *login = json_string_value(json_object_get(body, "login"));
	const char *password = json_string_value(json_object_get(body, "password"));
	if (!login || !*login || !password || !*password) {
		json_t *fields = json_object();
		if (!login || !*login)
			json_object_set_new(fields, "login", json_string("请填写登录名"));
		if (!password || !*password)
			json_object_set_new(fields, "password", json_string("请填写密码"));
		http_json(r, 422, json_pack("{s:{s:s,s:s,s:o}}", "error", "code", "validation", "message",
					    "请填写登录名和密码", "fields", fields));
		json_decref(body);
		return;
	}
	struct session_new sn = { 0 };
	long long retry;
	enum login_outcome o = attempt_login(r, login, password, &sn, &retry);
	json_decref(body);
	if (o != LOGIN_OK) {
		char msg[200];
		outcome_message(o, retry, msg, sizeof msg);
		retry_header(r, retry);
		http_error(r, outcome_status(o),
			   o == LOGIN_BAD ? "bad_credentials" : o == LOGIN_LOCKED ? "locked" : o == LOGIN_SLOW ? "too_many_attempts" : "error",
			   msg);
		return;
	}
	/* Answer with the new session's user: read it back through the normal lookup. */
	long long expired;
	struct db *db = db_reader();
	if (!db || !session_lookup(db, sn.token, &r->user, &expired)) {
		http_error(r, 500, "error", "登录暂时无法完成，请稍后重试");
		return;
	}
	r->signed_in = 1;
	http_session_cookie(r, sn.token);
	http_json(r, 200, session_json(r, sn.csrf));
	sodium_memzero(&sn, sizeof sn);
}

/* GET /api/v1/session */
void api_session_get(struct req *r)
{
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	http_json(r, 200, session_json(r, r->user.csrf));
}

/* DELETE /api/v1/session */
void api_session_delete(struct req *r)
{
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	end_session(r);
	http_json(r, 200, json_pack("{s:b}", "ok", 1));
}
