/*
 * tally.c — checks the running tallies (006_tallies.sql) against the ledger itself.
 *
 * The dashboard, the reports and the to-do counts read the tallies, which triggers keep in
 * step with every change. tally_check proves they agree with a recount from scratch: first
 * row by row (the tallies_expected view), then answer by answer — every count, dashboard,
 * ranking and dispatch report computed both ways, for the district and for each street's
 * staff, must be identical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "reports.h"
#include "stats.h"
#include "tally.h"
#include "ticket.h"
#include "util.h"

#define MAX_SCOPES 64
#define MAX_DAYS 60
/* Past this many tickets each answer computed from scratch takes seconds: the rows are still
 * compared one by one, every count without a state filter and with each state alone, and the
 * district's dispatch reports of the first, middle and last weeks and of today. */
#define FULL_CHECK_TICKETS 200000

/* Prints up to 10 rows of one side's surplus; returns how many rows differ. */
static long long surplus(struct db *db, const char *sql, const char *label, FILE *out)
{
	sqlite3_stmt *st = NULL;
	long long n = 0;
	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(out, "%s: %s\n", label, sqlite3_errmsg(db_handle(db)));
		return 1;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n++ < 10)
			fprintf(out, "%s: %s campaign=%lld unit=%s responsible=%s status=%s color=%s supervised=%d flags=%d "
				     "dim=%lld day=%s n=%lld\n",
				label, db_text(st, 0), (long long)sqlite3_column_int64(st, 1), db_text(st, 2), db_text(st, 3),
				db_text(st, 4), db_text(st, 5), sqlite3_column_int(st, 6), sqlite3_column_int(st, 7),
				(long long)sqlite3_column_int64(st, 8), db_text(st, 9), (long long)sqlite3_column_int64(st, 10));
	}
	sqlite3_finalize(st);
	return n;
}

/* Writes into path where a and b first differ ("streets[2].overdue.now"); 0 if they are equal. */
static int first_difference(json_t *a, json_t *b, char *path, size_t len)
{
	if (json_equal(a, b))
		return 0;
	size_t used = strlen(path);
	if (json_is_object(a) && json_is_object(b)) {
		const char *key;
		json_t *v;
		json_object_foreach(a, key, v)
		{
			snprintf(path + used, len - used, "%s%s", used ? "." : "", key);
			if (first_difference(v, json_object_get(b, key), path, len))
				return 1;
		}
		snprintf(path + used, len - used, "%s(keys)", used ? "." : "");
		return 1;
	}
	if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
		for (size_t i = 0; i < json_array_size(a); i++) {
			snprintf(path + used, len - used, "[%zu]", i);
			if (first_difference(json_array_get(a, i), json_array_get(b, i), path, len))
				return 1;
		}
	}
	path[used] = 0;
	return 1;
}

static json_t *at_path(json_t *v, const char *path)
{
	char part[128];
	while (v && *path) {
		size_t n = strcspn(path, ".[");
		if (n) {
			snprintf(part, sizeof part, "%.*s", (int)n, path);
			v = json_object_get(v, part);
			path += n;
		} else if (*path == '[') {
			v = json_array_get(v, strtoul(path + 1, NULL, 10));
			path = strchr(path, ']') ? strchr(path, ']') + 1 : path + strlen(path);
		} else {
			path++;
		}
	}
	return v;
}

