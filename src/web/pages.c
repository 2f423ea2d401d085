/*
 * pages.c — the home page and the health check.
 */
#include <string.h>

#include "db.h"
#include "handlers.h"
#include "stats.h"
#include "ticket.h"

/* GET /healthz — 200 when the database answers; for load balancers and `make run` scripts. */
static const char *form_field_get(void *src, const char *name)
{
	return form_text(src, name);
}

struct field_src form_fields(const struct form *f)
{
	return (struct field_src){ form_field_get, (void *)f };
}

json_t *form_values(const struct field_table *t, unsigned on, const struct form *f)
{
	json_t *v = json_object();
	for (size_t i = 0; i < t->n; i++)
		if ((t->rows[i].set & on) && t->rows[i].kind != FK_PASSWORD)
			json_object_set_new(v, t->rows[i].name, json_string(form_text(f, t->rows[i].name)));
	return v;
}

void err_into(json_t *errors, const struct err *e)
{
	const char *key = e->field[0] ? e->field : "form";
	if (!json_object_get(errors, key))
		json_object_set_new(errors, key, json_string(e->message));
}

json_t *err_fields(const struct err *e)
{
	json_t *o = json_object();
	err_into(o, e);
	return o;
}

json_t *options_sql(struct db *db, const char *sql, const char *current)
{
	json_t *list = json_array();
	sqlite3_stmt *st = db_prepare(db, sql);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "code", db_text(st, 0), "label", db_text(st, 1),
						      "selected", current && !strcmp(current, db_text(st, 0))));
	db_done(st);
	return list;
}

json_t *options_fixed(const struct value_set *vs, const char *current)
{
	json_t *list = json_array();
	for (size_t i = 0; i < vs->n; i++)
		json_array_append_new(list, json_pack("{s:s,s:s,s:b}", "code", vs->pairs[i][0], "label", vs->pairs[i][1],
						      "selected", current && !strcmp(current, vs->pairs[i][0])));
	return list;
}

void district_name(struct db *db, char *out, size_t n)
{
	static const char q[] = "SELECT name FROM units WHERE kind = 'district' ORDER BY id LIMIT 1";
	sqlite3_stmt *st = db ? db_prepare(db, q) : NULL;
	out[0] = '\0';
	if (st && sqlite3_step(st) == SQLITE_ROW)
		str_copy(out, n, db_text(st, 0));
	db_done(st);
}

void api_healthz(struct req *r)
{
	static const char q[] = "SELECT 1";
	if (!http_authorize(r, ACT_PUBLIC, NULL))
		return;
	struct db *db = db_reader();
	sqlite3_stmt *st = db ? db_prepare(db, q) : NULL;
	int ok = st && sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	r->is_api = 1;
	if (ok)
		http_json(r, 200, json_pack("{s:s}", "status", "ok"));
	else
		http_error(r, 503, "db_unavailable", "数据库暂不可用");
}

/*
 * The campaigns with their phases and where today stands in each: the rhythm a street
 * office works to (seed 000: self-inspection, rectification, acceptance, consolidation).
 */
