/*
 * ticket.h — tickets: validation of input (one field table for pages and API), creation
 * with its readable code, the workflow actions, optimistic edits, reading as JSON, and the
 * ledger list with its filters. Writes are writer jobs that append their event.
 */
#ifndef LEDGER_TICKET_H
#define LEDGER_TICKET_H

#include <jansson.h>

#include "audit.h"
#include "authz.h"
#include "cohandle.h"
#include "db.h"
#include "tmpl.h"
#include "workflow.h"

/* What authorization and the workflow need to know of a ticket. */
struct ticket_ref {
	long long id;
	enum status status;
	int version;
	int extension_pending;
	int pause; /* enum pause_state */
	char unit_path[256];
	char responsible_path[256];
	char co_paths[1024]; /* the co-units' paths, space-separated */
	int child_lists; /* TICKET_LIST_* that have had a row (012_child_lists.sql); -1: all */
};

/* In a statement over "tickets t": the co-units' paths, as ticket_scope.co_paths takes them. */
/* (co-units are looked for only where child_lists says there may be some: 032_row_lists.sql) */
#define TICKET_CO_PATHS                                                                                        \
	"CASE WHEN t.child_lists & 16 THEN (SELECT group_concat(unit_path, ' ') FROM co_units WHERE ticket_id = t.id) END"

/* 1 if found. */
int ticket_ref_load(struct db *db, long long id, struct ticket_ref *t);
/* The ticket's code into out: 1 if found. */
int ticket_code_of(struct db *db, long long id, char *out, size_t n);
struct ticket_scope ticket_ref_scope(const struct ticket_ref *t);

/*
 * Reading: the ticket as the API shows it. With a viewer, its children too (progress,
 * attachments, callbacks, events, and the linked tickets that viewer may see); NULL: none.
 */
enum { TICKET_MASKED = 0, TICKET_UNMASKED = 1 };
json_t *ticket_json(struct db *db, long long id, int unmasked, const struct subject *viewer);
/* The tickets that carry a file this one carries (same SHA-256): [{id, code, file}], those
 * viewer may see (NULL: all). Shown on both, listed for the spot-check. */
json_t *ticket_evidence_shared(struct db *db, long long id, const struct subject *viewer);

/*
 * The same ticket as the newest row of a template table (tmpl.h), for a page: the keys of
 * ticket_json's object, in its order, an inner object's keys dotted ("names.unit");
 * "extension_request" is "true" when there is one. A table of other keys gets those of them
 * it has. Returns 1 if found.
 */
#define TICKET_ROW_KEYS                                                                                      \
	"id", "code", "campaign", "source", "source_ref", "category", "domain", "title", "description",          \
		"location_unit", "address", "reporter_name", "reporter_phone", "unit", "responsible_unit",         \
		"responsible_person", "responsible_phone", "urgency", "measures", "requirement", "deadline",       \
		"original_deadline", "commitment", "interim_measures", "status", "return_count",                   \
		"unsatisfied_count", "callback_count", "color", "supervised", "relapsed", "extension_request",      \
		"extension_request.deadline", "extension_request.reason", "last_progress_on", "closed_on", "light", \
		"stale", "created_at", "updated_at", "version", "names.unit", "names.responsible_unit",            \
		"names.location_unit", "names.domain", "names.source", "names.category", "names.campaign",         \
		"names.status", "names.urgency", "received_on", "complex", "reopened_on", "reopen_reason",        \
		"deadline_pending", "working_days_left", "estimated", "dispatched_at", "sign_by", "signed_at",         \
		"signed_late", "deadline_by_rule", "commitment_due", "time_limit", "time_limit.id", "time_limit.text",   \
		"suspended", "suspended_on", "suspend_request", "suspend_request.reason", "urge_count", "cards", "co_units", "merged_into", "merged", \
		"supplement"
/* Columns of TICKET_ROW_KEYS the ticket page reads by place (test_workflow checks the names). */
enum { TICKET_ROW_COLOR = 28, TICKET_ROW_SUPERVISED = 29, TICKET_ROW_LIGHT = 36, TICKET_ROW_CREATED_AT = 38,
       TICKET_ROW_DEADLINE = 20, TICKET_ROW_WORKING_DAYS_LEFT = 55, TICKET_ROW_SIGN_BY = 58, TICKET_ROW_SIGNED_AT = 59,
       TICKET_ROW_SIGNED_LATE = 60 };
