/*
 * cohandle.c — co-handling units (see cohandle.h).
 */
#include "cohandle.h"

#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "util.h"

static const char q_unit[] = "SELECT id, path, kind FROM units WHERE code = ?1 OR name = ?1 ORDER BY code = ?1 DESC";

static void add_error(json_t *errors, const char *field, const char *msg)
{
	if (!json_object_get(errors, field))
		json_object_set_new(errors, field, json_string(msg));
}

/* A name as the export writes it, 兴城街道（已签收）, is the unit without its state. */
static void strip_state(char *name)
{
	char *open = strstr(name, "（");
	size_t n = strlen(name);
	if (!open || n < 3 || strcmp(name + n - 3, "）") != 0)
		return;
	char state[64];
	size_t len = (size_t)(name + n - 3 - (open + 3));
	if (len >= sizeof state)
		return;
	memcpy(state, open + 3, len);
	state[len] = '\0';
	if (vs_code(&VS_CO_STATUS, state))
		*open = '\0';
}

/* One named unit into l; 0 when it is good. */
static int add_unit(struct db *db, const char *given, long long responsible_id, struct co_list *l, json_t *errors,
		    const char *field)
{
	char msg[200], name[128];
	str_copy(name, sizeof name, given);
	strip_state(name);
	if (l->n == CO_UNITS_MAX) {
		snprintf(msg, sizeof msg, "协办单位最多 %d 个", CO_UNITS_MAX);
		add_error(errors, field, msg);
		return -1;
	}
	sqlite3_stmt *st = db_prepare(db, q_unit);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	long long id = 0;
	char path[256] = "", kind[16] = "";
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		str_copy(path, sizeof path, db_text(st, 1));
		str_copy(kind, sizeof kind, db_text(st, 2));
	}
	db_done(st);
	if (!id || !strcmp(kind, "district")) {
		snprintf(msg, sizeof msg, "协办单位“%.60s”不存在", name);
		add_error(errors, field, msg);
		return -1;
	}
	if (id == responsible_id) {
		add_error(errors, field, "协办单位不能是责任单位本身");
		return -1;
	}
	for (int i = 0; i < l->n; i++)
		if (l->id[i] == id) {
			snprintf(msg, sizeof msg, "协办单位“%.60s”重复", name);
			add_error(errors, field, msg);
			return -1;
		}
	l->id[l->n] = id;
	str_copy(l->path[l->n], sizeof l->path[0], path);
	l->n++;
	return 0;
}

int co_units_parse(struct db *db, json_t *v, long long responsible_id, struct co_list *out, json_t *errors,
		   const char *field)
{
	memset(out, 0, sizeof *out);
	int bad = 0;
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x) || !*json_string_value(x)) {
				add_error(errors, field, "协办单位须为单位编码");
				return -1;
			}
			bad |= add_unit(db, json_string_value(x), responsible_id, out, errors, field) != 0;
		}
		return bad ? -1 : 0;
	}
	if (json_is_null(v) || !v)
		return 0;
	if (!json_is_string(v)) {
		add_error(errors, field, "协办单位须为单位编码的列表");
		return -1;
	}
	/* A text: codes or names between separators (ASCII and full-width commas, 、, ；, spaces). */
	const char *s = json_string_value(v);
	static const char *const seps[] = { ",", " ", ";", "\t", "\n", "\r", "，", "、", "；", "　" };
	char name[128];
	size_t n = 0;
	for (const char *p = s;; ) {
		size_t sep = 0;
		for (size_t k = 0; *p && k < sizeof seps / sizeof seps[0] && !sep; k++)
			if (!strncmp(p, seps[k], strlen(seps[k])))
				sep = strlen(seps[k]);
		if (!*p || sep) {
			name[n] = '\0';
			if (n)
				bad |= add_unit(db, name, responsible_id, out, errors, field) != 0;
			n = 0;
			if (!*p)
				break;
			p += sep;
			continue;
		}
		if (n + 1 >= sizeof name) {
			add_error(errors, field, "协办单位名称过长");
			return -1;
		}
		name[n++] = *p++;
	}
	return bad ? -1 : 0;
}

