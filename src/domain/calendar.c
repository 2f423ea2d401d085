/*
 * calendar.c — holiday notices read, checked, stored and counted with (calendar.h).
 */
#include "calendar.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codebook.h"
#include "timelimit.h"
#include "workflow.h"

void calendar_year_free(struct calendar_year *y)
{
	free(y->days);
	memset(y, 0, sizeof *y);
}

/* Monday 0 … Sunday 6. */
static int weekday_of(long day)
{
	long r = (day + 3) % 7;
	return (int)(r < 0 ? r + 7 : r);
}

/* What the notice says of one day, before it is reduced to the exceptions. */
struct said {
	long day;
	int off;
	char name[64];
};

/* "National Day,国庆节,7" → "国庆节"; a name without commas is kept whole. */
static void chinese_name(const char *desc, char *out, size_t n)
{
	const char *a = strchr(desc, ',');
	const char *b = a ? strchr(a + 1, ',') : NULL;
	if (a && b)
		snprintf(out, n, "%.*s", (int)(b - a - 1), a + 1);
	else
		snprintf(out, n, "%s", desc);
}

static int add_said(struct said **list, size_t *n, size_t *cap, const char *date, int off, const char *name,
		    char *err, size_t errlen)
{
	long day = date_parse_days(date);
	if (day < 0) {
		snprintf(err, errlen, "日期“%.20s”无效，应为 YYYY-MM-DD", date);
		return -1;
	}
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*list = xrealloc(*list, *cap * sizeof **list);
	}
	struct said *s = &(*list)[(*n)++];
	s->day = day;
	s->off = off;
	chinese_name(name, s->name, sizeof s->name);
	return 0;
}

static int by_day(const void *a, const void *b)
{
	long x = ((const struct said *)a)->day, y = ((const struct said *)b)->day;
	return x < y ? -1 : x > y;
}

/* chinese-days: {"holidays": {date: desc}, "workdays": {...}, "inLieuDays": {...}}. The
 * in-lieu days are holidays already listed; they add nothing to count. */
static int read_chinese_days(json_t *v, struct said **list, size_t *n, size_t *cap, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		int off;
	} parts[] = { { "holidays", 1 }, { "workdays", 0 } };
	for (size_t p = 0; p < ARRAY_LEN(parts); p++) {
		json_t *map = json_object_get(v, parts[p].key);
		if (!json_is_object(map)) {
			snprintf(err, errlen, "缺少“%s”部分", parts[p].key);
			return -1;
		}
		const char *date;
		json_t *desc;
		json_object_foreach(map, date, desc)
		{
			if (!json_is_string(desc)) {
				snprintf(err, errlen, "%.10s 的说明应为文字", date);
				return -1;
			}
			if (add_said(list, n, cap, date, parts[p].off, json_string_value(desc), err, errlen))
				return -1;
		}
	}
	return 0;
}

/* holiday-cn: {"year": 2027, "days": [{"name", "date", "isOffDay"}]}. */
static int read_holiday_cn(json_t *v, int *year, struct said **list, size_t *n, size_t *cap, char *err,
			   size_t errlen)
{
	json_t *y = json_object_get(v, "year"), *days = json_object_get(v, "days");
	if (!json_is_integer(y) || !json_is_array(days)) {
		snprintf(err, errlen, "应有“year”（年份）和“days”（日期列表）");
		return -1;
	}
	*year = (int)json_integer_value(y);
	size_t i;
	json_t *d;
	json_array_foreach(days, i, d)
	{
		json_t *name = json_object_get(d, "name"), *date = json_object_get(d, "date"),
		       *off = json_object_get(d, "isOffDay");
		if (!json_is_string(name) || !json_is_string(date) || !json_is_boolean(off)) {
			snprintf(err, errlen, "第 %zu 个日期应有 name、date 和 isOffDay", i + 1);
			return -1;
		}
		if (add_said(list, n, cap, json_string_value(date), json_is_true(off), json_string_value(name), err,
			     errlen))
			return -1;
	}
	return 0;
}