/*
 * The ticket page's row, in one statement: ticket id's ref into *ref, then decide(arg, ref)
 * says whether it may be shown (-1: no; 0: masked; 1: with personal data) and the cells go
 * into t; the tickets it names beside itself are kept to viewer's scope. Returns 1 when shown, 0 when there is no such ticket, -1 when decide refused.
 */
typedef int (*ticket_decide_fn)(void *arg, const struct ticket_ref *ref);
int ticket_row_table(struct db *db, long long id, struct ticket_ref *ref, ticket_decide_fn decide, void *arg,
		     const struct subject *viewer, struct tmpl_table *t);

/*
 * A ticket's children, row by row, in the order they happened: fn gets each row's statement.
 * Columns: TICKET_PROGRESS (on_date, at, author, kind, note); TICKET_ATTACHMENTS (id, name,
 * mime, size, has_thumb, at, sha256); TICKET_CALLBACKS (at, result, method, note, by);
 * TICKET_LINKS (id, code, title, unit path, responsible path), only those inside the viewer's
 * scope (a linked ticket the viewer may not see does not exist for them); TICKET_EVENTS (id, at, actor, action, before, after), or
 * with brief_events (id, at, actor, action, status before, status after, the reason, note or
 * statement given; NULL where there is none) as the ticket page lists them.
 */
enum ticket_child { TICKET_PROGRESS, TICKET_ATTACHMENTS, TICKET_CALLBACKS, TICKET_EVENTS, TICKET_LINKS };
typedef void (*ticket_child_fn)(void *arg, enum ticket_child kind, sqlite3_stmt *st);
/* The lists a ticket's child_lists names (the events are always read); -1 reads them all. */
enum { TICKET_LIST_PROGRESS = 1, TICKET_LIST_ATTACHMENTS = 2, TICKET_LIST_CALLBACKS = 4, TICKET_LIST_LINKS = 8 };
void ticket_children_each(struct db *db, long long id, int lists, int brief_events, const struct subject *viewer,
			  ticket_child_fn fn, void *arg);

/*
 * Creation. ticket_prepare validates `in` (field name → string) on a read connection,
 * resolves codes and applies defaults (campaign, deadline, responsible unit, urgency);
 * on failure it fills errors (field → Chinese message) and returns -1.
 */
struct ticket_input {
	json_t *in; /* borrowed: the strings below point into it */
	long long campaign_id, source_id, category_id, domain_id, location_unit_id, unit_id, responsible_unit_id;
	const char *source_ref, *title, *description, *address, *reporter_name, *reporter_phone;
	const char *responsible_person, *responsible_phone, *urgency, *measures, *requirement;
	const char *commitment, *interim_measures, *received_on;
	char deadline[11];
	int complex; /* the deadline passes the rectification phase's end */
	/* The time limit (timelimit.h): the rule it is dispatched under (0: none), its words
	 * ("5个工作日"), whether the deadline is the rule's, the time to sign by (RFC 3339, "" when no
	 * rule) and 待补整改承诺 (a computed deadline past the phase, commitment still to come). */
	long long time_limit_id;
	char limit_text[48];
	int deadline_rule, commitment_due, limit_estimated;
	char sign_by[32];
	char created_at[32]; /* RFC 3339; empty: now. An import keeps the file's 登记时间 */
	char unit_code[33];
	char unit_path[256], responsible_path[256];
	struct co_list co; /* 协办 units (reviewers name them) */
	struct actor who;
	struct subject creator; /* whose scope decides what a refusal may name */
	long long id; /* out */
	long long duplicate_elsewhere; /* out on 409: the ticket, outside creator's scope, with that source_ref */
	long long duplicate_of;        /* out on 409: the creator's own ticket with that source_ref */
	char duplicate_code[80];
};
int ticket_prepare(struct db *rdb, json_t *in, struct ticket_input *t, json_t *errors);
int ticket_create_job(struct db *w, void *arg, struct err *e); /* arg: struct ticket_input */
/*
 * After ticket_create_job refused a 原工单号 that a ticket outside the creator's scope has:
 * records on that ticket, for the reviewers, who tried to log it again (arg: the same input).
 */
