/*
 * authz.c — who may do what. The table below is the whole policy: one row per action, the
 * roles allowed, and whether the action concerns one ticket (then unit scope applies).
 */
#include "authz.h"

#include <string.h>

#include "labels.h"

#define R(role) (1u << (role))
#define STAFF R(ROLE_STAFF)
#define REVIEWER R(ROLE_REVIEWER)
#define SUPERVISOR R(ROLE_SUPERVISOR)
#define ADMIN R(ROLE_ADMIN)
#define ANYONE_SIGNED_IN (STAFF | REVIEWER | SUPERVISOR | ADMIN)

enum scope_rule {
	NO_TICKET,      /* not about one ticket */
	TICKET,         /* an existing ticket: out of scope is 404 */
	NEW_TICKET,     /* a ticket being created: out of scope is 403; staff must own it */
};

static const struct {
	const char *name;
	unsigned roles;
	enum scope_rule scope;
} policy[ACT__COUNT] = {
	[ACT_PUBLIC] = { "public", 0, NO_TICKET },
	[ACT_SIGNED_IN] = { "signed_in", ANYONE_SIGNED_IN, NO_TICKET },
	[ACT_TICKET_VIEW] = { "view", STAFF | REVIEWER | SUPERVISOR, TICKET },
	[ACT_TICKET_CREATE] = { "create", STAFF | REVIEWER, NEW_TICKET },
	[ACT_TICKET_EDIT] = { "edit", STAFF | REVIEWER, TICKET },
	[ACT_TICKET_ASSIGN] = { "assign", REVIEWER, TICKET },
	[ACT_TICKET_CORRECT] = { "correct", REVIEWER, TICKET },
	[ACT_ACCEPT] = { "accept", STAFF, TICKET },
	[ACT_PROGRESS] = { "progress", STAFF, TICKET },
	[ACT_SUBMIT] = { "submit", STAFF, TICKET },
	[ACT_EXTEND_REQUEST] = { "extend-request", STAFF, TICKET },
	[ACT_UPLOAD] = { "upload", STAFF | REVIEWER | SUPERVISOR, TICKET },
	[ACT_EXTEND_APPROVE] = { "extend-approve", REVIEWER, TICKET },
	[ACT_EXTEND_REJECT] = { "extend-reject", REVIEWER, TICKET },
	[ACT_VERIFY] = { "verify", SUPERVISOR, TICKET },
	[ACT_RETURN] = { "return", SUPERVISOR, TICKET },
	[ACT_CALLBACK] = { "callback", SUPERVISOR, TICKET },
	[ACT_REOPEN] = { "reopen", SUPERVISOR, TICKET },
	[ACT_SUPERVISE] = { "supervise", REVIEWER | SUPERVISOR, TICKET },
	[ACT_SUSPEND_REQUEST] = { "suspend-request", STAFF, TICKET },
	[ACT_SUSPEND_DECIDE] = { "suspend-decide", REVIEWER, TICKET },
	[ACT_RESUME] = { "resume", STAFF | REVIEWER, TICKET },
	[ACT_PERSONAL_DATA] = { "personal-data", STAFF | REVIEWER | SUPERVISOR, TICKET },
	[ACT_DASHBOARD] = { "dashboard", STAFF | REVIEWER | SUPERVISOR, NO_TICKET },
	[ACT_REPORTS] = { "reports", REVIEWER | SUPERVISOR, NO_TICKET },
	[ACT_EXPORT] = { "export", REVIEWER, NO_TICKET },
	[ACT_EXPORT_UNMASKED] = { "export-unmasked", REVIEWER, NO_TICKET },
	[ACT_IMPORT] = { "import", REVIEWER, NO_TICKET },
	[ACT_ADMIN] = { "admin", ADMIN, NO_TICKET },
};

static int path_within(const char *path, const char *root)
{
	return path && root && *root && strncmp(path, root, strlen(root)) == 0;
}

/*
 * Staff create tickets for their own subtree only: the owning unit decides, since it is the
 * ledger, the figures and the code sequence the ticket lands in. Being named responsible unit
 * of another street's ticket is not enough (a street could pad another's ledger).
 */
static int owns_new_ticket(const struct subject *who, const struct ticket_scope *t)
{
	if (who->role == ROLE_REVIEWER)
		return 1;
	return who->role == ROLE_STAFF && path_within(t->unit_path, who->unit_path);
}

int authz_in_scope(const struct subject *who, const struct ticket_scope *t)
{
	if (who->role == ROLE_REVIEWER || who->role == ROLE_SUPERVISOR)
		return 1;
	if (who->role != ROLE_STAFF || !t)
		return 0;
	return path_within(t->unit_path, who->unit_path) || path_within(t->responsible_path, who->unit_path);
}

enum authz_result authz_check(const struct subject *who, enum action act, const struct ticket_scope *ticket)
{
	if ((unsigned)act >= ACT__COUNT)
		return AUTHZ_FORBIDDEN;
	if (act == ACT_PUBLIC)
		return AUTHZ_OK;
	if (!who || who->role == ROLE_NONE)
		return AUTHZ_LOGIN;
	int role_ok = (policy[act].roles & R(who->role)) != 0;
	if (policy[act].scope == NO_TICKET || !ticket)
		return role_ok ? AUTHZ_OK : AUTHZ_FORBIDDEN;
	int in_scope = policy[act].scope == NEW_TICKET ? owns_new_ticket(who, ticket) : authz_in_scope(who, ticket);
	if (policy[act].scope == TICKET && !in_scope && who->role != ROLE_ADMIN)
		return AUTHZ_NOT_FOUND; /* its existence must not leak, whatever the role */
	if (!role_ok)
		return AUTHZ_FORBIDDEN;
	return in_scope ? AUTHZ_OK : AUTHZ_FORBIDDEN;
}

static const char *const role_codes[ROLE__COUNT] = { "", "staff", "reviewer", "supervisor", "admin" };

enum role role_from_code(const char *code)
{
	for (int r = ROLE_STAFF; r < ROLE__COUNT; r++)
		if (code && strcmp(code, role_codes[r]) == 0)
			return (enum role)r;
	return ROLE_NONE;
}

const char *role_code(enum role r)
{
	return (unsigned)r < ROLE__COUNT ? role_codes[r] : "";
}

const char *role_label(enum role r)
{
	return r == ROLE_NONE ? "未登录" : (unsigned)r < ROLE__COUNT ? vs_label(&VS_ROLE, role_codes[r]) : "";
}

const char *action_name(enum action a)
{
	return (unsigned)a < ACT__COUNT ? policy[a].name : "";
}
