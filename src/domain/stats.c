/*
 * stats.c — what the district sees: the dashboard's figures, computed once for the page and
 * for GET /api/v1/stats, over the same filters and unit scope as the ledger list.
 *
 * Definitions (SPEC section 6):
 *   办结率   closed / all;
 *   按期办结率 closed by the original deadline / all due, where "due" means the original
 *            deadline has passed or the ticket is closed (closed early counts for, not against);
 *   满意率   (满意 + 基本满意) / callbacks;
 *   overdue / due soon / stale as the ledger's lights and weekly-progress rule define them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#include "ticket.h"

#define TREND_WEEKS 8

static json_t *rate(long long num, long long den)
{
	return den > 0 ? json_real(round((double)num * 10000.0 / (double)den) / 10000.0) : json_null();
}

static void row_totals(sqlite3_stmt *st, void *arg)
{
	json_t *o = arg;
	const char *keys[] = { "total", "closed", "due", "closed_on_time", "overdue", "due_soon", "stale", "supervised",
			       "green", "yellow", "red", "open", "rectifying", "verifying", "suspended", "suspend_pending",
			       "return_requested" };
	for (int i = 0; i < (int)ARRAY_LEN(keys); i++)
		json_object_set_new(o, keys[i], json_integer(sqlite3_column_int64(st, i)));
}

static void row_callbacks(sqlite3_stmt *st, void *arg)
{
	json_t *o = arg;
	json_object_set_new(o, "callbacks", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "satisfied", json_integer(sqlite3_column_int64(st, 1)));
}

static void row_group(sqlite3_stmt *st, void *arg)
{
	json_array_append_new((json_t *)arg,
			      json_pack("{s:s,s:s,s:I,s:I,s:I}", "code", db_text(st, 0), "name", db_text(st, 1), "total",
					sqlite3_column_int64(st, 2), "closed", sqlite3_column_int64(st, 3), "overdue",
					sqlite3_column_int64(st, 4)));
}

/* Signing: signed on time, signed late, open past the time to sign (SPEC section 8). */
static void row_sign(sqlite3_stmt *st, void *arg)
{
	json_t *o = arg;
	json_object_set_new(o, "signed_on_time", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "signed_late", json_integer(sqlite3_column_int64(st, 1)));
	json_object_set_new(o, "sign_overdue", json_integer(sqlite3_column_int64(st, 2)));
}

/* Dispatches and what became of the returns asked for (SPEC section 9). */
static void row_returns(sqlite3_stmt *st, void *arg)
{
	json_t *o = arg;
	json_object_set_new(o, "dispatches", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "asked", json_integer(sqlite3_column_int64(st, 1)));
	json_object_set_new(o, "granted", json_integer(sqlite3_column_int64(st, 2)));
	json_object_set_new(o, "refused", json_integer(sqlite3_column_int64(st, 3)));
}

static void row_week(sqlite3_stmt *st, void *arg)
{
	json_object_set_new((json_t *)arg, db_text(st, 0), json_integer(sqlite3_column_int64(st, 1)));
}

/* Adds closed_rate and bar lengths (0-100, relative to the largest total) to each group row. */
static void finish_groups(json_t *rows)
{
	long long max = 1;
	size_t i;
	json_t *g;
	json_array_foreach(rows, i, g) if (json_integer_value(json_object_get(g, "total")) > max) max =
		json_integer_value(json_object_get(g, "total"));
	json_array_foreach(rows, i, g)
	{
		long long t = json_integer_value(json_object_get(g, "total"));
		long long c = json_integer_value(json_object_get(g, "closed"));
		json_object_set_new(g, "closed_rate", rate(c, t));
		json_object_set_new(g, "bar", json_integer((json_int_t)(t * 100 / max)));
		json_object_set_new(g, "bar_closed", json_integer((json_int_t)(c * 100 / max)));
	}
}

