/*
 * stats_api.c — GET /api/v1/stats: the dashboard's figures (domain/stats.c) as JSON, over the
 * filters of the request and the requester's scope.
 */
#include <string.h>

#include "handlers.h"
#include "stats.h"
#include "ticket.h"

/* The filters of the dashboard and the stats API: campaign, unit, from, to (and the scope). */
static int stats_filter(struct req *r, struct ticket_filter *f, const struct subject *who)
{
	memset(f, 0, sizeof *f);
	f->who = who;
	f->supervised = -1;
	f->stale = -1;
	f->campaign = http_query(r, "campaign");
	f->unit = http_query(r, "unit");
	f->from = http_query(r, "from");
	f->to = http_query(r, "to");
	return ticket_filter_bad_date(f) == NULL;
}

/* GET /api/v1/stats?campaign=&unit=&from=&to= */
void api_stats(struct req *r)
{
	if (!http_authorize(r, ACT_DASHBOARD, NULL))
		return;
	struct subject who = http_subject(r);
	struct ticket_filter f;
	if (!stats_filter(r, &f, &who)) {
		http_error_with(r, 422, "validation", "日期无效", json_pack("{s:s}", "from", "日期须为 YYYY-MM-DD"), NULL);
		return;
	}
	json_t *s = stats_compute(db_reader(), &f);
	/* Chart geometry is for the page; the API gives the figures. */
	size_t i;
	json_t *g;
	const char *groups[] = { "by_street", "by_domain", "by_source" };
	for (int k = 0; k < 3; k++)
		json_array_foreach(json_object_get(s, groups[k]), i, g)
		{
			json_object_del(g, "bar");
			json_object_del(g, "bar_closed");
		}
	json_array_foreach(json_object_get(s, "trend"), i, g)
	{
		const char *drop[] = { "x", "x2", "h_new", "y_new", "h_closed", "y_closed", "label" };
		for (int k = 0; k < 7; k++)
			json_object_del(g, drop[k]);
	}
	http_json(r, 200, s);
}
