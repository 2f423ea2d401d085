/*
 * test_authz.c — every role × action × in-scope/out-of-scope case, against expectations
 * written out from SPEC section 2 (not derived from the policy table under test).
 *
 * Each row gives, for staff / reviewer / supervisor / admin, the answer for a ticket in the
 * user's scope and for one outside it: O = allowed, F = 403, N = 404, L = sign in. Staff have
 * a third letter: a ticket that is theirs only as a co-handling unit (协办, SPEC section 9).
 * For actions that are not about one ticket both letters are the same.
 */
#include <string.h>

#include "authz.h"
#include "test.h"

struct expect {
	enum action act;
	const char *staff, *reviewer, *supervisor, *admin; /* "in,out" (staff: "in,out,co") */
};

static const struct expect table[] = {
	/* action                 staff  reviewer supervisor admin */
	{ ACT_PUBLIC,             "OOO", "OO",    "OO",      "OO" },
	{ ACT_SIGNED_IN,          "OOO", "OO",    "OO",      "OO" },
	{ ACT_TICKET_VIEW,        "ONO", "OO",    "OO",      "FF" },
	{ ACT_TICKET_CREATE,      "OFF", "OO",    "FF",      "FF" },
	{ ACT_TICKET_EDIT,        "ONF", "OO",    "FF",      "FF" },
	{ ACT_TICKET_ASSIGN,      "FNF", "OO",    "FF",      "FF" },
	{ ACT_TICKET_CORRECT,     "FNF", "OO",    "FF",      "FF" },
	{ ACT_ACCEPT,             "ONF", "FF",    "FF",      "FF" },
	{ ACT_PROGRESS,           "ONO", "FF",    "FF",      "FF" },
	{ ACT_SUBMIT,             "ONF", "FF",    "FF",      "FF" },
	{ ACT_EXTEND_REQUEST,     "ONF", "FF",    "FF",      "FF" },
	{ ACT_UPLOAD,             "ONO", "OO",    "OO",      "FF" },
	{ ACT_EXTEND_APPROVE,     "FNF", "OO",    "FF",      "FF" },
	{ ACT_EXTEND_REJECT,      "FNF", "OO",    "FF",      "FF" },
	{ ACT_VERIFY,             "FNF", "FF",    "OO",      "FF" },
	{ ACT_RETURN,             "FNF", "FF",    "OO",      "FF" },
	{ ACT_CALLBACK,           "FNF", "FF",    "OO",      "FF" },
	{ ACT_REOPEN,             "FNF", "FF",    "OO",      "FF" },
	{ ACT_SUPERVISE,          "FNF", "OO",    "OO",      "FF" },
	{ ACT_SUSPEND_REQUEST,    "ONF", "FF",    "FF",      "FF" },
	{ ACT_SUSPEND_DECIDE,     "FNF", "OO",    "FF",      "FF" },
	{ ACT_RESUME,             "ONF", "OO",    "FF",      "FF" },
	{ ACT_RETURN_REQUEST,     "ONF", "FF",    "FF",      "FF" },
	{ ACT_REASSIGN,           "FNF", "OO",    "FF",      "FF" },
	{ ACT_RETURN_REJECT,      "FNF", "OO",    "FF",      "FF" },
	{ ACT_URGE,               "FNF", "OO",    "OO",      "FF" },
	{ ACT_CO_ACCEPT,          "FNO", "FF",    "FF",      "FF" },
	{ ACT_CO_DONE,            "FNO", "FF",    "FF",      "FF" },
	{ ACT_MERGE,              "FNF", "OO",    "FF",      "FF" },
	{ ACT_PERSONAL_DATA,      "ONO", "OO",    "OO",      "FF" },
	{ ACT_DASHBOARD,          "OOO", "OO",    "OO",      "FF" },
	{ ACT_REPORTS,            "FFF", "OO",    "OO",      "FF" },
	{ ACT_ASSESS_PUBLISH,     "FFF", "OO",    "FF",      "FF" },
	{ ACT_FILE,               "ONO", "OO",    "FF",      "FF" },
	{ ACT_FILINGS_VIEW,       "ONO", "OO",    "OO",      "FF" },
	{ ACT_EXPORT,             "FFF", "OO",    "FF",      "FF" },
	{ ACT_EXPORT_UNMASKED,    "FFF", "OO",    "FF",      "FF" },
	{ ACT_IMPORT,             "FFF", "OO",    "FF",      "FF" },
	{ ACT_ADMIN,              "FFF", "FF",    "FF",      "OO" },
};

static enum authz_result letter(char c)
{
	return c == 'O' ? AUTHZ_OK : c == 'F' ? AUTHZ_FORBIDDEN : c == 'N' ? AUTHZ_NOT_FOUND : AUTHZ_LOGIN;
}

/* Does the action concern one ticket, or a street's filing (then it is asked with a scope)? */
static int about_ticket(enum action a)
{
	return (a >= ACT_TICKET_VIEW && a <= ACT_PERSONAL_DATA) || a == ACT_FILE || a == ACT_FILINGS_VIEW;
}

