/*
 * ticket_api.c — the ticket endpoints of the JSON API (SPEC section 7), campaigns and the
 * taxonomy. The rules live in ticket.c and workflow.c; this file maps HTTP onto them.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "ticket_fields.h"
#include "ticket.h"

/* 422 naming each bad field, or the error's own status. Steals fields. */
static void fail_fields(struct req *r, const struct err *e, json_t *fields)
{
	if (fields && json_object_size(fields)) {
		http_error_with(r, 422, "validation", "填写的内容有误，请按提示修改", fields, NULL);
		return;
	}
	json_decref(fields);
	http_fail(r, e);
}

long long ticket_id_param(struct req *r)
{
	const char *p = http_param(r, "id");
	char *end;
	long long id = p ? strtoll(p, &end, 10) : 0;
	return p && !*end && id > 0 ? id : 0;
}

/* Parses {id}; loads the ticket and authorizes act on it (404 when out of scope). */
int ticket_for(struct req *r, enum action act, struct ticket_ref *t)
{
	long long id = ticket_id_param(r);
	struct db *db = db_reader();
	if (!id || !db || !ticket_ref_load(db, id, t))
		return http_authorize_missing(r, act); /* unknown and out of scope look alike */
	struct ticket_scope scope = ticket_ref_scope(t);
	return http_authorize(r, act, &scope);
}

int ticket_may_see_personal(struct req *r, const struct ticket_ref *t)
{
	struct subject who = http_subject(r);
	struct ticket_scope scope = ticket_ref_scope(t);
	return authz_check(&who, ACT_PERSONAL_DATA, &scope) == AUTHZ_OK;
}

/* POST /api/v1/tickets */
void api_ticket_create(struct req *r)
{
	/* Role first; the unit scope of the new ticket is checked once its units are known. */
	if (!http_authorize(r, ACT_TICKET_CREATE, NULL))
		return;
	json_t *in = http_json_body(r);
	if (!in)
		return;
	struct db *db = db_reader();
	struct ticket_input t = { .who = http_actor(r), .creator = http_subject(r) };
	json_t *errors = json_object();
	if (!db || ticket_prepare(db, in, &t, errors) != 0) {
		struct err e = { .status = 422 };
		fail_fields(r, &e, errors);
		json_decref(in);
		return;
	}
	json_decref(errors);
	struct ticket_scope scope = { t.unit_path, t.responsible_path, NULL };
	if (!http_authorize(r, ACT_TICKET_CREATE, &scope)) {
		json_decref(in);
		return;
	}
	struct err e = { 0 };
	int rc = ticket_create(&t, &e);
	json_decref(in);
	if (rc != 0) {
		http_fail(r, &e);
		return;
	}
	char loc[64];
	snprintf(loc, sizeof loc, "/api/v1/tickets/%lld", t.id);
	http_header(r, "Location", loc);
	struct subject viewer = http_subject(r);
	http_json(r, 201, ticket_json(db, t.id, TICKET_UNMASKED, &viewer));
}

/* GET /api/v1/tickets/{id} */
void api_ticket_get(struct req *r)
{
	struct ticket_ref t;
	if (!ticket_for(r, ACT_TICKET_VIEW, &t))
		return;
	struct subject viewer = http_subject(r);
	json_t *v = ticket_json(db_reader(), t.id, ticket_may_see_personal(r, &t), &viewer);
	if (!v) {
		http_error(r, 404, "not_found", "您访问的问题不存在");
		return;
	}
	http_json(r, 200, v);
}

static const char *query_get(void *r, const char *key)
{
	return http_query(r, key);
}

/* The list filters from the query string (pages, API and exports share them): the filter
 * table (ticket_fields.h) names each. */
void ticket_filter_from_query(struct req *r, struct ticket_filter *f, const struct subject *who)
{
	memset(f, 0, sizeof *f);
	f->who = who;
	ticket_filter_read(f, query_get, r);
}

