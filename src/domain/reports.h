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

#endif
