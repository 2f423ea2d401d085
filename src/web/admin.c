/*
 * admin.c — the administrator's pages for users and org units, and GET /api/v1/units.
 * Every change goes through the writer as one job that also appends its event.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "labels.h"
#include "handlers.h"
#include "notify.h"
#include "org.h"

#define USERS_PER_PAGE 50

static const char *kind_label(const char *kind)
{
	return *vs_label(&VS_UNIT_KIND, kind) ? vs_label(&VS_UNIT_KIND, kind) : kind;
}

/* All units in tree order (by path), with their depth, for lists and selects. */
static json_t *units_tree(struct db *db, const char *selected, int active_only)
{
	static const char q[] = "SELECT u.code, u.name, u.kind, u.path, u.active, p.code, "
				"(SELECT count(*) FROM users WHERE unit_id = u.id AND active = 1) "
				"FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.path";
	json_t *list = json_array();
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return list;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (active_only && !sqlite3_column_int(st, 4))
			continue;
		const char *path = db_text(st, 3);
		int depth = -2;
		for (const char *p = path; *p; p++)
			depth += *p == '/';
		struct buf label;
		buf_init(&label);
		for (int i = 0; i < depth; i++)
			buf_puts(&label, "　　");
		buf_puts(&label, db_text(st, 1));
		json_array_append_new(
			list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s*,s:i,s:i,s:b}", "code", db_text(st, 0), "name",
					db_text(st, 1), "label", label.data, "kind", db_text(st, 2), "kind_label",
					kind_label(db_text(st, 2)), "active", sqlite3_column_int(st, 4), "parent",
					sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : db_text(st, 5), "depth",
					depth, "users", sqlite3_column_int(st, 6), "selected",
					selected && strcmp(selected, db_text(st, 0)) == 0));
		buf_free(&label);
	}
	db_done(st);
	return list;
}

/* GET /api/v1/units */
void api_units(struct req *r)
{
	static const char q[] = "SELECT u.code, u.name, p.code, u.kind FROM units u "
				"LEFT JOIN units p ON p.id = u.parent_id WHERE u.active = 1 ORDER BY u.path";
	if (!http_authorize(r, ACT_SIGNED_IN, NULL))
		return;
	struct db *db = db_reader();
	sqlite3_stmt *st = db ? db_prepare(db, q) : NULL;
	if (!st) {
		http_error(r, 503, "db_unavailable", "数据库暂不可用");
		return;
	}
	json_t *list = json_array();
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(list, json_pack("{s:s,s:s,s:s?,s:s}", "code", db_text(st, 0), "name",
						      db_text(st, 1), "parent",
						      sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : db_text(st, 2),
						      "kind", db_text(st, 3)));
	db_done(st);
	http_json(r, 200, list);
}

/* ---------------------------------------------------------------- users */

/* GET /admin/users?page=N */
void page_admin_users(struct req *r)
{
	/* Locked: some address has used up its tries for the login (session.h). */
	static const char q[] = "SELECT u.id, u.login, u.name, u.role, un.name, u.active, "
				"EXISTS (SELECT 1 FROM login_failures f WHERE f.login = u.login AND f.at > ?3 "
				"GROUP BY f.ip HAVING count(*) >= ?4) "
				"FROM users u JOIN units un ON un.id = u.unit_id "
				"ORDER BY un.path, u.login LIMIT ?1 OFFSET ?2";
	static const char q_count[] = "SELECT count(*) FROM users";
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	struct db *db = db_reader();
	if (!db) {
		http_error(r, 503, "db_unavailable", "数据库暂不可用");
		return;
	}
	long page = http_query(r, "page") ? strtol(http_query(r, "page"), NULL, 10) : 1;
	if (page < 1 || page > 100000)
		page = 1;
	sqlite3_stmt *st = db_prepare(db, q_count);
	long total = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	long pages = total ? (total + USERS_PER_PAGE - 1) / USERS_PER_PAGE : 1;
	if (page > pages)
		page = pages;
	json_t *users = json_array();
	st = db_prepare(db, q);
	if (st) {
		long long now = (long long)clock_now();
		sqlite3_bind_int(st, 1, USERS_PER_PAGE);
		sqlite3_bind_int64(st, 2, (page - 1) * USERS_PER_PAGE);
		sqlite3_bind_int64(st, 3, now - LOCKOUT_WINDOW_SECONDS);
		sqlite3_bind_int(st, 4, LOCKOUT_FAILURES);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(
				users, json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:b}", "id", sqlite3_column_int64(st, 0), "login",
						 db_text(st, 1), "name", db_text(st, 2), "role_label",
						 role_label(role_from_code(db_text(st, 3))), "unit_name", db_text(st, 4),
						 "active", sqlite3_column_int(st, 5), "locked",
						 sqlite3_column_int(st, 6)));
		db_done(st);
	}
	json_t *ctx = json_pack("{s:o,s:i,s:i,s:i,s:s*}", "users", users, "total", (int)total, "page", (int)page,
				"pages", (int)pages, "notice", http_query(r, "done"));
	if (page > 1)
		json_object_set_new(ctx, "prev_page", json_integer(page - 1));
	if (page < pages)
		json_object_set_new(ctx, "next_page", json_integer(page + 1));
	http_page(r, 200, "admin_users", ctx);
}

