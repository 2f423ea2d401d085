/*
 * assess.h — the monthly assessment (考评, SPEC section 11): the indicators as rows, the
 * district's and the campaigns' schemes, a month's scores from the running tallies
 * (031_assessment.sql), 红榜 and 黑榜, and publishing a month as it stood.
 *
 * The cohort of a month is the tickets dispatched in it, each counted for the unit responsible
 * for it (a street counts its communities' tickets too); 回退率 counts the month's dispatches
 * by the unit dispatched to. Streets rank among streets, communities and villages among
 * themselves; score.h has the arithmetic.
 */
#ifndef LEDGER_ASSESS_H
#define LEDGER_ASSESS_H

#include <jansson.h>

#include "audit.h"
#include "authz.h"
#include "db.h"
#include "score.h"

enum indicator_code {
	IND_SIGN_ON_TIME,
	IND_ON_TIME,
	IND_CLOSED,
	IND_RESOLVED,
	IND_SATISFIED,
	IND_CALLBACK_COVERAGE,
	IND_RETURN_RATE,
	IND_REDO_RATE,
	IND__COUNT
};

/*
 * An indicator: its code and name, its numerator and denominator in words, whether lower is
 * better, and the tickets behind each part as a condition on the ticket list's row t (NULL:
 * the part is not a set of the month's tickets, so the figure is not a link). "@today" and
 * "@now" in a condition stand for today's date and this moment.
 */
struct indicator {
	const char *code, *name, *num_words, *den_words;
	int lower_is_better;
	const char *num_sql, *den_sql;
};
extern const struct indicator indicators[IND__COUNT];
const struct indicator *indicator_find(const char *code);

/* A scheme: which indicators count, and their rules. */
struct assess_scheme {
	long long campaign_id; /* whose rows these are: 0 the district's default */
	int used[IND__COUNT];
	struct score_rule rule[IND__COUNT];
};

/* The scheme for a campaign (its own rows, else the district's); 0 when there is none at all. */
int assess_scheme_load(struct db *db, long long campaign_id, struct assess_scheme *s);
/* {campaign, indicators:[{code, name, weight, floor, target, lower_is_better}]} */
json_t *assess_scheme_json(struct db *db, const struct assess_scheme *s);

/* Replacing a scheme (admin): the rows given, checked as score_scheme_check does. */
struct assess_scheme_save {
	struct assess_scheme s;
	struct actor who;
};
int assess_scheme_save_job(struct db *w, void *arg, struct err *e);

/*
 * A month's assessment ("YYYY-MM"; campaign_id -1: every campaign, under the district's
 * scheme) as GET /api/v1/assessment gives it: {month, campaign, published, published_at,
 * scheme, units:[{unit, name, kind, parent, score, rank, list, change, rates:{code:{num, den,
 * rate, points}}}]}. A published month is read back as stored. who limits the units shown to
 * its scope (NULL: all); the ranks are the district's. NULL with e set on a bad month.
 */
json_t *assess_compute(struct db *db, const char *month, long long campaign_id, const struct subject *who,
		       struct err *e);

/* Publishing a month (reviewer): its figures stored as they stand, an event of the chain. */
struct assess_publish {
	const char *month;
	long long campaign_id;
	struct actor who;
};
int assess_publish_job(struct db *w, void *arg, struct err *e);

/* The month before a valid "YYYY-MM" (or a date: its month's), as "YYYY-MM". */
void assess_previous_month(const char *month, char out[8]);

/* "YYYY-MM" of valid months only. */
int assess_month_ok(const char *month);

#endif