int calendar_parse(const char *text, size_t len, struct calendar_year *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	json_error_t je;
	json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(v)) {
		snprintf(err, errlen, "不是有效的节假日文件（JSON 第 %d 行：%s）", je.line, v ? "应为对象" : je.text);
		json_decref(v);
		return -1;
	}
	struct said *list = NULL;
	size_t n = 0, cap = 0;
	int year = 0, rc;
	if (json_object_get(v, "holidays"))
		rc = read_chinese_days(v, &list, &n, &cap, err, errlen);
	else if (json_object_get(v, "days"))
		rc = read_holiday_cn(v, &year, &list, &n, &cap, err, errlen);
	else {
		snprintf(err, errlen, "不是节假日文件：应为 chinese-days（holidays、workdays）或 holiday-cn（year、days）格式");
		rc = -1;
	}
	json_decref(v);
	if (rc == 0 && n == 0) {
		snprintf(err, errlen, "文件中没有任何日期");
		rc = -1;
	}
	if (rc != 0) {
		free(list);
		return -1;
	}
	qsort(list, n, sizeof *list, by_day);
	int first = workcal_year_of(list[0].day), last = workcal_year_of(list[n - 1].day);
	if (year && (first != year || last != year)) {
		snprintf(err, errlen, "文件写明 %d 年，却含有 %d 年的日期", year, first != year ? first : last);
		free(list);
		return -1;
	}
	if (first != last) {
		snprintf(err, errlen, "一个文件只能是一年的安排，此文件含 %d 年和 %d 年的日期", first, last);
		free(list);
		return -1;
	}
	if (first < WORKCAL_FIRST_YEAR || first > WORKCAL_LAST_YEAR) {
		snprintf(err, errlen, "年份 %d 超出可用范围（%d–%d 年）", first, WORKCAL_FIRST_YEAR, WORKCAL_LAST_YEAR);
		free(list);
		return -1;
	}
	out->year = first;
	out->days = xcalloc(n, sizeof *out->days);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && list[i].day == list[i - 1].day) {
			if (list[i].off != list[i - 1].off) {
				char d[11];
				time_format_date((time_t)list[i].day * 86400, d, sizeof d);
				snprintf(err, errlen, "%s 既是假日又是工作日", d);
				free(list);
				calendar_year_free(out);
				return -1;
			}
			continue;
		}
		out->holidays += list[i].off;
		int weekend = weekday_of(list[i].day) >= 5;
		if (list[i].off == weekend)
			continue; /* a holiday on a weekend, a working weekday: no exception */
		struct calendar_day *c = &out->days[out->n++];
		c->day = list[i].day;
		c->off = list[i].off;
		snprintf(c->name, sizeof c->name, "%s", list[i].name);
	}
	free(list);
	return 0;
}

static int recount_estimated(struct db *w, const struct actor *who, struct err *e);

int calendar_store(struct db *w, const struct calendar_year *y, const char *source, const struct actor *who,
		   struct err *e)
{
	static const char q_before[] = "SELECT source FROM calendar_years WHERE year = ?1";
	static const char q_delete[] = "DELETE FROM calendar_days WHERE day >= printf('%04d-01-01', ?1) "
				       "AND day <= printf('%04d-12-31', ?1)";
	static const char q_day[] = "INSERT INTO calendar_days (day, off, name) VALUES (?1, ?2, ?3)";
	static const char q_year[] = "INSERT INTO calendar_years (year, source, loaded_at, exceptions) "
				     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (year) DO UPDATE SET source = ?2, "
				     "loaded_at = ?3, exceptions = ?4";
	char now[32];
	time_format_rfc3339(clock_now(), now, sizeof now);
	sqlite3_stmt *st = db_prepare(w, q_before);
	int had = 0;
	char before_source[256] = "";
	if (st) {
		sqlite3_bind_int(st, 1, y->year);
		if (sqlite3_step(st) == SQLITE_ROW) {
			had = 1;
			snprintf(before_source, sizeof before_source, "%s", db_text(st, 0));
		}
	}
	db_done(st);
	st = db_prepare(w, q_delete);
	if (!st)
		goto fail;
	sqlite3_bind_int(st, 1, y->year);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto fail;
	for (size_t i = 0; i < y->n; i++) {
		char d[11];
		time_format_date((time_t)y->days[i].day * 86400, d, sizeof d);
		st = db_prepare(w, q_day);
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, d, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, y->days[i].off);
		sqlite3_bind_text(st, 3, y->days[i].name, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	st = db_prepare(w, q_year);
	if (!st)
		goto fail;
	sqlite3_bind_int(st, 1, y->year);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)y->n);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto fail;
	json_t *after = json_pack("{s:i,s:s,s:I,s:I}", "year", y->year, "source", source, "exceptions",
				  (json_int_t)y->n, "holidays", (json_int_t)y->holidays);
	json_t *before = had ? json_pack("{s:i,s:s}", "year", y->year, "source", before_source) : NULL;
	long long ev = audit_append(w, who, "calendar", y->year, "calendar.load", before, after, e);
	json_decref(before);
	json_decref(after);
	if (ev < 0)
		return -1;
	return recount_estimated(w, who, e);
