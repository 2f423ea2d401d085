/*
 * assess_pages.c — the monthly assessment (考评, SPEC section 11): GET /api/v1/assessment,
 * POST /api/v1/assessment/publish, the page /reports/assessment (a notice when printed) and
 * the admin's schemes at /admin/assessment.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess.h"
#include "handlers.h"

/* The last month that has ended. */
static const char *last_month(char fallback[8])
{
	char today[11];
	time_format_date(clock_now(), today, sizeof today);
	assess_previous_month(today, fallback);
	return fallback;
}

/* The month asked for, else the last one that has ended. */
static const char *month_of(struct req *r, char fallback[8])
{
	const char *m = http_query(r, "month");
	return m && *m ? m : last_month(fallback);
}

/* The campaign named by code: its id, 0 for none given, -2 for an unknown one. */
static long long campaign_of(const char *code)
{
	if (!code || !*code)
		return 0;
	long long id = db_lookup_id(db_reader(), "SELECT id FROM campaigns WHERE code = ?1", code);
	return id > 0 ? id : -2;
}

/* GET /api/v1/assessment?month=YYYY-MM[&campaign=][&unit=] */
void api_assessment(struct req *r)
{
	if (!http_authorize(r, ACT_REPORTS, NULL))
		return;
	char fb[8];
	const char *month = month_of(r, fb);
	long long campaign = campaign_of(http_query(r, "campaign"));
	if (campaign == -2) {
		http_error_with(r, 422, "validation", "专项行动不存在", json_pack("{s:s}", "campaign", "没有这个专项行动"), NULL);
		return;
	}
	struct subject who = http_subject(r);
	struct err e = { 0 };
	json_t *v = assess_compute(db_reader(), month, campaign ? campaign : -1, &who, &e);
	if (!v) {
		http_fail(r, &e);
		return;
	}
	/* unit=CODE: that unit's row alone (its place is still the district's). */
	const char *unit = http_query(r, "unit");
	if (unit && *unit) {
		json_t *units = json_object_get(v, "units"), *keep = json_array(), *u;
		size_t i;
		json_array_foreach(units, i, u) if (!strcmp(json_string_value(json_object_get(u, "unit")), unit))
			json_array_append(keep, u);
		json_object_set_new(v, "units", keep);
		if (!json_array_size(keep)) {
			json_decref(v);
			http_error_with(r, 422, "validation", "单位不存在或不参加考评",
					json_pack("{s:s}", "unit", "须为参加考评的街道、社区或村的编码"), NULL);
			return;
		}
	}
	http_json(r, 200, v);
}

static int publish(struct req *r, const char *month, const char *campaign_code, struct err *e)
{
	long long campaign = campaign_of(campaign_code);
	if (campaign == -2) {
		err_set(e, 422, "validation", "campaign", "没有这个专项行动");
		return -1;
	}
	struct assess_publish p = { .month = month, .campaign_id = campaign, .who = http_actor(r) };
	return db_write(assess_publish_job, &p, e);
}

/* POST /api/v1/assessment/publish {month, campaign?} */
void api_assessment_publish(struct req *r)
{
	if (!http_authorize(r, ACT_ASSESS_PUBLISH, NULL))
		return;
	json_t *body = http_json_body(r);
	if (!body)
		return;
	const char *month = json_string_value(json_object_get(body, "month"));
	struct err e = { 0 };
	if (publish(r, month ? month : "", json_string_value(json_object_get(body, "campaign")), &e) != 0) {
		json_decref(body);
		http_fail(r, &e);
		return;
	}
	struct subject who = http_subject(r);
	long long campaign = campaign_of(json_string_value(json_object_get(body, "campaign")));
	json_t *v = assess_compute(db_reader(), month, campaign ? campaign : -1, &who, &e);
	json_decref(body);
	if (!v) {
		http_fail(r, &e);
		return;
	}
	http_json(r, 201, v);
}

/* ---------------------------------------------------------------- the page */

static void pct(char *out, size_t n, json_t *rate)
{
	if (json_is_number(rate))
		snprintf(out, n, "%.1f%%", json_number_value(rate) * 100.0);
	else
		snprintf(out, n, "—");
}

static void num2(char *out, size_t n, json_t *v)
{
	if (json_is_number(v))
		snprintf(out, n, "%.2f", json_number_value(v));
	else
		snprintf(out, n, "—");
}

