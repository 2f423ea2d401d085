/*
 * workflow.h — the ticket workflow as data, and the rules that are pure functions of a
 * ticket and a date: the deadline light, the callback colour, staleness, and which
 * deadlines make a ticket a complex case. Nothing here touches HTTP or SQL.
 *
 *          accept             submit               verify
 *   open ──────────▶ rectifying ──────────▶ verifying ──────────▶ closed
 *                               ◀──────────            ◀──────────
 *                                return               reopen / unsatisfied callback
 *
 *   open ──return-request──▶ return_requested ──reassign (another unit) / return-reject──▶ open
 *   open, rectifying ──reassign──▶ open (dispatched anew)
 */
#ifndef LEDGER_WORKFLOW_H
#define LEDGER_WORKFLOW_H

#include "workdays.h"

#include "authz.h"

enum status { ST_OPEN, ST_RECTIFYING, ST_VERIFYING, ST_CLOSED, ST_RETURN_REQUESTED, ST_MERGED, ST__COUNT };

#define ST_BIT(s) (1u << (s))
#define ST_UNCHANGED (-1)
#define ST_BY_RESULT (-2) /* callback: closed stays closed unless the citizen is unsatisfied */

/*
 * What an action does besides moving the state: each is a column (a bit) of its row, applied
 * by ticket_action_job in one pass, so that a new action is a new row. The counters, flags and
 * colour follow from these by workflow_outcome (pure); the rest touch the ticket's children.
 */
enum effect {
	EFF_NOTE = 1u << 0,            /* fields[0] becomes a dated note of the row's note_kind */
	EFF_PROGRESS_TODAY = 1u << 1,  /* counts as progress today (staleness) */
	EFF_RETURNED = 1u << 2,        /* return_count + 1 */
	EFF_RELAPSED = 1u << 3,        /* marked 反弹 */
	EFF_SUPERVISED = 1u << 4,      /* on the supervision list */
	EFF_CALLBACK = 1u << 5,        /* a callback (fields: result, method; note): its result decides the state */
	EFF_EXTENSION_ASK = 1u << 6,   /* fields (deadline, reason) become the pending extension request */
	EFF_EXTENSION_GRANT = 1u << 7, /* the pending request's deadline becomes the deadline */
	EFF_EXTENSION_CLOSE = 1u << 8, /* the pending request is decided (granted or refused) */
	EFF_NEEDS_EVIDENCE = 1u << 9,  /* refused while the ticket has no attachment */
	EFF_SIGN = 1u << 10,           /* signs for the ticket: signed_at, and signed_late past sign_by */
	EFF_NEEDS_COMMITMENT = 1u << 11, /* refused while a computed deadline's commitment is due (待补整改承诺) */
	EFF_SUSPEND_ASK = 1u << 12,    /* fields[0] (reason) becomes the pending pause request */
	EFF_SUSPEND_GRANT = 1u << 13,  /* the pending request is granted: paused from today */
	EFF_SUSPEND_CLOSE = 1u << 14,  /* the pending request is decided (granted or refused) */
	EFF_RESUME = 1u << 15,         /* the clock runs again: the deadline moves by the working days paused */
	EFF_RETURN_ASK = 1u << 16,     /* within the window after the dispatch: the dispatch is asked back (fields: code, reason) */
	EFF_DISPATCH = 1u << 17,       /* dispatched anew: a new dispatch, a new time to sign, signing cleared */
	EFF_NEW_UNIT = 1u << 18,       /* to the unit the body names (responsible_unit), deadline computed anew */
	EFF_RETURN_GRANT = 1u << 19,   /* a return asked for is granted */
	EFF_RETURN_REFUSE = 1u << 20,  /* a return asked for is refused */
	EFF_URGE = 1u << 21,           /* urge_count + 1 */
	EFF_CO_ACCEPT = 1u << 22,      /* the actor's co-unit signs for its part (协办签收) */
	EFF_CO_DONE = 1u << 23,        /* the actor's co-unit's part is done, with the note */
	EFF_NEEDS_CO_DONE = 1u << 24,  /* refused (409 co_units_pending) while a co-unit is not done */
	EFF_CO_SET = 1u << 25,         /* the body's co_units, when given, become the co-units */
	EFF_MERGE = 1u << 26,          /* merged into the ticket fields[0] names (合并): out of every total */
};

/* How a field of an action's body is checked, beyond being given and not too long. */
enum field_check {
	CHECK_TEXT,            /* any text */
	CHECK_CALLBACK_RESULT, /* satisfied, basically_satisfied, unsatisfied */
	CHECK_CALLBACK_METHOD, /* phone, visit, sms, other */
	CHECK_LATER_DATE,      /* a date after the ticket's current deadline */
	CHECK_RETURN_REASON,   /* not_our_area, unclear_ownership, overlapping_duties, other */
	CHECK_UNIT,            /* the code of a street, department, community or village */
	CHECK_TICKET,          /* the code of another ticket, not merged itself */
};

/* Whether an action needs a pending extension request, refuses one, or does not care. */
enum pending_rule { PENDING_ANY, PENDING_NEEDED, PENDING_REFUSED };

/*
 * An action and the pause (挂起, SPEC section 8): refused while paused (PAUSE_NOT: most);
 * allowed paused or not (progress, supervise); only when neither paused nor asked (the
 * request); only with a request pending (its decisions); only while paused (resume).
 */
enum pause_rule { PAUSE_NOT, PAUSE_ANY, PAUSE_ASK, PAUSE_PENDING, PAUSE_ON };
/* A ticket's pause: none, a request pending, paused. */
enum pause_state { PAUSE_NONE, PAUSE_REQUESTED, PAUSE_PAUSED };