fail:
	err_set(e, 500, "db", NULL, "节假日安排未能写入：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

/*
 * The open tickets whose rule's times were counted Monday–Friday through a year not loaded:
 * counted again on the calendar as it now is (this transaction's, the year just stored in
 * it), each change an event (recount) naming the times before and after. A deadline set by
 * hand, or changed since (extended), is left alone: only the rule's own times move.
 */
static int recount_estimated(struct db *w, const struct actor *who, struct err *e)
{
	static const char q_open[] =
		"SELECT t.id, t.dispatched_at, t.deadline, t.original_deadline, coalesce(t.sign_by, ''), t.deadline_rule, "
		"l.sign_n, l.sign_unit, l.handle_n, l.handle_unit, t.signed_at IS NULL "
		"FROM tickets t JOIN time_limits l ON l.id = t.time_limit_id "
		"WHERE t.limit_estimated = 1 AND t.status <> 'closed' AND t.dispatched_at IS NOT NULL";
	static const char q_set[] = "UPDATE tickets SET deadline = ?2, original_deadline = ?3, sign_by = ?4, "
				    "limit_estimated = ?5, version = version + 1 WHERE id = ?1";
	static const char q_flag[] = "UPDATE tickets SET limit_estimated = ?2 WHERE id = ?1";
	const struct workcal *cal = calendar_of(w);
	struct change {
		long long id;
		char deadline[11], original[11], sign_by[32], was_deadline[11], was_sign_by[32];
		int estimated;
	} *list = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = db_prepare(w, q_open);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		time_t from;
		if (time_parse_rfc3339(db_text(st, 1), &from) != 0)
			continue;
		int est = 0;
		int rule_deadline = sqlite3_column_int(st, 5) && strcmp(db_text(st, 2), db_text(st, 3)) == 0;
		int handle_unit = tl_unit_from_code(db_text(st, 9)), sign_unit = tl_unit_from_code(db_text(st, 7));
		if (sign_unit < 0 || handle_unit < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			list = xrealloc(list, cap * sizeof *list);
		}
		struct change *c = &list[n];
		memset(c, 0, sizeof *c);
		c->id = sqlite3_column_int64(st, 0);
		str_copy(c->was_deadline, sizeof c->was_deadline, db_text(st, 2));
		str_copy(c->was_sign_by, sizeof c->was_sign_by, db_text(st, 4));
		str_copy(c->deadline, sizeof c->deadline, db_text(st, 2));
		str_copy(c->original, sizeof c->original, db_text(st, 3));
		str_copy(c->sign_by, sizeof c->sign_by, db_text(st, 4));
		if (sqlite3_column_int(st, 10)) /* not yet signed: its time to sign may move */
			time_format_rfc3339(time_limit_due(cal, from, sqlite3_column_int(st, 6), (enum tl_unit)sign_unit, -1, &est),
					    c->sign_by, sizeof c->sign_by);
		if (rule_deadline && handle_unit != TL_PHASE_END) {
			time_t due = time_limit_due(cal, from, sqlite3_column_int(st, 8), (enum tl_unit)handle_unit, -1, &est);
			time_format_date(due, c->deadline, sizeof c->deadline);
			str_copy(c->original, sizeof c->original, c->deadline);
		}
		c->estimated = est;
		n++;
	}
	db_done(st);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct change *c = &list[i];
		int same = !strcmp(c->deadline, c->was_deadline) && !strcmp(c->sign_by, c->was_sign_by);
		/* The same times, now counted on the notice: only the mark changes (no new version
		 * under someone's open edit form). */
		st = db_prepare(w, same ? q_flag : q_set);
		if (!st) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(st, 1, c->id);
		if (same) {
			sqlite3_bind_int(st, 2, c->estimated);
		} else {
			sqlite3_bind_text(st, 2, c->deadline, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, c->original, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, c->sign_by, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 5, c->estimated);
		}
		int step = sqlite3_step(st);
		db_done(st);
		if (step != SQLITE_DONE) {
			rc = -1;
			break;
		}
		if (same)
			continue;
		json_t *before = json_pack("{s:s,s:s}", "deadline", c->was_deadline, "sign_by", c->was_sign_by);
		json_t *after = json_pack("{s:s,s:s,s:b}", "deadline", c->deadline, "sign_by", c->sign_by, "estimated",
					  c->estimated);
		if (audit_append(w, who, "ticket", c->id, "recount", before, after, e) < 0)
			rc = -1;
		json_decref(before);
		json_decref(after);
	}
	free(list);
	if (rc != 0 && !e->message[0])
		err_set(e, 500, "db", NULL, "按新的节假日安排重算时限时出错：%s", sqlite3_errmsg(db_handle(w)));
	return rc;
}

