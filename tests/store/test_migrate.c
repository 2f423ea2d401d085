/*
 * test_migrate.c — migrations apply in order, once, each all-or-nothing; numbering clashes
 * are refused; the project's own migrations apply to an empty database.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate.h"
#include "test.h"

static char tmp[256];

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/m/%s", tmp, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static int table_exists(struct db *db, const char *name)
{
	static const char q[] = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1";
	sqlite3_stmt *st = db_prepare(db, q);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	db_done(st);
	return n == 1;
}

int main(int argc, char **argv)
{
	const char *project_migrations = argc > 1 ? argv[1] : "migrations";
	snprintf(tmp, sizeof tmp, "/tmp/ledger-test-migrate-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	char dir[300], dbpath[300];
	snprintf(dir, sizeof dir, "%s/m", tmp);
	snprintf(dbpath, sizeof dbpath, "%s/t.db", tmp);
	mkdir(dir, 0700);

	write_file("001_a.sql", "CREATE TABLE a (x INTEGER);");
	write_file("002_b.sql", "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);");
	write_file("README", "not a migration");
	write_file("01_short.sql", "CREATE TABLE never (z);");

	struct err e = { 0 };
	struct db *db = db_open(dbpath, &e);
	CHECK(db != NULL);
	CHECK(migrate_version(db) == 0);
	CHECK(migrate_run(db, dir, &e) == 2);
	CHECK(migrate_version(db) == 2);
	CHECK(table_exists(db, "a") && table_exists(db, "b"));
	CHECK(!table_exists(db, "never"));

	/* Running again applies nothing. */
	CHECK(migrate_run(db, dir, &e) == 0);

	/* A failing migration leaves no trace and keeps the version. */
	write_file("003_bad.sql", "CREATE TABLE c (z INTEGER); INSERT INTO b VALUES (2); THIS IS NOT SQL;");
	CHECK(migrate_run(db, dir, &e) == -1);
	CHECK(strstr(e.message, "003_bad.sql") != NULL);
	CHECK(migrate_version(db) == 2);
	CHECK(!table_exists(db, "c"));
	static const char q_b[] = "SELECT count(*) FROM b";
	sqlite3_stmt *st = db_prepare(db, q_b);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
	db_done(st);

	/* Fixed, it applies. */
	write_file("003_bad.sql", "CREATE TABLE c (z INTEGER);");
	CHECK(migrate_run(db, dir, &e) == 1);
	CHECK(migrate_version(db) == 3);

	/* Two migrations with one number are refused. */
	write_file("004_x.sql", "CREATE TABLE x (z);");
	write_file("004_y.sql", "CREATE TABLE y (z);");
	CHECK(migrate_run(db, dir, &e) == -1);
	CHECK(strstr(e.message, "重复") != NULL);
	CHECK(migrate_version(db) == 3);

	/* The pragmas every connection runs with. */
	static const char q_fk[] = "PRAGMA foreign_keys";
	static const char q_jm[] = "PRAGMA journal_mode";
	st = db_prepare(db, q_fk);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
	db_done(st);
	st = db_prepare(db, q_jm);
	CHECK(sqlite3_step(st) == SQLITE_ROW && strcmp(db_text(st, 0), "wal") == 0);
	db_done(st);
	db_close(db);

	/* The project's migrations on an empty database. */
	snprintf(dbpath, sizeof dbpath, "%s/real.db", tmp);
	db = db_open(dbpath, &e);
	int n = migrate_run(db, project_migrations, &e);
	if (n < 0)
		fprintf(stderr, "%s\n", e.message);
	CHECK(n >= 1);
	CHECK(table_exists(db, "units") && table_exists(db, "users") && table_exists(db, "campaigns"));
	static const char q_ic[] = "PRAGMA integrity_check";
	st = db_prepare(db, q_ic);
	CHECK(sqlite3_step(st) == SQLITE_ROW && strcmp(db_text(st, 0), "ok") == 0);
	db_done(st);
	db_close(db);

	test_remove_dir(tmp);
	return test_summary("test_migrate");
}
