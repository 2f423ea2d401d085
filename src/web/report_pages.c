/*
 * report_pages.c — the report pages: /reports/ranking and /reports/dispatch show what
 * domain/reports.c computes; /reports/spotcheck draws the quarter's sample.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "reports.h"
#include "ticket.h"
#include "ticket_fields.h"

/*
 * The ranking's period: the tickets logged (登记) between two days. Named periods count back
 * from today (本周 from Monday, 本月, 本季度, 本年); "all" or no period is the whole ledger.
 * Sets from/to ("" for no bound) and the words the page says; 0 for an unknown name.
 */
static int ranking_period(const char *name, char *from, char *to, const char **label)
{
	char today[11];
	time_format_date(clock_now(), today, sizeof today);
	unsigned m = (unsigned)atoi(today + 5) % 100u;
	long day = date_today_days();
	*from = *to = '\0';
	if (!name || !*name || !strcmp(name, "all")) {
		*label = "全部";
		return 1;
	}
	snprintf(to, 11, "%s", today);
	if (!strcmp(name, "week")) {
		long monday = day - ((day + 3) % 7); /* day 0 (1970-01-01) was a Thursday */
		time_format_date((time_t)monday * 86400, from, 11);
		*label = "本周";
	} else if (!strcmp(name, "month")) {
		snprintf(from, 11, "%.8s01", today);
		*label = "本月";
	} else if (!strcmp(name, "quarter")) {
		snprintf(from, 11, "%.5s%02u-01", today, ((m + 2u) / 3u * 3u - 2u) % 100u);
		*label = "本季度";
	} else if (!strcmp(name, "year")) {
		snprintf(from, 11, "%.5s01-01", today);
		*label = "本年";
	} else
		return 0;
	return 1;
}

/* What a printed notice is headed with: the district, today as it is written (2023年9月10日),
 * today's date and, unless the notice names one, its issuer (the user's unit). */
static void notice_heading(struct req *r, struct db *db, json_t *ctx)
{
	char district[128], today[11], issued[40];
	district_name(db, district, sizeof district);
	json_object_set_new(ctx, "district", json_string(district));
	time_format_date(clock_now(), today, sizeof today);
	int y = 0, m = 0, d = 0;
	sscanf(today, "%d-%d-%d", &y, &m, &d);
	snprintf(issued, sizeof issued, "%d年%d月%d日", y, m, d);
	json_object_set_new(ctx, "issued", json_string(issued));
	json_object_set_new(ctx, "today", json_string(today));
	if (!json_object_get(ctx, "issuer"))
		json_object_set_new(ctx, "issuer", json_string(r->user.unit_name));
}

/* GET /reports/ranking?campaign=&period=week|month|quarter|year|all&from=&to= */
void page_ranking(struct req *r)
{
	static const char *const periods[][2] = { { "all", "全部" },	  { "week", "本周" },  { "month", "本月" },
						  { "quarter", "本季度" }, { "year", "本年" } };
	if (!http_authorize(r, ACT_REPORTS, NULL))
		return;
	struct subject who = http_subject(r);
	struct ticket_filter f;
	memset(&f, 0, sizeof f);
	f.who = &who;
	f.supervised = -1;
	f.stale = -1;
	f.campaign = http_query(r, "campaign");
	const char *period = http_query(r, "period"), *label = NULL, *error = NULL;
	char pfrom[11], pto[11];
	const char *qfrom = http_query(r, "from"), *qto = http_query(r, "to");
	if ((qfrom && *qfrom) || (qto && *qto)) {
		/* Days given by hand win over a named period. */
		period = "custom";
		f.from = qfrom;
		f.to = qto;
		if (ticket_filter_bad_date(&f)) {
			error = "起止日期须为 YYYY-MM-DD，已按全部问题排名";
			f.from = f.to = NULL;
			period = "all";
		} else if (f.from && *f.from && f.to && *f.to && strcmp(f.from, f.to) > 0) {
			error = "开始日期晚于结束日期，已按全部问题排名";
			f.from = f.to = NULL;
			period = "all";
		}
	} else if (!ranking_period(period, pfrom, pto, &label)) {
		error = "未知的统计周期，已按全部问题排名";
		period = "all";
	} else {
		f.from = *pfrom ? pfrom : NULL;
		f.to = *pto ? pto : NULL;
	}
	if (!period || !*period)
		period = "all";
	json_t *ctx = ranking_compute(db_reader(), &f);
	/* Every figure's link opens the ledger over the same tickets: the period and campaign go
	 * with it. */
	struct buf qs, fq;
	buf_init(&qs);
	buf_init(&fq);
	ticket_filter_query(&f, &fq); /* the ledger's own words for the filter: campaign, from, to */
	if (fq.len)
		buf_printf(&qs, "&%s", fq.data);
	json_object_set_new(ctx, "qs", json_string(qs.data ? qs.data : ""));
	buf_free(&fq);
	buf_free(&qs);
	char words[64];
	if (f.from || f.to)
		snprintf(words, sizeof words, "%s%s%s 至 %s%s登记的问题", label ? label : "", label ? "（" : "",
			 f.from && *f.from ? f.from : "最早", f.to && *f.to ? f.to : "今天", label ? "）" : "");
	else
		snprintf(words, sizeof words, "全部问题");
	json_object_set_new(ctx, "period_words", json_string(words));
	json_t *choices = json_array();
	for (size_t i = 0; i < ARRAY_LEN(periods); i++)
		json_array_append_new(choices, json_pack("{s:s,s:s,s:b}", "value", periods[i][0], "name", periods[i][1],
							 "current", !strcmp(period, periods[i][0])));
	json_object_set_new(ctx, "periods", choices);
	json_object_set_new(ctx, "from", json_string(f.from ? f.from : ""));
	json_object_set_new(ctx, "to", json_string(f.to ? f.to : ""));
	if (f.campaign && *f.campaign)
		json_object_set_new(ctx, "campaign", json_string(f.campaign));
	if (error)
		json_object_set_new(ctx, "error", json_string(error));
	/* The standing is of this moment: 「截至」 to the minute, Shanghai time. */
	char now[32], as_of[32];
	time_format_rfc3339(clock_now(), now, sizeof now);
	time_text_minute(now, as_of, sizeof as_of);
	json_object_set_new(ctx, "as_of", json_string(as_of));
	http_page(r, 200, "ranking", ctx);
}

