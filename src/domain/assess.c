/*
 * assess.c — see assess.h.
 */
#include "assess.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "util.h"
#include "workdays.h"

/* The tickets behind each figure, as conditions on the list's row (see assess.h). */
#define CLOSED_ONCE "(t.status = 'closed' OR t.reopened_on IS NOT NULL)"
const struct indicator indicators[IND__COUNT] = {
	[IND_SIGN_ON_TIME] = { "sign_on_time", "及时签收率", "按时签收", "应签收（已签收及超时未签收）", 0,
			       "t.signed_at IS NOT NULL AND t.signed_late = 0",
			       "t.sign_by IS NOT NULL AND (t.signed_at IS NOT NULL OR (t.status = 'open' AND t.sign_by < @now))" },
	[IND_ON_TIME] = { "on_time", "按期办结率", "按期办结", "应办结（已办结及超过原定时限）", 0,
			  "t.status = 'closed' AND t.closed_on <= t.original_deadline",
			  "(t.status = 'closed' OR t.original_deadline < @today)" },
	[IND_CLOSED] = { "closed", "办结率", "已办结", "派单", 0, "t.status = 'closed'", "1" },
	[IND_RESOLVED] = { "resolved", "解决率", "回访已解决", "回访（记录是否解决的）", 0,
			   "EXISTS (SELECT 1 FROM callbacks c WHERE c.ticket_id = t.id AND c.resolved = 1)",
			   "EXISTS (SELECT 1 FROM callbacks c WHERE c.ticket_id = t.id AND c.resolved IS NOT NULL)" },
	[IND_SATISFIED] = { "satisfied", "满意率", "满意及基本满意", "回访", 0,
			    "EXISTS (SELECT 1 FROM callbacks c WHERE c.ticket_id = t.id AND "
			    "c.result IN ('satisfied', 'basically_satisfied'))",
			    "t.callback_count > 0" },
	[IND_CALLBACK_COVERAGE] = { "callback_coverage", "回访率", "已回访的办结问题", "已办结", 0,
				    "t.status = 'closed' AND t.callback_count > 0", "t.status = 'closed'" },
	[IND_RETURN_RATE] = { "return_rate", "回退率", "同意退单", "派单（含改派）", 1, NULL, NULL },
	[IND_REDO_RATE] = { "redo_rate", "重办率", "退回重办或重开", "办结过", 1,
			    CLOSED_ONCE " AND (t.return_count > 0 OR t.reopened_on IS NOT NULL)", CLOSED_ONCE },
};

const struct indicator *indicator_find(const char *code)
{
	for (int i = 0; code && i < IND__COUNT; i++)
		if (!strcmp(indicators[i].code, code))
			return &indicators[i];
	return NULL;
}

int assess_month_ok(const char *month)
{
	char day[11];
	if (!month || strlen(month) != 7)
		return 0;
	snprintf(day, sizeof day, "%s-01", month);
	return date_parse_days(day) >= 0;
}

/* ---------------------------------------------------------------- schemes */

int assess_scheme_load(struct db *db, long long campaign_id, struct assess_scheme *s)
{
	static const char q[] = "SELECT indicator, weight, floor, target, campaign_id FROM assessment_weights "
				"WHERE campaign_id = (SELECT CASE WHEN EXISTS (SELECT 1 FROM assessment_weights "
				"WHERE campaign_id = ?1) THEN ?1 ELSE 0 END)";
	memset(s, 0, sizeof *s);
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, campaign_id > 0 ? campaign_id : 0);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const struct indicator *ind = indicator_find(db_text(st, 0));
		if (!ind)
			continue;
		int i = (int)(ind - indicators);
		s->used[i] = 1;
		s->rule[i] = (struct score_rule){ sqlite3_column_double(st, 1), sqlite3_column_double(st, 2),
						  sqlite3_column_double(st, 3) };
		s->campaign_id = sqlite3_column_int64(st, 4);
		n++;
	}
	db_done(st);
	return n > 0;
}

static json_t *campaign_code(struct db *db, long long id)
{
	if (id <= 0)
		return json_null();
	sqlite3_stmt *st = db_prepare(db, "SELECT code FROM campaigns WHERE id = ?1");
	json_t *v = NULL;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = json_string(db_text(st, 0));
		db_done(st);
	}
	return v ? v : json_null();
}

