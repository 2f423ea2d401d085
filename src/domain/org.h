/*
 * org.h — org units (the tree of district, streets, departments, communities) and users.
 * The functions write through the connection they are given: the writer's in the server,
 * the command line's own in `ledger init` and `ledger user add`.
 */
#ifndef LEDGER_ORG_H
#define LEDGER_ORG_H

#include "audit.h"
#include "db.h"

/* Valid unit kinds and roles, for validation and for the admin forms. */
int org_kind_ok(const char *kind);
int org_role_ok(const char *role);
/* Why a role cannot sit in a unit of this kind (Chinese), or NULL when it may: staff belong to
 * a street, department, community or village, never the district itself; reviewers,
 * supervisors and administrators to the district or one of its departments. */
const char *org_role_misfit(const char *role, const char *kind);

/*
 * Adds a unit under parent_code (NULL for the root). Refuses a second root, an unknown parent,
 * a duplicate code and a kind that cannot sit under the parent's kind. Returns the id or -1.
 */
long long org_unit_add(struct db *db, const struct actor *who, const char *code, const char *name, const char *kind,
		       const char *parent_code, int sort, struct err *e);

/* Renames, reorders or (de)activates a unit. A unit with active users cannot be deactivated. */
int org_unit_update(struct db *db, const struct actor *who, const char *code, const char *name, int sort, int active,
		    int files_ledger,
		    struct err *e);

/* Adds a user after checking login, role, unit and the password policy. Returns the id or -1. */
long long org_user_add(struct db *db, const struct actor *who, const char *login, const char *name, const char *phone,
		       const char *role, const char *unit_code, const char *password, struct err *e);

/* Changes a user's name, phone, role, unit and active flag. Deactivating ends their sessions. */
int org_user_update(struct db *db, const struct actor *who, long long id, const char *name, const char *phone,
		    const char *role, const char *unit_code, int active, struct err *e);

/* Sets a new password (policy checked) and ends the user's sessions. */
int org_user_set_password(struct db *db, const struct actor *who, long long id, const char *password, struct err *e);

#endif