int ticket_duplicate_notice_job(struct db *w, void *arg, struct err *e);
/* Creation through the writer: ticket_create_job, then the notice above when it applies. */
int ticket_create(struct ticket_input *t, struct err *e);

/* Actions of the workflow (section 4). body holds the action's fields as strings. */
struct ticket_action {
	long long id;
	const struct transition *tr;
	json_t *body;
	struct actor who;
	struct subject subject; /* whose scope decides which tickets the action may name (合并) */
	json_t *errors; /* out: field errors (422) */
};
int ticket_action_job(struct db *w, void *arg, struct err *e);

/* Edits with optimistic concurrency: version must be the one the person read. */
struct ticket_patch {
	long long id;
	long long version;
	json_t *changes; /* field → new value (strings) */
	int may_assign;  /* responsible unit/person/deadline may change */
	int may_correct; /* may correct a ticket whose facts are frozen, naming a "reason" */
	struct actor who;
	json_t *errors;  /* out */
	json_t *conflict; /* out on 409: the fields changed meanwhile */
};
int ticket_patch_job(struct db *w, void *arg, struct err *e);

/* A stored attachment's record (the file is already in the data folder). */
struct ticket_attachment {
	long long ticket_id;
	const char *sha256, *name, *mime;
	long long size;
	int has_thumb;
	int may_correct; /* may add to a ticket whose facts are frozen (workflow_facts_frozen) */
	struct actor who;
	long long id; /* out */
};
int ticket_attach_job(struct db *w, void *arg, struct err *e);

/* The ledger list. */
struct ticket_filter {
	const char *status, *unit, *responsible_unit, *domain, *source, *category, *light, *color, *campaign, *q;
	const char *place; /* 所在社区/村, by its code */
	const char *sign;  /* "late": open past its time to sign (超时未签收); "signed_late" */
	int supervised; /* -1 any, 0, 1 */
	int stale;      /* -1 any, 1 */
	/* to-do queues (0: not asked) */
	int unclosed, returned, extension_pending, callbacks_due;
	int on_time, due; /* 按期办结: closed by the original deadline; 应办结: closed, or past it */
	int reopened, deadline_pending; /* reopened and being reworked; waiting for a new deadline */
	int suspended, suspend_pending; /* paused (挂起中); a pause asked for, not yet decided */
	int stock; /* 不满意存量 (reports.c): unclosed and once unsatisfied, or red */
	/* logged between these days (YYYY-MM-DD, inclusive), for reports */
	const char *from, *to;
	const struct subject *who;
	/* The list sets *estimated (when non-NULL) to 1 when its total is an estimate: a common
	 * word over a large scope is counted from a sample (see list_rows). */
	int *estimated;
	/* Internal to the list: q is matched on the rows' text as they are walked (search_has),
	 * not through the index. */
	int q_scan;
	const char *ids; /* these tickets only: a JSON array of ids (a selection on the ledger page) */
	/* 协办 (SPEC section 9): the tickets a unit co-handles; the co-units' parts not yet done
	 * (the staff's own when staff ask); only the lead's tickets of a staff scope (the to-do
	 * queues, the statistics: a co-handled ticket counts for its lead). */
	const char *co_unit;
	int co_todo, lead;
	/* 考评 (SPEC section 11): dispatched in this month (YYYY-MM); the tickets behind one part of
	 * an indicator ("on_time" its numerator, "on_time.den" its denominator; assess.h). */
	const char *dispatched, *assess;
	int supplement; /* 补报 only (SPEC section 12) */
	/* Internal: which part of a staff scope (the count adds the co-handled part to the tallies). */
	enum scope_part { SCOPE_ALL, SCOPE_LEAD, SCOPE_CO_ONLY } scope_part;
};
/* "from" or "to" when that date is given but is no date; NULL when both can be used. */
const char *ticket_filter_bad_date(const struct ticket_filter *f);
/* Keyset position: urgency rank, deadline, id. */
struct ticket_cursor {
	int rank;
	char deadline[11];
	long long id;
};
/* Which page: the first, the one after or before a cursor, or the last (which holds the rows
 * the full pages before it leave, fewer than a page when the count is not a multiple). */
enum list_dir { LIST_FIRST, LIST_AFTER, LIST_BEFORE, LIST_LAST };
/* LIST_FULL: every field, as the API gives a ticket; LIST_BRIEF: what a list page shows (id,
 * code, title, urgency, status, deadline, light, color, stale, supervised, unit names). */
