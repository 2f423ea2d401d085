/*
 * filing.h — sealed ledgers (报送, SPEC section 12): a street's tickets of a campaign as they
 * stand, each hashed over its canonical form, a Merkle root over them in code order
 * (merkle.h), signed with the server's Ed25519 key; and the check of every filing.
 *
 * The canonical form of a ticket is the text "ledger-ticket-v1" followed by these columns of
 * its row, in this order, each written as <length in bytes>:<bytes>, (a netstring; a NULL is
 * written ~): code, version, status, source_id, source_ref, category_id, domain_id, title,
 * description, location_unit_id, address, reporter_name, reporter_phone, unit_id,
 * responsible_unit_id, responsible_person, responsible_phone, urgency, measures, requirement,
 * deadline, original_deadline, commitment, interim_measures, received_on, closed_on,
 * created_at. Whole numbers are written in decimal. The item's hash is BLAKE2b-256 of it.
 */
#ifndef LEDGER_FILING_H
#define LEDGER_FILING_H

#include <jansson.h>
#include <stdio.h>

#include "audit.h"
#include "authz.h"
#include "db.h"

/* The server's signing key in the data folder (filing.key, mode 0600), created when missing.
 * 0, or -1 with e set. */
int filing_key_load(const char *data_dir, struct err *e);
/* Its public half, lower-case hex; NULL before filing_key_load. */
const char *filing_public_key(void);

/* A filing asked for: the street, campaign and phase by code and name, the kind. */
struct filing_request {
	const char *unit, *campaign, *phase, *kind;
	struct actor who;
	long long id; /* out */
};
/* Checks the request, seals the street's tickets as this moment's snapshot shows them, and
 * stores the filing, its items and its event. 0, or -1 with e set (422, 404, 409). */
int filing_create(struct filing_request *r, struct err *e);

/* A filing as the API gives it (items too when asked); NULL when there is none. *unit_path
 * (when given) is set to its street's path, for the caller's scope check. */
json_t *filing_json(struct db *db, long long id, int items, char *unit_path, size_t n);
/* The filings of a campaign and/or street (NULL: any), newest first, kept to who's scope. */
json_t *filing_list(struct db *db, const char *campaign, const char *unit, const struct subject *who);

/* The 漏报 leads of a filing (SPEC section 12): the street's tickets of the campaign from an
 * outside channel (a source marked outside: 12345, the environmental hotline and platform,
 * letters and visits) received on or before the filing's day but absent from it; NULL when
 * there is no such filing. */
json_t *filing_leads(struct db *db, long long id);

/* The seed's filings: as filing_create, at the time given, on db inside the caller's
 * transaction (the tickets logged by then). */
int filing_seed(struct db *db, struct filing_request *r, const char *at, struct err *e);

/* ledger filing-verify: every filing's signature, root and items; 0 all good, 1 naming the
 * first that fails on out, -1 when it cannot read. */
int filing_verify(struct db *db, const char *data_dir, FILE *out);

#endif
