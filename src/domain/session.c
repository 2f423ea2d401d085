/*
 * session.c — sessions, CSRF tokens, lockout and address slow-down.
 */
#include "session.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void token_hash(const char *token, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* A session's row as read, before the clock is asked whether it still holds. */
struct session_row {
	struct session_user u;
	int active;
};

static int session_row(struct db *rdb, const char *th, struct session_row *row)
{
	static const char q[] =
		"SELECT s.id, s.user_id, s.created_at, s.last_seen, s.csrf_token, u.login, u.name, u.role, "
		"un.code, un.name, un.path, u.active "
		"FROM sessions s JOIN users u ON u.id = s.user_id JOIN units un ON un.id = u.unit_id "
		"WHERE s.token_hash = ?1";
	/* Every request reads it: remembered until anything in the ledger changes (a sign-out,
	 * a touch, a deactivated user all do). */
	char key[96];
	snprintf(key, sizeof key, "session\x1f%s", th);
	if (db_memo_get_bytes(rdb, key, row, sizeof *row))
		return row->u.session_id != 0;
	memset(row, 0, sizeof *row);
	sqlite3_stmt *st = db_prepare(rdb, q);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
	struct session_user *u = &row->u;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		u->session_id = sqlite3_column_int64(st, 0);
		u->user_id = sqlite3_column_int64(st, 1);
		u->created_at = sqlite3_column_int64(st, 2);
		u->last_seen = sqlite3_column_int64(st, 3);
		copy(u->csrf, sizeof u->csrf, db_text(st, 4));
		copy(u->login, sizeof u->login, db_text(st, 5));
		copy(u->name, sizeof u->name, db_text(st, 6));
		u->role = role_from_code(db_text(st, 7));
		copy(u->unit_code, sizeof u->unit_code, db_text(st, 8));
		copy(u->unit_name, sizeof u->unit_name, db_text(st, 9));
		copy(u->unit_path, sizeof u->unit_path, db_text(st, 10));
		row->active = sqlite3_column_int(st, 11);
	}
	db_done(st);
	if (step == SQLITE_ROW || step == SQLITE_DONE)
		db_memo_put_bytes(rdb, key, row, sizeof *row);
	return row->u.session_id != 0;
}

int session_lookup(struct db *rdb, const char *token, struct session_user *u, long long *expired_id)
{
	*expired_id = 0;
	if (!token || strlen(token) != 43)
		return 0;
	char th[65];
	token_hash(token, th);
	struct session_row row;
	if (!session_row(rdb, th, &row)) {
		sodium_memzero(&row, sizeof row);
		return 0;
	}
	*u = row.u;
	int active = row.active;
	sodium_memzero(&row, sizeof row);
	long long now = (long long)clock_now();
	if (!active || now - u->last_seen > SESSION_IDLE_SECONDS || now - u->created_at > SESSION_MAX_SECONDS ||
	    u->role == ROLE_NONE) {
		*expired_id = u->session_id;
		return 0;
	}
	return 1;
}

