/*
 * reports.c — the district's reports: the ranking by unsatisfied stock (seed 004).
 *
 * 不满意工单存量 (unsatisfied stock) = unclosed tickets the citizen was unsatisfied with at least
 * once, plus red tickets even when closed. Streets and communities are ranked from the
 * smallest stock to the largest; the last five are marked, as the district's notices do.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports.h"

#include "calendar.h"
#include "ticket.h"
#include "util.h"
#include "workflow.h"

#define MARKED 5

static void row_rank(sqlite3_stmt *st, void *arg)
{
	json_array_append_new((json_t *)arg,
			      json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "code", db_text(st, 0), "name", db_text(st, 1),
					"parent", db_text(st, 2), "stock", sqlite3_column_int64(st, 3), "red",
					sqlite3_column_int64(st, 4), "total", sqlite3_column_int64(st, 5)));
}

/* Numbers the rows (ties share a place) and marks the last MARKED that have any stock. */
static void finish_ranking(json_t *rows)
{
	size_t n = json_array_size(rows), i;
	json_t *r;
	long long prev = -1;
	int place = 0;
	json_array_foreach(rows, i, r)
	{
		long long stock = json_integer_value(json_object_get(r, "stock"));
		if (stock != prev)
			place = (int)i + 1;
		prev = stock;
		json_object_set_new(r, "place", json_integer(place));
		json_object_set_new(r, "bottom", json_boolean(n > MARKED && i >= n - MARKED && stock > 0));
	}
}

json_t *ranking_compute_by(struct db *db, const struct ticket_filter *given, int use_tallies)
{
	struct ticket_filter lead = *given; /* a co-handled ticket ranks with its lead's */
	lead.lead = 1;
	const struct ticket_filter *f = &lead;
#define STOCK "(t.status <> 'closed' AND t.unsatisfied_count >= 1) OR (t.status = 'closed' AND t.color = 'red')"
#define TALLY_STOCK "(t.status <> 'closed' AND t.flags & 2) OR (t.status = 'closed' AND t.color = 'red')"
	static const char sel_street[] = "g.code, g.name, '', coalesce(sum(" STOCK "), 0), coalesce(sum(t.color = 'red'), 0), count(*)";
	static const char sel_place[] = "g.code, g.name, p.name, coalesce(sum(" STOCK "), 0), coalesce(sum(t.color = 'red'), 0), count(*)";
	static const char tsel_street[] = "g.code, g.name, '', " TALLY_SUM(TALLY_STOCK) ", " TALLY_SUM("t.color = 'red'") ", sum(t.n)";
	static const char tsel_place[] = "g.code, g.name, p.name, " TALLY_SUM(TALLY_STOCK) ", " TALLY_SUM("t.color = 'red'") ", sum(t.n)";
#undef STOCK
#undef TALLY_STOCK
	static const char join_street[] = "JOIN units g ON g.id = t.unit_id";
	static const char join_place[] = "JOIN units g ON g.id = t.location_unit_id JOIN units p ON p.id = g.parent_id";
	static const char tjoin_street[] = "CROSS JOIN units g ON g.path = t.unit_path";
	static const char tjoin_place[] = "CROSS JOIN units g ON g.id = t.dim JOIN units p ON p.id = g.parent_id";
	static const char tail[] = "GROUP BY g.id ORDER BY 4, 5, g.code";
	json_t *streets = json_array(), *places = json_array();
	if (use_tallies && tally_scope_only(f)) {
		tally_aggregate(db, f, "'state'", tsel_street, tjoin_street, tail, row_rank, streets);
		tally_aggregate(db, f, "'place'", tsel_place, tjoin_place, tail, row_rank, places);
	} else {
		ticket_aggregate(db, f, sel_street, join_street, tail, row_rank, streets);
		ticket_aggregate(db, f, sel_place, join_place, tail, row_rank, places);
	}
	finish_ranking(streets);
	finish_ranking(places);
	return json_pack("{s:o,s:o}", "streets", streets, "communities", places);
}

json_t *ranking_compute(struct db *db, const struct ticket_filter *f)
{
	return ranking_compute_by(db, f, 1);
}

