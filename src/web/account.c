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
	struct err e = { 0 };
	*retry_after = 0;
	struct login_attempt a = { login, http_client_ip(r), 0, 0, 0 };
	if (!db || db_write(login_attempt_job, &a, &e) != 0)
		return LOGIN_ERROR;
	if (a.wait > 0 && !a.locked) {
		log_warn("login slowed down: address %s must wait %llds", a.ip, a.wait);
		*retry_after = a.wait;
		return LOGIN_SLOW;
	}
	if (a.locked) {
		log_warn("login refused: %s is locked for address %s", login, a.ip);
		*retry_after = a.wait;
		return LOGIN_LOCKED;
	}
	long long user_id;
	char hash[192];
	if (login_user_read(db, login, &user_id, hash, sizeof hash) != 0)
		return LOGIN_ERROR;
	int ok;
	if (user_id) {
		ok = auth_password_verify(hash, password);
	} else {
		pthread_once(&dummy_once, make_dummy_hash);
		auth_password_verify(dummy_hash, password);
		ok = 0;
	}
	if (!ok) {
		log_warn("login failed: %s from %s", login, a.ip);
		if (a.number >= LOCKOUT_FAILURES)
			log_warn("account locked: %s after %d failed logins within %d minutes, for address %s", login,
				 LOCKOUT_FAILURES, LOCKOUT_WINDOW_SECONDS / 60, a.ip);
		return LOGIN_BAD;
	}
	/* Hashes made under older limits are redone now, while the password is at hand. */
	char fresh[crypto_pwhash_STRBYTES];
	sn->rehash = NULL;
	if (auth_password_needs_rehash(hash) && auth_password_hash(password, fresh, sizeof fresh) == 0)
		sn->rehash = fresh;
	sodium_memzero(hash, sizeof hash);
	sn->user_id = user_id;
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

/* A "next" address is followed only if it is a page of this site. */
static const char *safe_next(const char *next)
{
	return routes_safe_next(next) ? next : "/";
}

/*
 * Login CSRF: the sign-in form carries a token that also travels in a cookie of its own
 * (SameSite=Strict, for /login only); POST /login goes on only when both agree, so no other
 * site can sign a browser in to an account of its choosing. Each form gets a fresh token.
 */
#define LOGIN_COOKIE "login_token"
#define LOGIN_TOKEN_SECONDS (2 * 60 * 60)

static void login_form(struct req *r, int status, const char *login, const char *next, const char *error)
{
	unsigned char raw[16];
	char token[33];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(token, sizeof token, raw, sizeof raw);
	http_cookie(r, LOGIN_COOKIE, token, "/login", LOGIN_TOKEN_SECONDS);
	http_page(r, status, "login",
		  json_pack("{s:s,s:s,s:s*,s:s}", "login", login ? login : "", "next", safe_next(next), "error", error,
			    "login_token", token));
}

static int login_token_ok(struct req *r, const struct form *f)
{
	const char *cookie = http_request_cookie(r, LOGIN_COOKIE);
	const char *given = f ? form_get(f, "login_token") : NULL;
	return cookie && given && strlen(cookie) == 32 && strlen(given) == 32 && sodium_memcmp(cookie, given, 32) == 0;
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
	if (!f) {
		login_form(r, 422, NULL, NULL, "提交的表单内容有误（须为 UTF-8 文本），请重新填写");
		return;
	}
	if (!login || !*login || !password || !*password) {
		login_form(r, 422, login, next, "请填写登录名和密码");
		return;
	}
	if (http_cross_site(r) || !login_token_ok(r, f)) {
		log_warn("login form refused: no matching login token (address %s)", http_client_ip(r));
		login_form(r, 403, login, next, "登录页面已过期或来自其他网站，请重新输入后登录");
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
	/* Programs sign in here; a browser sent here by another site is refused (login CSRF). */
	if (http_cross_site(r)) {
		log_warn("login refused: cross-site request from %s", http_client_ip(r));
		http_error(r, 403, "cross_site", "不接受来自其他网站的登录请求");
		return;
	}
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
		http_error_with(r, 422, "validation", "请填写登录名和密码", fields, NULL);
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