/* One table's rows: each figure with its text and the link to the tickets behind it. */
static json_t *page_rows(json_t *units, int communities, const char *month, const char *campaign, int *idle)
{
	json_t *rows = json_array(), *u;
	size_t i;
	char q_campaign[80] = "";
	if (campaign && *campaign)
		snprintf(q_campaign, sizeof q_campaign, "&campaign=%s", campaign);
	json_array_foreach(units, i, u) {
		const char *kind = json_string_value(json_object_get(u, "kind"));
		if ((strcmp(kind, "street") != 0) != communities)
			continue;
		const char *code = json_string_value(json_object_get(u, "unit"));
		json_t *cells = json_array();
		json_t *rates = json_object_get(u, "rates");
		/* A community or village with no dispatch in the month is counted, not listed. */
		long long any = 0;
		for (int k = 0; k < IND__COUNT; k++)
			any += json_integer_value(json_object_get(json_object_get(rates, indicators[k].code), "den"));
		if (communities && !any) {
			(*idle)++;
			json_decref(cells);
			continue;
		}
		for (int k = 0; k < IND__COUNT; k++) {
			const struct indicator *ind = &indicators[k];
			json_t *x = json_object_get(rates, ind->code);
			char rate[16], points[16], num_href[200] = "", den_href[200] = "";
			pct(rate, sizeof rate, json_object_get(x, "rate"));
			num2(points, sizeof points, json_object_get(x, "points"));
			long long den = json_integer_value(json_object_get(x, "den"));
			if (ind->num_sql && den > 0)
				snprintf(num_href, sizeof num_href, "/tickets?responsible_unit=%s&dispatched=%s&assess=%s%s", code,
					 month, ind->code, q_campaign);
			if (ind->den_sql && den > 0)
				snprintf(den_href, sizeof den_href, "/tickets?responsible_unit=%s&dispatched=%s&assess=%s.den%s",
					 code, month, ind->code, q_campaign);
			json_array_append_new(cells, json_pack("{s:s,s:I,s:I,s:s,s:s?,s:s?}", "rate", rate, "num",
							       json_integer_value(json_object_get(x, "num")), "den",
							       json_integer_value(json_object_get(x, "den")), "points", points,
							       "num_href", *num_href ? num_href : NULL, "den_href",
							       *den_href ? den_href : NULL));
		}
		char score[16], change[24] = "—";
		num2(score, sizeof score, json_object_get(u, "score"));
		json_t *ch = json_object_get(u, "change");
		if (json_is_number(ch))
			snprintf(change, sizeof change, "%s%.2f", json_number_value(ch) > 0 ? "+" : "",
				 json_number_value(ch));
		const char *list = json_string_value(json_object_get(u, "list"));
		json_array_append_new(
			rows, json_pack("{s:O,s:s,s:O,s:s,s:s,s:b,s:b,s:o}", "rank", json_object_get(u, "rank"), "unit", code,
					"name", json_object_get(u, "name"), "score", score, "change", change, "red",
					list && !strcmp(list, "red"), "black", list && !strcmp(list, "black"), "cells", cells));
	}
	return rows;
}