/*
 * The dispatch report (周调度 / 月调度): per street, what happened in the period, from the
 * event log — new (logged), closed (verified), returned, reopened (relapse or an unsatisfied
 * callback) — and the state at the period's end: overdue (unclosed, deadline before the end)
 * and stale (unclosed, no progress in the last 7 days of the period); with the change from
 * the previous period. Also whether each street filed its ledger by the end of the
 * self-inspection phase and reported progress on every open ticket by the end of the
 * rectification phase (seed 000: 9月5日 / 9月25日).
 */
struct period {
	char from[11], to[11], prev_from[11], prev_to[11];
	char label[64];
};

static void day_text(long d, char *out)
{
	time_format_date((time_t)d * 86400, out, 11);
}

/* week: Monday to Sunday around day; month: the calendar month. */
static void make_period(const char *kind, long day, struct period *p)
{
	char s[11];
	day_text(day, s);
	if (!strcmp(kind, "month")) {
		int y = 0, m = 0;
		sscanf(s, "%d-%d", &y, &m);
		char first[32], next_first[32], prev_first[32];
		snprintf(first, sizeof first, "%04d-%02d-01", y, m);
		snprintf(next_first, sizeof next_first, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
		snprintf(prev_first, sizeof prev_first, "%04d-%02d-01", m == 1 ? y - 1 : y, m == 1 ? 12 : m - 1);
		long f = date_parse_days(first), nf = date_parse_days(next_first), pf = date_parse_days(prev_first);
		day_text(f, p->from);
		day_text(nf - 1, p->to);
		day_text(pf, p->prev_from);
		day_text(f - 1, p->prev_to);
		snprintf(p->label, sizeof p->label, "%d年%d月", y, m);
	} else {
		long monday = day - ((day + 3) % 7);
		day_text(monday, p->from);
		day_text(monday + 6, p->to);
		day_text(monday - 7, p->prev_from);
		day_text(monday - 1, p->prev_to);
		snprintf(p->label, sizeof p->label, "%s 至 %s", p->from, p->to);
	}
}

struct street_counts {
	char code[33], name[101];
	long long v[2][6]; /* [this, previous][new, closed, returned, reopened, overdue, stale] */
	/* The street's first filing (报送, SPEC section 12) of each kind in an active campaign:
	 * its day (0: none), time to the minute and 台账指纹. */
	long long filed[2];
	char filed_at[2][20], filed_fp[2][20];
	long long supplement; /* 补报 logged in the period */
	long long progress_missing;
	long long sign[3]; /* of the period's dispatches: signed on time, signed late, open past the time to sign */
	long long suspended; /* paused now (挂起中) */
	long long dispatch[4]; /* of the period's dispatches to it: all, returns asked, granted, refused */
	long long cards[2];    /* yellow and red cards it earned in the period */
};

static struct street_counts *find_street(struct street_counts *s, int n, const char *code)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].code, code))
			return &s[i];
	return NULL;
}

/* Stores columns 1..cols of each row into the counters of the street named by column 0:
 * those at byte offset `at` in struct street_counts and after it. */
static void per_street(sqlite3_stmt *st, struct street_counts *s, int n, size_t at, int cols)
{
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct street_counts *c = find_street(s, n, db_text(st, 0));
		long long *dst = c ? (long long *)(void *)((char *)c + at) : NULL;
		for (int i = 0; dst && i < cols; i++)
			dst[i] = sqlite3_column_int64(st, 1 + i);
	}
	db_done(st);
}

/* The offset of v[k][i] in struct street_counts. */
static size_t counter_at(int k, int i)
{
	return offsetof(struct street_counts, v) + sizeof(long long) * (size_t)(k * 6 + i);
}

/*
 * The report's queries, over the tickets and events (scan) or over the running tallies. The
 * tallies keep per street and day what the scans count. A ticket counts as overdue or stale at
 * a period's end only if it existed by then: an unclosed ticket's deadline and last progress
 * (and its closing) are normally not before the day it was logged; the exceptions (backlogs
 * logged already overdue) are tallied apart as 'backdated' so that periods ending before they
 * existed leave them out.
 * Progress-report filing needs the progress notes themselves, read through their date index.
 */
struct dispatch_sql {
	const char *events, *state, *missing, *reported;
	/* 及时签收率 of the period's dispatches: ?1, ?2 the period, ?3 this moment (epoch seconds) */
	const char *sign;
};

