/*
 * timelimit.c — time limits: matching, the times they set, and their storage (timelimit.h).
 */
#include "timelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const unit_codes[] = { [TL_WD] = "wd", [TL_CD] = "cd", [TL_H] = "h", [TL_PHASE_END] = "phase_end" };

const char *tl_unit_code(enum tl_unit u)
{
	return (unsigned)u < ARRAY_LEN(unit_codes) ? unit_codes[u] : "";
}

int tl_unit_from_code(const char *code)
{
	for (size_t i = 0; code && i < ARRAY_LEN(unit_codes); i++)
		if (!strcmp(code, unit_codes[i]))
			return (int)i;
	return -1;
}

void time_limit_text(int n, enum tl_unit u, char *out, size_t len)
{
	switch (u) {
	case TL_WD:
		snprintf(out, len, "%d个工作日", n);
		break;
	case TL_CD:
		snprintf(out, len, "%d个自然日", n);
		break;
	case TL_H:
		snprintf(out, len, "%d小时", n);
		break;
	case TL_PHASE_END:
		snprintf(out, len, "集中整改阶段结束前");
		break;
	}
}

int time_limit_match(const struct time_limit *rules, size_t n, long long source_id, long long category_id,
		     const char *urgency)
{
	int best = -1, best_named = -1;
	for (size_t i = 0; i < n; i++) {
		const struct time_limit *r = &rules[i];
		if ((r->source_id && r->source_id != source_id) || (r->category_id && r->category_id != category_id) ||
		    (r->urgency[0] && (!urgency || strcmp(r->urgency, urgency))))
			continue;
		int named = (r->source_id != 0) + (r->category_id != 0) + (r->urgency[0] != '\0');
		if (named > best_named || (named == best_named && r->id > rules[best].id)) {
			best = (int)i;
			best_named = named;
		}
	}
	return best;
}

/* The end of day `day` in Shanghai (23:59:59+08:00). */
static time_t end_of_day(long day)
{
	return (time_t)day * 86400 + 86399 - 8 * 3600;
}

time_t time_limit_due(const struct workcal *c, time_t from, int n, enum tl_unit u, long phase_end_day,
		      int *estimated)
{
	long day = ((long)from + 8 * 3600) / 86400; /* the Shanghai day of `from` */
	switch (u) {
	case TL_WD:
		return end_of_day(workcal_add(c, day, n, estimated));
	case TL_CD:
		return end_of_day(day + n);
	case TL_H:
		return from + (time_t)n * 3600;
	case TL_PHASE_END:
		return phase_end_day >= 0 ? end_of_day(phase_end_day) : (time_t)-1;
	}
	return (time_t)-1;
}

static const char q_in_force[] = "SELECT id, coalesce(source_id, 0), coalesce(category_id, 0), coalesce(urgency, ''), "
				 "sign_n, sign_unit, handle_n, handle_unit FROM time_limits WHERE retired_at IS NULL ORDER BY id";

struct time_limit *time_limits_in_force(struct db *db, size_t *n)
{
	*n = 0;
	size_t cap = 0;
	struct time_limit *list = NULL;
	sqlite3_stmt *st = db_prepare(db, q_in_force);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			list = xrealloc(list, cap * sizeof *list);
		}
		struct time_limit *r = &list[(*n)++];
		r->id = sqlite3_column_int64(st, 0);
		r->source_id = sqlite3_column_int64(st, 1);
		r->category_id = sqlite3_column_int64(st, 2);
		snprintf(r->urgency, sizeof r->urgency, "%s", db_text(st, 3));
		r->sign_n = sqlite3_column_int(st, 4);
		r->sign_unit = (enum tl_unit)tl_unit_from_code(db_text(st, 5));
		r->handle_n = sqlite3_column_int(st, 6);
		r->handle_unit = (enum tl_unit)tl_unit_from_code(db_text(st, 7));
	}
	db_done(st);
	return list;
}

json_t *time_limits_json(struct db *db)
{
	static const char q[] = "SELECT l.id, s.code, c.code, l.urgency, l.sign_n, l.sign_unit, l.handle_n, l.handle_unit, "
				"s.name, c.name, l.created_at FROM time_limits l LEFT JOIN sources s ON s.id = l.source_id "
				"LEFT JOIN categories c ON c.id = l.category_id WHERE l.retired_at IS NULL ORDER BY l.id";
	json_t *list = json_array();
	sqlite3_stmt *st = db_prepare(db, q);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		char sign[48], handle[48];
		time_limit_text(sqlite3_column_int(st, 4), (enum tl_unit)tl_unit_from_code(db_text(st, 5)), sign, sizeof sign);
		time_limit_text(sqlite3_column_int(st, 6), (enum tl_unit)tl_unit_from_code(db_text(st, 7)), handle,
				sizeof handle);
		const char *urg = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : db_text(st, 3);
		json_array_append_new(
			list, json_pack("{s:I,s:s?,s:s?,s:s?,s:{s:i,s:s},s:{s:i,s:s},s:s,s:s,s:s,s:s,s:s}", "id",
					(json_int_t)sqlite3_column_int64(st, 0),
					"source", sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : db_text(st, 1),
					"category", sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : db_text(st, 2),
					"urgency", urg, "sign", "n", sqlite3_column_int(st, 4), "unit", db_text(st, 5),
					"handle", "n", sqlite3_column_int(st, 6), "unit", db_text(st, 7), "text", handle,
					"sign_text", sign, "source_name",
					sqlite3_column_type(st, 8) == SQLITE_NULL ? "任何来源" : db_text(st, 8), "category_name",
					sqlite3_column_type(st, 9) == SQLITE_NULL ? "任何类别" : db_text(st, 9), "urgency_name",
					!urg ? "任何缓急" : !strcmp(urg, "urgent") ? "紧急" : "一般"));
	}
	db_done(st);
	return list;
}

