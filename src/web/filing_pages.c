/*
 * filing_pages.c — sealed ledgers (报送, SPEC section 12): POST /api/v1/filings, the list,
 * one filing with its items, and the server's public key.
 */
#include <stdlib.h>
#include <string.h>

#include "filing.h"
#include "handlers.h"

/* The street's path, or "" when there is no such unit. */
static void unit_path_of(const char *code, char *out, size_t n)
{
	out[0] = 0;
	sqlite3_stmt *st = db_prepare(db_reader(), "SELECT path FROM units WHERE code = ?1");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, code ? code : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		str_copy(out, n, db_text(st, 0));
	db_done(st);
}

/* POST /api/v1/filings {campaign, phase, kind[, unit]}: staff file their own street; a
 * reviewer names the street. */
void api_filing_create(struct req *r)
{
	if (!http_authorize(r, ACT_FILE, NULL))
		return;
	json_t *body = http_json_body(r);
	if (!body)
		return;
	struct subject who = http_subject(r);
	const char *unit = json_string_value(json_object_get(body, "unit"));
	char own[33] = "";
	if (who.role == ROLE_STAFF) {
		/* Staff: the street their unit is in (or is). */
		sqlite3_stmt *st = db_prepare(db_reader(), "SELECT code FROM units WHERE kind = 'street' AND "
							   "substr(?1, 1, length(path)) = path");
		if (st) {
			sqlite3_bind_text(st, 1, who.unit_path, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				str_copy(own, sizeof own, db_text(st, 0));
			db_done(st);
		}
		if (!unit || !*unit)
			unit = own;
	}
	char path[256];
	unit_path_of(unit, path, sizeof path);
	struct ticket_scope scope = { path, path, NULL };
	if (*path && !http_authorize(r, ACT_FILE, &scope)) {
		json_decref(body);
		return;
	}
	struct filing_request fr = { .unit = unit, .campaign = json_string_value(json_object_get(body, "campaign")),
				     .phase = json_string_value(json_object_get(body, "phase")),
				     .kind = json_string_value(json_object_get(body, "kind")), .who = http_actor(r) };
	struct err e = { 0 };
	int rc = filing_create(&fr, &e);
	json_decref(body);
	if (rc != 0) {
		http_fail(r, &e);
		return;
	}
	http_json(r, 201, filing_json(db_reader(), fr.id, 0, NULL, 0));
}

/* GET /api/v1/filings?campaign=&unit= */
void api_filings(struct req *r)
{
	if (!http_authorize(r, ACT_FILINGS_VIEW, NULL))
		return;
	struct subject who = http_subject(r);
	http_json(r, 200, filing_list(db_reader(), http_query(r, "campaign"), http_query(r, "unit"), &who));
}

/* GET /api/v1/filings/{id}: with its items; another street's is not found. */
void api_filing_get(struct req *r)
{
	const char *p = http_param(r, "id");
	char *end;
	long long id = p ? strtoll(p, &end, 10) : 0;
	char path[256] = "";
	json_t *v = id > 0 && !*end ? filing_json(db_reader(), id, 1, path, sizeof path) : NULL;
	struct ticket_scope scope = { path, path, NULL };
	if (!v) {
		http_authorize_missing(r, ACT_FILINGS_VIEW);
		return;
	}
	if (!http_authorize(r, ACT_FILINGS_VIEW, &scope)) {
		json_decref(v);
		return;
	}
	http_json(r, 200, v);
}

/* GET /api/v1/filings/key */
void api_filing_key(struct req *r)
{
	if (!http_authorize(r, ACT_FILINGS_VIEW, NULL))
		return;
	const char *pk = filing_public_key();
	if (!pk) {
		http_error(r, 503, "filing_key", "服务器尚未载入签名密钥");
		return;
	}
	http_json(r, 200, json_pack("{s:s}", "public_key", pk));
}