/* The figures from the running tallies (006_tallies.sql): the same columns as the scans. */
static void tally_figures(struct db *db, const struct ticket_filter *f, json_t *tot, json_t *cb, json_t *streets,
			  json_t *domains, json_t *sources, json_t *new_w, json_t *closed_w, json_t *sign, json_t *ret)
{
	static const char sel_returns[] = TALLY_SUM("1") ", " TALLY_SUM("t.status <> 'none'") ", "
		TALLY_SUM("t.status = 'granted'") ", " TALLY_SUM("t.status = 'refused'");
	static const char sel_sign[] = TALLY_SUM("t.status = 'on_time'") ", " TALLY_SUM("t.status = 'late'") ", "
		TALLY_SUM("t.status = 'waiting' AND t.dim < ?95");
	static const char sel_totals[] =
		TALLY_SUM("t.kind = 'state'") ", " TALLY_SUM("t.kind = 'state' AND t.status = 'closed'") ", "
		TALLY_SUM("(t.kind = 'state' AND t.status = 'closed') OR (t.kind = 'original' AND t.day < ?91)") ", "
		TALLY_SUM("t.kind = 'state' AND t.flags & 1") ", "
		TALLY_SUM("t.kind = 'deadline' AND t.day < ?91") ", "
		TALLY_SUM("t.kind = 'deadline' AND t.day >= ?91 AND t.day <= ?92") ", "
		TALLY_SUM("t.kind = 'progress' AND t.status IN ('open', 'rectifying') AND t.day < ?93") ", "
		TALLY_SUM("t.kind = 'state' AND t.supervised = 1 AND t.status <> 'closed'") ", "
		TALLY_SUM("t.kind = 'state' AND t.color = 'green'") ", " TALLY_SUM("t.kind = 'state' AND t.color = 'yellow'") ", "
		TALLY_SUM("t.kind = 'state' AND t.color = 'red'") ", " TALLY_SUM("t.kind = 'state' AND t.status = 'open'") ", "
		TALLY_SUM("t.kind = 'state' AND t.status = 'rectifying'") ", " TALLY_SUM("t.kind = 'state' AND t.status = 'verifying'") ", "
		TALLY_SUM("t.kind = 'state' AND t.flags & 32") ", " TALLY_SUM("t.kind = 'state' AND t.flags & 64") ", "
		TALLY_SUM("t.kind = 'state' AND t.status = 'return_requested'");
	static const char sel_callbacks[] = TALLY_SUM("1") ", " TALLY_SUM("t.status IN ('satisfied', 'basically_satisfied')");
	static const char sel_street[] = "g.code, g.name, " TALLY_SUM("t.kind = 'state'") ", "
					 TALLY_SUM("t.kind = 'state' AND t.status = 'closed'") ", "
					 TALLY_SUM("t.kind = 'deadline' AND t.day < ?91");
	static const char sel_group[] =
		"g.code, g.name, " TALLY_SUM("1") ", " TALLY_SUM("t.status = 'closed'") ", "
		TALLY_SUM("t.status <> 'closed' AND t.day < ?91 AND t.flags & 32 = 0");
	static const char tail_group[] = "GROUP BY g.id ORDER BY 3 DESC, g.code";
	static const char sel_week[] = "date(t.day, '-6 days', 'weekday 1'), sum(t.n)";
	tally_aggregate(db, f, "'state', 'deadline', 'progress', 'original'", sel_totals, NULL, NULL, row_totals, tot);
	tally_aggregate(db, f, "'callback'", sel_callbacks, NULL, NULL, row_callbacks, cb);
	tally_aggregate(db, f, "'state', 'deadline'", sel_street, "CROSS JOIN units g ON g.path = t.unit_path", tail_group,
			row_group, streets);
	tally_aggregate(db, f, "'domain'", sel_group, "CROSS JOIN domains g ON g.id = t.dim", tail_group, row_group, domains);
	tally_aggregate(db, f, "'source'", sel_group, "CROSS JOIN sources g ON g.id = t.dim", tail_group, row_group, sources);
	tally_aggregate(db, f, "'created'", sel_week, NULL, "GROUP BY 1", row_week, new_w);
	tally_aggregate(db, f, "'closed'", sel_week, NULL, "GROUP BY 1", row_week, closed_w);
	tally_aggregate(db, f, "'sign'", sel_sign, NULL, NULL, row_sign, sign);
	tally_aggregate(db, f, "'dispatch'", sel_returns, NULL, NULL, row_returns, ret);
}

