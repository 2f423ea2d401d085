/*
 * org.c — storage and rules for org units and users.
 */
#include "org.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "fields.h"
#include "labels.h"

int org_kind_ok(const char *kind)
{
	return vs_has(&VS_UNIT_KIND, kind);
}

int org_role_ok(const char *role)
{
	return vs_has(&VS_ROLE, role);
}

const char *org_role_misfit(const char *role, const char *kind)
{
	int district_level = !strcmp(kind, "district") || !strcmp(kind, "department");
	if (!strcmp(role, "staff"))
		return strcmp(kind, "district") == 0 ? "工作人员须属于街道、区直部门、社区或村，不能设在区本级" : NULL;
	if (!district_level)
		return !strcmp(role, "admin") ? "系统管理员只能设在区本级或区直部门"
					      : "区级调度和督导验收人员只能设在区本级或区直部门";
	return NULL;
}

/* The unit's role rule (org_role_misfit) for a user; 0 when it fits, -1 with e set. */
static int role_fits_unit(struct db *db, const char *role, const char *unit_code, struct err *e)
{
	static const char q_kind[] = "SELECT kind FROM units WHERE code = ?1";
	sqlite3_stmt *st = db_prepare(db, q_kind);
	const char *why = NULL;
	if (st) {
		sqlite3_bind_text(st, 1, unit_code ? unit_code : "", -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			why = org_role_misfit(role, db_text(st, 0));
		if (why)
			err_set(e, 422, "invalid", "unit", "%s", why);
		db_done(st);
	}
	return why ? -1 : 0;
}

/* Which kind may sit under which: the district holds streets and departments; streets hold
 * communities and villages. */
static int kind_fits(const char *parent_kind, const char *kind)
{
	if (!parent_kind)
		return strcmp(kind, "district") == 0;
	if (strcmp(parent_kind, "district") == 0)
		return strcmp(kind, "street") == 0 || strcmp(kind, "department") == 0;
	if (strcmp(parent_kind, "street") == 0)
		return strcmp(kind, "community") == 0 || strcmp(kind, "village") == 0;
	return 0;
}

long long org_unit_add(struct db *db, const struct actor *who, const char *code, const char *name, const char *kind,
		       const char *parent_code, int sort, struct err *e)
{
	static const char q_parent[] = "SELECT id, kind, path FROM units WHERE code = ?1";
	static const char q_root[] = "SELECT count(*) FROM units WHERE parent_id IS NULL";
	static const char q_insert[] =
		"INSERT INTO units (code, name, kind, parent_id, path, sort) VALUES (?1, ?2, ?3, ?4, '', ?5)";
	static const char q_path[] = "UPDATE units SET path = ?1 WHERE id = ?2";

	const char *const given[][2] = { { "code", code }, { "name", name }, { "kind", kind }, { "parent", parent_code },
					  { NULL, NULL } };
	if (fields_check(&UNIT_FIELDS, ON_CREATE, field_pairs(given), NULL, e))
		return -1;
	long long parent_id = 0;
	char parent_kind[16] = "", parent_path[512] = "";
	if (parent_code && *parent_code) {
		sqlite3_stmt *st = db_prepare(db, q_parent);
		if (!st)
			goto dberr;
		sqlite3_bind_text(st, 1, parent_code, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			parent_id = sqlite3_column_int64(st, 0);
			snprintf(parent_kind, sizeof parent_kind, "%s", db_text(st, 1));
			snprintf(parent_path, sizeof parent_path, "%s", db_text(st, 2));
		}
		db_done(st);
		if (!parent_id) {
			err_set(e, 422, "invalid", "parent", "上级单位 %s 不存在", parent_code);
			return -1;
		}
	} else {
		sqlite3_stmt *st = db_prepare(db, q_root);
		if (!st)
			goto dberr;
		int roots = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
		db_done(st);
		if (roots > 0) {
			err_set(e, 422, "invalid", "parent", "已有区级单位，请选择上级单位");
			return -1;
		}
	}
	if (!kind_fits(parent_id ? parent_kind : NULL, kind)) {
		err_set(e, 422, "invalid", "kind", "该类型的单位不能设在所选上级单位之下");
		return -1;
	}
	sqlite3_stmt *st = db_prepare(db, q_insert);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	if (parent_id)
		sqlite3_bind_int64(st, 4, parent_id);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int(st, 5, sort);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc == SQLITE_CONSTRAINT) {
		err_set(e, 422, "duplicate", "code", "单位代码 %s 已存在", code);
		return -1;
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	long long id = sqlite3_last_insert_rowid(db_handle(db));
	char path[600];
	snprintf(path, sizeof path, "%s%lld/", parent_id ? parent_path : "/", id);
	st = db_prepare(db, q_path);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	json_t *after = json_pack("{s:s,s:s,s:s,s:s*}", "code", code, "name", name, "kind", kind, "parent",
				  parent_id ? parent_code : NULL);
	long long ev = audit_append(db, who, "unit", id, "create", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : id;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	return -1;
}

long long org_user_add(struct db *db, const struct actor *who, const char *login, const char *name, const char *phone,
		       const char *role, const char *unit_code, const char *password, struct err *e)
{
	static const char q_unit[] = "SELECT id FROM units WHERE code = ?1 AND active = 1";
	static const char q_insert[] = "INSERT INTO users (login, name, phone, role, unit_id, password_hash, created_at) "
				       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

	const char *const given[][2] = { { "login", login }, { "name", name }, { "phone", phone }, { "role", role },
					  { "unit", unit_code }, { "password", password }, { NULL, NULL } };
	if (fields_check(&USER_FIELDS, ON_CREATE, field_pairs(given), NULL, e))
		return -1;
	if (!auth_password_ok(password ? password : "", login, e))
		return -1;
	long long unit_id = db_lookup_id(db, q_unit, unit_code ? unit_code : "");
	sqlite3_stmt *st;
	if (!unit_id) {
		err_set(e, 422, "invalid", "unit", "单位 %s 不存在", unit_code ? unit_code : "");
		return -1;
	}
	if (role_fits_unit(db, role, unit_code, e) != 0)
		return -1;
	char hash[crypto_pwhash_STRBYTES];
	if (auth_password_hash(password, hash, sizeof hash) != 0) {
		err_set(e, 500, "hash_failed", NULL, "密码处理失败（内存不足）");
		return -1;
	}
	char now[32];
	time_format_rfc3339(clock_now(), now, sizeof now);
	st = db_prepare(db, q_insert);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, phone ? phone : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, unit_id);
	sqlite3_bind_text(st, 6, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc == SQLITE_CONSTRAINT) {
		err_set(e, 422, "duplicate", "login", "登录名 %s 已被使用", login);
		return -1;
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	long long id = sqlite3_last_insert_rowid(db_handle(db));
	/* The event records who the user is, never the password hash. */
	json_t *after = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "login", login, "name", name, "phone", phone ? phone : "",
				  "role", role, "unit", unit_code, "active", 1);
	long long ev = audit_append(db, who, "user", id, "create", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : id;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	return -1;
}

/* The user's fields as an event sees them. NULL if there is no such user. */
static json_t *user_snapshot(struct db *db, long long id)
{
	static const char q[] = "SELECT u.login, u.name, u.phone, u.role, un.code, u.active FROM users u "
				"JOIN units un ON un.id = u.unit_id WHERE u.id = ?1";
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	json_t *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "login", db_text(st, 0), "name", db_text(st, 1), "phone",
			      db_text(st, 2), "role", db_text(st, 3), "unit", db_text(st, 4), "active",
			      sqlite3_column_int(st, 5));
	db_done(st);
	return v;
}

static int end_sessions(struct db *db, long long user_id, struct err *e)
{
	static const char q[] = "DELETE FROM sessions WHERE user_id = ?1";
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, user_id);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc == SQLITE_DONE)
		return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	return -1;
}

