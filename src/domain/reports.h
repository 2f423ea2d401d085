/*
 * reports.h — the district's reports as data: the ranking by unsatisfied stock (seed 004)
 * and the weekly or monthly dispatch report, from the tallies or by scanning.
 */
#ifndef LEDGER_REPORTS_H
#define LEDGER_REPORTS_H

#include <jansson.h>

#include "authz.h"
#include "db.h"

struct ticket_filter;

json_t *ranking_compute(struct db *db, const struct ticket_filter *f);
json_t *ranking_compute_by(struct db *db, const struct ticket_filter *f, int use_tallies);
/* kind "week" or "month", for the period holding day (a day number). */
json_t *dispatch_compute(struct db *db, const struct subject *who, const char *kind, long day);
json_t *dispatch_compute_by(struct db *db, const struct subject *who, const char *kind, long day, int use_tallies);

/*
 * The 催办通知书 of a unit (SPEC section 9): its unclosed tickets (as responsible unit, its
 * subtree included) that are overdue, carded or urged, most overdue first, at most
 * URGE_NOTICE_MAX: {unit:{code,name}, items:[{id, code, title, deadline, days_over, cards,
 * urge_count, status}], overdue, carded, urged, total}; NULL for an unknown unit.
 */
#define URGE_NOTICE_MAX 500
json_t *urge_notice_compute(struct db *db, const char *unit_code);

#endif