/* The same figures by scanning the tickets: for filters the tallies do not hold (dates). */
static void scan_figures(struct db *db, const struct ticket_filter *f, json_t *tot, json_t *cb, json_t *streets,
			 json_t *domains, json_t *sources, json_t *new_w, json_t *closed_w, json_t *sign, json_t *ret)
{
	static const char sel_returns[] = "count(*), coalesce(sum(d.outcome <> 'none'), 0), "
					  "coalesce(sum(d.outcome = 'granted'), 0), coalesce(sum(d.outcome = 'refused'), 0)";
	static const char sel_sign[] =
		"coalesce(sum(t.sign_by IS NOT NULL AND t.signed_at IS NOT NULL AND t.signed_late = 0), 0), "
		"coalesce(sum(t.sign_by IS NOT NULL AND t.signed_at IS NOT NULL AND t.signed_late = 1), 0), "
		"coalesce(sum(t.status = 'open' AND t.signed_at IS NULL AND t.sign_by < ?94), 0)";
	static const char sel_totals[] =
		"count(*), "
		"coalesce(sum(t.status = 'closed'), 0), "
		"coalesce(sum(t.original_deadline < ?91 OR t.status = 'closed'), 0), "
		"coalesce(sum(t.status = 'closed' AND t.closed_on <= t.original_deadline), 0), "
		"coalesce(sum(t.status <> 'closed' AND t.suspended_on IS NULL AND t.deadline < ?91), 0), "
		"coalesce(sum(t.status <> 'closed' AND t.suspended_on IS NULL AND t.deadline >= ?91 AND t.deadline <= ?92), 0), "
		"coalesce(sum(t.status IN ('open', 'rectifying') AND t.suspended_on IS NULL AND t.last_progress_on < ?93), 0), "
		"coalesce(sum(t.supervised = 1 AND t.status <> 'closed'), 0), "
		"coalesce(sum(t.color = 'green'), 0), coalesce(sum(t.color = 'yellow'), 0), "
		"coalesce(sum(t.color = 'red'), 0), coalesce(sum(t.status = 'open'), 0), "
		"coalesce(sum(t.status = 'rectifying'), 0), coalesce(sum(t.status = 'verifying'), 0), "
		"coalesce(sum(t.suspended_on IS NOT NULL), 0), coalesce(sum(t.suspend_pending = 1), 0), "
		"coalesce(sum(t.status = 'return_requested'), 0)";
	static const char sel_callbacks[] = "count(*), coalesce(sum(c.result IN ('satisfied', 'basically_satisfied')), 0)";
	static const char join_callbacks[] = "JOIN callbacks c ON c.ticket_id = t.id";
	static const char sel_group[] = "g.code, g.name, count(*), coalesce(sum(t.status = 'closed'), 0), "
					"coalesce(sum(t.status <> 'closed' AND t.suspended_on IS NULL AND t.deadline < ?91), 0)";
	static const char join_street[] = "JOIN units g ON g.id = t.unit_id";
	static const char join_domain[] = "JOIN domains g ON g.id = t.domain_id";
	static const char join_source[] = "JOIN sources g ON g.id = t.source_id";
	static const char tail_group[] = "GROUP BY g.id ORDER BY count(*) DESC, g.code";
	static const char sel_new_week[] = "date(substr(t.created_at, 1, 10), '-6 days', 'weekday 1'), count(*)";
	static const char sel_closed_week[] = "date(t.closed_on, '-6 days', 'weekday 1'), count(*)";
	static const char tail_new_week[] = "GROUP BY 1";
	static const char tail_closed_week[] = "AND t.closed_on IS NOT NULL GROUP BY 1";

	ticket_aggregate(db, f, sel_totals, NULL, NULL, row_totals, tot);
	ticket_aggregate(db, f, sel_callbacks, join_callbacks, NULL, row_callbacks, cb);
	ticket_aggregate(db, f, sel_group, join_street, tail_group, row_group, streets);
	ticket_aggregate(db, f, sel_group, join_domain, tail_group, row_group, domains);
	ticket_aggregate(db, f, sel_group, join_source, tail_group, row_group, sources);
	ticket_aggregate(db, f, sel_new_week, NULL, tail_new_week, row_week, new_w);
	ticket_aggregate(db, f, sel_closed_week, NULL, tail_closed_week, row_week, closed_w);
	ticket_aggregate(db, f, sel_sign, NULL, NULL, row_sign, sign);
	ticket_aggregate(db, f, sel_returns, "JOIN dispatches d ON d.ticket_id = t.id", NULL, row_returns, ret);
}