/* GET /api/v1/tickets?...&page=&per_page= */
void api_ticket_list(struct req *r)
{
	if (!http_authorize(r, ACT_TICKET_VIEW, NULL))
		return;
	struct subject who = http_subject(r);
	struct ticket_filter f;
	ticket_filter_from_query(r, &f, &who);
	long page = 1, per_page = 50;
	const char *p = http_query(r, "page"), *pp = http_query(r, "per_page");
	char *end;
	if (p && *p) {
		page = strtol(p, &end, 10);
		if (*end || page < 1 || page > 1000000) {
			http_error_with(r, 422, "validation", "页码无效", json_pack("{s:s}", "page", "页码须为 1 到 1000000 之间的整数"),
					NULL);
			return;
		}
	}
	if (pp && *pp) {
		per_page = strtol(pp, &end, 10);
		if (*end || per_page < 1 || per_page > 200) {
			http_error_with(r, 422, "validation", "每页条数无效",
					json_pack("{s:s}", "per_page", "每页条数须为 1 到 200 之间的整数"), NULL);
			return;
		}
	}
	const char *bad_date = ticket_filter_bad_date(&f);
	if (bad_date) {
		int month = !strcmp(bad_date, "dispatched");
		http_error_with(r, 422, "validation", month ? "月份无效" : "日期无效",
				json_pack("{s:s}", bad_date,
					  month ? "月份须为有效的月份，格式如 2023-09" : "日期须为有效的日期，格式如 2023-09-01"),
				NULL);
		return;
	}
	struct db *db = db_reader();
	long long total = 0;
	int more = 0, estimated = 0;
	f.estimated = &estimated;
	/* Written as text row by row: building fifty tickets as JSON objects first cost more
	 * than reading them. */
	struct buf body;
	buf_init(&body);
	buf_puts(&body, "{\"items\":");
	ticket_list_write(db, &f, (page - 1) * per_page, (int)per_page, &total, &more, &body);
	buf_printf(&body, ",\"total\":%lld,%s\"page\":%ld,\"per_page\":%ld}", total,
		   estimated ? "\"total_estimated\":true," : "", page, per_page);
	http_send(r, 200, "application/json; charset=utf-8", &body);
}

/* PATCH /api/v1/tickets/{id} {version, field: value, ...} */
void api_ticket_patch(struct req *r)
{
	struct ticket_ref t;
	if (!ticket_for(r, ACT_TICKET_EDIT, &t))
		return;
	json_t *in = http_json_body(r);
	if (!in)
		return;
	json_t *version = json_object_get(in, "version");
	if (!json_is_integer(version)) {
		json_decref(in);
		http_error_with(r, 422, "validation", "请提供读取时的版本号", json_pack("{s:s}", "version", "须为整数"), NULL);
		return;
	}
	struct subject who = http_subject(r);
	struct ticket_scope scope = ticket_ref_scope(&t);
	struct ticket_patch p = { .id = t.id, .version = json_integer_value(version), .changes = in,
				  .may_assign = authz_check(&who, ACT_TICKET_ASSIGN, &scope) == AUTHZ_OK,
				  .may_correct = authz_check(&who, ACT_TICKET_CORRECT, &scope) == AUTHZ_OK,
				  .who = http_actor(r), .errors = json_object() };
	struct err e = { 0 };
	if (db_write(ticket_patch_job, &p, &e) != 0) {
		if (e.status == 409 && p.conflict) {
			http_error_with(r, 409, "conflict", e.message, NULL, json_pack("{s:o}", "current", p.conflict));
			json_decref(p.errors);
		} else {
			json_decref(p.conflict);
			fail_fields(r, &e, p.errors);
		}
		json_decref(in);
		return;
	}
	json_decref(p.errors);
	json_decref(in);
	struct subject viewer = http_subject(r);
	http_json(r, 200, ticket_json(db_reader(), t.id, ticket_may_see_personal(r, &t), &viewer));
}