int co_units_set(struct db *w, long long ticket_id, const struct co_list *l, const char *at, struct err *e)
{
	static const char q_drop[] = "DELETE FROM co_units WHERE ticket_id = ?1 AND unit_id NOT IN "
				     "(SELECT value FROM json_each(?2))";
	static const char q_add[] = "INSERT INTO co_units (ticket_id, unit_id, unit_path, added_at) "
				    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";
	json_t *ids = json_array();
	for (int i = 0; i < l->n; i++)
		json_array_append_new(ids, json_integer(l->id[i]));
	char *text = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	sqlite3_stmt *st = db_prepare(w, q_drop);
	int rc = -1;
	if (st) {
		sqlite3_bind_int64(st, 1, ticket_id);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		db_done(st);
	}
	free(text);
	for (int i = 0; rc == 0 && i < l->n; i++) {
		st = db_prepare(w, q_add);
		rc = -1;
		if (st) {
			sqlite3_bind_int64(st, 1, ticket_id);
			sqlite3_bind_int64(st, 2, l->id[i]);
			sqlite3_bind_text(st, 3, l->path[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
			rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
			db_done(st);
		}
	}
	if (rc != 0)
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return rc;
}

int co_units_drop_lead(struct db *w, long long ticket_id)
{
	static const char q[] = "DELETE FROM co_units WHERE ticket_id = ?1 "
				"AND unit_id = (SELECT responsible_unit_id FROM tickets WHERE id = ?1)";
	sqlite3_stmt *st = db_prepare(w, q);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, ticket_id);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	db_done(st);
	return rc;
}

/* The co-unit rows of ticket_id within user_id's subtree, in the given state. */
#define CO_MINE                                                                                        \
	"FROM co_units c, users u JOIN units n ON n.id = u.unit_id WHERE c.ticket_id = ?1 AND u.id = ?2 " \
	"AND substr(c.unit_path, 1, length(n.path)) = n.path "

long long co_unit_of(struct db *w, long long ticket_id, long long user_id)
{
	static const char q[] = "SELECT c.unit_id " CO_MINE
				"AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = ?1 AND "
				"(substr(t.unit_path, 1, length(n.path)) = n.path OR "
				"substr(t.responsible_path, 1, length(n.path)) = n.path)) ORDER BY c.unit_path LIMIT 1";
	sqlite3_stmt *st = db_prepare(w, q);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, ticket_id);
	sqlite3_bind_int64(st, 2, user_id);
	long long id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	return id;
}

int co_units_step(struct db *w, long long ticket_id, long long user_id, int done, const char *note, const char *at,
		  long long *unit_id, struct err *e)
{
	static const char q_mine[] = "SELECT c.unit_id, c.status " CO_MINE "ORDER BY c.status = ?3 DESC, c.unit_path";
	static const char q_accept[] = "UPDATE co_units SET status = 'accepted', accepted_at = ?3 "
				       "WHERE ticket_id = ?1 AND unit_id = ?2";
	static const char q_done[] = "UPDATE co_units SET status = 'done', note = ?4, done_at = ?3, "
				     "accepted_at = coalesce(accepted_at, ?3) WHERE ticket_id = ?1 AND unit_id = ?2";
	const char *wanted = done ? "accepted" : "pending";
	sqlite3_stmt *st = db_prepare(w, q_mine);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, ticket_id);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, wanted, -1, SQLITE_STATIC);
	long long unit = 0;
	char status[16] = "";
	if (sqlite3_step(st) == SQLITE_ROW) {
		unit = sqlite3_column_int64(st, 0);
		str_copy(status, sizeof status, db_text(st, 1));
	}
	db_done(st);
	if (!unit) {
		err_set(e, 403, "forbidden", NULL, "本单位不是该问题的协办单位");
		return -1;
	}
	if (!strcmp(status, "done")) {
		err_set(e, 409, "invalid_transition", NULL, "本单位的协办任务已完成");
		return -1;
	}
	if (!done && strcmp(status, "pending") != 0) {
		err_set(e, 409, "invalid_transition", NULL, "本单位已签收协办任务");
		return -1;
	}
	if (done && strcmp(status, "accepted") != 0) {
		err_set(e, 409, "invalid_transition", NULL, "请先签收协办任务，再报告协办完成");
		return -1;
	}
	st = db_prepare(w, done ? q_done : q_accept);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, ticket_id);
	sqlite3_bind_int64(st, 2, unit);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
	if (done)
		sqlite3_bind_text(st, 4, note ? note : "", -1, SQLITE_STATIC);
	int ok = sqlite3_step(st) == SQLITE_DONE;
	db_done(st);
	if (!ok)
		goto dberr;
	*unit_id = unit;
	return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

int co_units_pending(struct db *w, long long ticket_id)
{
	static const char q[] = "SELECT count(*) FROM co_units WHERE ticket_id = ?1 AND status <> 'done'";
	sqlite3_stmt *st = db_prepare(w, q);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, ticket_id);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	db_done(st);
	return n;
}

int co_units_same(struct db *db, long long ticket_id, const struct co_list *l)
{
	static const char q[] = "SELECT count(*), coalesce(sum(unit_id IN (SELECT value FROM json_each(?2))), 0) "
				"FROM co_units WHERE ticket_id = ?1";
	json_t *ids = json_array();
	for (int i = 0; i < l->n; i++)
		json_array_append_new(ids, json_integer(l->id[i]));
	char *text = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	sqlite3_stmt *st = db_prepare(db, q);
	int same = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, ticket_id);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			same = sqlite3_column_int(st, 0) == l->n && sqlite3_column_int(st, 1) == l->n;
		db_done(st);
	}
	free(text);
	return same;
}

void co_units_words(json_t *list, struct buf *out)
{
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	buf_printf(out, "%s%s（%s）", i ? "、" : "", json_string_value(json_object_get(c, "name")),
		   vs_label(&VS_CO_STATUS, json_string_value(json_object_get(c, "status"))));
}