/* Compares the two answers; names the first difference. Takes both references. */
static int same(json_t *a, json_t *b, const char *what, const char *scope, FILE *out)
{
	char path[256] = "";
	int differ = first_difference(a, b, path, sizeof path);
	if (differ) {
		char *ja = json_dumps(at_path(a, path), JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
		char *jb = json_dumps(at_path(b, path), JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(out, "%s (%s) differs at %s: tallies %s, scan %s\n", what, scope, *path ? path : "(top)",
			ja ? ja : "none", jb ? jb : "none");
		free(ja);
		free(jb);
	}
	json_decref(a);
	json_decref(b);
	return !differ;
}

/* Counts under filters the tallies hold (and a few they do not), both ways; adds how many it
 * compared to *answers. */
static int check_counts(struct db *db, const struct subject *who, const char *scope, int full, int *answers,
			FILE *out)
{
	static const char *const statuses[] = { NULL, "open", "rectifying", "verifying", "closed" };
	static const char *const lights[] = { NULL, "red", "yellow", "green" };
	int bad = 0;
	for (size_t s = 0; s < ARRAY_LEN(statuses); s++)
		for (int variant = 0; variant < (full || s == 0 ? 18 : 1); variant++) {
			struct ticket_filter f;
			memset(&f, 0, sizeof f);
			f.who = who;
			f.supervised = -1;
			f.stale = -1;
			f.status = statuses[s];
			switch (variant) {
			case 1: f.returned = 1; break;
			case 2: f.extension_pending = 1; break;
			case 3: f.callbacks_due = 1; break;
			case 4: f.supervised = 1; f.unclosed = 1; break;
			case 5: f.stale = 1; break;
			case 6: f.color = "red"; break;
			case 7: f.domain = "water"; f.light = "red"; break;
			case 8: f.source = "hotline12345"; break;
			case 9: f.campaign = "SW2023"; f.light = lights[1 + s % 3]; break;
			case 10: f.domain = "rural_water"; break;
			case 11: f.supervised = 0; f.unclosed = 1; break;
			case 12: f.category = "complaint"; break;
			case 13: f.category = "suggestion"; f.light = lights[1 + s % 3]; break;
			case 14: f.sign = "late"; break;
			case 15: f.sign = "signed_late"; break;
			case 16: f.suspended = 1; break;
			case 17: f.suspend_pending = 1; break;
			default: break;
			}
			long long a = ticket_count_by(db, &f, 1), b = ticket_count_by(db, &f, 0);
			++*answers;
			if (a != b) {
				fprintf(out, "count (%s, status %s, variant %d): tallies %lld, scan %lld\n", scope,
					statuses[s] ? statuses[s] : "any", variant, a, b);
				bad++;
			}
		}
	return bad;
}

int tally_check(struct db *db, FILE *out)
{
	/* The recount reads every ticket: once, into a table both comparisons read. */
	static const char q_expected[] = "CREATE TEMP TABLE expected AS SELECT * FROM tallies_expected";
	static const char q_more[] = "SELECT * FROM tallies EXCEPT SELECT * FROM temp.expected";
	static const char q_less[] = "SELECT * FROM temp.expected EXCEPT SELECT * FROM tallies";
	static const char q_drop[] = "DROP TABLE temp.expected";
	static const char q_scopes[] = "SELECT code, path FROM units WHERE kind IN ('street', 'department') ORDER BY id";
	static const char q_days[] = "SELECT min(substr(created_at, 1, 10)), max(substr(created_at, 1, 10)), count(*) FROM tickets";
	struct err e = { 0 };
	if (db_exec(db, q_expected, &e) != 0) {
		fprintf(out, "recounting the tallies: %s\n", e.message);
		return 1;
	}
	long long rows = surplus(db, q_more, "in tallies, not in the ledger", out) +
			 surplus(db, q_less, "in the ledger, not in tallies", out);
	db_exec(db, q_drop, &e);
	int bad = rows > 0;

	/* The district (a reviewer: no scope) and each street's staff. */
	char codes[MAX_SCOPES][33], paths[MAX_SCOPES][256];
	int n = 1;
	snprintf(codes[0], sizeof codes[0], "district");
	paths[0][0] = 0;
	sqlite3_stmt *st = db_prepare(db, q_scopes);
	while (st && sqlite3_step(st) == SQLITE_ROW && n < MAX_SCOPES) {
		snprintf(codes[n], sizeof codes[n], "%s", db_text(st, 0));
		snprintf(paths[n], sizeof paths[n], "%s", db_text(st, 1));
		n++;
	}
	db_done(st);
	long days[MAX_DAYS];
	int ndays = 0, full = 1;
	st = db_prepare(db, q_days);
	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		long first = date_parse_days(db_text(st, 0)), last = date_parse_days(db_text(st, 1));
		full = sqlite3_column_int64(st, 2) <= FULL_CHECK_TICKETS;
		if (full) {
			for (long d = first; d <= last + 7 && ndays < MAX_DAYS - 1; d += 7)
				days[ndays++] = d;
		} else {
			days[ndays++] = first;
			days[ndays++] = first + (last - first) / 2;
			days[ndays++] = last;
		}
	}
	db_done(st);
	days[ndays++] = date_today_days();

	int answers = 0;
	for (int i = 0; i < n; i++) {
		struct subject who = { i ? ROLE_STAFF : ROLE_REVIEWER, paths[i] };
		struct ticket_filter f;
		memset(&f, 0, sizeof f);
		f.who = &who;
		f.supervised = -1;
		f.stale = -1;
		bad += check_counts(db, &who, codes[i], full, &answers, out);
		bad += !same(stats_compute_by(db, &f, 1), stats_compute_by(db, &f, 0), "dashboard", codes[i], out);
		f.campaign = "SW2023";
		bad += !same(stats_compute_by(db, &f, 1), stats_compute_by(db, &f, 0), "dashboard SW2023", codes[i], out);
		bad += !same(ranking_compute_by(db, &f, 1), ranking_compute_by(db, &f, 0), "ranking", codes[i], out);
		answers += 3;
		/* Dispatch reports: every week the ledger has tickets in, and this week, by week and
		 * month (past FULL_CHECK_TICKETS the district's, whose rows hold every street's). */
		for (int d = 0; d < ndays && (full || i == 0); d++)
			for (int k = 0; k < 2; k++) {
				static const char *const kinds[] = { "week", "month" };
				char label[64];
				snprintf(label, sizeof label, "%s of day %ld", kinds[k], days[d]);
				bad += !same(dispatch_compute_by(db, &who, kinds[k], days[d], 1),
					     dispatch_compute_by(db, &who, kinds[k], days[d], 0), label, codes[i], out);
				answers++;
			}
	}
	if (!bad)
		fprintf(out, "tallies agree with the ledger: %lld rows of difference, %d answers compared\n", rows, answers);
	return bad ? 1 : 0;
}