json_t *stats_compute_by(struct db *db, const struct ticket_filter *given, int use_tallies)
{
	/* A co-handled ticket counts for its lead (owning and responsible units) alone. */
	struct ticket_filter lead = *given;
	lead.lead = 1;
	const struct ticket_filter *f = &lead;
	json_t *tot = json_object(), *cb = json_object(), *streets = json_array(), *domains = json_array(),
	       *sources = json_array(), *new_w = json_object(), *closed_w = json_object(), *sign = json_object(),
	       *ret = json_object();
	if (use_tallies && tally_scope_only(f))
		tally_figures(db, f, tot, cb, streets, domains, sources, new_w, closed_w, sign, ret);
	else
		scan_figures(db, f, tot, cb, streets, domains, sources, new_w, closed_w, sign, ret);
	finish_groups(streets);
	finish_groups(domains);
	finish_groups(sources);

#define N(o, k) json_integer_value(json_object_get(o, k))
	long long total = N(tot, "total");
	json_t *out = json_pack(
		"{s:I,s:{s:I,s:I,s:I,s:I,s:I},s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I},s:I,s:I,s:o,s:o,s:o}",
		"total", total, "by_status", "open", N(tot, "open"), "rectifying", N(tot, "rectifying"), "verifying",
		N(tot, "verifying"), "closed", N(tot, "closed"), "return_requested", N(tot, "return_requested"), "closed_rate", rate(N(tot, "closed"), total),
		"on_time_rate", rate(N(tot, "closed_on_time"), N(tot, "due")), "satisfaction_rate",
		rate(N(cb, "satisfied"), N(cb, "callbacks")), "due", N(tot, "due"), "closed_on_time",
		N(tot, "closed_on_time"), "overdue", N(tot, "overdue"), "due_soon", N(tot, "due_soon"), "stale",
		N(tot, "stale"), "supervised", N(tot, "supervised"), "callbacks", N(cb, "callbacks"), "colors", "green",
		N(tot, "green"), "yellow", N(tot, "yellow"), "red", N(tot, "red"), "satisfied_callbacks", N(cb, "satisfied"),
		"closed", N(tot, "closed"), "by_street", streets, "by_domain", domains, "by_source", sources);
	/* 及时签收率: signed by the time to sign / signed, or past that time unsigned. */
	long long sign_due = N(sign, "signed_on_time") + N(sign, "signed_late") + N(sign, "sign_overdue");
	json_object_set_new(out, "sign_on_time_rate", rate(N(sign, "signed_on_time"), sign_due));
	json_object_set_new(out, "sign_due", json_integer(sign_due));
	json_object_set_new(out, "signed_on_time", json_integer(N(sign, "signed_on_time")));
	json_object_set_new(out, "signed_late", json_integer(N(sign, "signed_late")));
	json_object_set_new(out, "sign_overdue", json_integer(N(sign, "sign_overdue")));
	json_object_set_new(out, "suspended", json_integer(N(tot, "suspended")));
	json_object_set_new(out, "suspend_pending", json_integer(N(tot, "suspend_pending")));
	/* 退单: per dispatch; 回退率 = returns granted / dispatches. */
	json_object_set_new(out, "dispatches", json_integer(N(ret, "dispatches")));
	json_object_set_new(out, "returns", json_pack("{s:I,s:I,s:I}", "asked", N(ret, "asked"), "granted",
						     N(ret, "granted"), "refused", N(ret, "refused")));
	json_object_set_new(out, "return_rate", rate(N(ret, "granted"), N(ret, "dispatches")));
#undef N
	json_decref(sign);
	json_decref(ret);
	/* The weekly trend: the last TREND_WEEKS weeks (Monday to Sunday) up to this one. */
	json_t *trend = json_array();
	long today = date_today_days();
	long monday = today - ((today + 3) % 7); /* 1970-01-01 was a Thursday */
	long long max = 1;
	for (int w = TREND_WEEKS - 1; w >= 0; w--) {
		char start[11];
		time_format_date((time_t)(monday - 7L * w) * 86400, start, sizeof start);
		long long n = json_integer_value(json_object_get(new_w, start));
		long long c = json_integer_value(json_object_get(closed_w, start));
		if (n > max)
			max = n;
		if (c > max)
			max = c;
		json_array_append_new(trend, json_pack("{s:s,s:I,s:I}", "week", start, "new", n, "closed", c));
	}
	/* Column geometry for the SVG (a 400 × 120 box): x and heights computed here. */
	size_t i;
	json_t *wk;
	json_array_foreach(trend, i, wk)
	{
		long long n = json_integer_value(json_object_get(wk, "new"));
		long long c = json_integer_value(json_object_get(wk, "closed"));
		int hn = (int)(n * 100 / max), hc = (int)(c * 100 / max);
		json_object_set_new(wk, "x", json_integer(10 + (json_int_t)i * 48));
		json_object_set_new(wk, "x2", json_integer(28 + (json_int_t)i * 48));
		json_object_set_new(wk, "h_new", json_integer(hn));
		json_object_set_new(wk, "y_new", json_integer(105 - hn));
		json_object_set_new(wk, "h_closed", json_integer(hc));
		json_object_set_new(wk, "y_closed", json_integer(105 - hc));
		json_object_set_new(wk, "label", json_string(json_string_value(json_object_get(wk, "week")) + 5));
	}
	json_object_set_new(out, "trend", trend);
	json_decref(tot);
	json_decref(cb);
	json_decref(new_w);
	json_decref(closed_w);
	return out;
}