int calendar_file_store(struct db *db, const char *path, const char *source, const struct actor *who,
			struct calendar_year_info *info, char *msg, size_t n)
{
	size_t len = 0;
	char *text = read_file(path, &len);
	if (!text) {
		snprintf(msg, n, "无法读取（%s）", strerror(errno));
		return -1;
	}
	struct calendar_year y;
	int rc = calendar_parse(text, len, &y, msg, n);
	free(text);
	if (rc != 0)
		return -1;
	struct err e = { 0 };
	rc = calendar_store(db, &y, source, who, &e);
	if (rc != 0)
		snprintf(msg, n, "%s", e.message);
	info->year = y.year;
	info->holidays = y.holidays;
	info->exceptions = y.n;
	calendar_year_free(&y);
	return rc;
}

static int ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int calendar_load_dir(struct db *db, const char *dir, const char *source, int force, FILE *out)
{
	static const char q_has[] = "SELECT 1 FROM calendar_years WHERE year = ?1";
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(out, "未找到节假日数据目录 %s（构建时安装 chinese-days）\n", dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		/* 2023.json, not 2023.en.ics nor anything else */
		if (!ends_with(de->d_name, ".json") || strlen(de->d_name) != 9)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xrealloc(names, cap * sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	/* Every year in one transaction: one sync for all of them. */
	int loaded = 0, rc = 0;
	struct err e = { 0 };
	struct actor sys = ACTOR_SYSTEM;
	if (db_exec(db, "BEGIN IMMEDIATE", &e) != 0) {
		fprintf(out, "%s\n", e.message);
		rc = -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		int year = atoi(names[i]);
		sqlite3_stmt *st = db_prepare(db, q_has);
		sqlite3_bind_int(st, 1, year);
		int has = st && sqlite3_step(st) == SQLITE_ROW;
		db_done(st);
		if (has && !force)
			continue;
		char path[4200], msg[320];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct calendar_year_info info;
		if (calendar_file_store(db, path, source, &sys, &info, msg, sizeof msg) != 0) {
			fprintf(out, "%s：%s\n", path, msg);
			rc = -1;
		} else
			loaded++;
	}
	if (rc == 0 && db_exec(db, "COMMIT", &e) != 0) {
		fprintf(out, "%s\n", e.message);
		rc = -1;
	}
	if (rc != 0)
		db_exec(db, "ROLLBACK", NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc ? -1 : loaded;
}

const struct workcal *calendar_of(struct db *db)
{
	return calendar_in(db ? codebook_get(db) : NULL);
}

void calendar_marks_today(struct db *db, struct day_marks *m)
{
	day_marks_of(calendar_of(db), date_today_days(), m);
}

const struct workcal *calendar_in(const struct codebook *cb)
{
	static struct workcal *plain;
	const struct workcal *c = codebook_calendar(cb);
	if (c)
		return c;
	/* Nothing loaded, or the catalog unreadable: Monday–Friday, every figure estimated. */
	if (!__atomic_load_n(&plain, __ATOMIC_ACQUIRE)) {
		struct workcal *p = xcalloc(1, sizeof *p);
		workcal_init(p);
		workcal_finish(p);
		struct workcal *expected = NULL;
		if (!__atomic_compare_exchange_n(&plain, &expected, p, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			free(p);
	}
	return plain;
}
