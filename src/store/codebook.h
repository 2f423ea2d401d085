/*
 * codebook.h — the catalog's codes and names by id (units, sources, categories, domains,
 * campaigns, time limits), kept with each connection, so that reading a ticket needs no join per name.
 *
 * What is kept is valid for one value of catalog_version (009_catalog_version: every change
 * to those tables counts it up, in the same transaction). A connection whose read snapshot
 * is unchanged since the last look (the pager's data version) uses it without a query.
 */
#ifndef LEDGER_CODEBOOK_H
#define LEDGER_CODEBOOK_H

#include <stddef.h>

#include "db.h"

/* CB_TIME_LIMITS holds every time limit, retired ones too, as code = its handling unit ("wd")
 * and name = its number ("5"): what a ticket's rule is called (timelimit.h). */
enum codebook_table { CB_UNITS, CB_SOURCES, CB_CATEGORIES, CB_DOMAINS, CB_CAMPAIGNS, CB_TIME_LIMITS, CB_TABLES };

struct codebook_entry {
	long long id;
	const char *code, *name;
	size_t code_len, name_len;
};

struct codebook;

/*
 * The codebook as the connection's current transaction sees it, or NULL if the catalog cannot
 * be read. Call while a statement of that transaction has stepped (its snapshot has begun).
 * The pointer is good until the next codebook_get on this connection. One built inside a
 * write transaction, which may yet be rolled back, is not kept past that next call.
 */
const struct codebook *codebook_get(struct db *db);

/* catalog_version as the connection's transaction sees it (read each time), or -1. */
long long codebook_catalog_version(struct db *db);

/* The entry of table t with this id, or NULL (no such row, or cb NULL). */
const struct codebook_entry *codebook_find(const struct codebook *cb, enum codebook_table t, long long id);

/* The working-day calendar of the same state (workdays.h), or NULL (cb NULL, or the
 * calendar's tables unreadable). */
struct workcal;
const struct workcal *codebook_calendar(const struct codebook *cb);

#endif