static const struct dispatch_sql dispatch_scan = {
	/* New by the ticket's own 登记时间 (an import or a bulk load counts when the problems were
	 * logged, not when the file came); the rest by what was done in the period. */
	.events = "SELECT u.code, coalesce(sum(x.new), 0), coalesce(sum(x.closed), 0), coalesce(sum(x.returned), 0), "
		  "coalesce(sum(x.reopened), 0) FROM ("
		  "SELECT t.unit_id AS unit_id, 1 AS new, 0 AS closed, 0 AS returned, 0 AS reopened FROM tickets t "
		  "WHERE t.status <> 'merged' AND substr(t.created_at, 1, 10) BETWEEN ?1 AND ?2 UNION ALL "
		  "SELECT t.unit_id, 0, e.action = 'verify', e.action = 'return', "
		  "e.action = 'reopen' OR (e.action = 'callback' AND e.after LIKE '%\"status\":\"rectifying\"%') "
		  "FROM events e JOIN tickets t ON t.id = e.entity_id "
		  "WHERE e.entity = 'ticket' AND t.status <> 'merged' AND substr(e.at, 1, 10) BETWEEN ?1 AND ?2) x "
		  "JOIN units u ON u.id = x.unit_id GROUP BY u.id",
	.state = "SELECT u.code, "
		 "coalesce(sum(t.status <> 'closed' AND t.suspended_on IS NULL AND t.deadline < ?1), 0), "
		 "coalesce(sum(t.status <> 'closed' AND t.suspended_on IS NULL AND t.last_progress_on < ?2), 0) "
		 "FROM tickets t JOIN units u ON u.id = t.unit_id WHERE t.status <> 'merged' AND "
		 "substr(t.created_at, 1, 10) <= ?1 GROUP BY u.id",
	.missing = "SELECT u.code, count(*) FROM tickets t JOIN units u ON u.id = t.unit_id "
		   "WHERE t.status <> 'merged' AND substr(t.created_at, 1, 10) <= ?1 AND "
		   "(t.closed_on IS NULL OR t.closed_on > ?1) "
		   "AND NOT EXISTS (SELECT 1 FROM progress p WHERE p.ticket_id = t.id AND p.on_date BETWEEN ?2 AND ?1) "
		   "GROUP BY u.id",
	.reported = NULL,
	.sign = "SELECT u.code, coalesce(sum(t.signed_at IS NOT NULL AND t.signed_late = 0), 0), "
		"coalesce(sum(t.signed_late = 1), 0), "
		"coalesce(sum(t.signed_at IS NULL AND t.status = 'open' AND CAST(strftime('%s', t.sign_by) AS INTEGER) < ?3), 0) "
		"FROM tickets t JOIN units u ON u.id = t.unit_id "
		"WHERE t.status <> 'merged' AND substr(coalesce(t.dispatched_at, t.created_at), 1, 10) BETWEEN ?1 AND ?2 "
		"AND t.sign_by IS NOT NULL AND (t.signed_at IS NOT NULL OR t.status = 'open') GROUP BY u.id",
};

static const struct dispatch_sql dispatch_tally = {
	.events = "SELECT u.code, " TALLY_SUM("t.kind = 'created'") ", " TALLY_SUM("t.kind = 'ev_closed'") ", "
		  TALLY_SUM("t.kind = 'ev_returned'") ", " TALLY_SUM("t.kind = 'ev_reopened'") " "
		  "FROM tallies t CROSS JOIN units u ON u.path = t.unit_path "
		  "WHERE t.kind IN ('created', 'ev_closed', 'ev_returned', 'ev_reopened') AND t.day BETWEEN ?1 AND ?2 "
		  "GROUP BY u.id",
	.state = "SELECT u.code, " TALLY_SUM("t.kind = 'deadline' AND t.day < ?1") " - "
		 TALLY_SUM("t.kind = 'backdated' AND t.status = 'deadline' AND t.day > ?1 AND t.dim < ?3") ", "
		 TALLY_SUM("t.kind = 'progress' AND t.day < ?2") " - "
		 TALLY_SUM("t.kind = 'backdated' AND t.status = 'progress' AND t.day > ?1 AND t.dim < ?4") " "
		 "FROM tallies t CROSS JOIN units u ON u.path = t.unit_path "
		 "WHERE t.kind IN ('deadline', 'progress', 'backdated') GROUP BY u.id",
	/* open on the due day, less those that reported in the window */
	.missing = "SELECT u.code, " TALLY_SUM("t.kind = 'created' AND t.day <= ?1") " - "
		   TALLY_SUM("t.kind = 'closed' AND t.day <= ?1") " + "
		   TALLY_SUM("t.kind = 'backdated' AND t.status = 'closed' AND t.day > ?1 AND t.dim <= ?3") " "
		   "FROM tallies t CROSS JOIN units u ON u.path = t.unit_path "
		   "WHERE t.kind IN ('created', 'closed', 'backdated') GROUP BY u.id",
	/* CROSS JOIN: read the window of notes, not every ticket (the planner cannot know the window is small) */
	.reported = "SELECT u.code, count(DISTINCT p.ticket_id) FROM progress p CROSS JOIN tickets t ON t.id = p.ticket_id "
		    "JOIN units u ON u.id = t.unit_id WHERE p.on_date BETWEEN ?2 AND ?1 AND t.status <> 'merged' "
		    "AND substr(t.created_at, 1, 10) <= ?1 AND (t.closed_on IS NULL OR t.closed_on > ?1) GROUP BY u.id",
	.sign = "SELECT u.code, " TALLY_SUM("t.status = 'on_time'") ", " TALLY_SUM("t.status = 'late'") ", "
		TALLY_SUM("t.status = 'waiting' AND t.dim < ?3") " FROM tallies t CROSS JOIN units u ON u.path = t.unit_path "
		"WHERE t.kind = 'sign' AND t.day BETWEEN ?1 AND ?2 GROUP BY u.id",
};

