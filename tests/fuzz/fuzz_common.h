/*
 * fuzz_common.h — a demo database in memory, made once per fuzzing process, for the targets
 * that check input against units and taxonomies.
 */
#ifndef LEDGER_FUZZ_COMMON_H
#define LEDGER_FUZZ_COMMON_H

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "demo.h"
#include "migrate.h"

static inline struct db *fuzz_db(void)
{
	static struct db *db;
	if (db)
		return db;
	struct err e;
	if (sodium_init() < 0)
		abort();
	setenv("LEDGER_NOW", "2023-09-10T10:00:00+08:00", 1);
	db = db_open(":memory:", &e);
	const char *root = getenv("LEDGER_ROOT");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/migrations", root ? root : ".");
	if (!db || migrate_run(db, dir, &e) < 0) {
		fprintf(stderr, "fuzz: cannot prepare the database: %s\n", e.message);
		abort();
	}
	FILE *null = fopen("/dev/null", "w");
	demo_install(db, null, &e);
	fclose(null);
	return db;
}

/* For the targets that write: the demo district in a file of its own under /tmp (the writer
 * thread needs one), with the pool of connections started on it. Once per process. */
static inline void fuzz_writer(const char *name)
{
	static int started;
	if (started)
		return;
	fuzz_db();
	char path[96];
	snprintf(path, sizeof path, "/tmp/ledger-fuzz-%s-%d.db", name, (int)getpid());
	struct err e = { 0 };
	struct db *w = db_open(path, &e);
	char dir[4096];
	const char *root = getenv("LEDGER_ROOT");
	snprintf(dir, sizeof dir, "%s/migrations", root ? root : ".");
	migrate_run(w, dir, &e);
	FILE *null = fopen("/dev/null", "w");
	demo_install(w, null, &e);
	fclose(null);
	db_close(w);
	db_pool_start(path, &e);
	started = 1;
}

#endif