enum list_shape { LIST_FULL, LIST_BRIEF };

/*
 * Runs "SELECT <select> FROM tickets t <join> WHERE <f> <tail>" and calls row() for each
 * result row. The text may use the parameters ?91 (today), ?92 (today + 3 days) and ?93
 * (today - 7 days). select/join/tail are the caller's constant SQL, never input.
 */
int ticket_aggregate(struct db *db, const struct ticket_filter *f, const char *select, const char *join,
		     const char *tail, void (*row)(sqlite3_stmt *st, void *arg), void *arg);

/* How many tickets match f. */
long long ticket_count(struct db *db, const struct ticket_filter *f);
/* The same count from the running tallies when they hold it (use_tallies), else from the tickets. */
long long ticket_count_by(struct db *db, const struct ticket_filter *f, int use_tallies);
/* Whether f only narrows by scope, unit and campaign, which every kind of tally carries. */
int tally_scope_only(const struct ticket_filter *f);
/* In a select over the tallies: the sum of the counts where cond holds. */
#define TALLY_SUM(cond) "coalesce(sum(CASE WHEN " cond " THEN t.n END), 0)"
/* Like ticket_aggregate over the tallies of the given kinds ("'state', 'domain'"); sums of t.n.
 * Joins to names are written CROSS JOIN so that SQLite reads the tallies once, not per name. */
int tally_aggregate(struct db *db, const struct ticket_filter *f, const char *kinds, const char *select,
		    const char *join, const char *tail, void (*row)(sqlite3_stmt *st, void *arg), void *arg);

/*
 * One page of the list, sorted urgent first, then by deadline. Offset pages (API `page`)
 * when dir is LIST_FIRST and offset > 0; keyset pages otherwise, as fast deep as at the top.
 * Returns the items (masked, each with its "cursor") and sets *total (if non-NULL) and *more
 * (another page that way).
 */
json_t *ticket_list(struct db *db, const struct ticket_filter *f, enum list_shape shape, enum list_dir dir,
		    const struct ticket_cursor *at, long offset, int limit, long long *total, int *more);

/* One page of the API's list (offset pages from LIST_FIRST, masked, without cursors) written
 * into out as a JSON array: what ticket_list gives, without building it. */
void ticket_list_write(struct db *db, const struct ticket_filter *f, long offset, int limit, long long *total,
		       int *more, struct buf *out);

/* A ticket as a list page shows it. Texts are NULL where the ledger has none and point into
 * the row being read: they last until the callback returns. */
struct ticket_brief {
	long long id;
	const char *code, *title, *urgency, *deadline, *status, *color, *unit_name, *responsible_unit_name;
	const char *light; /* "red", "yellow", "green"; NULL once closed */
	const char *status_label, *urgency_label;
	const char *source_ref, *source_name, *created_at;
	int supervised, stale, complex;
	int urges, yellow_card, red_card, co_handled;
	int supplement; /* 补报: self-found, logged after its street filed the ledger */
	long days_left; /* working days left (workcal_days_left); meaningful while light is set */
	int estimated;  /* days_left or the light rest on a year with no holiday notice loaded */
	struct ticket_cursor cursor;
};

/*
 * The same page as ticket_list's LIST_BRIEF, one call of row() per ticket and no JSON. Rows
 * come in the order they are read: returns 1 when that is the page's order reversed (a page
 * read from its end), else 0.
 */
/*
 * A page of the list in another order than the ledger's own (sort: "code", "-code",
 * "deadline", "-deadline", "created", "-created", "status"), by offset: the rows written,
 * *total the matches; -1 for an order it does not know.
 */
int ticket_list_sorted(struct db *db, const struct ticket_filter *f, const char *sort, long offset, int limit,
		       long long *total, void (*row)(const struct ticket_brief *b, void *arg), void *arg);
/* Whether sort is one of ticket_list_sorted's orders. */
int ticket_order_known(const char *sort);
int ticket_list_brief(struct db *db, const struct ticket_filter *f, enum list_dir dir, const struct ticket_cursor *at,
		      int limit, long long *total, int *more, void (*row)(const struct ticket_brief *b, void *arg),
		      void *arg);

#endif
