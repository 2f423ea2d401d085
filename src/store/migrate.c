/*
 * migrate.c — applies migrations/NNN_name.sql in numeric order.
 */
#include "migrate.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct migration {
	int version;
	char name[256];
};

static int by_version(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

int migrate_version(struct db *db)
{
	static const char sql[] = "PRAGMA user_version";
	sqlite3_stmt *st = db_prepare(db, sql);
	int v = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	db_done(st);
	return v;
}

/*
 * A migration may rewrite a table's definition in sqlite_schema (SQLite's documented way to
 * loosen a CHECK, see 026): the schema cookie then has to move for the connections, this one
 * included, to read the new definition. One more after ordinary DDL is harmless.
 */
static int schema_bump(struct db *db, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA schema_version");
	long long v = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_done(st);
	if (v < 0) {
		err_set(e, 500, "migrations", NULL, "无法读取 schema_version");
		return -1;
	}
	char set[64];
	snprintf(set, sizeof set, "PRAGMA schema_version=%lld;", v + 1);
	return db_exec(db, set, e);
}

/* "007_tickets.sql" → 7; -1 if the name is not a migration. */
static int parse_version(const char *name)
{
	int v = 0, digits = 0;
	while (name[digits] >= '0' && name[digits] <= '9') {
		v = v * 10 + (name[digits] - '0');
		digits++;
	}
	size_t l = strlen(name);
	if (digits != 3 || name[3] != '_' || l < 9 || strcmp(name + l - 4, ".sql") != 0)
		return -1;
	return v;
}

int migrate_run(struct db *db, const char *dir, struct err *e)
{
	DIR *d = opendir(dir);
	if (!d) {
		err_set(e, 500, "migrations", NULL, "找不到迁移目录 %s", dir);
		return -1;
	}
	struct migration *m = NULL;
	int n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		int v = parse_version(de->d_name);
		if (v <= 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			m = xrealloc(m, (size_t)cap * sizeof *m);
		}
		m[n].version = v;
		snprintf(m[n].name, sizeof m[n].name, "%s", de->d_name);
		n++;
	}
	closedir(d);
	qsort(m, (size_t)n, sizeof *m, by_version);

	/* A clash is refused before anything is applied. */
	for (int i = 1; i < n; i++) {
		if (m[i].version == m[i - 1].version) {
			err_set(e, 500, "migrations", NULL, "迁移编号重复：%s 与 %s", m[i - 1].name, m[i].name);
			free(m);
			return -1;
		}
	}
	int current = migrate_version(db), applied = 0;
	for (int i = 0; i < n; i++) {
		if (m[i].version <= current)
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, m[i].name);
		char *sql = read_file(path, NULL);
		if (!sql) {
			err_set(e, 500, "migrations", NULL, "无法读取 %s", path);
			applied = -1;
			break;
		}
		char setv[64];
		snprintf(setv, sizeof setv, "PRAGMA user_version=%d;", m[i].version);
		struct err se = { 0 };
		int ok = db_exec(db, "BEGIN IMMEDIATE", &se) == 0 && db_exec(db, sql, &se) == 0 &&
			 schema_bump(db, &se) == 0 && db_exec(db, setv, &se) == 0 && db_exec(db, "COMMIT", &se) == 0;
		free(sql);
		if (!ok) {
			db_exec(db, "ROLLBACK", NULL);
			err_set(e, 500, "migrations", NULL, "迁移 %s 失败：%s", m[i].name, se.message);
			applied = -1;
			break;
		}
		log_info("migration applied: %s", m[i].name);
		applied++;
	}
	free(m);
	return applied;
}
