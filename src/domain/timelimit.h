/*
 * timelimit.h — time limits (办理时限, SPEC section 8): which rule applies to a ticket, and the
 * times it sets, as pure functions over the rules and the working-day calendar; the rules'
 * storage and the admin's changes.
 */
#ifndef LEDGER_TIMELIMIT_H
#define LEDGER_TIMELIMIT_H

#include <jansson.h>
#include <time.h>

#include "audit.h"
#include "db.h"
#include "workdays.h"

enum tl_unit { TL_WD, TL_CD, TL_H, TL_PHASE_END };

struct time_limit {
	long long id;
	long long source_id, category_id; /* 0: any */
	char urgency[8];                  /* "urgent", "normal"; "": any */
	int sign_n, handle_n;
	enum tl_unit sign_unit, handle_unit;
};

/* The unit's code ("wd", "cd", "h", "phase_end") and back (-1 if unknown). */
const char *tl_unit_code(enum tl_unit u);
int tl_unit_from_code(const char *code);

/* "5个工作日", "2小时", "3个自然日", "集中整改阶段结束前" into out. */
void time_limit_text(int n, enum tl_unit u, char *out, size_t len);

/*
 * The rule for a ticket of this source, category and urgency: among the rules that match (each
 * named field equal, the others any), the one naming most fields, a tie going to the newest
 * (the highest id). Returns its index, or -1 when none matches.
 */
int time_limit_match(const struct time_limit *rules, size_t n, long long source_id, long long category_id,
		     const char *urgency);

/*
 * When n units from `from` end (SPEC section 8): n working or calendar days end at the end of
 * the n-th such day after the day of `from` (that day not counted); n hours end n hours after
 * it; phase_end is the end of day phase_end_day (a day number; -1 when there is no phase, and
 * then the result is -1). Sets *estimated when the count runs through a year not loaded.
 */
time_t time_limit_due(const struct workcal *c, time_t from, int n, enum tl_unit u, long phase_end_day,
		      int *estimated);

/* The rules in force, oldest first (malloc'd; *n set). NULL with *n = 0 when none or on error. */
struct time_limit *time_limits_in_force(struct db *db, size_t *n);

/* The rules in force as the API gives them: [{id, source, category, urgency, sign:{n,unit},
 * handle:{n,unit}, text}] (codes; null = any). */
json_t *time_limits_json(struct db *db);

/*
 * On the writer: adds a rule from the API's or the form's fields (source, category, urgency:
 * codes or empty for any; sign_n, sign_unit, handle_n, handle_unit). Field errors in Chinese go
 * to errors (then nothing is written and -1 returned with e->status 422). Returns the new id.
 */
struct time_limit_input {
	json_t *in;
	struct actor who;
	json_t *errors;
	long long id; /* out */
};
int time_limit_add_job(struct db *w, void *arg, struct err *e);
/* On the writer: retires rule id (arg: struct time_limit_input with id set); 404 if not in force. */
int time_limit_retire_job(struct db *w, void *arg, struct err *e);

#endif
