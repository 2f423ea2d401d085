/*
 * audit.h — the event chain. Every change to ledger data is appended here by the same
 * writer transaction that makes the change: actor, time, action, before and after (JSON).
 * Each event's BLAKE2b hash covers its id, content and the previous hash, so an event that
 * was edited, deleted or moved behind the application's back breaks the chain.
 */
#ifndef LEDGER_AUDIT_H
#define LEDGER_AUDIT_H

#include <jansson.h>
#include <stdio.h>

#include "db.h"

/* Who did it: a user, or the command line/system (id 0). */
struct actor {
	long long id;
	const char *login;
};

#define ACTOR_SYSTEM ((struct actor){ 0, "system" })

/*
 * Appends one event on the writer's connection (w), inside the caller's transaction.
 * before/after may be NULL; they are serialised with sorted keys. Returns the event id or -1.
 */
long long audit_append(struct db *w, const struct actor *who, const char *entity, long long entity_id,
		       const char *action, json_t *before, json_t *after, struct err *e);

/* The same with the event's time given (RFC 3339): for history written after the fact, as
 * `ledger seed` does; the chain stays in id order whatever the times say. */
long long audit_append_at(struct db *w, const struct actor *who, const char *entity, long long entity_id,
			  const char *action, json_t *before, json_t *after, const char *at, struct err *e);

/* A writer job recording an export of personal data: arg is { struct actor; json_t *detail }. */
int audit_export_job(struct db *w, void *arg, struct err *e);

/*
 * Walks the chain in id order. Returns 0 when intact (and prints the count and head hash to
 * out), 1 naming the first bad event, -1 if the database cannot be read.
 */
int audit_verify(struct db *db, FILE *out);

#endif
