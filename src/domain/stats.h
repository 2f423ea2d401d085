/*
 * stats.h — the dashboard's figures (SPEC section 6) for a filter and a scope, from the
 * running tallies or, for filters they do not hold, by scanning.
 */
#ifndef LEDGER_STATS_H
#define LEDGER_STATS_H

#include <jansson.h>

#include "db.h"

struct ticket_filter;

/* The figures as GET /api/v1/stats answers them (a new object). */
json_t *stats_compute(struct db *db, const struct ticket_filter *f);
/* The same from the tallies (use_tallies) or by scanning; ledger tally-check compares both. */
json_t *stats_compute_by(struct db *db, const struct ticket_filter *f, int use_tallies);

#endif