/* GET /reports/assessment?month=YYYY-MM[&campaign=] */
void page_assessment(struct req *r)
{
	if (!http_authorize(r, ACT_REPORTS, NULL))
		return;
	char fb[8];
	const char *month = month_of(r, fb);
	const char *campaign_code = http_query(r, "campaign");
	long long campaign = campaign_of(campaign_code);
	struct subject who = http_subject(r);
	struct err e = { 0 };
	json_t *v = campaign == -2 ? NULL : assess_compute(db_reader(), month, campaign ? campaign : -1, &who, &e);
	if (!v) {
		if (campaign == -2)
			err_set(&e, 422, "validation", "campaign", "没有这个专项行动");
		char fb2[8];
		http_page(r, e.status ? e.status : 500, "assessment",
			  json_pack("{s:s,s:s}", "error", e.message, "month", assess_month_ok(month) ? month : last_month(fb2)));
		return;
	}
	json_t *heads = json_array(), *formula = json_array();
	json_t *scheme = json_object_get(json_object_get(v, "scheme"), "indicators"), *s;
	size_t i;
	for (int k = 0; k < IND__COUNT; k++) {
		json_t *rule = NULL;
		json_array_foreach(scheme, i, s) if (!strcmp(json_string_value(json_object_get(s, "code")), indicators[k].code))
			rule = s;
		char weight[24] = "不计分";
		if (rule)
			snprintf(weight, sizeof weight, "%g 分", json_number_value(json_object_get(rule, "weight")));
		json_array_append_new(heads, json_pack("{s:s,s:s,s:b}", "name", indicators[k].name, "weight", weight,
						       "lower", indicators[k].lower_is_better));
		if (rule) {
			char line[400];
			snprintf(line, sizeof line, "%s = %s ÷ %s；%g 分，%s %.0f%% 起得分，%s %.0f%% 得满分%s", indicators[k].name,
				 indicators[k].num_words, indicators[k].den_words,
				 json_number_value(json_object_get(rule, "weight")), indicators[k].lower_is_better ? "不高于" : "达到",
				 json_number_value(json_object_get(rule, "floor")) * 100.0,
				 indicators[k].lower_is_better ? "不高于" : "达到",
				 json_number_value(json_object_get(rule, "target")) * 100.0,
				 indicators[k].lower_is_better ? "（越低越好）" : "");
			json_array_append_new(formula, json_string(line));
		}
	}
	json_t *units = json_object_get(v, "units");
	int idle_streets = 0, idle_communities = 0;
	json_t *streets = page_rows(units, 0, month, campaign_code, &idle_streets);
	json_t *communities = page_rows(units, 1, month, campaign_code, &idle_communities);
	json_t *ctx = json_pack(
		"{s:s,s:O,s:O,s:O,s:o,s:o,s:o,s:o,s:s?,s:b}", "month", month, "published", json_object_get(v, "published"),
		"published_at", json_object_get(v, "published_at"), "previous_month", json_object_get(v, "previous_month"),
		"heads", heads, "formula", formula, "streets", streets, "communities", communities, "campaign", campaign_code && *campaign_code ? campaign_code : NULL,
		"may_publish", authz_check(&who, ACT_ASSESS_PUBLISH, NULL) == AUTHZ_OK &&
				       !json_is_true(json_object_get(v, "published")));
	if (idle_communities)
		json_object_set_new(ctx, "idle_communities", json_integer(idle_communities));
	const char *done = http_query(r, "published");
	if (done && !strcmp(done, "1"))
		json_object_set_new(ctx, "notice", json_string("已发布：本月考评结果已按发布时的数据和考评方案保存，不再重新计算。"));
	json_decref(v);
	http_page(r, 200, "assessment", ctx);
}

/* POST /reports/assessment/publish (a form: month, campaign) */
void page_assessment_publish(struct req *r)
{
	if (!http_authorize(r, ACT_ASSESS_PUBLISH, NULL))
		return;
	const struct form *f = http_form(r);
	const char *month = f ? form_text(f, "month") : NULL;
	const char *campaign = f ? form_text(f, "campaign") : NULL;
	struct err e = { 0 };
	if (!month || publish(r, month, campaign, &e) != 0) {
		if (!month)
			err_set(&e, 400, "bad_form", NULL, "提交的表单内容有误");
		http_fail(r, &e);
		return;
	}
	char to[160];
	snprintf(to, sizeof to, "/reports/assessment?month=%s%s%s&published=1", month, campaign && *campaign ? "&campaign=" : "",
		 campaign && *campaign ? campaign : "");
	http_redirect(r, to);
}

/* ---------------------------------------------------------------- the admin's schemes */

static json_t *scheme_form(const struct assess_scheme *s, const struct form *typed)
{
	json_t *rows = json_array();
	for (int k = 0; k < IND__COUNT; k++) {
		char w[16] = "", fl[16] = "", tg[16] = "", key[40];
		if (s && s->used[k]) {
			snprintf(w, sizeof w, "%g", s->rule[k].weight);
			snprintf(fl, sizeof fl, "%g", s->rule[k].floor * 100.0);
			snprintf(tg, sizeof tg, "%g", s->rule[k].target * 100.0);
		}
		const char *tw = NULL, *tf = NULL, *tt = NULL;
		if (typed) {
			snprintf(key, sizeof key, "%s_weight", indicators[k].code);
			tw = form_text(typed, key);
			snprintf(key, sizeof key, "%s_floor", indicators[k].code);
			tf = form_text(typed, key);
			snprintf(key, sizeof key, "%s_target", indicators[k].code);
			tt = form_text(typed, key);
		}
		json_array_append_new(rows, json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "code", indicators[k].code, "name",
						      indicators[k].name, "weight", tw ? tw : w, "floor", tf ? tf : fl, "target",
						      tt ? tt : tg, "lower", indicators[k].lower_is_better));
	}
	return rows;
}