json_t *dispatch_compute_by(struct db *db, const struct subject *who, const char *kind, long day, int use_tallies)
{
	/* The units that file (019_units_filing.sql): a department that does not is not 未报送. */
	static const char q_streets[] = "SELECT id, code, name, path FROM units WHERE kind IN ('street', 'department') "
					"AND active = 1 AND files_ledger = 1 ORDER BY kind DESC, sort, code";
	/* The notice's issuer and its number: the campaign running in the period (else the latest). */
	static const char q_campaign[] = "SELECT c.name, u.name, min(p.start_date), max(p.end_date) FROM campaigns c "
					 "JOIN units u ON u.id = c.unit_id JOIN campaign_phases p ON p.campaign_id = c.id "
					 "WHERE c.active = 1 GROUP BY c.id "
					 "ORDER BY min(p.start_date) <= ?2 AND max(p.end_date) >= ?1 DESC, c.id DESC LIMIT 1";
	static const char q_phases[] = "SELECT kind, max(end_date), min(start_date) FROM campaign_phases p "
				       "JOIN campaigns c ON c.id = p.campaign_id WHERE c.active = 1 AND kind IN ('self_check', "
				       "'rectify') GROUP BY kind";
	const struct dispatch_sql *q = use_tallies ? &dispatch_tally : &dispatch_scan;
	const struct workcal *cal = calendar_of(db);
	struct period p;
	make_period(kind, day, &p);
	struct street_counts s[64];
	int n = 0;
	sqlite3_stmt *st = db_prepare(db, q_streets);
	while (st && sqlite3_step(st) == SQLITE_ROW && n < 64) {
		/* Staff see their own street only. */
		if (who->role == ROLE_STAFF && strncmp(db_text(st, 3), who->unit_path, strlen(db_text(st, 3))) &&
		    strncmp(who->unit_path, db_text(st, 3), strlen(who->unit_path)))
			continue;
		memset(&s[n], 0, sizeof s[n]);
		snprintf(s[n].code, sizeof s[n].code, "%s", db_text(st, 1));
		snprintf(s[n].name, sizeof s[n].name, "%s", db_text(st, 2));
		n++;
	}
	db_done(st);
	const char *ranges[2][2] = { { p.from, p.to }, { p.prev_from, p.prev_to } };
	for (int k = 0; k < 2; k++) {
		st = db_prepare(db, q->events);
		if (st) {
			sqlite3_bind_text(st, 1, ranges[k][0], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, ranges[k][1], -1, SQLITE_STATIC);
		}
		per_street(st, s, n, counter_at(k, 0), 4);
		/* Stale at the period's end: more than STALE_WORKDAYS working days without a note. */
		char stale_day[11];
		long end = date_parse_days(ranges[k][1]);
		long stale_before = workcal_stale_before(cal, end, STALE_WORKDAYS, NULL);
		day_text(stale_before, stale_day);
		st = db_prepare(db, q->state);
		if (st) {
			sqlite3_bind_text(st, 1, ranges[k][1], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, stale_day, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 3, end);
			sqlite3_bind_int64(st, 4, stale_before);
		}
		per_street(st, s, n, counter_at(k, 4), 2);
	}
	/* Filing on time, against the active campaign's phases. */
	char ledger_due[11] = "", progress_due[11] = "", rect_start[11] = "";
	st = db_prepare(db, q_phases);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (!strcmp(db_text(st, 0), "self_check"))
			snprintf(ledger_due, sizeof ledger_due, "%s", db_text(st, 1));
		else {
			snprintf(progress_due, sizeof progress_due, "%s", db_text(st, 1));
			snprintf(rect_start, sizeof rect_start, "%s", db_text(st, 2));
		}
	}
	db_done(st);
	/* The filings themselves: the first of each kind per street, in an active campaign. */
	static const char q_filings[] = "SELECT u.code, f.kind = 'progress', substr(f.filed_at, 1, 10), f.filed_at, "
					"f.fingerprint FROM filings f JOIN units u ON u.id = f.unit_id JOIN campaigns c "
					"ON c.id = f.campaign_id WHERE c.active = 1 ORDER BY f.id";
	st = db_prepare(db, q_filings);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct street_counts *c = find_street(s, n, db_text(st, 0));
		int k = sqlite3_column_int(st, 1);
		if (!c || c->filed[k])
			continue;
		c->filed[k] = date_parse_days(db_text(st, 2));
		time_text_minute(db_text(st, 3), c->filed_at[k], sizeof c->filed_at[k]);
		str_copy(c->filed_fp[k], sizeof c->filed_fp[k], db_text(st, 4));
	}
	db_done(st);
	/* 补报 logged in the period, through their small index (033_filings.sql). */
	static const char q_supplement[] = "SELECT u.code, count(*) FROM tickets t INDEXED BY tickets_supplement "
					   "JOIN units u ON u.id = t.unit_id WHERE t.supplement = 1 AND t.created_at >= ?1 "
					   "AND t.created_at <= ?2 || 'T99' AND t.status <> 'merged' GROUP BY u.id";
	st = db_prepare(db, q_supplement);
	if (st) {
		sqlite3_bind_text(st, 1, p.from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p.to, -1, SQLITE_STATIC);
	}
	per_street(st, s, n, offsetof(struct street_counts, supplement), 1);
	/* Whether every open ticket reported progress counts only once the report was due. */
	if (progress_due[0] && date_today_days() > date_parse_days(progress_due)) {
		st = db_prepare(db, q->missing);
		if (st) {
			sqlite3_bind_text(st, 1, progress_due, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, rect_start, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, date_parse_days(progress_due));
		}
		per_street(st, s, n, offsetof(struct street_counts, progress_missing), 1);
		st = q->reported ? db_prepare(db, q->reported) : NULL;
		if (st) {
			sqlite3_bind_text(st, 1, progress_due, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, rect_start, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW) {
				struct street_counts *c = find_street(s, n, db_text(st, 0));
				if (c)
					c->progress_missing -= sqlite3_column_int64(st, 1);
			}
			db_done(st);
		}
	}
	/* 及时签收率 of the tickets dispatched in the period (SPEC section 8), as the dashboard counts it. */
	st = db_prepare(db, q->sign);
	if (st) {
		sqlite3_bind_text(st, 1, p.from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p.to, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_now());
	}
	per_street(st, s, n, offsetof(struct street_counts, sign), 3);
	/* 退单 and cards (SPEC section 9), each to the street or department it went to: the
	 * period's dispatches by their time (028's index), a granted return against the unit that
	 * sent the ticket back, whoever has it now. */
	/* The dispatches from the tallies (kind 'dispatch', by the day of each, merged tickets
	 * left out), by the owning street as the rest of the report; the cards by the unit carded,
	 * counted in the period's part of their index (030) and only then put to streets. */
	static const char q_dispatches[] =
		"SELECT u.code, " TALLY_SUM("1") ", " TALLY_SUM("t.status <> 'none'") ", " TALLY_SUM("t.status = 'granted'")
		", " TALLY_SUM("t.status = 'refused'") " FROM tallies t CROSS JOIN units u ON u.path = t.unit_path "
		"WHERE t.kind = 'dispatch' AND t.day BETWEEN ?1 AND ?3 GROUP BY u.id";
	static const char q_cards[] =
		"SELECT u.code, sum(x.yellow), sum(x.red) FROM (SELECT c.unit_id, sum(c.kind = 'yellow') AS yellow, "
		"sum(c.kind = 'red') AS red FROM cards c INDEXED BY cards_period WHERE c.at >= ?1 AND c.at < ?2 "
		"GROUP BY c.unit_id) x JOIN units cu ON cu.id = x.unit_id "
		"JOIN units u ON u.kind IN ('street', 'department') AND substr(cu.path, 1, length(u.path)) = u.path "
		"GROUP BY u.id";
	char to_below[16];
	snprintf(to_below, sizeof to_below, "%sU", p.to); /* every time of the last day sorts below it */
	const char *const per_unit[] = { q_dispatches, q_cards };
	for (size_t k = 0; k < 2; k++) {
		st = db_prepare(db, per_unit[k]);
		if (st) {
			sqlite3_bind_text(st, 1, p.from, -1, SQLITE_STATIC);
			if (k)
				sqlite3_bind_text(st, 2, to_below, -1, SQLITE_STATIC);
			else
				sqlite3_bind_text(st, 3, p.to, -1, SQLITE_STATIC);
		}
		per_street(st, s, n, k ? offsetof(struct street_counts, cards) : offsetof(struct street_counts, dispatch),
			   k ? 2 : 4);
	}
	/* Every pause shows: the tickets paused now, from the tallies (023_pauses.sql). */
	static const char q_paused[] = "SELECT u.code, " TALLY_SUM("t.flags & 32") " FROM tallies t CROSS JOIN units u "
				       "ON u.path = t.unit_path WHERE t.kind = 'state' GROUP BY u.id";
	per_street(db_prepare(db, q_paused), s, n, offsetof(struct street_counts, suspended), 1);
	long today = date_today_days();
	json_t *rows = json_array();
	long long sum[2][6] = { { 0 } }, sign_sum[3] = { 0 }, suspended_sum = 0, return_sum[4] = { 0 }, card_sum[2] = { 0 };
	static const char *const keys[6] = { "new", "closed", "returned", "reopened", "overdue", "stale" };
	for (int i = 0; i < n; i++) {
		json_t *row = json_pack("{s:s,s:s}", "code", s[i].code, "name", s[i].name);
		for (int k = 0; k < 6; k++) {
			long long d = s[i].v[0][k] - s[i].v[1][k];
			char ch[24];
			snprintf(ch, sizeof ch, d > 0 ? "+%lld" : "%lld", d);
			json_object_set_new(row, keys[k],
					    json_pack("{s:I,s:I,s:s,s:b,s:b}", "now", s[i].v[0][k], "prev", s[i].v[1][k],
						      "change", d ? ch : "持平", "up", d > 0, "down", d < 0));
			sum[0][k] += s[i].v[0][k];
			sum[1][k] += s[i].v[1][k];
		}
		long due = ledger_due[0] ? date_parse_days(ledger_due) : 0;
		const char *ledger = !due ? "—"
				     : s[i].filed[0] && s[i].filed[0] <= due ? "按时报送"
				     : s[i].filed[0] ? "逾期报送"
				     : today > due ? "未报送" : "尚未到期";
		long pdue = progress_due[0] ? date_parse_days(progress_due) : 0;
		const char *progress = !pdue ? "—"
				       : s[i].filed[1] && s[i].filed[1] <= pdue ? "按时报送"
				       : s[i].filed[1] ? "逾期报送"
				       : today > pdue ? "未报送" : "尚未到期";
		/* A filing's words: its state, when, and its fingerprint (台账指纹). */
		char ledger_text[160], progress_text[120];
		int lt = snprintf(ledger_text, sizeof ledger_text, s[i].filed[0] ? "%s %s · %s" : "%s", ledger,
				  s[i].filed_at[0], s[i].filed_fp[0]);
		if (s[i].supplement && lt > 0 && (size_t)lt < sizeof ledger_text)
			snprintf(ledger_text + lt, sizeof ledger_text - (size_t)lt, "；本期补报 %lld 件", s[i].supplement);
		snprintf(progress_text, sizeof progress_text, s[i].filed[1] ? "%s %s · %s" : "%s", progress,
			 s[i].filed_at[1], s[i].filed_fp[1]);
		long long sign_due = s[i].sign[0] + s[i].sign[1] + s[i].sign[2];
		char sign_rate[16] = "—";
		if (sign_due)
			snprintf(sign_rate, sizeof sign_rate, "%.1f%%", 100.0 * (double)s[i].sign[0] / (double)sign_due);
		json_object_set_new(row, "sign", json_pack("{s:I,s:I,s:I,s:I,s:s}", "on_time", s[i].sign[0], "late",
							  s[i].sign[1], "overdue", s[i].sign[2], "due", sign_due,
							  "rate", sign_rate));
		for (int k = 0; k < 3; k++)
			sign_sum[k] += s[i].sign[k];
		json_object_set_new(row, "suspended", json_integer(s[i].suspended));
		suspended_sum += s[i].suspended;
		char return_rate[16] = "—";
		if (s[i].dispatch[0])
			snprintf(return_rate, sizeof return_rate, "%.1f%%",
				 100.0 * (double)s[i].dispatch[2] / (double)s[i].dispatch[0]);
		json_object_set_new(row, "returns", json_pack("{s:I,s:I,s:I,s:I,s:s}", "dispatches", s[i].dispatch[0],
							     "asked", s[i].dispatch[1], "granted", s[i].dispatch[2],
							     "refused", s[i].dispatch[3], "rate", return_rate));
		json_object_set_new(row, "cards", json_pack("{s:I,s:I}", "yellow", s[i].cards[0], "red", s[i].cards[1]));
		for (int k = 0; k < 4; k++)
			return_sum[k] += s[i].dispatch[k];
		card_sum[0] += s[i].cards[0];
		card_sum[1] += s[i].cards[1];
		json_object_set_new(row, "ledger_filed", json_string(ledger_text));
		json_object_set_new(row, "progress_filed", json_string(progress_text));
		/* How many lacked a report counts only once the report was due. */
		json_object_set_new(row, "progress_missing", json_integer(s[i].progress_missing));
		json_object_set_new(row, "late", json_boolean(strcmp(ledger, "按时报送") && strcmp(ledger, "尚未到期") &&
							      strcmp(ledger, "—")));
		json_array_append_new(rows, row);
	}
	json_t *totals = json_object();
	for (int k = 0; k < 6; k++)
		json_object_set_new(totals, keys[k], json_pack("{s:I,s:I}", "now", sum[0][k], "prev", sum[1][k]));
	long long sign_due = sign_sum[0] + sign_sum[1] + sign_sum[2];
	char sign_rate[16] = "—";
	if (sign_due)
		snprintf(sign_rate, sizeof sign_rate, "%.1f%%", 100.0 * (double)sign_sum[0] / (double)sign_due);
	json_object_set_new(totals, "suspended", json_integer(suspended_sum));
	char return_rate[16] = "—";
	if (return_sum[0])
		snprintf(return_rate, sizeof return_rate, "%.1f%%", 100.0 * (double)return_sum[2] / (double)return_sum[0]);
	json_object_set_new(totals, "returns", json_pack("{s:I,s:I,s:I,s:I,s:s}", "dispatches", return_sum[0], "asked",
							 return_sum[1], "granted", return_sum[2], "refused", return_sum[3],
							 "rate", return_rate));
	json_object_set_new(totals, "cards", json_pack("{s:I,s:I}", "yellow", card_sum[0], "red", card_sum[1]));
	json_object_set_new(totals, "sign", json_pack("{s:I,s:I,s:I,s:I,s:s}", "on_time", sign_sum[0], "late", sign_sum[1],
						     "overdue", sign_sum[2], "due", sign_due, "rate", sign_rate));
	json_t *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s}", "kind", kind, "label", p.label, "from", p.from,
				"to", p.to, "prev_from", p.prev_from, "prev_to", p.prev_to, "streets", rows, "totals", totals,
				"ledger_due", ledger_due, "progress_due", progress_due);
	/* Issued by the campaign's unit; numbered from the campaign's first week or month. */
	st = db_prepare(db, q_campaign);
	if (st) {
		sqlite3_bind_text(st, 1, p.from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, p.to, -1, SQLITE_STATIC);
	}
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		long start = date_parse_days(db_text(st, 2)), from = date_parse_days(p.from);
		long number = 0;
		if (!strcmp(kind, "month")) {
			int y0 = 0, m0 = 0, y1 = 0, m1 = 0;
			sscanf(db_text(st, 2), "%d-%d", &y0, &m0);
			sscanf(p.from, "%d-%d", &y1, &m1);
			number = (y1 - y0) * 12 + (m1 - m0) + 1;
		} else if (start >= 0) {
			long first_monday = start - ((start + 3) % 7);
			number = (from - first_monday) / 7 + 1;
		}
		json_object_set_new(out, "campaign", json_string(db_text(st, 0)));
		json_object_set_new(out, "issuer", json_string(db_text(st, 1)));
		if (number > 0)
			json_object_set_new(out, "number", json_integer(number));
	}
	db_done(st);
	return out;
}