/* GET /reports/dispatch?period=week|month&date=YYYY-MM-DD */
void page_dispatch(struct req *r)
{
	if (!http_authorize(r, ACT_REPORTS, NULL))
		return;
	const char *kind = http_query(r, "period");
	if (!kind || strcmp(kind, "month"))
		kind = "week";
	const char *date = http_query(r, "date");
	long day = date && *date ? date_parse_days(date) : date_today_days();
	if (day < 0) {
		http_error(r, 422, "validation", "日期须为 YYYY-MM-DD");
		return;
	}
	struct subject who = http_subject(r);
	json_t *rep = dispatch_compute(db_reader(), &who, kind, day);
	char d[11];
	time_format_date((time_t)day * 86400, d, sizeof d);
	json_object_set_new(rep, "date", json_string(d));
	json_object_set_new(rep, "is_month", json_boolean(!strcmp(kind, "month")));
	notice_heading(r, db_reader(), rep);
	http_page(r, 200, "dispatch", rep);
}

/*
 * GET /reports/urge-notice?unit=CODE — the 催办通知书 (SPEC section 9): a unit's overdue, carded
 * and urged tickets with the notice's text, dated, to print and sign. Without a unit (or with
 * one that does not exist) the page asks which.
 */
void page_urge_notice(struct req *r)
{
	static const char q_units[] = "SELECT code, name FROM units WHERE kind IN ('street', 'department') AND active = 1 "
				      "ORDER BY kind DESC, sort";
	if (!http_authorize(r, ACT_REPORTS, NULL))
		return;
	struct db *db = db_reader();
	const char *unit = http_query(r, "unit");
	json_t *ctx = unit && *unit ? urge_notice_compute(db, unit) : NULL;
	int status = 200;
	if (!ctx) {
		ctx = json_object();
		if (unit && *unit) {
			json_object_set_new(ctx, "error", json_string("没有这个单位，请从列表中选择"));
			status = 404;
		}
	}
	json_t *units = json_array();
	sqlite3_stmt *st = db_prepare(db, q_units);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(units, json_pack("{s:s,s:s,s:b}", "code", db_text(st, 0), "name", db_text(st, 1),
						       "selected", unit && !strcmp(unit, db_text(st, 0))));
	db_done(st);
	json_object_set_new(ctx, "units", units);
	int y = 0, m = 0, d = 0;
	notice_heading(r, db, ctx);
	sscanf(json_string_value(json_object_get(ctx, "today")), "%d-%d-%d", &y, &m, &d);
	/* the notice's number: the unit and the day (催〔2026〕1204-XR) */
	if (json_object_get(ctx, "unit")) {
		char number[64];
		snprintf(number, sizeof number, "催〔%d〕%02d%02d-%s", y, m, d,
			 json_string_value(json_object_get(json_object_get(ctx, "unit"), "code")));
		json_object_set_new(ctx, "number", json_string(number));
	}
	http_page(r, status, "urge_notice", ctx);
}

/*
 * The quarterly spot-check (季督导, seed 002): a sample of the quarter's closed tickets for
 * callbacks. The sample is reproducible — tickets are ordered by BLAKE2b(quarter, id) and the
 * first N taken — so the same quarter and size always give the same tickets, and nobody can
 * steer which are checked. The page tracks how many of them have been called back since.
 */
struct sample_item {
	unsigned char key[16];
	long long id;
};

static int by_key(const void *a, const void *b)
{
	return memcmp(((const struct sample_item *)a)->key, ((const struct sample_item *)b)->key, 16);
}