/* A field of the input as text ("" when absent; numbers as their digits). */
static const char *field(json_t *in, const char *name, char *buf, size_t n)
{
	json_t *v = json_object_get(in, name);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (v && !json_is_null(v))
		return NULL; /* neither text nor a number */
	return "";
}

/* n: a whole number 0–999 ("" allowed only when allow_empty). -1 when not. */
static int small_number(const char *s)
{
	if (!s || !*s || strlen(s) > 3)
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	return atoi(s);
}

int time_limit_add_job(struct db *w, void *arg, struct err *e)
{
	static const char q_source[] = "SELECT id FROM sources WHERE code = ?1";
	static const char q_category[] = "SELECT id FROM categories WHERE code = ?1";
	static const char q_insert[] = "INSERT INTO time_limits (source_id, category_id, urgency, sign_n, sign_unit, "
				       "handle_n, handle_unit, created_at) VALUES (nullif(?1, 0), nullif(?2, 0), nullif(?3, ''), "
				       "?4, ?5, ?6, ?7, ?8)";
	struct time_limit_input *t = arg;
	char b[6][24];
	const char *source = field(t->in, "source", b[0], 24), *category = field(t->in, "category", b[1], 24);
	const char *urgency = field(t->in, "urgency", b[2], 24);
	const char *sign_n = field(t->in, "sign_n", b[3], 24), *handle_n = field(t->in, "handle_n", b[4], 24);
	const char *sign_unit = field(t->in, "sign_unit", b[5], 24);
	char hb[24];
	const char *handle_unit = field(t->in, "handle_unit", hb, sizeof hb);
	long long sid = 0, cid = 0;
	if (!source)
		json_object_set_new(t->errors, "source", json_string("问题来源须为代码"));
	else if (*source && !(sid = db_lookup_id(w, q_source, source)))
		json_object_set_new(t->errors, "source", json_string("问题来源不存在"));
	if (!category)
		json_object_set_new(t->errors, "category", json_string("类别须为代码"));
	else if (*category && !(cid = db_lookup_id(w, q_category, category)))
		json_object_set_new(t->errors, "category", json_string("类别不存在"));
	if (!urgency || (*urgency && strcmp(urgency, "urgent") && strcmp(urgency, "normal")))
		json_object_set_new(t->errors, "urgency", json_string("缓急须为紧急、一般或不限"));
	int su = tl_unit_from_code(sign_unit), hu = tl_unit_from_code(handle_unit);
	int sn = small_number(sign_n), hn = small_number(handle_n);
	if (su < 0 || su == TL_PHASE_END)
		json_object_set_new(t->errors, "sign_unit", json_string("签收时限的单位须为工作日、自然日或小时"));
	if (sn < 0)
		json_object_set_new(t->errors, "sign_n", json_string("签收时限须为 0 至 999 的整数"));
	if (hu < 0)
		json_object_set_new(t->errors, "handle_unit", json_string("办理时限的单位须为工作日、自然日、小时或集中整改阶段结束"));
	if (hu == TL_PHASE_END)
		hn = 0;
	else if (hn < 1)
		json_object_set_new(t->errors, "handle_n", json_string("办理时限须为 1 至 999 的整数"));
	if (json_object_size(t->errors)) {
		err_set(e, 422, "validation", NULL, "时限规则有误，请按提示修改");
		return -1;
	}
	char now[32];
	time_format_rfc3339(clock_now(), now, sizeof now);
	sqlite3_stmt *st = db_prepare(w, q_insert);
	if (!st) {
		err_set(e, 500, "db_error", NULL, "数据库错误");
		return -1;
	}
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, cid);
	sqlite3_bind_text(st, 3, urgency, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, sn);
	sqlite3_bind_text(st, 5, tl_unit_code((enum tl_unit)su), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, hn);
	sqlite3_bind_text(st, 7, tl_unit_code((enum tl_unit)hu), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
		return -1;
	}
	t->id = sqlite3_last_insert_rowid(db_handle(w));
	json_t *after = json_pack("{s:s,s:s,s:s,s:i,s:s,s:i,s:s}", "source", source, "category", category, "urgency",
				  urgency, "sign_n", sn, "sign_unit", tl_unit_code((enum tl_unit)su), "handle_n", hn,
				  "handle_unit", tl_unit_code((enum tl_unit)hu));
	long long ev = audit_append(w, &t->who, "time_limit", t->id, "time_limit.add", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : 0;
}

int time_limit_retire_job(struct db *w, void *arg, struct err *e)
{
	static const char q[] = "UPDATE time_limits SET retired_at = ?2 WHERE id = ?1 AND retired_at IS NULL";
	struct time_limit_input *t = arg;
	char now[32];
	time_format_rfc3339(clock_now(), now, sizeof now);
	sqlite3_stmt *st = db_prepare(w, q);
	if (!st) {
		err_set(e, 500, "db_error", NULL, "数据库错误");
		return -1;
	}
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
		return -1;
	}
	if (sqlite3_changes(db_handle(w)) == 0) {
		err_set(e, 404, "not_found", NULL, "没有这条时限规则（或已停用）");
		return -1;
	}
	return audit_append(w, &t->who, "time_limit", t->id, "time_limit.retire", NULL, NULL, e) < 0 ? -1 : 0;
}