/* The new-user form (id 0) or a user's edit form, from the user table; values and errors
 * are taken. */
static void user_form(struct req *r, int status, json_t *values, json_t *errors, long long id)
{
	struct db *db = db_reader();
	const char *unit = json_string_value(json_object_get(values, "unit"));
	json_t *options = json_pack("{s:o}", "unit", db ? units_tree(db, unit, 1) : json_array());
	if (!errors)
		errors = json_object();
	json_t *ctx = json_pack("{s:O,s:O,s:o}", "v", values, "errors", errors, "fields",
				fields_form(&USER_FIELDS, id ? ON_EDIT : ON_CREATE, NULL, values, errors, options));
	json_decref(options);
	json_decref(values);
	json_decref(errors);
	if (id)
		json_object_set_new(ctx, "id", json_integer(id));
	http_page(r, status, id ? "admin_user_edit" : "admin_user_new", ctx);
}

/* GET /admin/users/new */
void page_admin_user_new(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	user_form(r, 200, json_pack("{s:s,s:s,s:s,s:s,s:s}", "login", "", "name", "", "phone", "", "role", "staff",
				    "unit", ""),
		  NULL, 0);
}

struct user_job {
	struct actor who;
	long long id;
	const char *login, *name, *phone, *role, *unit, *password;
	int active;
};

static int user_create_job(struct db *w, void *arg, struct err *e)
{
	struct user_job *j = arg;
	j->id = org_user_add(w, &j->who, j->login, j->name, j->phone, j->role, j->unit, j->password, e);
	return j->id < 0 ? -1 : 0;
}

static int user_update_job(struct db *w, void *arg, struct err *e)
{
	struct user_job *j = arg;
	return org_user_update(w, &j->who, j->id, j->name, j->phone, j->role, j->unit, j->active, e);
}

static int user_password_job(struct db *w, void *arg, struct err *e)
{
	struct user_job *j = arg;
	return org_user_set_password(w, &j->who, j->id, j->password, e);
}

/* POST /admin/users */
void page_admin_user_create(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const struct form *f = http_form(r);
	struct user_job j = { .who = http_actor(r), .login = form_text(f, "login"), .name = form_text(f, "name"),
			      .phone = form_text(f, "phone"), .role = form_text(f, "role"), .unit = form_text(f, "unit"),
			      .password = form_text(f, "password"), .active = 1 };
	struct err e = { 0 };
	json_t *errors = json_object();
	/* Every wrong field is told at once; the form comes back as typed, less the password. */
	if (fields_check(&USER_FIELDS, ON_CREATE, form_fields(f), errors, &e) || db_write(user_create_job, &j, &e) != 0) {
		err_into(errors, &e);
		user_form(r, e.status == 422 ? 422 : 500, form_values(&USER_FIELDS, ON_CREATE, f), errors, 0);
		return;
	}
	json_decref(errors);
	log_info("user created: %s by %s", j.login, r->user.login);
	http_redirect(r, "/admin/users?done=created");
}

static int load_user(struct req *r, long long *id, json_t **values)
{
	static const char q[] = "SELECT u.login, u.name, u.phone, u.role, un.code, u.active FROM users u "
				"JOIN units un ON un.id = u.unit_id WHERE u.id = ?1";
	const char *p = http_param(r, "id");
	char *end;
	*id = strtoll(p, &end, 10);
	struct db *db = db_reader();
	sqlite3_stmt *st = *end == '\0' && *id > 0 && db ? db_prepare(db, q) : NULL;
	*values = NULL;
	if (st) {
		sqlite3_bind_int64(st, 1, *id);
		if (sqlite3_step(st) == SQLITE_ROW)
			*values = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "login", db_text(st, 0), "name", db_text(st, 1),
					    "phone", db_text(st, 2), "role", db_text(st, 3), "unit", db_text(st, 4),
					    "active", sqlite3_column_int(st, 5));
		db_done(st);
	}
	if (!*values) {
		http_error(r, 404, "not_found", "该用户不存在");
		return 0;
	}
	return 1;
}