json_t *assess_scheme_json(struct db *db, const struct assess_scheme *s)
{
	json_t *a = json_array();
	for (int i = 0; i < IND__COUNT; i++) {
		if (!s->used[i])
			continue;
		json_array_append_new(a, json_pack("{s:s,s:s,s:f,s:f,s:f,s:b}", "code", indicators[i].code, "name",
						   indicators[i].name, "weight", s->rule[i].weight, "floor",
						   s->rule[i].floor, "target", s->rule[i].target, "lower_is_better",
						   indicators[i].lower_is_better));
	}
	return json_pack("{s:o,s:o}", "campaign", campaign_code(db, s->campaign_id), "indicators", a);
}

int assess_scheme_save_job(struct db *w, void *arg, struct err *e)
{
	struct assess_scheme_save *j = arg;
	struct score_rule rules[IND__COUNT];
	int lower[IND__COUNT];
	const char *names[IND__COUNT];
	size_t n = 0;
	for (int i = 0; i < IND__COUNT; i++) {
		if (!j->s.used[i])
			continue;
		rules[n] = j->s.rule[i];
		lower[n] = indicators[i].lower_is_better;
		names[n++] = indicators[i].name;
	}
	char msg[256];
	if (score_scheme_check(rules, lower, names, n, msg, sizeof msg) != 0) {
		err_set(e, 422, "validation", "scheme", "%s", msg);
		return -1;
	}
	struct assess_scheme before;
	int had = assess_scheme_load(w, j->s.campaign_id, &before) && before.campaign_id == j->s.campaign_id;
	sqlite3_stmt *st = db_prepare(w, "DELETE FROM assessment_weights WHERE campaign_id = ?1");
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, j->s.campaign_id);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	for (int i = 0; i < IND__COUNT; i++) {
		if (!j->s.used[i])
			continue;
		st = db_prepare(w, "INSERT INTO assessment_weights (campaign_id, indicator, weight, floor, target) "
				   "VALUES (?1, ?2, ?3, ?4, ?5)");
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, j->s.campaign_id);
		sqlite3_bind_text(st, 2, indicators[i].code, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 3, j->s.rule[i].weight);
		sqlite3_bind_double(st, 4, j->s.rule[i].floor);
		sqlite3_bind_double(st, 5, j->s.rule[i].target);
		rc = sqlite3_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			goto dberr;
	}
	json_t *b = had ? assess_scheme_json(w, &before) : NULL;
	json_t *a = assess_scheme_json(w, &j->s);
	long long ev = audit_append(w, &j->who, "assessment_scheme", j->s.campaign_id, "update", b, a, e);
	json_decref(b);
	json_decref(a);
	return ev < 0 ? -1 : 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

/* ---------------------------------------------------------------- a month's figures */

struct unit_figures {
	long long id;
	char code[33], name[129], kind[16], parent[33], path[256];
	int level; /* 0 street, 1 community or village */
	long long num[IND__COUNT], den[IND__COUNT];
	double points[IND__COUNT], score;
	int has_score, rank, order;
	char list;
};

struct month_figures {
	struct unit_figures *u;
	size_t n, cap;
};

static void add_to_units(struct month_figures *m, const char *path, int ind, long long num, long long den)
{
	for (size_t i = 0; i < m->n; i++) {
		size_t len = strlen(m->u[i].path);
		if (strncmp(path, m->u[i].path, len) == 0) {
			m->u[i].num[ind] += num;
			m->u[i].den[ind] += den;
		}
	}
}

/* Each statement gives the responsible path and, per indicator, its numerator and denominator. */
static int read_counts(struct db *db, const char *sql, const char *from, const char *to, long long campaign_id,
		       long long mark, const int *inds, int k, struct month_figures *m)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, mark);
	sqlite3_bind_int64(st, 4, campaign_id);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int i = 0; i < k; i++)
			add_to_units(m, db_text(st, 0), inds[i], sqlite3_column_int64(st, 1 + 2 * i),
				     sqlite3_column_int64(st, 2 + 2 * i));
	db_done(st);
	return 0;
}

#define SUM(cond) "coalesce(sum(CASE WHEN " cond " THEN n END), 0)"
#define MONTH_ROWS(k) "FROM tallies WHERE kind = '" k "' AND day BETWEEN ?1 AND ?2 AND (?4 < 0 OR campaign_id = ?4) " \
		      "GROUP BY responsible_path"

