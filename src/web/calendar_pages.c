/*
 * calendar_pages.c — the working-day calendar on the web (SPEC section 8): /admin/calendar
 * lists the years loaded and takes next year's notice as a file; /api/v1/calendar/{year} and
 * /api/v1/workdays answer from the same calendar the lights count with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "handlers.h"

/* The years in, newest first, each with its exceptions to Monday–Friday. */
static json_t *years_loaded(struct db *db)
{
	static const char q[] = "SELECT year, source, loaded_at, exceptions FROM calendar_years ORDER BY year DESC";
	json_t *list = json_array();
	sqlite3_stmt *st = db_prepare(db, q);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		char at[32];
		time_text_minute(db_text(st, 2), at, sizeof at);
		json_array_append_new(list, json_pack("{s:i,s:s,s:s,s:i}", "year", sqlite3_column_int(st, 0), "source",
						      db_text(st, 1), "loaded_at", at, "exceptions",
						      sqlite3_column_int(st, 3)));
	}
	db_done(st);
	return list;
}

/* A year's exceptions: [{date, off, name}]. */
static json_t *year_days(struct db *db, int year)
{
	static const char q[] = "SELECT day, off, name FROM calendar_days WHERE day >= printf('%04d-01-01', ?1) "
				"AND day <= printf('%04d-12-31', ?1) ORDER BY day";
	json_t *days = json_array();
	sqlite3_stmt *st = db_prepare(db, q);
	if (st)
		sqlite3_bind_int(st, 1, year);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(days, json_pack("{s:s,s:b,s:s}", "date", db_text(st, 0), "off",
						      sqlite3_column_int(st, 1), "name", db_text(st, 2)));
	db_done(st);
	return days;
}

static void calendar_page(struct req *r, int status, const char *error, const char *done)
{
	struct db *db = db_reader();
	const struct workcal *cal = calendar_of(db);
	char today[11];
	time_format_date(clock_now(), today, sizeof today);
	int year = atoi(today), month = atoi(today + 5);
	json_t *ctx = json_pack("{s:o,s:i,s:i}", "years", years_loaded(db), "this_year", year, "next_year", year + 1);
	if (!workcal_year_loaded(cal, year))
		json_object_set_new(ctx, "this_missing", json_true());
	/* From November on, next year's notice is due (the State Council publishes it then). */
	if (month >= 11 && !workcal_year_loaded(cal, year + 1))
		json_object_set_new(ctx, "next_missing", json_true());
	const char *show = http_query(r, "year");
	int shown = show ? atoi(show) : 0;
	if (shown && workcal_year_loaded(cal, shown))
		json_object_set_new(ctx, "shown", json_pack("{s:i,s:o}", "year", shown, "days", year_days(db, shown)));
	if (error)
		json_object_set_new(ctx, "error", json_string(error));
	if (done)
		json_object_set_new(ctx, "done", json_string(done));
	http_page(r, status, "admin_calendar", ctx);
}

/* GET /admin/calendar[?year=YYYY][&done=YYYY] */
void page_admin_calendar(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const char *done = http_query(r, "done");
	calendar_page(r, 200, NULL, done && atoi(done) >= WORKCAL_FIRST_YEAR ? done : NULL);
}

struct calendar_job {
	const struct calendar_year *y;
	const char *source;
	struct actor who;
};

static int calendar_job_run(struct db *w, void *arg, struct err *e)
{
	struct calendar_job *j = arg;
	return calendar_store(w, j->y, j->source, &j->who, e);
}

/* POST /admin/calendar (multipart, field "file"): a year file of either format replaces its year. */
void page_admin_calendar_upload(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	size_t len = 0;
	char *text = http_upload_read(r, &len);
	if (!text || !len) {
		free(text);
		calendar_page(r, 422, "请选择节假日安排文件（YYYY.json）", NULL);
		return;
	}
	struct calendar_year y;
	char err[256], msg[320];
	if (calendar_parse(text, len, &y, err, sizeof err) != 0) {
		free(text);
		snprintf(msg, sizeof msg, "文件未载入：%s", err);
		calendar_page(r, 422, msg, NULL);
		return;
	}
	free(text);
	char source[300];
	snprintf(source, sizeof source, "上传：%s", r->upload.name[0] ? r->upload.name : "节假日文件");
	struct calendar_job j = { .y = &y, .source = source, .who = http_actor(r) };
	struct err e = { 0 };
	int rc = db_write(calendar_job_run, &j, &e);
	int year = y.year;
	calendar_year_free(&y);
	if (rc != 0) {
		calendar_page(r, e.status ? e.status : 500, e.message, NULL);
		return;
	}
	char loc[64];
	snprintf(loc, sizeof loc, "/admin/calendar?year=%d&done=%d", year, year);
	http_redirect(r, loc);
}

/* GET /api/v1/calendar/{year} → {year, loaded, days:[{date, off, name}]} */
void api_calendar_year(struct req *r)
{
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	const char *ys = http_param(r, "year");
	char *end;
	long year = ys ? strtol(ys, &end, 10) : 0;
	if (!ys || *end || year < WORKCAL_FIRST_YEAR || year > WORKCAL_LAST_YEAR) {
		http_error(r, 404, "not_found", "年份应在 2000 至 2099 之间");
		return;
	}
	struct db *db = db_reader();
	int loaded = workcal_year_loaded(calendar_of(db), (int)year);
	http_json(r, 200, json_pack("{s:i,s:b,s:o}", "year", (int)year, "loaded", loaded, "days",
				    loaded ? year_days(db, (int)year) : json_array()));
}

/* GET /api/v1/workdays?from=YYYY-MM-DD&add=N → {from, add, date, estimated} */
void api_workdays(struct req *r)
{
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	const char *from = http_query(r, "from"), *add = http_query(r, "add");
	long day = date_parse_days(from);
	char *end = NULL;
	long n = add && *add ? strtol(add, &end, 10) : 0;
	json_t *fields = json_object();
	if (day < 0)
		json_object_set_new(fields, "from", json_string("日期须为 YYYY-MM-DD"));
	if (!add || !*add || *end || n < -3650 || n > 3650)
		json_object_set_new(fields, "add", json_string("工作日数须为 -3650 至 3650 之间的整数"));
	if (json_object_size(fields)) {
		http_error_with(r, 422, "validation", "参数无效", fields, NULL);
		return;
	}
	json_decref(fields);
	int estimated = 0;
	long d = workcal_add(calendar_of(db_reader()), day, n, &estimated);
	char out[11];
	time_format_date((time_t)d * 86400, out, sizeof out);
	http_json(r, 200, json_pack("{s:s,s:I,s:s,s:b}", "from", from, "add", (json_int_t)n, "date", out, "estimated",
				    estimated));
}