/* GET /admin/users/{id} */
void page_admin_user_edit(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	long long id;
	json_t *values;
	if (!load_user(r, &id, &values))
		return;
	if (http_query(r, "done"))
		json_object_set_new(values, "notice", json_string(http_query(r, "done")));
	user_form(r, 200, values, NULL, id);
}

/* POST /admin/users/{id} */
void page_admin_user_update(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	long long id;
	json_t *values;
	if (!load_user(r, &id, &values))
		return;
	const struct form *f = http_form(r);
	struct user_job j = { .who = http_actor(r), .id = id, .name = form_text(f, "name"), .phone = form_text(f, "phone"),
			      .role = form_text(f, "role"), .unit = form_text(f, "unit"),
			      .active = strcmp(form_text(f, "active"), "1") == 0 };
	struct err e = { 0 };
	json_t *errors = json_object();
	if (fields_check(&USER_FIELDS, ON_EDIT, form_fields(f), errors, &e) || db_write(user_update_job, &j, &e) != 0) {
		err_into(errors, &e);
		json_t *typed = form_values(&USER_FIELDS, ON_EDIT, f);
		json_object_set(typed, "login", json_object_get(values, "login"));
		json_decref(values);
		user_form(r, e.status == 422 ? 422 : e.status ? e.status : 500, typed, errors, id);
		return;
	}
	json_decref(errors);
	json_decref(values);
	char loc[64];
	snprintf(loc, sizeof loc, "/admin/users/%lld?done=saved", id);
	http_redirect(r, loc);
}

/* POST /admin/users/{id}/password */
void page_admin_user_password(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	long long id;
	json_t *values;
	if (!load_user(r, &id, &values))
		return;
	const struct form *f = http_form(r);
	struct user_job j = { .who = http_actor(r), .id = id, .password = form_text(f, "password") };
	struct err e = { 0 };
	if (db_write(user_password_job, &j, &e) != 0) {
		json_t *errors = json_object();
		json_object_set_new(errors, "password", json_string(e.message));
		user_form(r, e.status == 422 ? 422 : 500, values, errors, id);
		return;
	}
	json_decref(values);
	char loc[64];
	snprintf(loc, sizeof loc, "/admin/users/%lld?done=password", id);
	http_redirect(r, loc);
}

/* ---------------------------------------------------------------- units */

/* The units and the new-unit form (from the unit table); values and errors are taken. */
static void units_page(struct req *r, int status, json_t *values, json_t *errors)
{
	struct db *db = db_reader();
	if (!values)
		values = json_pack("{s:s}", "kind", "community");
	if (!errors)
		errors = json_object();
	const char *parent = json_string_value(json_object_get(values, "parent"));
	json_t *options = json_pack("{s:o}", "parent", db ? units_tree(db, parent, 1) : json_array());
	json_t *ctx = json_pack("{s:o,s:o,s:O,s:s*}", "units", db ? units_tree(db, NULL, 0) : json_array(), "fields",
				fields_form(&UNIT_FIELDS, ON_CREATE, NULL, values, errors, options), "errors", errors,
				"notice", http_query(r, "done"));
	json_decref(options);
	json_decref(values);
	json_decref(errors);
	http_page(r, status, "admin_units", ctx);
}

/* GET /admin/units */
void page_admin_units(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	units_page(r, 200, NULL, NULL);
}

struct unit_job {
	struct actor who;
	const char *code, *name, *kind, *parent;
	int sort, active, files_ledger;
};

static int unit_create_job(struct db *w, void *arg, struct err *e)
{
	struct unit_job *j = arg;
	return org_unit_add(w, &j->who, j->code, j->name, j->kind, j->parent, j->sort, e) < 0 ? -1 : 0;
}

static int unit_update_job(struct db *w, void *arg, struct err *e)
{
	struct unit_job *j = arg;
	return org_unit_update(w, &j->who, j->code, j->name, j->sort, j->active, j->files_ledger, e);
}

