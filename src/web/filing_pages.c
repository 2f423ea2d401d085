/*
 * filing_pages.c — sealed ledgers (报送, SPEC section 12): POST /api/v1/filings, the list,
 * one filing with its items, its 漏报 leads, and the server's public key; the filings page
 * (the list, the key, the form a street files with) and one filing's printable page.
 */
#include <stdlib.h>
#include <string.h>

#include "filing.h"
#include "handlers.h"
#include "labels.h"

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

/* The filing the URL names, after the scope check (NULL: answered already). */
static json_t *filing_of(struct req *r, int items, long long *id_out)
{
	const char *p = http_param(r, "id");
	char *end;
	long long id = p ? strtoll(p, &end, 10) : 0;
	char path[256] = "";
	json_t *v = id > 0 && !*end ? filing_json(db_reader(), id, items, path, sizeof path) : NULL;
	struct ticket_scope scope = { path, path, NULL };
	if (!v) {
		http_authorize_missing(r, ACT_FILINGS_VIEW);
		return NULL;
	}
	if (!http_authorize(r, ACT_FILINGS_VIEW, &scope)) {
		json_decref(v);
		return NULL;
	}
	*id_out = id;
	return v;
}

/* The street a member of staff's unit is in (or is), "" for anyone else. */
static void own_street(const struct subject *who, char *out, size_t n)
{
	out[0] = 0;
	if (who->role != ROLE_STAFF)
		return;
	sqlite3_stmt *st = db_prepare(db_reader(), "SELECT code FROM units WHERE kind = 'street' AND "
						   "substr(?1, 1, length(path)) = path");
	if (!st)
		return;
	sqlite3_bind_text(st, 1, who->unit_path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		str_copy(out, n, db_text(st, 0));
	db_done(st);
}

/* Files for the request's street after the scope check: 0 with fr->id set, -1 with e set, or
 * -2 when the street is outside the requester's scope (answered already, as a street that does
 * not exist). */
static int file_for(struct req *r, struct filing_request *fr, struct err *e)
{
	struct subject who = http_subject(r);
	char own[33];
	own_street(&who, own, sizeof own);
	if (who.role == ROLE_STAFF && (!fr->unit || !*fr->unit))
		fr->unit = own;
	char path[256];
	unit_path_of(fr->unit, path, sizeof path);
	struct ticket_scope scope = { path, path, NULL };
	if (*path && !http_authorize(r, ACT_FILE, &scope))
		return -2;
	fr->who = http_actor(r);
	return filing_create(fr, e);
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
	struct filing_request fr = { .unit = json_string_value(json_object_get(body, "unit")),
				     .campaign = json_string_value(json_object_get(body, "campaign")),
				     .phase = json_string_value(json_object_get(body, "phase")),
				     .kind = json_string_value(json_object_get(body, "kind")) };
	struct err e = { 0 };
	int rc = file_for(r, &fr, &e);
	json_decref(body);
	if (rc != 0) {
		if (rc == -1)
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
	long long id;
	json_t *v = filing_of(r, 1, &id);
	if (v)
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

/* GET /api/v1/filings/{id}/leads: the 漏报 leads (SPEC section 12). */
void api_filing_leads(struct req *r)
{
	long long id;
	json_t *v = filing_of(r, 0, &id);
	if (!v)
		return;
	json_decref(v);
	json_t *leads = filing_leads(db_reader(), id);
	http_json(r, 200, leads ? leads : json_array());
}

/* ---------------------------------------------------------------- pages */

/* What a street may file: the ledger at the end of each active campaign's self-inspection,
 * the progress report at the end of its rectification. */
static json_t *filing_choices(const char *chosen)
{
	static const char q[] = "SELECT c.code, c.name, p.name, p.kind, p.end_date FROM campaigns c "
				"JOIN campaign_phases p ON p.campaign_id = c.id WHERE c.active = 1 AND "
				"p.kind IN ('self_check', 'rectify') ORDER BY c.id DESC, p.seq";
	json_t *a = json_array();
	sqlite3_stmt *st = db_prepare(db_reader(), q);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int ledger = !strcmp(db_text(st, 3), "self_check");
		char value[300], label[400];
		snprintf(value, sizeof value, "%s|%s|%s", db_text(st, 0), db_text(st, 2), ledger ? "ledger" : "progress");
		snprintf(label, sizeof label, "%s：%s（%s，%s 截止）", db_text(st, 1), ledger ? "问题台账" : "整改进展",
			 db_text(st, 2), db_text(st, 4));
		json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "value", value, "label", label, "selected",
						   chosen && !strcmp(chosen, value)));
	}
	db_done(st);
	return a;
}