static void scheme_page(struct req *r, int status, long long campaign, const char *campaign_code, const struct form *typed,
			const char *error, const char *notice)
{
	struct assess_scheme s;
	int has = assess_scheme_load(db_reader(), campaign, &s);
	int own = has && s.campaign_id == campaign;
	json_t *ctx = json_pack("{s:o,s:s?,s:s?,s:s?,s:b,s:b}", "rows", scheme_form(has ? &s : NULL, typed), "campaign",
				campaign_code, "error", error, "notice", notice, "inherited", has && !own && campaign > 0,
				"none", !has);
	json_t *campaigns = json_array();
	sqlite3_stmt *st = db_prepare(db_reader(), "SELECT code, name FROM campaigns ORDER BY id");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(campaigns, json_pack("{s:s,s:s,s:b}", "code", db_text(st, 0), "name", db_text(st, 1),
							   "current", campaign_code && !strcmp(campaign_code, db_text(st, 0))));
	db_done(st);
	json_object_set_new(ctx, "campaigns", campaigns);
	http_page(r, status, "admin_assessment", ctx);
}

/* GET /admin/assessment[?campaign=] */
void page_admin_assessment(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const char *code = http_query(r, "campaign");
	long long campaign = campaign_of(code);
	if (campaign == -2) {
		http_error(r, 404, "not_found", "没有这个专项行动");
		return;
	}
	const char *saved = http_query(r, "saved");
	scheme_page(r, 200, campaign, code && *code ? code : NULL, NULL, NULL,
		    saved && !strcmp(saved, "1") ? "考评方案已保存，未发布的月份按新方案计算。" : NULL);
}

/* A percentage typed on the form ("80", "80%") as a fraction; -1 when it is not one. */
static double fraction_of(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (*end == '%')
		end++;
	return *end || !isfinite(v) ? -1 : v / 100.0;
}

/* POST /admin/assessment (a form: campaign, and per indicator its weight, floor and target in %) */
void page_admin_assessment_save(struct req *r)
{
	if (!http_authorize(r, ACT_ADMIN, NULL))
		return;
	const struct form *f = http_form(r);
	if (!f) {
		http_error(r, 400, "bad_form", "提交的表单内容有误");
		return;
	}
	const char *code = form_text(f, "campaign");
	long long campaign = campaign_of(code);
	if (campaign == -2) {
		http_error(r, 404, "not_found", "没有这个专项行动");
		return;
	}
	struct assess_scheme_save j = { .who = http_actor(r) };
	j.s.campaign_id = campaign;
	char error[200] = "";
	for (int k = 0; k < IND__COUNT && !*error; k++) {
		char key[40];
		snprintf(key, sizeof key, "%s_weight", indicators[k].code);
		const char *w = form_text(f, key);
		if (!w || !*w)
			continue; /* not in the scheme */
		char *end;
		double weight = strtod(w, &end);
		snprintf(key, sizeof key, "%s_floor", indicators[k].code);
		double floor_v = fraction_of(form_text(f, key));
		snprintf(key, sizeof key, "%s_target", indicators[k].code);
		double target = fraction_of(form_text(f, key));
		if (*end || !isfinite(weight))
			snprintf(error, sizeof error, "“%s”的分值须为数字", indicators[k].name);
		else if (floor_v < 0 || target < 0)
			snprintf(error, sizeof error, "“%s”的下限和目标须填写 0 到 100 之间的百分数", indicators[k].name);
		j.s.used[k] = 1;
		j.s.rule[k] = (struct score_rule){ weight, floor_v, target };
	}
	struct err e = { 0 };
	if (*error || db_write(assess_scheme_save_job, &j, &e) != 0) {
		scheme_page(r, *error ? 422 : e.status ? e.status : 500, campaign, code && *code ? code : NULL, f,
			    *error ? error : e.message, NULL);
		return;
	}
	char to[120];
	snprintf(to, sizeof to, "/admin/assessment?saved=1%s%s", code && *code ? "&campaign=" : "", code && *code ? code : "");
	http_redirect(r, to);
}