/*
 * The figures are remembered for the state of the database they were computed on (db_memo:
 * any commit forgets them) and for the day (the lights move at midnight): under load the
 * dashboard and the stats API are computed once per change, not once per request. The key
 * names everything the figures depend on: the viewer's scope and the filter.
 */
json_t *stats_compute(struct db *db, const struct ticket_filter *f)
{
	char key[768], minute[32];
	long today = date_today_days();
	/* Open past the time to sign changes by the minute, not only by the day. */
	time_format_rfc3339(clock_now(), minute, sizeof minute);
	minute[16] = '\0';
#define K(s) ((s) ? (s) : "")
	int n = snprintf(key, sizeof key, "stats|%ld|%s|%d|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%d|%d", today, minute,
			 f->who ? (int)f->who->role : -1, f->who ? K(f->who->unit_path) : "", K(f->unit), K(f->campaign),
			 K(f->from), K(f->to), K(f->status), K(f->responsible_unit), K(f->domain), K(f->source),
			 K(f->category), K(f->q), f->supervised, f->stale);
#undef K
	int memo = n > 0 && (size_t)n < sizeof key && !f->light && !f->color && !f->unclosed && !f->returned &&
		   !f->extension_pending && !f->callbacks_due;
	const char *kept = memo ? db_memo_peek_text(db, key) : NULL;
	json_t *out = kept ? json_loads(kept, 0, NULL) : NULL;
	if (out)
		return out;
	out = stats_compute_by(db, f, 1);
	if (memo) {
		char *text = json_dumps(out, JSON_COMPACT);
		if (text)
			db_memo_put_text(db, key, text);
		free(text);
	}
	return out;
}