json_t *dispatch_compute(struct db *db, const struct subject *who, const char *kind, long day)
{
	return dispatch_compute_by(db, who, kind, day, 1);
}

json_t *urge_notice_compute(struct db *db, const char *unit_code)
{
	static const char q_unit[] = "SELECT code, name, path FROM units WHERE code = ?1 AND kind <> 'district'";
	/* ?2, ?3: the subtree's range of paths; ?4 today */
	static const char q_items[] =
		"SELECT t.id, t.code, t.title, t.deadline, t.urge_count, t.status, "
		"(SELECT group_concat(kind, ' ') FROM cards c WHERE c.ticket_id = t.id AND c.deadline = t.deadline), "
		"t.deadline < ?4 AND t.suspended_on IS NULL FROM tickets t "
		"WHERE t.responsible_path >= ?2 AND t.responsible_path < ?3 "
		"AND t.status IN ('open', 'rectifying', 'verifying', 'return_requested') "
		"AND ((t.deadline < ?4 AND t.suspended_on IS NULL) OR t.urge_count > 0 OR "
		"EXISTS (SELECT 1 FROM cards c WHERE c.ticket_id = t.id AND c.deadline = t.deadline)) "
		"ORDER BY t.deadline, t.id LIMIT ?5";
	sqlite3_stmt *st = db_prepare(db, q_unit);
	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, unit_code ? unit_code : "", -1, SQLITE_STATIC);
	json_t *out = NULL;
	char lo[256], hi[256];
	if (sqlite3_step(st) == SQLITE_ROW) {
		out = json_pack("{s:{s:s,s:s}}", "unit", "code", db_text(st, 0), "name", db_text(st, 1));
		str_copy(lo, sizeof lo, db_text(st, 2));
	}
	db_done(st);
	if (!out)
		return NULL;
	/* the paths under lo sort below lo with its closing "/" raised by one */
	str_copy(hi, sizeof hi, lo);
	size_t n = strlen(hi);
	if (n)
		hi[n - 1] = (char)(hi[n - 1] + 1);
	char today[11];
	time_format_date(clock_now(), today, sizeof today);
	long day = date_today_days();
	json_t *items = json_array();
	long long overdue = 0, carded = 0, urged = 0;
	st = db_prepare(db, q_items);
	if (st) {
		sqlite3_bind_text(st, 2, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, today, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, URGE_NOTICE_MAX);
		const struct workcal *cal = calendar_of(db);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *cards = (const char *)sqlite3_column_text(st, 6);
			int late = sqlite3_column_int(st, 7);
			long deadline = date_parse_days(db_text(st, 3));
			int estimated = 0;
			long over = late ? workcal_count(cal, deadline, day, &estimated) : 0; /* working days past it */
			struct buf words;
			buf_init(&words);
			if (cards && strstr(cards, "yellow"))
				buf_puts(&words, "黄牌");
			if (cards && strstr(cards, "red"))
				buf_printf(&words, "%s红牌", words.len ? "、" : "");
			json_array_append_new(
				items, json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:I,s:b}", "id",
						 (json_int_t)sqlite3_column_int64(st, 0), "code", db_text(st, 1), "title",
						 db_text(st, 2), "deadline", db_text(st, 3), "urge_count",
						 (json_int_t)sqlite3_column_int64(st, 4), "status",
						 status_label((enum status)status_from_code(db_text(st, 5))), "cards",
						 words.data ? words.data : "", "days_over", (json_int_t)over, "late", late));
			buf_free(&words);
			overdue += late;
			carded += cards != NULL;
			urged += sqlite3_column_int64(st, 4) > 0;
		}
		db_done(st);
	}
	json_object_set_new(out, "items", items);
	json_object_set_new(out, "overdue", json_integer(overdue));
	json_object_set_new(out, "carded", json_integer(carded));
	json_object_set_new(out, "urged", json_integer(urged));
	json_object_set_new(out, "total", json_integer((json_int_t)json_array_size(items)));
	return out;
}
