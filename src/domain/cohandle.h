/*
 * cohandle.h — co-handling units (协办, SPEC section 9): the units that share a ticket's work
 * with its responsible (lead) unit. A reviewer names them at creation, in an edit or at a
 * reassignment; each co-unit's staff sign for their part (co-accept) and report it done
 * (co-done); the lead's 申请销号 waits until every co-unit is done.
 */
#ifndef LEDGER_COHANDLE_H
#define LEDGER_COHANDLE_H

#include <jansson.h>

#include "db.h"

#define CO_UNITS_MAX 10

struct co_list {
	int n;
	long long id[CO_UNITS_MAX];
	char path[CO_UNITS_MAX][256];
};

/*
 * Reads the co-units a request names: a JSON array of unit codes (or names), or one text of
 * them separated by commas, 、 or spaces (a form, an import cell; a name may carry the state
 * the export writes after it, 兴城街道（已签收）). Each must be a street,
 * department, community or village, named once, and not the responsible unit (responsible_id,
 * 0 when not known yet). Errors go to errors[field]; returns 0 when all were good.
 */
int co_units_parse(struct db *db, json_t *v, long long responsible_id, struct co_list *out, json_t *errors,
		   const char *field);

/* On the writer: the ticket's co-units become l; a unit kept keeps its state, a new one is
 * pending. */
int co_units_set(struct db *w, long long ticket_id, const struct co_list *l, const char *at, struct err *e);

/* On the writer: the responsible unit leaves the co-units (a reassignment or an edit made a
 * co-unit the lead). */
int co_units_drop_lead(struct db *w, long long ticket_id);

/*
 * On the writer: the co-unit of user_id's subtree on ticket_id moves on: accepted (done = 0)
 * or done with note. Sets *unit_id to it. 409 with a Chinese message when the user's unit has
 * no part in that state.
 */
int co_units_step(struct db *w, long long ticket_id, long long user_id, int done, const char *note, const char *at,
		  long long *unit_id, struct err *e);

/* The ticket JSON's co_units as a person reads them, 兴城街道（已签收）、区城乡水务局（待签收），
 * as the page and the export show them (and the import reads back). */
struct buf;
void co_units_words(json_t *list, struct buf *out);

/* 1 if ticket_id's co-units are exactly l's. */
int co_units_same(struct db *db, long long ticket_id, const struct co_list *l);

/* On the writer: how many co-units of ticket_id are not done yet. */
int co_units_pending(struct db *w, long long ticket_id);

/* The unit of user_id's subtree that co-handles ticket_id, when the user acts as a co-unit:
 * 0 if none, or if the user's unit also owns the ticket or is responsible for it. */
long long co_unit_of(struct db *w, long long ticket_id, long long user_id);

#endif
