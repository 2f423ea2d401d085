/*
 * catalog.c — what the administrator maintains besides people and units: campaigns with
 * their dated phases, and the taxonomies (sources, categories, domains with their default
 * responsible unit). Every change is a writer job that appends its event.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "labels.h"


static const struct {
	const char *kind, *table, *label;
} dictionaries[] = {
	{ "sources", "sources", "问题来源" }, { "categories", "categories", "类别" }, { "domains", "domains", "领域" },
};

static int step(struct db *w, sqlite3_stmt *st, struct err *e)
{
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	db_done(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT)
		err_set(e, 422, "duplicate", "code", "代码已存在");
	else
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

/* ---------------------------------------------------------------- campaigns */

struct campaign_job {
	struct actor who;
	const char *code, *name, *phase_name, *kind, *start, *end, *due;
	int active, seq;
};

static int campaign_create_job(struct db *w, void *arg, struct err *e)
{
	static const char q[] = "INSERT INTO campaigns (code, name, unit_id) SELECT ?1, ?2, id FROM units "
				"WHERE parent_id IS NULL";
	struct campaign_job *j = arg;
	const char *const given[][2] = { { "code", j->code }, { "name", j->name }, { NULL, NULL } };
	if (fields_check(&CAMPAIGN_FIELDS, ON_CREATE, field_pairs(given), NULL, e))
		return -1;
	sqlite3_stmt *st = db_prepare(w, q);
	if (st) {
		sqlite3_bind_text(st, 1, j->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, j->name, -1, SQLITE_STATIC);
	}
	if (step(w, st, e) != 0)
		return -1;
	long long id = sqlite3_last_insert_rowid(db_handle(w));
	json_t *after = json_pack("{s:s,s:s}", "code", j->code, "name", j->name);
	long long ev = audit_append(w, &j->who, "campaign", id, "create", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : 0;
}

static const char q_campaign_id[] = "SELECT id FROM campaigns WHERE code = ?1";

static int campaign_update_job(struct db *w, void *arg, struct err *e)
{
	static const char q[] = "UPDATE campaigns SET name = ?2, active = ?3 WHERE id = ?1";
	struct campaign_job *j = arg;
	long long id = db_lookup_id(w, q_campaign_id, j->code);
	if (!id) {
		err_set(e, 404, "not_found", NULL, "该行动不存在");
		return -1;
	}
	const char *const given[][2] = { { "name", j->name }, { NULL, NULL } };
	if (fields_check(&CAMPAIGN_FIELDS, ON_EDIT, field_pairs(given), NULL, e))
		return -1;
	sqlite3_stmt *st = db_prepare(w, q);
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, j->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, j->active);
	}
	if (step(w, st, e) != 0)
		return -1;
	json_t *after = json_pack("{s:s,s:b}", "name", j->name, "active", j->active);
	long long ev = audit_append(w, &j->who, "campaign", id, "update", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : 0;
}

/* Adds a phase (seq 0) or changes phase seq. */
static int phase_save_job(struct db *w, void *arg, struct err *e)
{
	static const char q_add[] = "INSERT INTO campaign_phases (campaign_id, seq, name, kind, start_date, end_date, due_note) "
				    "VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM campaign_phases WHERE campaign_id = ?1), "
				    "?2, ?3, ?4, ?5, ?6)";
	static const char q_set[] = "UPDATE campaign_phases SET name = ?2, kind = ?3, start_date = ?4, end_date = ?5, "
				    "due_note = ?6 WHERE campaign_id = ?1 AND seq = ?7";
	struct campaign_job *j = arg;
	long long id = db_lookup_id(w, q_campaign_id, j->code);
	if (!id) {
		err_set(e, 404, "not_found", NULL, "该行动不存在");
		return -1;
	}
	const char *const given[][2] = { { "phase_name", j->phase_name }, { "kind", j->kind }, { "start", j->start },
					  { "end", j->end }, { "due", j->due }, { NULL, NULL } };
	if (fields_check(&PHASE_FIELDS, ON_BOTH, field_pairs(given), NULL, e))
		return -1;
	if (date_parse_days(j->start) > date_parse_days(j->end)) {
		err_set(e, 422, "invalid", "end", "结束日期不能早于开始日期");
		return -1;
	}
	sqlite3_stmt *st = db_prepare(w, j->seq ? q_set : q_add);
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, j->phase_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, j->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, j->start, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, j->end, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, j->due, -1, SQLITE_STATIC);
		if (j->seq)
			sqlite3_bind_int(st, 7, j->seq);
	}
	if (step(w, st, e) != 0)
		return -1;
	json_t *after = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "phase", j->phase_name, "kind", j->kind, "start", j->start,
				  "end", j->end, "due", j->due, "seq", j->seq);
	long long ev = audit_append(w, &j->who, "campaign", id, j->seq ? "phase-update" : "phase-add", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : 0;
}

