/*
 * reports.c — the district's reports: the ranking by unsatisfied stock (seed 004).
 *
 * 不满意工单存量 (unsatisfied stock) = unclosed tickets the citizen was unsatisfied with at least
 * once, plus red tickets even when closed. Streets and communities are ranked from the
 * smallest stock to the largest; the last five are marked, as the district's notices do.
 */
#include <string.h>

#include "handlers.h"
#include "ticket.h"

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

json_t *ranking_compute(struct db *db, const struct ticket_filter *f)
{
	static const char sel_street[] =
		"g.code, g.name, '', coalesce(sum((t.status <> 'closed' AND t.unsatisfied_count >= 1) OR "
		"(t.status = 'closed' AND t.color = 'red')), 0), coalesce(sum(t.color = 'red'), 0), count(*)";
	static const char join_street[] = "JOIN units g ON g.id = t.unit_id";
	static const char join_place[] = "JOIN units g ON g.id = t.location_unit_id JOIN units p ON p.id = g.parent_id";
	static const char sel_place[] =
		"g.code, g.name, p.name, coalesce(sum((t.status <> 'closed' AND t.unsatisfied_count >= 1) OR "
		"(t.status = 'closed' AND t.color = 'red')), 0), coalesce(sum(t.color = 'red'), 0), count(*)";
	static const char tail[] = "GROUP BY g.id ORDER BY 4, 5, g.code";
	json_t *streets = json_array(), *places = json_array();
	ticket_aggregate(db, f, sel_street, join_street, tail, row_rank, streets);
	ticket_aggregate(db, f, sel_place, join_place, tail, row_rank, places);
	finish_ranking(streets);
	finish_ranking(places);
	return json_pack("{s:o,s:o}", "streets", streets, "communities", places);
}

/* GET /reports/ranking?campaign= */
void page_ranking(struct req *r)
{
	if (!http_authorize(r, ACT_REPORTS, NULL))
		return;
	struct subject who = http_subject(r);
	struct ticket_filter f;
	memset(&f, 0, sizeof f);
	f.who = &who;
	f.supervised = -1;
	f.stale = -1;
	f.campaign = http_query(r, "campaign");
	json_t *ctx = ranking_compute(db_reader(), &f);
	http_page(r, 200, "ranking", ctx);
}