static int month_counts(struct db *db, const char *month, long long campaign_id, struct month_figures *m)
{
	/* ?3: today as a day number (a ticket past its original deadline is due) */
	static const char q_tickets[] =
		"SELECT responsible_path, " SUM("flags & 2") ", " SUM("flags & 1 OR (dim > 0 AND dim < ?3)") ", "
		SUM("flags & 1") ", sum(n), " SUM("flags & 4") ", " SUM("flags & 1") ", "
		SUM("flags & 16 AND flags & 8") ", " SUM("flags & 16") " " MONTH_ROWS("assess");
	static const int i_tickets[] = { IND_ON_TIME, IND_CLOSED, IND_CALLBACK_COVERAGE, IND_REDO_RATE };
	static const char q_callbacks[] = "SELECT responsible_path, " SUM("flags = 2") ", " SUM("flags > 0") ", "
		SUM("status IN ('satisfied', 'basically_satisfied')") ", sum(n) " MONTH_ROWS("assess_cb");
	static const int i_callbacks[] = { IND_RESOLVED, IND_SATISFIED };
	static const char q_dispatches[] =
		"SELECT responsible_path, " SUM("status = 'granted'") ", sum(n) " MONTH_ROWS("assess_d");
	static const int i_dispatches[] = { IND_RETURN_RATE };
	/* ?3: this moment (epoch seconds): an unsigned ticket past its time to sign counts against */
	static const char q_sign[] = "SELECT responsible_path, " SUM("status = 'on_time'") ", "
		SUM("status IN ('on_time', 'late') OR (status = 'waiting' AND dim < ?3)") " " MONTH_ROWS("sign");
	static const int i_sign[] = { IND_SIGN_ON_TIME };
	char from[11], to[11];
	snprintf(from, sizeof from, "%s-01", month);
	snprintf(to, sizeof to, "%s-31", month);
	long long today = date_today_days();
	if (read_counts(db, q_tickets, from, to, campaign_id, today, i_tickets, 4, m) ||
	    read_counts(db, q_callbacks, from, to, campaign_id, 0, i_callbacks, 2, m) ||
	    read_counts(db, q_dispatches, from, to, campaign_id, 0, i_dispatches, 1, m) ||
	    read_counts(db, q_sign, from, to, campaign_id, (long long)clock_now(), i_sign, 1, m))
		return -1;
	return 0;
}

static int load_units(struct db *db, struct month_figures *m)
{
	static const char q[] = "SELECT u.id, u.code, u.name, u.kind, coalesce(p.code, ''), u.path FROM units u "
				"LEFT JOIN units p ON p.id = u.parent_id "
				"WHERE u.kind IN ('street', 'community', 'village') AND u.active = 1 "
				"ORDER BY u.kind <> 'street', u.sort, u.code";
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (m->n == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 64;
			m->u = xrealloc(m->u, m->cap * sizeof *m->u);
		}
		struct unit_figures *u = &m->u[m->n++];
		memset(u, 0, sizeof *u);
		u->id = sqlite3_column_int64(st, 0);
		str_copy(u->code, sizeof u->code, db_text(st, 1));
		str_copy(u->name, sizeof u->name, db_text(st, 2));
		str_copy(u->kind, sizeof u->kind, db_text(st, 3));
		str_copy(u->parent, sizeof u->parent, db_text(st, 4));
		str_copy(u->path, sizeof u->path, db_text(st, 5));
		u->level = strcmp(u->kind, "street") != 0;
		u->order = (int)m->n;
	}
	db_done(st);
	return 0;
}

static void score_units(const struct assess_scheme *s, struct month_figures *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct unit_figures *u = &m->u[i];
		double sum = 0, weights = 0;
		for (int k = 0; k < IND__COUNT; k++) {
			if (!s->used[k] || u->den[k] == 0)
				continue;
			u->points[k] = score_points(&s->rule[k], (double)u->num[k] / (double)u->den[k]);
			sum += u->points[k];
			weights += s->rule[k].weight;
		}
		u->has_score = weights > 0;
		u->score = u->has_score ? score_round(sum * 100.0 / weights) : 0;
	}
	/* Each level ranks apart. */
	for (int level = 0; level < 2; level++) {
		size_t n = 0;
		for (size_t i = 0; i < m->n; i++)
			n += m->u[i].level == level;
		double *score = xmalloc((n + 1) * sizeof *score);
		int *has = xmalloc((n + 1) * sizeof *has), *rank = xmalloc((n + 1) * sizeof *rank);
		char *list = xmalloc(n + 1);
		size_t j = 0;
		for (size_t i = 0; i < m->n; i++)
			if (m->u[i].level == level) {
				score[j] = m->u[i].score;
				has[j++] = m->u[i].has_score;
			}
		score_rank(score, has, n, rank, list);
		j = 0;
		for (size_t i = 0; i < m->n; i++)
			if (m->u[i].level == level) {
				m->u[i].rank = rank[j];
				m->u[i].list = list[j++];
			}
		free(score);
		free(has);
		free(rank);
		free(list);
	}
}