/* POST /api/v1/tickets/{id}/actions/{action} */
void api_ticket_action(struct req *r)
{
	const struct transition *tr = workflow_find(http_param(r, "action"));
	struct ticket_ref t;
	if (!ticket_for(r, tr ? tr->act : ACT_TICKET_VIEW, &t))
		return;
	if (!tr) {
		http_error(r, 404, "unknown_action", "没有这种操作");
		return;
	}
	json_t *body = r->body.len ? http_json_body(r) : json_object();
	if (!body)
		return;
	struct ticket_action a = { .id = t.id, .tr = tr, .body = body, .who = http_actor(r), .subject = http_subject(r),
				   .errors = json_object() };
	struct err e = { 0 };
	if (db_write(ticket_action_job, &a, &e) != 0) {
		if (e.status == 422)
			fail_fields(r, &e, a.errors);
		else {
			json_decref(a.errors);
			http_fail(r, &e);
		}
		json_decref(body);
		return;
	}
	json_decref(a.errors);
	json_decref(body);
	struct subject viewer = http_subject(r);
	http_json(r, 200, ticket_json(db_reader(), t.id, ticket_may_see_personal(r, &t), &viewer));
}

/* GET /api/v1/campaigns */
void api_campaigns(struct req *r)
{
	static const char q[] = "SELECT c.code, c.name, p.name, p.start_date, p.end_date, p.kind FROM campaigns c "
				"LEFT JOIN campaign_phases p ON p.campaign_id = c.id ORDER BY c.id, p.seq";
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	json_t *list = json_array(), *cur = NULL;
	sqlite3_stmt *st = db_prepare(db_reader(), q);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (!cur || strcmp(json_string_value(json_object_get(cur, "code")), db_text(st, 0))) {
			cur = json_pack("{s:s,s:s,s:[]}", "code", db_text(st, 0), "name", db_text(st, 1), "phases");
			json_array_append_new(list, cur);
		}
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			json_array_append_new(json_object_get(cur, "phases"),
					      json_pack("{s:s,s:s,s:s,s:s}", "name", db_text(st, 2), "start", db_text(st, 3),
							"end", db_text(st, 4), "kind", db_text(st, 5)));
	}
	db_done(st);
	http_json(r, 200, list);
}

/* GET /api/v1/taxonomy */
void api_taxonomy(struct req *r)
{
	static const char q_sources[] = "SELECT code, name FROM sources WHERE active = 1 ORDER BY sort, id";
	static const char q_categories[] = "SELECT code, name FROM categories WHERE active = 1 ORDER BY sort, id";
	static const char q_domains[] = "SELECT d.code, d.name, p.code, coalesce(u.code, '') FROM domains d "
					"LEFT JOIN domains p ON p.id = d.parent_id LEFT JOIN units u ON u.id = d.default_unit_id "
					"WHERE d.active = 1 ORDER BY coalesce(p.sort, d.sort), p.id IS NOT NULL, d.sort, d.id";
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	struct db *db = db_reader();
	json_t *out = json_pack("{s:[],s:[],s:[]}", "sources", "categories", "domains");
	const char *qs[2] = { q_sources, q_categories };
	const char *keys[2] = { "sources", "categories" };
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = db_prepare(db, qs[i]);
		while (st && sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(json_object_get(out, keys[i]),
					      json_pack("{s:s,s:s}", "code", db_text(st, 0), "name", db_text(st, 1)));
		db_done(st);
	}
	sqlite3_stmt *st = db_prepare(db, q_domains);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(json_object_get(out, "domains"),
				      json_pack("{s:s,s:s,s:s?,s:s?}", "code", db_text(st, 0), "name", db_text(st, 1),
						"parent", sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : db_text(st, 2),
						"default_unit", *db_text(st, 3) ? db_text(st, 3) : NULL));
	db_done(st);
	http_json(r, 200, out);
}