int org_user_update(struct db *db, const struct actor *who, long long id, const char *name, const char *phone,
		    const char *role, const char *unit_code, int active, struct err *e)
{
	static const char q_unit[] = "SELECT id FROM units WHERE code = ?1 AND active = 1";
	static const char q_update[] = "UPDATE users SET name = ?2, phone = ?3, role = ?4, unit_id = ?5, active = ?6 "
				       "WHERE id = ?1";
	const char *const given[][2] = { { "name", name }, { "phone", phone }, { "role", role }, { "unit", unit_code },
					  { NULL, NULL } };
	if (fields_check(&USER_FIELDS, ON_EDIT, field_pairs(given), NULL, e))
		return -1;
	if (who->id == id && (!active || strcmp(role, "admin") != 0)) {
		err_set(e, 422, "invalid", "role", "不能停用自己的账号或取消自己的管理员角色");
		return -1;
	}
	json_t *before = user_snapshot(db, id);
	if (!before) {
		err_set(e, 404, "not_found", NULL, "用户不存在");
		return -1;
	}
	long long unit_id = db_lookup_id(db, q_unit, unit_code ? unit_code : "");
	sqlite3_stmt *st;
	if (!unit_id || role_fits_unit(db, role, unit_code, e) != 0) {
		json_decref(before);
		if (!unit_id)
			err_set(e, 422, "invalid", "unit", "单位 %s 不存在或已停用", unit_code ? unit_code : "");
		return -1;
	}
	st = db_prepare(db, q_update);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, phone ? phone : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, unit_id);
	sqlite3_bind_int(st, 6, active ? 1 : 0);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	json_t *after = user_snapshot(db, id);
	long long ev = audit_append(db, who, "user", id, "update", before, after, e);
	json_decref(before);
	json_decref(after);
	if (ev < 0)
		return -1;
	/* A changed role or unit takes effect at the next sign-in; a deactivated user is out at once. */
	return end_sessions(db, id, e);
