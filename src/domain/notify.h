/*
 * notify.h — the dispatch loop's records and messages (SPEC sections 9 and 10): each dispatch
 * of a ticket to a unit, the cards the server issues by itself, and the notifications that ask
 * someone to act, delivered to each user they are for.
 */
#ifndef LEDGER_NOTIFY_H
#define LEDGER_NOTIFY_H

#include <jansson.h>

#include "audit.h"
#include "db.h"

/* On the writer: a dispatch of ticket id to its current responsible unit at `at` (RFC 3339). */
int dispatch_record(struct db *w, long long ticket_id, const char *at, struct err *e);

/*
 * On the writer: notification `kind` (SPEC section 15's kinds) about ticket id, with its text
 * made from the ticket (never its reporter's name or phone), delivered to the users it is for:
 * the staff of the responsible unit and the units above it, or every reviewer. With a key (a
 * time to sign, a deadline) it is made once per ticket, kind and key. Returns 1 when made, 0
 * when it was already, -1 on error.
 */
int notify_ticket(struct db *w, long long ticket_id, const char *kind, const char *key, struct err *e);

/* 1 if kind is one of the notification kinds. */
int notify_kind_known(const char *kind);

/*
 * On the writer (arg: struct sweep): one pass of what the server does by itself every ten
 * minutes: yellow and red cards for the deadlines that earn one today (workflow.h card_due),
 * each an event of the chain and a notification, and the sign_overdue notification of each
 * ticket past its time to sign. At most SWEEP_BATCH items a job, so that the writer keeps
 * serving: `more` says another job is wanted.
 */
#define SWEEP_BATCH 2000
struct sweep_cursor {
	char key[32]; /* the last deadline a job of this pass read, and its ticket */
	long long id;
};
struct sweep {
	int cards, overdue; /* out: issued by this job */
	int more;           /* out */
	struct sweep_cursor red, yellow; /* in and out: where the pass is (zeroed: at its start) */
};
int sweep_job(struct db *w, void *arg, struct err *e);
/* Runs passes through the writer until nothing is left; logs what was issued. */
void sweep_run(void);

/* A user's unread count (one row). */
long long notify_unread(struct db *db, long long user_id);
/* {items:[{id, kind, ticket:{id,code,title}, text, created_at, read}], total, unread}, newest
 * first; only unread ones with unread_only. staff_path: a staff member's unit path (their
 * notifications name only tickets in their scope), NULL for the other roles. */
json_t *notify_list(struct db *db, long long user_id, const char *staff_path, int unread_only, long offset,
		    int limit);

/* On the writer, after a ticket changed units: its notifications leave the inboxes of the staff
 * whose scope no longer covers it (and their unread counts). */
int notify_prune(struct db *w, long long ticket_id, struct err *e);

/* On the writer: marks read the user's notifications named in ids (a JSON array), or all. */
struct notify_read {
	long long user_id;
	json_t *ids; /* NULL: all */
	int marked;  /* out */
};
int notify_read_job(struct db *w, void *arg, struct err *e);

/*
 * The webhook outbox (029_outbox.sql). Enabled (`serve --notify-url`), every notification made
 * is also written to the outbox, in the same transaction, as the group robot's JSON
 * {"msgtype":"text","text":{"content":...}}. The sender (http/webhook.c) takes what is due,
 * posts it, and records the outcome: delivered, or tried again after a back-off that doubles
 * from OUTBOX_FIRST_RETRY seconds up to OUTBOX_MAX_RETRY. Retries are timed by the machine's
 * clock (epoch seconds), not by the ledger's (LEDGER_NOW): a transport's waiting, not a day.
 */
#define OUTBOX_FIRST_RETRY 1
#define OUTBOX_MAX_RETRY 600
#define OUTBOX_BATCH 50
void notify_outbox_enable(int on);

struct outbox_item {
	long long id;
	int attempts;
	char *body; /* malloc'd */
};
/* Up to max items due by now (epoch seconds), oldest first; returns how many. */
int outbox_due(struct db *db, long long now, struct outbox_item *items, int max);
void outbox_items_free(struct outbox_item *items, int n);

/* On the writer (arg: struct outbox_result): item id delivered, or failed with error (its
 * attempts before this one as outbox_due gave them). */
struct outbox_result {
	long long id;
	int ok, attempts;
	const char *error;
};
int outbox_result_job(struct db *w, void *arg, struct err *e);
/* When an item that has failed `attempts` times (1, 2, ...) is tried again: seconds after the
 * last failure (1, 2, 4 ... up to OUTBOX_MAX_RETRY). */
long long outbox_backoff(int attempts);

/* For the admin: {pending, failing, delivered, oldest_pending, items:[{id, text, created_at,
 * attempts, next_at, delivered_at, last_error}]}, the newest `limit` items. */
json_t *outbox_state(struct db *db, int limit);

#endif