/* POST /admin/units */
void page_admin_unit_create(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const struct form *f = http_form(r);
	struct unit_job j = { .who = http_actor(r), .code = form_text(f, "code"), .name = form_text(f, "name"),
			      .kind = form_text(f, "kind"), .parent = form_text(f, "parent"), .sort = atoi(form_text(f, "sort")) };
	struct err e = { 0 };
	json_t *errors = json_object();
	if (fields_check(&UNIT_FIELDS, ON_CREATE, form_fields(f), errors, &e) || db_write(unit_create_job, &j, &e) != 0) {
		err_into(errors, &e);
		units_page(r, e.status == 422 ? 422 : 500, form_values(&UNIT_FIELDS, ON_CREATE, f), errors);
		return;
	}
	json_decref(errors);
	http_redirect(r, "/admin/units?done=created");
}

static json_t *load_unit(struct req *r)
{
	static const char q[] = "SELECT u.code, u.name, u.kind, u.sort, u.active, coalesce(p.name, ''), u.files_ledger FROM units u "
				"LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = ?1";
	struct db *db = db_reader();
	sqlite3_stmt *st = db ? db_prepare(db, q) : NULL;
	json_t *v = NULL;
	if (st) {
		sqlite3_bind_text(st, 1, http_param(r, "code"), -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = json_pack("{s:s,s:s,s:s,s:i,s:b,s:s,s:b}", "code", db_text(st, 0), "name", db_text(st, 1),
				      "kind_label", kind_label(db_text(st, 2)), "sort", sqlite3_column_int(st, 3),
				      "active", sqlite3_column_int(st, 4), "parent_name", db_text(st, 5), "files_ledger",
				      sqlite3_column_int(st, 6));
		db_done(st);
	}
	if (!v)
		http_error(r, 404, "not_found", "该单位不存在");
	return v;
}

/* A unit's edit form (from the unit table); v and errors are taken. */
static void unit_form(struct req *r, int status, json_t *v, json_t *errors)
{
	if (!errors)
		errors = json_object();
	json_t *ctx = json_pack("{s:O,s:o,s:O,s:s*}", "v", v, "fields", fields_form(&UNIT_FIELDS, ON_EDIT, NULL, v, errors, NULL),
				"errors", errors, "notice", http_query(r, "done"));
	json_decref(v);
	json_decref(errors);
	http_page(r, status, "admin_unit_edit", ctx);
}

/* GET /admin/units/{code} */
void page_admin_unit_edit(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	json_t *v = load_unit(r);
	if (v)
		unit_form(r, 200, v, NULL);
}

/* POST /admin/units/{code} */
void page_admin_unit_update(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	json_t *v = load_unit(r);
	if (!v)
		return;
	const struct form *f = http_form(r);
	struct unit_job j = { .who = http_actor(r), .code = http_param(r, "code"), .name = form_text(f, "name"),
			      .sort = atoi(form_text(f, "sort")), .active = strcmp(form_text(f, "active"), "1") == 0,
			      .files_ledger = strcmp(form_text(f, "files_ledger"), "1") == 0 };
	struct err e = { 0 };
	json_t *errors = json_object();
	if (fields_check(&UNIT_FIELDS, ON_EDIT, form_fields(f), errors, &e) || db_write(unit_update_job, &j, &e) != 0) {
		err_into(errors, &e);
		json_t *typed = form_values(&UNIT_FIELDS, ON_EDIT, f);
		json_object_update(v, typed);
		json_decref(typed);
		unit_form(r, e.status == 422 ? 422 : 500, v, errors);
		return;
	}
	json_decref(errors);
	json_decref(v);
	char loc[128];
	snprintf(loc, sizeof loc, "/admin/units/%s?done=saved", j.code);
	http_redirect(r, loc);
}

/* GET /admin/outbox — the webhook outbox (SPEC section 10): what waits, what keeps failing and
 * why, what was delivered, the newest first. */
void page_admin_outbox(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	struct db *db = db_reader();
	if (!db) {
		http_error(r, 503, "db_unavailable", "数据库暂不可用");
		return;
	}
	json_t *ctx = outbox_state(db, 100);
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(ctx, "items"), i, it)
	{
		const char *keys[] = { "created_at", "next_at", "delivered_at" };
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			const char *v = json_string_value(json_object_get(it, keys[k]));
			if (!v)
				continue;
			char when[40];
			time_text_minute(v, when, sizeof when);
			char key[32];
			snprintf(key, sizeof key, "%s_text", keys[k]);
			json_object_set_new(it, key, json_string(when));
		}
	}
	http_page(r, 200, "admin_outbox", ctx);
}