dberr:
	json_decref(before);
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	return -1;
}

int org_user_set_password(struct db *db, const struct actor *who, long long id, const char *password, struct err *e)
{
	static const char q[] = "UPDATE users SET password_hash = ?2 WHERE id = ?1";
	if (!auth_password_ok(password ? password : "", NULL, e))
		return -1;
	char hash[crypto_pwhash_STRBYTES];
	if (auth_password_hash(password, hash, sizeof hash) != 0) {
		err_set(e, 500, "hash_failed", NULL, "密码处理失败（内存不足）");
		return -1;
	}
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	if (sqlite3_changes(db_handle(db)) == 0) {
		err_set(e, 404, "not_found", NULL, "用户不存在");
		return -1;
	}
	/* A new password lifts the login's locks: whoever is locked out can sign in with it. */
	static const char q_unlock[] = "DELETE FROM login_failures WHERE login = (SELECT login FROM users WHERE id = ?1)";
	st = db_prepare(db, q_unlock);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	json_t *after = json_pack("{s:s}", "password", "reset");
	long long ev = audit_append(db, who, "user", id, "password", NULL, after, e);
	json_decref(after);
	if (ev < 0)
		return -1;
	return end_sessions(db, id, e);
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	return -1;
}

int org_unit_update(struct db *db, const struct actor *who, const char *code, const char *name, int sort, int active,
		    int files_ledger, struct err *e)
{
	static const char q_get[] = "SELECT id, name, sort, active, files_ledger FROM units WHERE code = ?1";
	static const char q_users[] = "SELECT count(*) FROM users WHERE unit_id = ?1 AND active = 1";
	static const char q_update[] = "UPDATE units SET name = ?2, sort = ?3, active = ?4, files_ledger = ?5 WHERE id = ?1";
	char sort_text[16];
	snprintf(sort_text, sizeof sort_text, "%d", sort);
	const char *const given[][2] = { { "name", name }, { "sort", sort_text }, { NULL, NULL } };
	if (fields_check(&UNIT_FIELDS, ON_EDIT, field_pairs(given), NULL, e))
		return -1;
	sqlite3_stmt *st = db_prepare(db, q_get);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_done(st);
		err_set(e, 404, "not_found", NULL, "单位不存在");
		return -1;
	}
	long long id = sqlite3_column_int64(st, 0);
	json_t *before = json_pack("{s:s,s:i,s:b,s:b}", "name", db_text(st, 1), "sort", sqlite3_column_int(st, 2), "active",
				   sqlite3_column_int(st, 3), "files_ledger", sqlite3_column_int(st, 4));
	db_done(st);
	if (!active) {
		st = db_prepare(db, q_users);
		if (!st) {
			json_decref(before);
			goto dberr;
		}
		sqlite3_bind_int64(st, 1, id);
		int users = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
		db_done(st);
		if (users > 0) {
			json_decref(before);
			err_set(e, 422, "invalid", "active", "该单位还有 %d 个启用的用户，不能停用", users);
			return -1;
		}
	}
	st = db_prepare(db, q_update);
	if (!st) {
		json_decref(before);
		goto dberr;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, sort);
	sqlite3_bind_int(st, 4, active ? 1 : 0);
	sqlite3_bind_int(st, 5, files_ledger ? 1 : 0);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		json_decref(before);
		goto dberr;
	}
	json_t *after = json_pack("{s:s,s:i,s:b,s:b}", "name", name, "sort", sort, "active", active ? 1 : 0, "files_ledger",
				  files_ledger ? 1 : 0);
	long long ev = audit_append(db, who, "unit", id, "update", before, after, e);
	json_decref(before);
	json_decref(after);
	return ev < 0 ? -1 : 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	return -1;
}