/* "2023Q3" → first and last day; 0 if malformed. */
static int quarter_range(const char *q, char *from, char *to)
{
	int y, n;
	char tail;
	if (!q || sscanf(q, "%4dQ%1d%c", &y, &n, &tail) != 2 || y < 2000 || y > 2100 || n < 1 || n > 4)
		return 0;
	static const char *const ends[] = { "03-31", "06-30", "09-30", "12-31" };
	snprintf(from, 11, "%04d-%02d-01", y, (n - 1) * 3 + 1);
	snprintf(to, 11, "%04d-%s", y, ends[n - 1]);
	return 1;
}

/* GET /reports/spotcheck?quarter=2023Q3&size=20 */
void page_spotcheck(struct req *r)
{
	static const char q_closed[] = "SELECT id FROM tickets WHERE status = 'closed' AND closed_on BETWEEN ?1 AND ?2";
	static const char q_one[] = "SELECT t.code, t.title, u.name, t.closed_on, t.callback_count, t.color, "
				    "(SELECT max(at) FROM callbacks WHERE ticket_id = t.id) "
				    "FROM tickets t JOIN units u ON u.id = t.unit_id WHERE t.id = ?1";
	if (!http_authorize(r, ACT_REPORTS, NULL))
		return;
	char def[16], from[11], to[11], today_s[11];
	time_format_date(clock_now(), today_s, sizeof today_s);
	int month = (today_s[5] - '0') * 10 + (today_s[6] - '0');
	snprintf(def, sizeof def, "%.4sQ%d", today_s, (month - 1) / 3 + 1);
	const char *quarter = http_query(r, "quarter");
	if (!quarter || !*quarter)
		quarter = def;
	const char *size_s = http_query(r, "size");
	long size = size_s && *size_s ? strtol(size_s, NULL, 10) : 20;
	if (!quarter_range(quarter, from, to) || size < 1 || size > 500) {
		http_error(r, 422, "validation", "季度须写作 2023Q3 的形式，抽样数为 1 到 500");
		return;
	}
	struct db *db = db_reader();
	size_t cap = 1024, n = 0;
	struct sample_item *items = xmalloc(cap * sizeof *items);
	sqlite3_stmt *st = db_prepare(db, q_closed);
	if (st) {
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (n == cap) {
				cap *= 2;
				items = xrealloc(items, cap * sizeof *items);
			}
			items[n].id = sqlite3_column_int64(st, 0);
			char msg[48];
			int len = snprintf(msg, sizeof msg, "%s:%lld", quarter, items[n].id);
			crypto_generichash(items[n].key, 16, (const unsigned char *)msg, (unsigned long long)len, NULL, 0);
			n++;
		}
		db_done(st);
	}
	qsort(items, n, sizeof *items, by_key);
	size_t take = n < (size_t)size ? n : (size_t)size;
	json_t *list = json_array();
	int called = 0;
	for (size_t i = 0; i < take; i++) {
		st = db_prepare(db, q_one);
		if (!st)
			break;
		sqlite3_bind_int64(st, 1, items[i].id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			int done = sqlite3_column_int(st, 4) > 0;
			called += done;
			json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:s?,s:s?}", "id", items[i].id, "code",
							      db_text(st, 0), "title", db_text(st, 1), "unit", db_text(st, 2),
							      "closed_on", db_text(st, 3), "called", done, "color",
							      sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : db_text(st, 5),
							      "last_callback",
							      sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : db_text(st, 6)));
		}
		db_done(st);
	}
	free(items);
	/* Evidence reuse (SPEC section 12): one file on several tickets, through 034's index. */
	static const char q_reused[] = "SELECT a.sha256, min(a.name), t.id, t.code FROM attachments a "
				       "JOIN tickets t ON t.id = a.ticket_id WHERE a.sha256 IN (SELECT sha256 FROM attachments "
				       "GROUP BY sha256 HAVING count(DISTINCT ticket_id) > 1 LIMIT 200) "
				       "GROUP BY a.sha256, t.id ORDER BY a.sha256, t.code";
	json_t *reused = json_array(), *group = NULL;
	char last[65] = "";
	st = db_prepare(db, q_reused);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp(last, db_text(st, 0)) != 0) {
			str_copy(last, sizeof last, db_text(st, 0));
			char shorter[17];
			str_copy(shorter, sizeof shorter, last);
			group = json_pack("{s:s,s:s,s:[]}", "name", db_text(st, 1), "short", shorter, "tickets");
			json_array_append_new(reused, group);
		}
		json_array_append_new(json_object_get(group, "tickets"),
				      json_pack("{s:I,s:s}", "id", sqlite3_column_int64(st, 2), "code", db_text(st, 3)));
	}
	db_done(st);
	http_page(r, 200, "spotcheck",
		  json_pack("{s:s,s:s,s:s,s:i,s:I,s:o,s:i,s:i,s:i,s:o}", "quarter", quarter, "from", from, "to", to, "size",
			    (int)size, "closed", (json_int_t)n, "items", list, "sampled", (int)take, "called", called,
			    "pending", (int)take - called, "reused", reused));
}