static json_t *rate_json(long long num, long long den)
{
	return den > 0 ? json_real(round((double)num * 10000.0 / (double)den) / 10000.0) : json_null();
}

/* Ranked first, by place; then those without a score, in the units' own order. */
static int by_place(const void *a, const void *b)
{
	const struct unit_figures *x = a, *y = b;
	if (x->level != y->level)
		return x->level - y->level;
	if (x->has_score != y->has_score)
		return y->has_score - x->has_score;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->order - y->order;
}

static json_t *figures_json(const struct assess_scheme *s, struct month_figures *m)
{
	qsort(m->u, m->n, sizeof *m->u, by_place);
	json_t *units = json_array();
	for (size_t i = 0; i < m->n; i++) {
		const struct unit_figures *u = &m->u[i];
		json_t *rates = json_object();
		for (int k = 0; k < IND__COUNT; k++) {
			json_t *points = s->used[k] && u->den[k] > 0 ? json_real(score_round(u->points[k])) : json_null();
			json_object_set_new(rates, indicators[k].code,
					    json_pack("{s:I,s:I,s:o,s:o}", "num", u->num[k], "den", u->den[k], "rate",
						      rate_json(u->num[k], u->den[k]), "points", points));
		}
		json_array_append_new(
			units, json_pack("{s:s,s:s,s:s,s:s?,s:o,s:o,s:o,s:o}", "unit", u->code, "name", u->name, "kind",
					 u->kind, "parent", u->level ? u->parent : NULL, "score",
					 u->has_score ? json_real(u->score) : json_null(), "rank",
					 u->rank ? json_integer(u->rank) : json_null(), "list",
					 u->list == 'r' ? json_string("red") : u->list == 'b' ? json_string("black") : json_null(),
					 "rates", rates));
	}
	return units;
}

/* The month's figures for every unit, as computed now, or as published. */
static json_t *month_result(struct db *db, const char *month, long long campaign_id, struct err *e)
{
	static const char q_published[] = "SELECT result FROM assessment_months WHERE month = ?1 AND campaign_id = ?2";
	sqlite3_stmt *st = db_prepare(db, q_published);
	if (st) {
		sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, campaign_id > 0 ? campaign_id : 0);
		json_t *v = sqlite3_step(st) == SQLITE_ROW ? json_loads(db_text(st, 0), 0, NULL) : NULL;
		db_done(st);
		if (v)
			return v;
	}
	struct assess_scheme s;
	if (!assess_scheme_load(db, campaign_id, &s)) {
		err_set(e, 409, "no_scheme", NULL, "尚未设置考评方案，请系统管理员在“考评方案”中设置");
		return NULL;
	}
	struct month_figures m = { 0 };
	if (load_units(db, &m) != 0 || month_counts(db, month, campaign_id > 0 ? campaign_id : -1, &m) != 0) {
		free(m.u);
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
		return NULL;
	}
	score_units(&s, &m);
	json_t *v = json_pack("{s:s,s:o,s:b,s:n,s:o,s:o}", "month", month, "campaign", campaign_code(db, campaign_id),
			      "published", 0, "published_at", "scheme", assess_scheme_json(db, &s), "units",
			      figures_json(&s, &m));
	free(m.u);
	return v;
}

void assess_previous_month(const char *month, char out[8])
{
	unsigned y = (unsigned)atoi(month) % 10000, mo = (unsigned)atoi(month + 5) % 13;
	if (mo <= 1) {
		mo = 13;
		y = y ? y - 1 : 9999;
	}
	snprintf(out, 8, "%04u-%02u", y, mo - 1);
}

