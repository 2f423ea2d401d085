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
	LEAD,           /* the same, and staff must own it or be responsible (a co-unit's: 403) */
	CO,             /* the same, and staff must be of a co-unit (the lead's: 403) */
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
	[ACT_TICKET_EDIT] = { "edit", STAFF | REVIEWER, LEAD },
	[ACT_TICKET_ASSIGN] = { "assign", REVIEWER, TICKET },
	[ACT_TICKET_CORRECT] = { "correct", REVIEWER, TICKET },
	[ACT_ACCEPT] = { "accept", STAFF, LEAD },
	[ACT_PROGRESS] = { "progress", STAFF, TICKET },
	[ACT_SUBMIT] = { "submit", STAFF, LEAD },
	[ACT_EXTEND_REQUEST] = { "extend-request", STAFF, LEAD },
	[ACT_UPLOAD] = { "upload", STAFF | REVIEWER | SUPERVISOR, TICKET },
	[ACT_EXTEND_APPROVE] = { "extend-approve", REVIEWER, TICKET },
	[ACT_EXTEND_REJECT] = { "extend-reject", REVIEWER, TICKET },
	[ACT_VERIFY] = { "verify", SUPERVISOR, TICKET },
	[ACT_RETURN] = { "return", SUPERVISOR, TICKET },
	[ACT_CALLBACK] = { "callback", SUPERVISOR, TICKET },
	[ACT_REOPEN] = { "reopen", SUPERVISOR, TICKET },
	[ACT_SUPERVISE] = { "supervise", REVIEWER | SUPERVISOR, TICKET },
	[ACT_SUSPEND_REQUEST] = { "suspend-request", STAFF, LEAD },
	[ACT_SUSPEND_DECIDE] = { "suspend-decide", REVIEWER, TICKET },
	[ACT_RESUME] = { "resume", STAFF | REVIEWER, LEAD },
	[ACT_RETURN_REQUEST] = { "return-request", STAFF, LEAD },
	[ACT_REASSIGN] = { "reassign", REVIEWER, TICKET },
	[ACT_RETURN_REJECT] = { "return-reject", REVIEWER, TICKET },
	[ACT_URGE] = { "urge", REVIEWER | SUPERVISOR, TICKET },
	[ACT_CO_ACCEPT] = { "co-accept", STAFF, CO },
	[ACT_CO_DONE] = { "co-done", STAFF, CO },
	[ACT_MERGE] = { "merge", REVIEWER, TICKET },
	[ACT_PERSONAL_DATA] = { "personal-data", STAFF | REVIEWER | SUPERVISOR, TICKET },
	[ACT_DASHBOARD] = { "dashboard", STAFF | REVIEWER | SUPERVISOR, NO_TICKET },
	[ACT_REPORTS] = { "reports", REVIEWER | SUPERVISOR, NO_TICKET },
	[ACT_ASSESS_PUBLISH] = { "assess-publish", REVIEWER, NO_TICKET },
	[ACT_FILE] = { "file", STAFF | REVIEWER, TICKET },
	[ACT_FILINGS_VIEW] = { "filings", STAFF | REVIEWER | SUPERVISOR, TICKET },
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

static int leads(const struct subject *who, const struct ticket_scope *t)
{
	return path_within(t->unit_path, who->unit_path) || path_within(t->responsible_path, who->unit_path);
}

/* One of the co-units (space-separated paths) lies in the subject's subtree. */
static int co_handles(const struct subject *who, const struct ticket_scope *t)
{
	const char *p = t->co_paths;
	size_t n = who->unit_path ? strlen(who->unit_path) : 0;
	while (p && *p && n) {
		size_t len = strcspn(p, " ");
		if (len >= n && strncmp(p, who->unit_path, n) == 0)
			return 1;
		p += len;
		p += *p == ' ';
	}
	return 0;
}

int authz_in_scope(const struct subject *who, const struct ticket_scope *t)
{
	if (who->role == ROLE_REVIEWER || who->role == ROLE_SUPERVISOR)
		return 1;
	if (who->role != ROLE_STAFF || !t)
		return 0;
	return leads(who, t) || co_handles(who, t);
}

int authz_co_only(const struct subject *who, const struct ticket_scope *t)
{
	return who && t && who->role == ROLE_STAFF && !leads(who, t) && co_handles(who, t);
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
	enum scope_rule rule = policy[act].scope;
	int in_scope = rule == NEW_TICKET ? owns_new_ticket(who, ticket) : authz_in_scope(who, ticket);
	if (rule != NEW_TICKET && !in_scope && who->role != ROLE_ADMIN)
		return AUTHZ_NOT_FOUND; /* its existence must not leak, whatever the role */
	if (!role_ok || !in_scope)
		return AUTHZ_FORBIDDEN;
	/* Staff act either as the lead or as a co-unit; the ticket is seen either way. */
	if (who->role == ROLE_STAFF && rule == LEAD && !leads(who, ticket))
		return AUTHZ_FORBIDDEN;
	if (who->role == ROLE_STAFF && rule == CO && !co_handles(who, ticket))
		return AUTHZ_FORBIDDEN;
	return AUTHZ_OK;
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
