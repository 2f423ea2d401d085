/*
 * authz.h — the one authorization function. Every handler asks it first, pages and API
 * alike: may this user take this action (on this ticket)? Roles follow SPEC section 2;
 * staff reach only tickets whose owning, responsible or co-handling (协办) unit lies in
 * their unit's subtree, and a ticket outside a user's scope does not exist for them (404,
 * never 403). A co-unit's staff act only for their part (co-accept, progress, co-done); the
 * lead's actions stay with the owning and responsible units.
 */
#ifndef LEDGER_AUTHZ_H
#define LEDGER_AUTHZ_H

enum role { ROLE_NONE, ROLE_STAFF, ROLE_REVIEWER, ROLE_SUPERVISOR, ROLE_ADMIN, ROLE__COUNT };

enum action {
	ACT_PUBLIC,          /* login page, static files, health check */
	ACT_SIGNED_IN,       /* anything any signed-in user may see: home, org units */
	ACT_TICKET_VIEW,     /* a ticket, its evidence and history; lists and search show only these */
	ACT_TICKET_CREATE,   /* log a problem (scope: the new ticket's units) */
	ACT_TICKET_EDIT,     /* correct descriptive fields */
	ACT_TICKET_ASSIGN,   /* responsible unit, person, deadline */
	ACT_TICKET_CORRECT,  /* edit a ticket whose facts are frozen (closed), with a reason */
	ACT_ACCEPT,
	ACT_PROGRESS,
	ACT_SUBMIT,
	ACT_EXTEND_REQUEST,
	ACT_UPLOAD,
	ACT_EXTEND_APPROVE,
	ACT_EXTEND_REJECT,
	ACT_VERIFY,
	ACT_RETURN,
	ACT_CALLBACK,
	ACT_REOPEN,
	ACT_SUPERVISE,
	ACT_SUSPEND_REQUEST, /* ask to pause the clock (挂起) */
	ACT_SUSPEND_DECIDE,  /* approve or refuse a pause */
	ACT_RESUME,          /* start the clock again */
	ACT_RETURN_REQUEST,  /* send a misrouted dispatch back to the centre (退单) */
	ACT_REASSIGN,        /* dispatch anew to another unit; grants a return */
	ACT_RETURN_REJECT,   /* refuse a return: the same unit, dispatched again */
	ACT_URGE,            /* remind the unit (催办) */
	ACT_CO_ACCEPT,       /* a co-unit signs for its part (协办签收) */
	ACT_CO_DONE,         /* a co-unit reports its part done */
	ACT_MERGE,           /* merge a repeat into the ticket it repeats (合并) */
	ACT_PERSONAL_DATA,   /* see the reporter's name and phone unmasked on the ticket page */
	ACT_DASHBOARD,       /* dashboard and statistics (staff: their own unit's figures) */
	ACT_REPORTS,         /* ranking, dispatch report, spot-check, assessment */
	ACT_ASSESS_PUBLISH,  /* publish a month's assessment (考评): stored as it stands */
	ACT_FILE,            /* file a street's ledger (报送; scope: the street) */
	ACT_FILINGS_VIEW,    /* read filings (scope: the street filed for) */
	ACT_EXPORT,
	ACT_EXPORT_UNMASKED, /* export with personal data (recorded) */
	ACT_IMPORT,
	ACT_ADMIN,           /* users, org units, campaigns, taxonomies */
	ACT__COUNT
};

enum authz_result {
	AUTHZ_OK,
	AUTHZ_LOGIN,     /* 401: sign in first */
	AUTHZ_FORBIDDEN, /* 403: the role may not do this */
	AUTHZ_NOT_FOUND, /* 404: the ticket is outside the user's scope */
};

/* Who asks: role and the materialised path of their unit ("/1/2/"). role NONE: nobody signed in. */
struct subject {
	enum role role;
	const char *unit_path;
};

/* The ticket the action is about: the paths of its owning and responsible units, and of its
 * co-units separated by spaces (NULL or "" when it has none). */
struct ticket_scope {
	const char *unit_path;
	const char *responsible_path;
	const char *co_paths;
};

/* ticket may be NULL for actions that are not about one ticket. */
enum authz_result authz_check(const struct subject *who, enum action act, const struct ticket_scope *ticket);

/* 1 if the user's scope covers the ticket (staff: subtree, co-units included; reviewer and
 * supervisor: all). */
int authz_in_scope(const struct subject *who, const struct ticket_scope *ticket);
/* 1 if the ticket is staff's through a co-unit only (not owned, not responsible). */
int authz_co_only(const struct subject *who, const struct ticket_scope *ticket);

enum role role_from_code(const char *code);
const char *role_code(enum role r);
const char *role_label(enum role r); /* Chinese, for the UI */
const char *action_name(enum action a);

#endif
