/*
 * kept.h — pieces of pages each thread keeps (the navigation, the user box, select options,
 * the actions' blank forms), found again by a typed key that names everything the piece
 * depends on. A kept value is never changed, only shared (json_incref); the oldest goes when
 * room is needed. Per thread, so no lock is taken on the way.
 */
#ifndef LEDGER_KEPT_H
#define LEDGER_KEPT_H

#include <jansson.h>

/* What a piece is; each kind says in its comment what the key's fields hold. */
enum kept_kind {
	KEPT_NAV,     /* n: role, current entry, to-do count */
	KEPT_USER,    /* s: login, name, role, unit name */
	KEPT_OPTIONS, /* p: the options' query; n[0]: catalog version; s[0]: the current value */
	KEPT_ACTIONS, /* n[0]: the bit set of the actions open */
	KEPT_FILTERS, /* n[0]: catalog version; s[0]: the filter values the form shows, joined */
};

#define KEPT_STRINGS 4
#define KEPT_NUMBERS 4

struct kept_key {
	enum kept_kind kind;
	long long n[KEPT_NUMBERS];
	const void *p;
	const char *s[KEPT_STRINGS]; /* NULL is the empty string */
};

/* The piece kept under key (a new reference), or NULL. */
json_t *kept_get(const struct kept_key *key);
/* Keeps v (which must not change afterwards) under key; returns v. */
json_t *kept_put(const struct kept_key *key, json_t *v);

#endif