int session_create_job(struct db *w, void *arg, struct err *e)
{
	static const char q_insert[] = "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, ip) "
				       "VALUES (?1, ?2, ?3, ?4, ?4, ?5)";
	static const char q_clear[] = "DELETE FROM login_failures WHERE login = ?1 AND ip = ?2";
	static const char q_rehash[] = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
	static const char q_prune[] = "DELETE FROM sessions WHERE last_seen < ?1 OR created_at < ?2";
	struct session_new *s = arg;
	unsigned char raw[32];
	char th[65];
	long long now = (long long)clock_now();

	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(s->token, sizeof s->token, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(s->csrf, sizeof s->csrf, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
	token_hash(s->token, th);

	sqlite3_stmt *st = db_prepare(w, q_insert);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, th, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->user_id);
	sqlite3_bind_text(st, 3, s->csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, s->ip ? s->ip : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	const struct {
		const char *sql;
	} tidy[] = { { q_clear }, { q_rehash }, { q_prune } };
	for (size_t i = 0; i < ARRAY_LEN(tidy); i++) {
		if (tidy[i].sql == q_rehash && !s->rehash)
			continue;
		st = db_prepare(w, tidy[i].sql);
		if (!st)
			goto dberr;
		if (tidy[i].sql == q_clear) {
			sqlite3_bind_text(st, 1, s->login, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, s->ip ? s->ip : "", -1, SQLITE_STATIC);
		} else if (tidy[i].sql == q_prune) {
			sqlite3_bind_int64(st, 1, now - SESSION_IDLE_SECONDS);
			sqlite3_bind_int64(st, 2, now - SESSION_MAX_SECONDS);
		} else {
			sqlite3_bind_int64(st, 1, s->user_id);
			if (tidy[i].sql == q_rehash)
				sqlite3_bind_text(st, 2, s->rehash, -1, SQLITE_STATIC);
		}
		rc = sqlite3_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			goto dberr;
	}
	return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "无法建立会话：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

static int exec_id(struct db *w, const char *sql, long long id, long long now, struct err *e)
{
	sqlite3_stmt *st = db_prepare(w, sql);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	if (now)
		sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc == SQLITE_DONE)
		return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

int session_delete_job(struct db *w, void *arg, struct err *e)
{
	static const char q[] = "DELETE FROM sessions WHERE id = ?1";
	return exec_id(w, q, *(long long *)arg, 0, e);
}

int session_touch_job(struct db *w, void *arg, struct err *e)
{
	static const char q[] = "UPDATE sessions SET last_seen = ?2 WHERE id = ?1";
	return exec_id(w, q, *(long long *)arg, (long long)clock_now(), e);
}

/*
 * One sign-in attempt, counted before its password is checked, in one writer job: attempts
 * run in parallel, but each sees the ones before it, so no more than LOCKOUT_FAILURES of
 * them are ever checked within the window (the row stays as a failure unless the sign-in
 * succeeds, when session_create_job removes the pair's rows).
 */
int login_attempt_job(struct db *w, void *arg, struct err *e)
{
	static const char q_ip[] = "SELECT count(*), coalesce(max(at), 0) FROM login_failures WHERE ip = ?1 AND at > ?2";
	static const char q_pair[] = "SELECT count(*), (SELECT at FROM login_failures WHERE login = ?1 AND ip = ?2 "
				     "AND at > ?3 ORDER BY at DESC LIMIT 1 OFFSET ?4) FROM login_failures "
				     "WHERE login = ?1 AND ip = ?2 AND at > ?3";
	static const char q_insert[] = "INSERT INTO login_failures (login, ip, at) VALUES (?1, ?2, ?3)";
	static const char q_prune[] = "DELETE FROM login_failures WHERE at < ?1";
	struct login_attempt *a = arg;
	long long now = (long long)clock_now();
	a->wait = 0;
	a->locked = 0;
	a->number = 0;

	/* An address that keeps failing, whatever the login: 2 s after its 10th failure, 4 s after
	 * the 11th, ... up to a minute. */
	sqlite3_stmt *st = db_prepare(w, q_ip);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, a->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now - LOCKOUT_WINDOW_SECONDS);
	if (sqlite3_step(st) == SQLITE_ROW) {
		long long n = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1);
		if (n >= IP_FREE_FAILURES) {
			long long wait = 2 * (n - IP_FREE_FAILURES + 1);
			if (wait > 60)
				wait = 60;
			a->wait = last + wait > now ? last + wait - now : 0;
		}
	}
	db_done(st);
	if (a->wait > 0)
		return 0;

	/* The login from this address, known or not (an unknown login answers as a known one). */
	st = db_prepare(w, q_pair);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, a->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now - LOCKOUT_WINDOW_SECONDS);
	sqlite3_bind_int(st, 4, LOCKOUT_FAILURES - 1);
	long long n = 0, fifth = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
		fifth = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	if (n >= LOCKOUT_FAILURES) {
		a->locked = 1;
		a->wait = fifth + LOCKOUT_SECONDS > now ? fifth + LOCKOUT_SECONDS - now : 1;
		return 0;
	}
	st = db_prepare(w, q_insert);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, a->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	a->number = (int)n + 1;
	/* Failures older than a day serve nothing. */
	st = db_prepare(w, q_prune);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, now - 86400);
	sqlite3_step(st);
	db_done(st);
	return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

int login_user_read(struct db *rdb, const char *login, long long *user_id, char *hash, size_t n)
{
	static const char q_user[] = "SELECT id, password_hash FROM users WHERE login = ?1 AND active = 1";
	*user_id = 0;
	*hash = '\0';
	sqlite3_stmt *st = db_prepare(rdb, q_user);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*user_id = sqlite3_column_int64(st, 0);
		copy(hash, n, db_text(st, 1));
	}
	db_done(st);
	return 0;
}