int main(void)
{
	/* Staff of 兴仁街道 (/1/2/); tickets owned by its community, or by 兴城街道 (/1/3/). */
	const struct ticket_scope own = { "/1/2/8/", "/1/2/", NULL };
	const struct ticket_scope responsible_only = { "/1/3/", "/1/2/", NULL }; /* owned elsewhere, XR responsible */
	const struct ticket_scope other = { "/1/3/11/", "/1/3/", "/1/7/" };
	/* XC's ticket with XR's community as one of two co-units */
	const struct ticket_scope co = { "/1/3/11/", "/1/3/", "/1/7/ /1/2/8/" };
	const struct ticket_scope prefix_trap = { "/1/22/", "/1/22/", NULL }; /* "/1/2" must not match "/1/22/" */
	const char *unit_paths[ROLE__COUNT] = { "", "/1/2/", "/1/5/", "/1/6/", "/1/" };
	int cases = 0;

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const struct expect *x = &table[i];
		const char *per_role[ROLE__COUNT] = { NULL, x->staff, x->reviewer, x->supervisor, x->admin };
		for (int role = ROLE_STAFF; role < ROLE__COUNT; role++) {
			struct subject who = { (enum role)role, unit_paths[role] };
			const struct ticket_scope *in = about_ticket(x->act) ? &own : NULL;
			const struct ticket_scope *out = about_ticket(x->act) ? &other : NULL;
			enum authz_result got_in = authz_check(&who, x->act, in);
			enum authz_result got_out = authz_check(&who, x->act, out);
			if (got_in != letter(per_role[role][0]) || got_out != letter(per_role[role][1]))
				fprintf(stderr, "action %s role %s: got %d/%d want %s\n", action_name(x->act),
					role_code((enum role)role), got_in, got_out, per_role[role]);
			CHECK(got_in == letter(per_role[role][0]));
			CHECK(got_out == letter(per_role[role][1]));
			cases += 2;
			if (role == ROLE_STAFF) {
				enum authz_result got_co = authz_check(&who, x->act, about_ticket(x->act) ? &co : NULL);
				if (got_co != letter(x->staff[2]))
					fprintf(stderr, "action %s as co-unit: got %d want %c\n", action_name(x->act), got_co,
						x->staff[2]);
				CHECK(strlen(x->staff) == 3 && got_co == letter(x->staff[2]));
				cases++;
			}
		}
		/* Nobody signed in: only public things. */
		struct subject nobody = { ROLE_NONE, "" };
		CHECK(authz_check(&nobody, x->act, about_ticket(x->act) ? &own : NULL) ==
		      (x->act == ACT_PUBLIC ? AUTHZ_OK : AUTHZ_LOGIN));
		cases++;
	}
	printf("authorization cases: %d\n", cases);

	/* Scope: the responsible unit counts; a sibling whose path shares a prefix does not. */
	struct subject staff = { ROLE_STAFF, "/1/2/" };
	CHECK(authz_check(&staff, ACT_ACCEPT, &responsible_only) == AUTHZ_OK);
	/* ... but a new ticket must be owned by the creator's subtree: naming oneself responsible
	 * for another street's ticket does not let staff log it into that street's ledger. */
	CHECK(authz_check(&staff, ACT_TICKET_CREATE, &responsible_only) == AUTHZ_FORBIDDEN);
	struct subject reviewer = { ROLE_REVIEWER, "/1/5/" };
	CHECK(authz_check(&reviewer, ACT_TICKET_CREATE, &responsible_only) == AUTHZ_OK);
	CHECK(authz_check(&staff, ACT_TICKET_VIEW, &prefix_trap) == AUTHZ_NOT_FOUND);
	/* A co-unit path that only shares a prefix ("/1/22/" under "/1/2/") is not XR's. */
	const struct ticket_scope co_trap = { "/1/3/", "/1/3/", "/1/22/ /1/3/11/" };
	CHECK(authz_check(&staff, ACT_TICKET_VIEW, &co_trap) == AUTHZ_NOT_FOUND);
	CHECK(authz_co_only(&staff, &co) && !authz_co_only(&staff, &own) && !authz_co_only(&staff, &other));
	/* A co-unit's community staff see it; its sibling community's do not. */
	struct subject co_community = { ROLE_STAFF, "/1/2/8/" }, sibling = { ROLE_STAFF, "/1/2/9/" };
	CHECK(authz_check(&co_community, ACT_CO_ACCEPT, &co) == AUTHZ_OK);
	CHECK(authz_check(&sibling, ACT_TICKET_VIEW, &co) == AUTHZ_NOT_FOUND);
	/* A community's staff do not see their street's other communities. */
	struct subject community = { ROLE_STAFF, "/1/2/9/" };
	CHECK(authz_check(&community, ACT_TICKET_VIEW, &own) == AUTHZ_NOT_FOUND);
	/* An empty unit path (corrupt session) reaches nothing. */
	struct subject empty = { ROLE_STAFF, "" };
	CHECK(authz_check(&empty, ACT_TICKET_VIEW, &own) == AUTHZ_NOT_FOUND);
	CHECK(authz_check(&staff, (enum action)999, NULL) == AUTHZ_FORBIDDEN);

	CHECK(role_from_code("reviewer") == ROLE_REVIEWER);
	CHECK(role_from_code("root") == ROLE_NONE);
	CHECK(role_from_code(NULL) == ROLE_NONE);
	return test_summary("test_authz");
}