static json_t *campaigns_today(struct db *db)
{
	static const char q[] = "SELECT c.code, c.name, p.name, p.kind, p.start_date, p.end_date, p.due_note "
				"FROM campaigns c JOIN campaign_phases p ON p.campaign_id = c.id "
				"WHERE c.active = 1 ORDER BY c.id DESC, p.seq"; /* the newest first */
	json_t *list = json_array();
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return list;
	long today = date_today_days();
	json_t *cur = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *code = db_text(st, 0);
		if (!cur || strcmp(json_string_value(json_object_get(cur, "code")), code) != 0) {
			cur = json_pack("{s:s,s:s,s:[],s:[]}", "code", code, "name", db_text(st, 1), "phases",
					"current");
			json_array_append_new(list, cur);
		}
		long start = date_parse_days(db_text(st, 4)), end = date_parse_days(db_text(st, 5));
		const char *state = today < start ? "未开始" : today > end ? "已结束" : "进行中";
		json_t *ph = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "name", db_text(st, 2), "kind", db_text(st, 3),
				       "start", db_text(st, 4), "end", db_text(st, 5), "due", db_text(st, 6), "state",
				       state, "active", today >= start && today <= end);
		if (today >= start && today <= end) {
			json_object_set_new(ph, "days_left", json_integer(end - today));
			json_array_append(json_object_get(cur, "current"), ph);
		}
		/* The campaign's last day, once every phase is over (phases come in order of seq,
		 * not of their ends). */
		json_t *ended = json_object_get(cur, "ended");
		const char *last = ended ? json_string_value(ended) : NULL;
		if (today > end && (!json_object_get(cur, "running") && (!last || strcmp(db_text(st, 5), last) > 0)))
			json_object_set_new(cur, "ended", json_string(db_text(st, 5)));
		if (today <= end) {
			json_object_set_new(cur, "running", json_true());
			json_object_del(cur, "ended");
		}
		json_array_append_new(json_object_get(cur, "phases"), ph);
	}
	db_done(st);
	return list;
}

/* "&unit=XR&campaign=SW2023": the dashboard's own filter, carried into every figure's link. */
static void carry_filter(struct req *r, struct buf *qs)
{
	const char *keys[] = { "unit", "campaign", "from", "to" };
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const char *v = http_query(r, keys[i]);
		if (!v || !*v)
			continue;
		buf_printf(qs, "&%s=", keys[i]);
		buf_url_encode(qs, v, "-_");
	}
}

static json_t *percent(json_t *rate)
{
	if (!json_is_real(rate))
		return json_string("—");
	char s[16];
	snprintf(s, sizeof s, "%.1f%%", json_real_value(rate) * 100.0);
	return json_string(s);
}

/* GET / — the dashboard (工作台): the campaign's rhythm and the district's figures. */
void page_home(struct req *r)
{
	static const char q_units[] = "SELECT code, name FROM units WHERE kind IN ('street', 'department') AND active = 1 "
				      "ORDER BY kind DESC, sort";
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	struct db *db = db_reader();
	if (!db) {
		http_error(r, 503, "db_unavailable", "数据库暂不可用");
		return;
	}
	json_t *ctx = json_pack("{s:o}", "campaigns", campaigns_today(db));
	struct subject who = http_subject(r);
	if (authz_check(&who, ACT_DASHBOARD, NULL) == AUTHZ_OK) {
		struct ticket_filter f;
		memset(&f, 0, sizeof f);
		f.who = &who;
		f.supervised = -1;
		f.stale = -1;
		f.unit = http_query(r, "unit");
		f.campaign = http_query(r, "campaign");
		json_t *s = stats_compute(db, &f);
		json_object_set_new(s, "closed_rate_text", percent(json_object_get(s, "closed_rate")));
		json_object_set_new(s, "on_time_rate_text", percent(json_object_get(s, "on_time_rate")));
		json_object_set_new(s, "satisfaction_rate_text", percent(json_object_get(s, "satisfaction_rate")));
		json_object_set_new(s, "sign_on_time_rate_text", percent(json_object_get(s, "sign_on_time_rate")));
		json_object_set_new(s, "return_rate_text", percent(json_object_get(s, "return_rate")));
		struct buf qs;
		buf_init(&qs);
		carry_filter(r, &qs);
		json_object_set_new(ctx, "qs", json_string(qs.data ? qs.data : ""));
		buf_free(&qs);
		json_object_set_new(ctx, "s", s);
		json_object_set_new(ctx, "scoped", json_boolean(who.role == ROLE_STAFF));
		json_t *units = json_array();
		sqlite3_stmt *st = db_prepare(db, q_units);
		while (st && sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(units, json_pack("{s:s,s:s,s:b}", "code", db_text(st, 0), "name", db_text(st, 1),
							       "selected", f.unit && !strcmp(f.unit, db_text(st, 0))));
		db_done(st);
		json_object_set_new(ctx, "units", units);
	}
	http_page(r, 200, "home", ctx);
}