struct transition {
	const char *name;  /* the API's action name */
	const char *label; /* the button's Chinese label */
	enum action act;   /* who may (authz) */
	unsigned from;     /* states it applies in */
	int to;            /* next state, ST_UNCHANGED or ST_BY_RESULT */
	const char *fields[2]; /* body fields that must be non-empty */
	enum field_check checks[2]; /* how each of them is checked */
	enum pending_rule pending;
	unsigned effects;      /* enum effect */
	const char *note_kind; /* EFF_NOTE: progress, statement or verification */
	enum pause_rule pause;
	/* The notification the action makes (SPEC section 10), NULL for none; a callback's only
	 * when it sends the ticket back. */
	const char *notify;
};

/* A ticket's counters and marks, before and after an action (workflow_outcome). */
struct ticket_marks {
	int status;        /* enum status */
	int unsatisfied;   /* unsatisfied callbacks */
	int callbacks;
	int returned;      /* added to return_count */
	int relapsed, supervised; /* set by the action (never unset) */
	const char *color; /* callback colour, NULL before any callback */
};

/*
 * What action t does to a ticket in state m->status with m's counters; result is a
 * callback's answer (NULL for other actions). Pure: the rules of section 4 in one place —
 * an unsatisfied callback reopens and counts, a red ticket is supervised by itself.
 */
struct ticket_marks workflow_outcome(const struct transition *t, const struct ticket_marks *m, const char *result);

/* 1 if v is one of check's values (the checks with a value set; any text for the others). */
int workflow_value_ok(enum field_check check, const char *v);
/* The value set a field check chooses from (a form's choices), NULL for free input. */
const struct value_set *workflow_check_values(enum field_check check);

extern const struct transition workflow[];
extern const int workflow_count;

const struct transition *workflow_find(const char *name);
/* 1 if t may happen in state s (and, for extension decisions, a request is pending; and as the
 * pause allows). */
int workflow_applies(const struct transition *t, enum status s, int extension_pending, enum pause_state pause);

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

/* urgent 0, normal 2 (lists sort urgent first; 1 was the old urgency "complex"); -1 if unknown */
int urgency_rank(const char *urgency);
const char *urgency_label(const char *urgency);

/* Lights and staleness count working days (SPEC section 8): yellow with 0 to DUE_SOON_WORKDAYS
 * left, stale after more than STALE_WORKDAYS without a progress note. */
#define DUE_SOON_WORKDAYS 3
#define STALE_WORKDAYS 5
/* A reopened ticket's deadline until a reviewer sets one: a week from the reopening (the
 * weekly dispatch's rhythm). The time-limit rules of SPEC section 8 are to take its place. */
#define REOPEN_PROVISIONAL_DAYS 7
/* Whether a move from one state to another reopens a closed ticket (it is work to redo). */
int workflow_reopens(int from, int to);

/*
 * What a day means for the lights, counted once on the working-day calendar (workdays.h):
 * today, the last deadline that is due soon (0 to DUE_SOON_WORKDAYS working days left) and the
 * first day of a last progress note that is not stale; estimated when either rests on a year
 * whose holiday notice is not loaded.
 */
struct day_marks {
	long today, due_soon_until, stale_before;
	int estimated;
};
void day_marks_of(const struct workcal *c, long today, struct day_marks *m);

/*
 * The deadline light of an unclosed ticket (day numbers, see util.h): "red" past the deadline,
 * "yellow" when it is due soon, "green" otherwise; "paused" while its clock is paused; NULL
 * when closed.
 */
const char *deadline_light(long deadline, const struct day_marks *m, int closed, int paused);
/* The deadline after a pause from day `from` (its approval) to day `to` (the resumption): later
 * by the working days from `from` up to, not including, `to`. */
long deadline_after_pause(const struct workcal *c, long deadline, long from, long to);

/*
 * The callback colour (seed 002): red after two or more unsatisfied callbacks, yellow after
 * one, green when the first callback was satisfied; NULL before any callback.
 */
const char *callback_color(int unsatisfied_count, int callback_count);

/* No progress note for more than STALE_WORKDAYS working days on a ticket the street is
 * working on: resting is 1 when it is closed or waiting for the supervisor's verification
 * (nothing for the street to report then). */
int is_stale(long last_progress, const struct day_marks *m, int resting);
/* The action's refusal, in Chinese, when the pause does not allow it (NULL when it does). */
const char *workflow_pause_refusal(const struct transition *t, enum pause_state pause);

/*
 * 退单 (SPEC section 9): the unit may send a dispatch back within RETURN_WINDOW_WORKDAYS
 * working days of it: up to the end of the day that many working days after the day of the
 * dispatch. return_window_end gives that last day.
 */
#define RETURN_WINDOW_WORKDAYS 2
long return_window_end(const struct workcal *c, long dispatched_day, int *estimated);

/*
 * Cards (SPEC section 9): which card a deadline earns today on an unclosed, unpaused ticket:
 * "red" from the first working day after the deadline, "yellow" from the working day before it
 * (one working day left) up to the deadline itself, NULL otherwise.
 */
const char *card_due(const struct workcal *c, long deadline, long today);
/* The deadlines that earn a card today lie in [lo, hi]: red in [today - CARD_LOOKBACK_DAYS,
 * red_hi], yellow in [today, yellow_hi]. A deadline further back than the look-back (a backlog
 * logged long overdue) earns none: the overdue lists already show it. */
#define CARD_LOOKBACK_DAYS 31
void card_ranges(const struct workcal *c, long today, long *red_lo, long *red_hi, long *yellow_hi);

/* A deadline beyond the end of the rectification phase makes a complex case (seed 000). */
int deadline_needs_commitment(long deadline, long rectify_end);

#endif