/* Whether who may see unit (path): reviewers and supervisors all; staff their own subtree. */
static int unit_in_scope(const struct subject *who, const char *path)
{
	if (!who || who->role == ROLE_REVIEWER || who->role == ROLE_SUPERVISOR || who->role == ROLE_ADMIN)
		return 1;
	return who->unit_path && strncmp(path, who->unit_path, strlen(who->unit_path)) == 0;
}

json_t *assess_compute(struct db *db, const char *month, long long campaign_id, const struct subject *who,
		       struct err *e)
{
	if (!assess_month_ok(month)) {
		err_set(e, 422, "validation", "month", "考评月份须为 YYYY-MM 格式的有效月份");
		return NULL;
	}
	json_t *v = month_result(db, month, campaign_id, e);
	if (!v)
		return NULL;
	char prev[8];
	assess_previous_month(month, prev);
	struct err pe = { 0 };
	json_t *before = month_result(db, prev, campaign_id, &pe);
	/* The change against the previous month; the units outside who's scope left out. */
	json_t *units = json_object_get(v, "units"), *kept = json_array(), *u;
	size_t i;
	sqlite3_stmt *path = db_prepare(db, "SELECT path FROM units WHERE code = ?1");
	json_array_foreach(units, i, u) {
		const char *code = json_string_value(json_object_get(u, "unit"));
		int shown = 1;
		if (who && path) {
			sqlite3_reset(path);
			sqlite3_bind_text(path, 1, code, -1, SQLITE_TRANSIENT);
			shown = sqlite3_step(path) == SQLITE_ROW && unit_in_scope(who, db_text(path, 0));
		}
		if (!shown)
			continue;
		json_t *change = json_null(), *p;
		size_t k;
		json_t *score = json_object_get(u, "score");
		json_array_foreach(json_object_get(before, "units"), k, p) {
			if (strcmp(json_string_value(json_object_get(p, "unit")), code) != 0)
				continue;
			json_t *was = json_object_get(p, "score");
			if (json_is_number(was) && json_is_number(score))
				change = json_real(score_round(json_number_value(score) - json_number_value(was)));
			break;
		}
		json_object_set_new(u, "change", change);
		json_array_append(kept, u);
	}
	db_done(path);
	json_object_set_new(v, "units", kept);
	json_object_set_new(v, "previous_month", json_string(prev));
	json_decref(before);
	return v;
}

int assess_publish_job(struct db *w, void *arg, struct err *e)
{
	struct assess_publish *j = arg;
	if (!assess_month_ok(j->month)) {
		err_set(e, 422, "validation", "month", "考评月份须为 YYYY-MM 格式的有效月份");
		return -1;
	}
	char today[11];
	time_format_date(clock_now(), today, sizeof today);
	if (strncmp(j->month, today, 7) >= 0) {
		err_set(e, 409, "month_not_over", "month", "%s 尚未结束，月度考评须在月份结束后发布", j->month);
		return -1;
	}
	json_t *v = month_result(w, j->month, j->campaign_id, e);
	if (!v)
		return -1;
	if (json_is_true(json_object_get(v, "published"))) {
		json_decref(v);
		err_set(e, 409, "already_published", "month", "%s 的考评结果已发布，不再重新计算", j->month);
		return -1;
	}
	char at[32];
	time_format_rfc3339(clock_now(), at, sizeof at);
	json_object_set_new(v, "published", json_true());
	json_object_set_new(v, "published_at", json_string(at));
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = db_prepare(w, "INSERT INTO assessment_months (month, campaign_id, published_at, published_by, "
					 "result) VALUES (?1, ?2, ?3, nullif(?4, 0), ?5)");
	int rc = SQLITE_ERROR;
	if (st && text) {
		sqlite3_bind_text(st, 1, j->month, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, j->campaign_id > 0 ? j->campaign_id : 0);
		sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, j->who.id);
		sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	db_done(st);
	free(text);
	if (rc != SQLITE_DONE) {
		json_decref(v);
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
		return -1;
	}
	/* The chain holds what was published: the scheme and every unit's score and place. */
	json_t *after = json_pack("{s:s,s:O,s:O}", "month", j->month, "scheme", json_object_get(v, "scheme"), "units",
				  json_object_get(v, "units"));
	long long ev = audit_append(w, &j->who, "assessment", j->campaign_id > 0 ? j->campaign_id : 0, "publish", NULL,
				    after, e);
	json_decref(after);
	json_decref(v);
	return ev < 0 ? -1 : 0;
}
