/*
 * migrate.h — schema migrations: migrations/NNN_name.sql, applied in order, each in its own
 * transaction together with PRAGMA user_version = NNN, so a failed migration leaves the
 * database exactly as it was.
 */
#ifndef LEDGER_MIGRATE_H
#define LEDGER_MIGRATE_H

#include "db.h"

/* Applies the migrations in dir newer than the database. Returns how many were applied, or -1. */
int migrate_run(struct db *db, const char *dir, struct err *e);

/* The database's schema version (PRAGMA user_version). */
int migrate_version(struct db *db);

#endif