static json_t *campaigns_json(struct db *db, const char *only)
{
	static const char q[] = "SELECT c.code, c.name, c.active, p.seq, p.name, p.kind, p.start_date, p.end_date, p.due_note "
				"FROM campaigns c LEFT JOIN campaign_phases p ON p.campaign_id = c.id ORDER BY c.id DESC, p.seq";
	json_t *list = json_array(), *cur = NULL;
	sqlite3_stmt *st = db_prepare(db, q);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (only && strcmp(only, db_text(st, 0)))
			continue;
		if (!cur || strcmp(json_string_value(json_object_get(cur, "code")), db_text(st, 0))) {
			cur = json_pack("{s:s,s:s,s:b,s:[]}", "code", db_text(st, 0), "name", db_text(st, 1), "active",
					sqlite3_column_int(st, 2), "phases");
			json_array_append_new(list, cur);
		}
		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			continue;
		json_array_append_new(json_object_get(cur, "phases"),
				      json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s}", "seq", sqlite3_column_int(st, 3), "name",
						db_text(st, 4), "kind", db_text(st, 5), "start", db_text(st, 6), "end",
						db_text(st, 7), "due", db_text(st, 8), "campaign", db_text(st, 0)));
	}
	db_done(st);
	return list;
}

/* Which form of the campaign pages a failed save came from, to show it again as sent. */
enum campaign_form { CF_NEW_CAMPAIGN, CF_CAMPAIGN, CF_NEW_PHASE, CF_PHASE };

struct campaign_retry {
	enum campaign_form form;
	int seq;        /* CF_PHASE */
	json_t *values; /* as sent */
	json_t *errors;
};

/* The campaigns (only: one campaign's page) with their forms from the campaign and phase
 * tables; a retry's form shows its values and errors. Takes the retry's values and errors. */
static void campaigns_page(struct req *r, int status, const char *only, struct campaign_retry *retry)
{
	struct db *db = db_reader();
	json_t *list = campaigns_json(db, only);
	json_t *none = json_object();
#define RETRY(f, s) (retry && retry->form == (f) && (f != CF_PHASE || retry->seq == (s)))
#define VALUES(f, s, dflt) (RETRY(f, s) ? retry->values : (dflt))
#define ERRORS(f, s) (RETRY(f, s) ? retry->errors : none)
	if (only && !json_array_size(list)) {
		http_error(r, 404, "not_found", "该行动不存在");
		goto done;
	}
	json_t *ctx = json_pack("{s:o,s:o,s:s*}", "campaigns", list, "errors",
				json_incref(retry && retry->errors ? retry->errors : none), "notice", http_query(r, "done"));
	json_object_set_new(ctx, "fields", fields_form(&CAMPAIGN_FIELDS, ON_CREATE, "new-", VALUES(CF_NEW_CAMPAIGN, 0, none),
						       ERRORS(CF_NEW_CAMPAIGN, 0), NULL));
	if (only) {
		json_t *c = json_array_get(list, 0);
		json_object_set(ctx, "c", c);
		json_object_set_new(c, "fields", fields_form(&CAMPAIGN_FIELDS, ON_EDIT, NULL, VALUES(CF_CAMPAIGN, 0, c),
							     ERRORS(CF_CAMPAIGN, 0), NULL));
		json_t *np = json_pack("{s:s}", "kind", "rectify");
		json_object_set_new(ctx, "np", json_pack("{s:o}", "fields",
							  fields_form(&PHASE_FIELDS, ON_CREATE, "np-", VALUES(CF_NEW_PHASE, 0, np),
								      ERRORS(CF_NEW_PHASE, 0), NULL)));
		json_decref(np);
		size_t i;
		json_t *ph;
		json_array_foreach(json_object_get(c, "phases"), i, ph) {
			int seq = (int)json_integer_value(json_object_get(ph, "seq"));
			json_t *v = json_pack("{s:O,s:O,s:O,s:O,s:O}", "phase_name", json_object_get(ph, "name"), "kind",
					      json_object_get(ph, "kind"), "start", json_object_get(ph, "start"), "end",
					      json_object_get(ph, "end"), "due", json_object_get(ph, "due"));
			char prefix[24];
			snprintf(prefix, sizeof prefix, "p%d-", seq);
			json_object_set_new(ph, "fields", fields_form(&PHASE_FIELDS, ON_EDIT, prefix, VALUES(CF_PHASE, seq, v),
								      ERRORS(CF_PHASE, seq), NULL));
			json_decref(v);
		}
	}
	http_page(r, status, only ? "admin_campaign" : "admin_campaigns", ctx);
	list = NULL;
done:
#undef RETRY
#undef VALUES
#undef ERRORS
	json_decref(list);
	json_decref(none);
	if (retry) {
		json_decref(retry->values);
		json_decref(retry->errors);
	}
}