static void filings_page(struct req *r, int status, const char *error, const struct form *typed)
{
	struct subject who = http_subject(r);
	const char *campaign = http_query(r, "campaign"), *unit = http_query(r, "unit");
	json_t *list = filing_list(db_reader(), campaign, unit, &who);
	size_t i;
	json_t *f;
	json_array_foreach (list, i, f) {
		const char *at = json_string_value(json_object_get(f, "filed_at"));
		char shown[20];
		time_text_minute(at ? at : "", shown, sizeof shown);
		json_object_set_new(f, "filed_shown", json_string(shown));
		json_object_set_new(f, "ledger", json_boolean(!strcmp(json_string_value(json_object_get(f, "kind")), "ledger")));
	}
	json_t *ctx = json_pack("{s:o,s:s?,s:s?,s:s?}", "filings", list, "public_key", filing_public_key(), "error", error,
				"campaign", campaign && *campaign ? campaign : NULL);
	if (authz_check(&who, ACT_FILE, NULL) == AUTHZ_OK) {
		char own[33];
		own_street(&who, own, sizeof own);
		const char *chosen_unit = typed ? form_text(typed, "unit") : NULL;
		json_t *streets = json_array();
		sqlite3_stmt *st = db_prepare(db_reader(), "SELECT code, name, path FROM units WHERE kind = 'street' AND "
							   "active = 1 AND files_ledger = 1 ORDER BY sort, code");
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			struct ticket_scope scope = { db_text(st, 2), db_text(st, 2), NULL };
			if (authz_check(&who, ACT_FILE, &scope) != AUTHZ_OK)
				continue;
			json_array_append_new(streets, json_pack("{s:s,s:s,s:b}", "code", db_text(st, 0), "name", db_text(st, 1),
								 "selected", chosen_unit && !strcmp(chosen_unit, db_text(st, 0))));
		}
		db_done(st);
		json_object_set_new(ctx, "form", json_pack("{s:o,s:o,s:b}", "choices",
							    filing_choices(typed ? form_text(typed, "what") : NULL), "streets",
							    streets, "pick_street", who.role != ROLE_STAFF));
	}
	http_page(r, status, "filings", ctx);
}

/* GET /filings[?campaign=&unit=]: the filings in the viewer's scope, the server's public key,
 * and for those who file the form. */
void page_filings(struct req *r)
{
	if (!http_authorize(r, ACT_FILINGS_VIEW, NULL))
		return;
	filings_page(r, 200, NULL, NULL);
}

/* POST /filings (a form: what = "CAMPAIGN|PHASE|KIND", unit for a reviewer) → the filing. */
void page_filing_create(struct req *r)
{
	if (!http_authorize(r, ACT_FILE, NULL))
		return;
	const struct form *f = http_form(r);
	const char *what = f ? form_text(f, "what") : NULL;
	char campaign[64] = "", phase[160] = "", kind[16] = "";
	const char *a = what ? strchr(what, '|') : NULL, *b = a ? strchr(a + 1, '|') : NULL;
	if (!a || !b || a - what >= (long)sizeof campaign || b - a - 1 >= (long)sizeof phase) {
		filings_page(r, 422, "请选择报送事项（哪个专项行动的问题台账或整改进展）", f);
		return;
	}
	snprintf(campaign, sizeof campaign, "%.*s", (int)(a - what), what);
	snprintf(phase, sizeof phase, "%.*s", (int)(b - a - 1), a + 1);
	str_copy(kind, sizeof kind, b + 1);
	struct filing_request fr = { .unit = form_text(f, "unit"), .campaign = campaign, .phase = phase, .kind = kind };
	if (http_subject(r).role != ROLE_STAFF && (!fr.unit || !*fr.unit)) {
		filings_page(r, 422, "请选择报送的街道", f);
		return;
	}
	struct err e = { 0 };
	int rc = file_for(r, &fr, &e);
	if (rc == -2)
		return;
	if (rc != 0) {
		filings_page(r, e.status >= 500 ? e.status : 422, e.message, f);
		return;
	}
	char to[64];
	snprintf(to, sizeof to, "/filings/%lld?filed=1", fr.id);
	http_redirect(r, to);
}

/* GET /filings/{id}: one filing, printable (its fingerprint, root, signature, the key), and
 * its 漏报 leads. */
void page_filing(struct req *r)
{
	long long id;
	json_t *v = filing_of(r, 0, &id);
	if (!v)
		return;
	const char *at = json_string_value(json_object_get(v, "filed_at"));
	char shown[20], printed[20], now[32];
	time_text_minute(at ? at : "", shown, sizeof shown);
	time_format_rfc3339(clock_now(), now, sizeof now);
	time_text_minute(now, printed, sizeof printed);
	json_object_set_new(v, "filed_shown", json_string(shown));
	json_object_set_new(v, "ledger", json_boolean(!strcmp(json_string_value(json_object_get(v, "kind")), "ledger")));
	json_t *leads = filing_leads(db_reader(), id);
	size_t i;
	json_t *l;
	json_array_foreach (leads, i, l) {
		const char *label = vs_label(&VS_STATUS, json_string_value(json_object_get(l, "status")));
		json_object_set_new(l, "status_name", json_string(label ? label : ""));
		json_object_set_new(l, "created_on", json_stringn(json_string_value(json_object_get(l, "created_at")), 10));
	}
	const char *filed = http_query(r, "filed");
	json_t *ctx = json_pack("{s:o,s:o,s:s?,s:s,s:s?}", "f", v, "leads", leads ? leads : json_array(), "public_key",
				filing_public_key(), "printed", printed, "notice",
				filed && !strcmp(filed, "1") ? "已报送：台账已封存并签名，请记下台账指纹。" : NULL);
	http_page(r, 200, "filing", ctx);
}
