/*
 * workflow.h — the ticket workflow as data, and the rules that are pure functions of a
 * ticket and a date: the deadline light, the callback colour, staleness, and which
 * deadlines make a ticket a complex case. Nothing here touches HTTP or SQL.
 *
 *          accept             submit               verify
 *   open ──────────▶ rectifying ──────────▶ verifying ──────────▶ closed
 *                               ◀──────────            ◀──────────
 *                                return               reopen / unsatisfied callback
 */
#ifndef LEDGER_WORKFLOW_H
#define LEDGER_WORKFLOW_H

#include "authz.h"

enum status { ST_OPEN, ST_RECTIFYING, ST_VERIFYING, ST_CLOSED, ST__COUNT };

#define ST_BIT(s) (1u << (s))
#define ST_UNCHANGED (-1)
#define ST_BY_RESULT (-2) /* callback: closed stays closed unless the citizen is unsatisfied */

struct transition {
	const char *name;  /* the API's action name */
	const char *label; /* the button's Chinese label */
	enum action act;   /* who may (authz) */
	unsigned from;     /* states it applies in */
	int to;            /* next state, ST_UNCHANGED or ST_BY_RESULT */
	const char *fields[2]; /* body fields that must be non-empty */
	int needs_pending_extension;
};

extern const struct transition workflow[];
extern const int workflow_count;

const struct transition *workflow_find(const char *name);
/* 1 if t may happen in state s (and, for extension decisions, a request is pending). */
int workflow_applies(const struct transition *t, enum status s, int extension_pending);

/*
 * 1 if a ticket's facts (title, description, measures, evidence...) are frozen in state s:
 * after verify, staff can no longer rewrite what was verified; a reviewer's correction is an
 * edit that names its reason.
 */
int workflow_facts_frozen(enum status s);

const char *status_code(enum status s);
const char *status_label(enum status s);
/* -1 if unknown */
int status_from_code(const char *code);

/* urgent 0, complex 1, normal 2 (lists sort urgent first); -1 if unknown */
int urgency_rank(const char *urgency);
const char *urgency_label(const char *urgency);

#define DUE_SOON_DAYS 3
#define STALE_DAYS 7

/*
 * The deadline light of an unclosed ticket on day `today` (day numbers, see util.h): "red"
 * past the deadline, "yellow" within warn_days of it, "green" otherwise; NULL when closed.
 */
const char *deadline_light(long deadline, long today, int closed, int warn_days);

/*
 * The callback colour (seed 002): red after two or more unsatisfied callbacks, yellow after
 * one, green when the first callback was satisfied; NULL before any callback.
 */
const char *callback_color(int unsatisfied_count, int callback_count);

/* No progress note for more than STALE_DAYS days on an unclosed ticket. */
int is_stale(long last_progress, long today, int closed);

/* A deadline beyond the end of the rectification phase makes a complex case (seed 000). */
int deadline_needs_commitment(long deadline, long rectify_end);

#endif