/* GET /admin/campaigns */
void page_admin_campaigns(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	campaigns_page(r, 200, NULL, NULL);
}

/* POST /admin/campaigns */
void page_admin_campaign_create(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const struct form *f = http_form(r);
	struct campaign_job j = { .who = http_actor(r), .code = form_text(f, "code"), .name = form_text(f, "name") };
	struct err e = { 0 };
	json_t *errors = json_object();
	if (fields_check(&CAMPAIGN_FIELDS, ON_CREATE, form_fields(f), errors, &e) || db_write(campaign_create_job, &j, &e) != 0) {
		err_into(errors, &e);
		struct campaign_retry retry = { CF_NEW_CAMPAIGN, 0, form_values(&CAMPAIGN_FIELDS, ON_CREATE, f), errors };
		campaigns_page(r, e.status, NULL, &retry);
		return;
	}
	json_decref(errors);
	char loc[96];
	snprintf(loc, sizeof loc, "/admin/campaigns/%s?done=created", j.code);
	http_redirect(r, loc);
}

/* GET /admin/campaigns/{code} */
void page_admin_campaign(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	campaigns_page(r, 200, http_param(r, "code"), NULL);
}

/* Runs a campaign's or phase's save; the page again with the form as sent when it fails. */
static void campaign_write(struct req *r, db_write_fn fn, struct campaign_job *j, const struct field_table *t,
			   enum campaign_form form)
{
	const struct form *f = http_form(r);
	struct err e = { 0 };
	json_t *errors = json_object();
	if (fields_check(t, ON_EDIT, form_fields(f), errors, &e) || db_write(fn, j, &e) != 0) {
		if (e.status == 404) {
			json_decref(errors);
			http_fail(r, &e);
			return;
		}
		err_into(errors, &e);
		struct campaign_retry retry = { form, j->seq, form_values(t, ON_EDIT, f), errors };
		campaigns_page(r, e.status, j->code, &retry);
		return;
	}
	json_decref(errors);
	char loc[96];
	snprintf(loc, sizeof loc, "/admin/campaigns/%s?done=saved", j->code);
	http_redirect(r, loc);
}

/* POST /admin/campaigns/{code} */
void page_admin_campaign_update(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const struct form *f = http_form(r);
	struct campaign_job j = { .who = http_actor(r), .code = http_param(r, "code"), .name = form_text(f, "name"),
				  .active = !strcmp(form_text(f, "active"), "1") };
	campaign_write(r, campaign_update_job, &j, &CAMPAIGN_FIELDS, CF_CAMPAIGN);
}

/* POST /admin/campaigns/{code}/phases and /admin/campaigns/{code}/phases/{seq} */
void page_admin_phase_save(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const struct form *f = http_form(r);
	const char *seq = http_param(r, "seq");
	struct campaign_job j = { .who = http_actor(r), .code = http_param(r, "code"), .phase_name = form_text(f, "phase_name"),
				  .kind = form_text(f, "kind"), .start = form_text(f, "start"), .end = form_text(f, "end"),
				  .due = form_text(f, "due"), .seq = seq ? atoi(seq) : 0 };
	if (seq && j.seq <= 0) {
		http_error(r, 404, "not_found", "该阶段不存在");
		return;
	}
	campaign_write(r, phase_save_job, &j, &PHASE_FIELDS, j.seq ? CF_PHASE : CF_NEW_PHASE);
}

/* ---------------------------------------------------------------- taxonomies */

struct dict_job {
	struct actor who;
	const char *table, *code, *name, *parent, *unit;
	int active, sort, create;
};

