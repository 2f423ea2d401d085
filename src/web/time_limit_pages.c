/*
 * time_limit_pages.c — the time-limit rules (办理时限, SPEC section 8) on the web:
 * /admin/time-limits lists the rules in force and takes new ones; /api/v1/time-limits gives
 * and changes the same rules. A change is a new rule (the old one retired), so tickets keep
 * the rule they were dispatched under.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "labels.h"
#include "timelimit.h"

static void limits_page(struct req *r, int status, json_t *errors, json_t *typed, const char *done)
{
	static const char q_sources[] = "SELECT code, name FROM sources WHERE active = 1 ORDER BY sort";
	static const char q_categories[] = "SELECT code, name FROM categories WHERE active = 1 ORDER BY sort";
	struct db *db = db_reader();
	typed = typed ? typed : json_object();
	json_t *sign_units = options_fixed(&VS_TL_UNIT, json_string_value(json_object_get(typed, "sign_unit")));
	json_array_remove(sign_units, json_array_size(sign_units) - 1); /* no phase end for signing */
	json_t *ctx = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "rules", time_limits_json(db), "sources",
				options_sql(db, q_sources, json_string_value(json_object_get(typed, "source"))),
				"categories", options_sql(db, q_categories, json_string_value(json_object_get(typed, "category"))),
				"urgencies", options_fixed(&VS_URGENCY, json_string_value(json_object_get(typed, "urgency"))),
				"sign_units", sign_units, "units",
				options_fixed(&VS_TL_UNIT, json_string_value(json_object_get(typed, "handle_unit"))), "errors",
				errors ? errors : json_object(), "v", typed);
	if (done)
		json_object_set_new(ctx, "done", json_string(done));
	http_page(r, status, "admin_time_limits", ctx);
}

/* GET /admin/time-limits */
void page_admin_time_limits(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const char *done = http_query(r, "done");
	limits_page(r, 200, NULL, NULL,
		    done && !strcmp(done, "added") ? "已新增时限规则，此后派发的问题按新规则计时。"
		    : done && !strcmp(done, "retired") ? "已停用该规则；按它派发的问题仍保留原时限。"
						       : NULL);
}

/* The form's fields as the JSON the rules are checked from. */
static json_t *form_rule(struct req *r)
{
	static const char *const keys[] = { "source", "category", "urgency", "sign_n", "sign_unit", "handle_n", "handle_unit" };
	const struct form *f = http_form(r);
	json_t *in = json_object();
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		json_object_set_new(in, keys[i], json_string(form_text(f, keys[i])));
	return in;
}

/* POST /admin/time-limits */
void page_admin_time_limit_add(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	struct time_limit_input t = { .in = form_rule(r), .who = http_actor(r), .errors = json_object() };
	struct err e = { 0 };
	if (db_write(time_limit_add_job, &t, &e) != 0) {
		if (!json_object_size(t.errors))
			json_object_set_new(t.errors, "form", json_string(e.message));
		limits_page(r, e.status ? e.status : 500, t.errors, t.in, NULL);
		return;
	}
	json_decref(t.in);
	json_decref(t.errors);
	http_redirect(r, "/admin/time-limits?done=added");
}

static long long rule_id(struct req *r)
{
	const char *s = http_param(r, "id");
	char *end;
	long long id = s ? strtoll(s, &end, 10) : 0;
	return s && *end == '\0' && id > 0 ? id : 0;
}

/* POST /admin/time-limits/{id}/retire */
void page_admin_time_limit_retire(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	struct time_limit_input t = { .id = rule_id(r), .who = http_actor(r) };
	struct err e = { 0 };
	if (!t.id || db_write(time_limit_retire_job, &t, &e) != 0) {
		limits_page(r, t.id ? e.status : 404, json_pack("{s:s}", "form", t.id ? e.message : "没有这条时限规则"), NULL,
			    NULL);
		return;
	}
	http_redirect(r, "/admin/time-limits?done=retired");
}

/* GET /api/v1/time-limits */
void api_time_limits(struct req *r)
{
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	json_t *list = time_limits_json(db_reader());
	size_t i;
	json_t *rule;
	json_array_foreach(list, i, rule)
	{
		/* The page's words stay on the page. */
		const char *drop[] = { "sign_text", "source_name", "category_name", "urgency_name" };
		for (size_t k = 0; k < ARRAY_LEN(drop); k++)
			json_object_del(rule, drop[k]);
	}
	http_json(r, 200, list);
}

/* POST /api/v1/time-limits {source?, category?, urgency?, sign:{n,unit}, handle:{n,unit}} */
void api_time_limit_add(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	json_t *body = http_json_body(r);
	if (!body)
		return;
	/* The API's nested {n, unit} as the form's flat fields. */
	json_t *in = json_object();
	const char *flat[] = { "source", "category", "urgency" };
	for (size_t i = 0; i < ARRAY_LEN(flat); i++) {
		json_t *v = json_object_get(body, flat[i]);
		json_object_set_new(in, flat[i], v && !json_is_null(v) ? json_incref(v) : json_string(""));
	}
	const char *parts[] = { "sign", "handle" };
	for (size_t i = 0; i < 2; i++) {
		json_t *p = json_object_get(body, parts[i]);
		char n[16], u[16];
		snprintf(n, sizeof n, "%s_n", parts[i]);
		snprintf(u, sizeof u, "%s_unit", parts[i]);
		json_t *pn = json_object_get(p, "n"), *pu = json_object_get(p, "unit");
		json_object_set_new(in, n, pn ? json_incref(pn) : json_string(""));
		json_object_set_new(in, u, pu ? json_incref(pu) : json_string(""));
	}
	json_decref(body);
	struct time_limit_input t = { .in = in, .who = http_actor(r), .errors = json_object() };
	struct err e = { 0 };
	if (db_write(time_limit_add_job, &t, &e) != 0) {
		json_decref(in);
		if (json_object_size(t.errors)) {
			http_error_with(r, 422, "validation", e.message, t.errors, NULL);
			return;
		}
		json_decref(t.errors);
		http_fail(r, &e);
		return;
	}
	json_decref(in);
	json_decref(t.errors);
	json_t *list = time_limits_json(db_reader()), *rule, *found = NULL;
	size_t i;
	json_array_foreach(list, i, rule)
	{
		if (json_integer_value(json_object_get(rule, "id")) == t.id)
			found = rule;
	}
	http_json(r, 201, found ? json_incref(found) : json_pack("{s:I}", "id", (json_int_t)t.id));
	json_decref(list);
}

/* DELETE /api/v1/time-limits/{id} */
void api_time_limit_retire(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	struct time_limit_input t = { .id = rule_id(r), .who = http_actor(r) };
	struct err e = { 0 };
	if (!t.id) {
		http_error(r, 404, "not_found", "没有这条时限规则");
		return;
	}
	if (db_write(time_limit_retire_job, &t, &e) != 0) {
		http_fail(r, &e);
		return;
	}
	http_json(r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)t.id, "retired", 1));
}