static int dict_save_job(struct db *w, void *arg, struct err *e)
{
	/* One statement per table and operation: the table names come from our own list. */
	static const char q_src_add[] = "INSERT INTO sources (code, name, sort) VALUES (?1, ?2, ?3)";
	static const char q_cat_add[] = "INSERT INTO categories (code, name, sort) VALUES (?1, ?2, ?3)";
	static const char q_dom_add[] = "INSERT INTO domains (code, name, sort, parent_id, default_unit_id) VALUES (?1, ?2, ?3, "
					"(SELECT id FROM domains WHERE code = ?4 AND parent_id IS NULL), "
					"(SELECT id FROM units WHERE code = ?5))";
	static const char q_src_set[] = "UPDATE sources SET name = ?2, sort = ?3, active = ?6 WHERE code = ?1";
	static const char q_cat_set[] = "UPDATE categories SET name = ?2, sort = ?3, active = ?6 WHERE code = ?1";
	static const char q_dom_set[] = "UPDATE domains SET name = ?2, sort = ?3, active = ?6, "
					"default_unit_id = (SELECT id FROM units WHERE code = ?5) WHERE code = ?1";
	static const char q_parent[] = "SELECT 1 FROM domains WHERE code = ?1 AND parent_id IS NULL";
	static const char q_unit[] = "SELECT 1 FROM units WHERE code = ?1 AND kind <> 'district' AND active = 1";
	struct dict_job *j = arg;
	int dom = !strcmp(j->table, "domains");
	const char *const given[][2] = { { "code", j->code }, { "name", j->name }, { NULL, NULL } };
	if (fields_check(&TAXONOMY_FIELDS, j->create ? ON_CREATE : ON_EDIT, field_pairs(given), NULL, e))
		return -1;
	const char *checks[2][3] = { { q_parent, j->parent, "parent" }, { q_unit, j->unit, "unit" } };
	for (int i = 0; dom && i < 2; i++) {
		if (!checks[i][1] || !*checks[i][1] || (i == 0 && !j->create))
			continue;
		sqlite3_stmt *st = db_prepare(w, checks[i][0]);
		int found = 0;
		if (st) {
			sqlite3_bind_text(st, 1, checks[i][1], -1, SQLITE_STATIC);
			found = sqlite3_step(st) == SQLITE_ROW;
			db_done(st);
		}
		if (!found) {
			err_set(e, 422, "invalid", checks[i][2], i == 0 ? "上级领域不存在" : "默认责任单位不存在");
			return -1;
		}
	}
	const char *sql = j->create ? (dom ? q_dom_add : !strcmp(j->table, "sources") ? q_src_add : q_cat_add)
				    : (dom ? q_dom_set : !strcmp(j->table, "sources") ? q_src_set : q_cat_set);
	sqlite3_stmt *st = db_prepare(w, sql);
	if (st) {
		sqlite3_bind_text(st, 1, j->code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, j->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, j->sort);
		if (dom && j->create)
			sqlite3_bind_text(st, 4, j->parent, -1, SQLITE_STATIC);
		if (dom)
			sqlite3_bind_text(st, 5, j->unit, -1, SQLITE_STATIC);
		if (!j->create)
			sqlite3_bind_int(st, 6, j->active);
	}
	if (step(w, st, e) != 0)
		return -1;
	if (!j->create && sqlite3_changes(db_handle(w)) == 0) {
		err_set(e, 404, "not_found", NULL, "该条目不存在");
		return -1;
	}
	json_t *after = json_pack("{s:s,s:s,s:s,s:i,s:b,s:s,s:s}", "table", j->table, "code", j->code, "name", j->name, "sort",
				  j->sort, "active", j->create ? 1 : j->active, "parent", j->parent ? j->parent : "",
				  "default_unit", j->unit ? j->unit : "");
	long long ev = audit_append(w, &j->who, "taxonomy", 0, j->create ? "create" : "update", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : 0;
}

static json_t *dict_rows(struct db *db, const char *table)
{
	static const char q_src[] = "SELECT code, name, sort, active, '', '' FROM sources ORDER BY sort, id";
	static const char q_cat[] = "SELECT code, name, sort, active, '', '' FROM categories ORDER BY sort, id";
	static const char q_dom[] = "SELECT d.code, d.name, d.sort, d.active, coalesce(p.name, ''), coalesce(u.code, '') "
				    "FROM domains d LEFT JOIN domains p ON p.id = d.parent_id "
				    "LEFT JOIN units u ON u.id = d.default_unit_id "
				    "ORDER BY coalesce(p.sort, d.sort), coalesce(p.id, d.id), p.id IS NOT NULL, d.sort";
	const char *q = !strcmp(table, "sources") ? q_src : !strcmp(table, "categories") ? q_cat : q_dom;
	json_t *list = json_array();
	sqlite3_stmt *st = db_prepare(db, q);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s,s:s,s:i,s:b,s:s,s:s,s:s}", "code", db_text(st, 0), "name",
						      db_text(st, 1), "sort", sqlite3_column_int(st, 2), "active",
						      sqlite3_column_int(st, 3), "parent_name", db_text(st, 4), "unit",
						      db_text(st, 5), "table", table));
	db_done(st);
	return list;
}

static void taxonomy_page(struct req *r, int status, json_t *errors)
{
	static const char q_units[] = "SELECT code, name FROM units WHERE kind <> 'district' AND active = 1 ORDER BY path";
	static const char q_roots[] = "SELECT code, name FROM domains WHERE parent_id IS NULL ORDER BY sort";
	struct db *db = db_reader();
	json_t *dicts = json_array();
	for (size_t i = 0; i < ARRAY_LEN(dictionaries); i++)
		json_array_append_new(dicts, json_pack("{s:s,s:s,s:o,s:b}", "kind", dictionaries[i].kind, "label",
						       dictionaries[i].label, "rows", dict_rows(db, dictionaries[i].table),
						       "is_domains", !strcmp(dictionaries[i].kind, "domains")));
	json_t *units = json_array(), *roots = json_array();
	sqlite3_stmt *st = db_prepare(db, q_units);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(units, json_pack("{s:s,s:s}", "code", db_text(st, 0), "name", db_text(st, 1)));
	db_done(st);
	/* Each domain row's select shows its current default unit, so saving the row keeps it. */
	json_t *d;
	size_t di;
	json_array_foreach(dicts, di, d)
	{
		if (!json_is_true(json_object_get(d, "is_domains")))
			continue;
		size_t ri;
		json_t *row;
		json_array_foreach(json_object_get(d, "rows"), ri, row)
		{
			const char *cur = json_string_value(json_object_get(row, "unit"));
			json_t *opts = json_array();
			size_t ui;
			json_t *u;
			json_array_foreach(units, ui, u)
			{
				json_t *o = json_deep_copy(u);
				json_object_set_new(o, "selected",
						    json_boolean(!strcmp(cur, json_string_value(json_object_get(u, "code")))));
				json_array_append_new(opts, o);
			}
			json_object_set_new(row, "unit_options", opts);
		}
	}
	st = db_prepare(db, q_roots);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(roots, json_pack("{s:s,s:s}", "code", db_text(st, 0), "name", db_text(st, 1)));
	db_done(st);
	http_page(r, status, "admin_taxonomy",
		  json_pack("{s:o,s:o,s:o,s:o,s:s*}", "dicts", dicts, "units", units, "roots", roots, "errors",
			    errors ? errors : json_object(), "notice", http_query(r, "done")));
}

/* GET /admin/taxonomy */
void page_admin_taxonomy(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	taxonomy_page(r, 200, NULL);
}

static const char *dict_table(const char *kind)
{
	for (size_t i = 0; kind && i < ARRAY_LEN(dictionaries); i++)
		if (!strcmp(kind, dictionaries[i].kind))
			return dictionaries[i].table;
	return NULL;
}

/* POST /admin/taxonomy/{kind} (create) and /admin/taxonomy/{kind}/{code} (update) */
void page_admin_taxonomy_save(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const char *table = dict_table(http_param(r, "kind"));
	if (!table) {
		http_error(r, 404, "not_found", "没有这种分类");
		return;
	}
	const struct form *f = http_form(r);
	const char *code = http_param(r, "code");
	struct dict_job j = { .who = http_actor(r), .table = table, .code = code ? code : form_text(f, "code"),
			      .name = form_text(f, "name"), .parent = form_text(f, "parent"), .unit = form_text(f, "unit"),
			      .sort = atoi(form_text(f, "sort")), .active = !strcmp(form_text(f, "active"), "1"), .create = !code };
	struct err e = { 0 };
	if (db_write(dict_save_job, &j, &e) != 0) {
		if (e.status == 404)
			http_fail(r, &e);
		else
			taxonomy_page(r, e.status, err_fields(&e));
		return;
	}
	http_redirect(r, "/admin/taxonomy?done=saved");
}
