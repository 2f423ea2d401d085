/*
 * test_org.c — org rules (unit tree, users, password policy) through the field tables, the
 * writer thread's group commit and kept snapshots, and the codebook of catalog names, on a
 * temporary ledger.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#include "auth.h"
#include "codebook.h"
#include "db.h"
#include "demo.h"
#include "migrate.h"
#include "org.h"
#include "test.h"

/* Role and unit are checked together: each role against each kind of unit. */
static void test_role_fits_unit(void)
{
	const char *kinds[] = { "district", "department", "street", "community", "village" };
	/* 1: may sit there */
	const struct {
		const char *role;
		int fits[5];
	} want[] = { { "staff", { 0, 1, 1, 1, 1 } },
		     { "reviewer", { 1, 1, 0, 0, 0 } },
		     { "supervisor", { 1, 1, 0, 0, 0 } },
		     { "admin", { 1, 1, 0, 0, 0 } } };
	for (size_t r = 0; r < sizeof want / sizeof want[0]; r++)
		for (int k = 0; k < 5; k++) {
			const char *why = org_role_misfit(want[r].role, kinds[k]);
			if ((why == NULL) != want[r].fits[k])
				fprintf(stderr, "%s in %s: %s\n", want[r].role, kinds[k], why ? why : "fits");
			CHECK((why == NULL) == want[r].fits[k]);
		}
	CHECK_STR(org_role_misfit("admin", "community"), "系统管理员只能设在区本级或区直部门");
}

static void test_password_policy(void)
{
	struct err e;
	CHECK(!auth_password_ok("short1A", NULL, &e));
	CHECK(!auth_password_ok("alllowercase", NULL, &e));
	CHECK(!auth_password_ok("lowerUPPER", NULL, &e));
	CHECK(auth_password_ok("Kqz7#river", NULL, &e));
	CHECK(auth_password_ok(DEMO_PASSWORD, NULL, &e));
	/* Common passwords and their l33t forms pass the composition rule, not the list. */
	const char *common[] = { "Password1", "P@ssw0rd", "Passw0rd!", "Admin@123", "Qwerty123", "Abcd1234!" };
	for (size_t i = 0; i < ARRAY_LEN(common); i++) {
		CHECK(!auth_password_ok(common[i], NULL, &e));
		CHECK_STR(e.code, "weak_password");
	}
	/* The login itself is a word to avoid. */
	CHECK(auth_password_ok("Kqz7#river", "xingren", &e));
	CHECK(!auth_password_ok("Xingren#1", "xingren", &e));
	char h[crypto_pwhash_STRBYTES];
	CHECK(auth_password_hash("Secret#123", h, sizeof h) == 0);
	CHECK(strncmp(h, "$argon2id$", 10) == 0);
	CHECK(auth_password_verify(h, "Secret#123"));
	CHECK(!auth_password_verify(h, "Secret#124"));
	CHECK(!auth_password_needs_rehash(h));
	/* A hash made under other limits is flagged for rehashing at the next sign-in. */
	char old[crypto_pwhash_STRBYTES];
	CHECK(crypto_pwhash_str_alg(old, "Secret#123", 10, 3, 8 * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13) == 0);
	CHECK(auth_password_verify(old, "Secret#123"));
	CHECK(auth_password_needs_rehash(old));
}

static int insert_one(struct db *w, void *arg, struct err *e)
{
	static const char q[] = "INSERT INTO t (v) VALUES (?1)";
	sqlite3_stmt *st = db_prepare(w, q);
	sqlite3_bind_int(st, 1, *(int *)arg);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE) {
		err_set(e, 422, "constraint", "v", "rejected");
		return -1;
	}
	return 0;
}

static void *writer_client(void *arg)
{
	int base = *(int *)arg;
	for (int i = 0; i < 50; i++) {
		int v = base + i;
		struct err e;
		db_write(insert_one, &v, &e);
	}
	return NULL;
}

static int rows_in_t(struct db *db)
{
	static const char q[] = "SELECT count(*) FROM t";
	sqlite3_stmt *st = db_prepare(db, q);
	int n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	db_done(st);
	return n;
}

/* A write by another process (here: another connection, not through the writer). */
static void insert_aside(sqlite3 *other, int v)
{
	char sql[64];
	snprintf(sql, sizeof sql, "INSERT INTO t (v) VALUES (%d)", v);
	CHECK(sqlite3_exec(other, sql, NULL, NULL, NULL) == SQLITE_OK);
}

/*
 * A page's snapshot is kept for the thread's next page: until a write through the writer, for
 * at most keep_ms (another process's writes), and never for reads outside a page. An idle
 * kept snapshot does not hold back a checkpoint. t holds 150 rows.
 */
static void test_kept_snapshot(const char *path)
{
	struct err e = { 0 };
	sqlite3 *other = NULL;
	CHECK(sqlite3_open(path, &other) == SQLITE_OK);
	sqlite3_busy_timeout(other, 5000);
	db_pool_keep_ms(60000);
	CHECK(db_pool_start(path, &e) == 0);
	struct db *pg = db_page_begin();
	CHECK(rows_in_t(pg) == 150);
	db_page_end(pg);
	insert_aside(other, 5000);
	pg = db_page_begin();
	CHECK(rows_in_t(pg) == 150); /* the same snapshot: the write aside is not seen yet */
	db_page_end(pg);
	int v = 5001;
	CHECK(db_write(insert_one, &v, &e) == 0);
	pg = db_page_begin();
	CHECK(rows_in_t(pg) == 152); /* a write through the writer ends it: both are seen */
	db_page_end(pg);
	insert_aside(other, 5002);
	CHECK(rows_in_t(db_reader()) == 153); /* outside a page: the newest */

	/* Kept from this page, the snapshot would keep the next write from being checkpointed;
	 * the writer ends it after the commit. */
	pg = db_page_begin();
	CHECK(rows_in_t(pg) == 153);
	db_page_end(pg);
	v = 5003;
	CHECK(db_write(insert_one, &v, &e) == 0);
	int log = -1, done = -2, rc = SQLITE_OK;
	for (int i = 0; i < 200 && rc == SQLITE_OK && log != done; i++) {
		rc = sqlite3_wal_checkpoint_v2(other, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
		if (log != done)
			usleep(10000);
	}
	CHECK(rc == SQLITE_OK && log > 0 && log == done);

	/* With the usual 20 ms, another process's write is seen by a page begun after that. */
	db_pool_keep_ms(20);
	pg = db_page_begin();
	CHECK(rows_in_t(pg) == 154);
	db_page_end(pg);
	insert_aside(other, 5004);
	usleep(30000);
	pg = db_page_begin();
	CHECK(rows_in_t(pg) == 155);
	db_page_end(pg);
	db_pool_stop();
	sqlite3_close(other);
}

/* A migrated ledger in a new temporary directory (dir, a mkdtemp template, is filled in; the
 * file's path goes to path). NULL if the directory cannot be made. */
static struct db *temp_ledger(char *dir, char *path, size_t n)
{
	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, n, "%s/t.db", dir);
	struct err e = { 0 };
	struct db *db = db_open(path, &e);
	CHECK(migrate_run(db, "migrations", &e) >= 1);
	return db;
}

static void test_org_and_writer(void)
{
	char dir[] = "/tmp/ledger-test-util-XXXXXX", path[128];
	struct db *db = temp_ledger(dir, path, sizeof path);
	if (!db)
		return;
	struct err e = { 0 };

	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "GX", "高新区", "district", NULL, 0, &e) > 0);
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "GX2", "第二个区", "district", NULL, 0, &e) == -1); /* one root */
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "XR", "兴仁街道", "street", "GX", 0, &e) > 0);
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "XR01", "光明路社区", "community", "XR", 0, &e) > 0);
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "XR", "重复", "street", "GX", 0, &e) == -1);
	CHECK_STR(e.field, "code");
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "C1", "社区", "community", "GX", 0, &e) == -1); /* communities sit under streets */
	CHECK_STR(e.field, "kind");
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "bad code", "x", "street", "GX", 0, &e) == -1);
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "Y1", "x", "street", "NOPE", 0, &e) == -1);
	CHECK_STR(e.field, "parent");
	static const char q_path[] = "SELECT path FROM units WHERE code = 'XR01'";
	sqlite3_stmt *st = db_prepare(db, q_path);
	CHECK(sqlite3_step(st) == SQLITE_ROW && strcmp(db_text(st, 0), "/1/2/3/") == 0);
	db_done(st);

	CHECK(org_user_add(db, &ACTOR_SYSTEM, "xingren", "张专员", "", "staff", "XR", "Good#pass1", &e) > 0);
	CHECK(org_user_add(db, &ACTOR_SYSTEM, "XINGREN", "重名", "", "staff", "XR", "Good#pass1", &e) == -1); /* case-insensitive */
	CHECK(org_user_add(db, &ACTOR_SYSTEM, "u2", "x", "", "boss", "XR", "Good#pass1", &e) == -1);
	CHECK_STR(e.field, "role");
	CHECK(org_user_add(db, &ACTOR_SYSTEM, "u2", "x", "", "staff", "NOPE", "Good#pass1", &e) == -1);
	CHECK_STR(e.field, "unit");
	CHECK(org_user_add(db, &ACTOR_SYSTEM, "u2", "x", "", "staff", "XR", "weak", &e) == -1);
	CHECK_STR(e.field, "password");
	db_exec(db, "CREATE TABLE t (v INTEGER UNIQUE)", &e);
	db_close(db);

	/* Four threads write through the one writer; a failing write leaves the others intact. */
	CHECK(db_pool_start(path, &e) == 0);
	pthread_t th[4];
	int bases[4] = { 0, 1000, 2000, 0 }; /* the last repeats the first: all 50 rejected */
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, writer_client, &bases[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	int dup = 5;
	CHECK(db_write(insert_one, &dup, &e) == -1);
	CHECK_STR(e.field, "v");
	static const char q_count[] = "SELECT count(*) FROM t";
	struct db *r = db_reader();
	st = db_prepare(r, q_count);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 150);
	db_done(st);
	/* A read connection cannot write. */
	CHECK(db_exec(r, "INSERT INTO t (v) VALUES (99999)", &e) == -1);
	db_pool_stop();

	/* The writer looks at the planner statistics every second: none yet, so it takes them,
	 * and a reader opened before is opened again at its next renew; then, nothing having
	 * grown, it takes none and the reader stays. */
	db_pool_stats_every(1);
	CHECK(db_pool_start(path, &e) == 0);
	struct db *before = db_reader();
	CHECK(before != NULL);
	CHECK(db_exec(before, "PRAGMA cache_size=-1234", &e) == 0); /* kept by the reader opened anew */
	db_reader_renew();
	CHECK(db_reader() == before);
	int renewed = 0;
	for (int i = 0; i < 40 && !renewed; i++) {
		usleep(100000);
		db_reader_renew();
		renewed = db_reader() != before;
	}
	CHECK(renewed);
	static const char q_stats[] = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'";
	r = db_reader();
	st = db_prepare(r, q_stats);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1);
	db_done(st);
	static const char q_cache[] = "PRAGMA cache_size";
	st = db_prepare(r, q_cache);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == -1234);
	db_done(st);
	CHECK(!db_stats_stale(r, 0)); /* an empty ledger: nothing to outgrow */
	CHECK(db_stats_stale(r, 1));  /* at start a small ledger takes them anyway */
	usleep(1500000);
	db_reader_renew();
	CHECK(db_reader() == r);
	db_pool_stop();
	db_pool_stats_every(0);
	CHECK(db_write(insert_one, &dup, &e) == -1 && e.status == 503);

	test_kept_snapshot(path);

	test_remove_dir(dir);
}

/* The name of unit code as the codebook cb has it, or NULL. */
static const char *book_unit(struct db *db, const struct codebook *cb, const char *code)
{
	static const char q_id[] = "SELECT id FROM units WHERE code = ?1";
	const struct codebook_entry *u = codebook_find(cb, CB_UNITS, db_lookup_id(db, q_id, code));
	return u ? u->name : NULL;
}

/* Begins a transaction (BEGIN or BEGIN IMMEDIATE) and reads from it, as a page has before it
 * asks for the codebook. */
static const struct codebook *book_in(struct db *db, const char *begin)
{
	struct err e = { 0 };
	CHECK(db_exec(db, begin, &e) == 0);
	static const char q_any[] = "SELECT count(*) FROM units";
	sqlite3_stmt *st = db_prepare(db, q_any);
	CHECK(st && sqlite3_step(st) == SQLITE_ROW);
	db_done(st);
	return codebook_get(db);
}

/*
 * The codebook: names by id; the same one while nothing changed; a change made by another
 * connection is seen; one read inside a write transaction that is rolled back is not kept,
 * even when a later change brings catalog_version back to the number it had counted.
 */
static void test_codebook(void)
{
	char dir[] = "/tmp/ledger-test-book-XXXXXX", path[128];
	struct db *db = temp_ledger(dir, path, sizeof path);
	if (!db)
		return;
	struct err e = { 0 };
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "GX", "高新区", "district", NULL, 0, &e) > 0);
	CHECK(org_unit_add(db, &ACTOR_SYSTEM, "XR", "兴仁街道", "street", "GX", 0, &e) > 0);
	sqlite3 *other = NULL;
	CHECK(sqlite3_open(path, &other) == SQLITE_OK);
	sqlite3_busy_timeout(other, 5000);

	const struct codebook *first = book_in(db, "BEGIN");
	CHECK(first != NULL);
	CHECK_STR(book_unit(db, first, "XR"), "兴仁街道");
	CHECK(codebook_find(first, CB_UNITS, 987654) == NULL);
	CHECK(codebook_find(first, CB_SOURCES, 1) != NULL); /* the migrations' own sources */
	db_exec(db, "COMMIT", &e);
	CHECK(book_in(db, "BEGIN") == first); /* nothing changed: the same one, read once */
	db_exec(db, "COMMIT", &e);

	CHECK(sqlite3_exec(other, "UPDATE units SET name = '兴仁街道办事处' WHERE code = 'XR'", NULL, NULL, NULL) ==
	      SQLITE_OK);
	const struct codebook *cb = book_in(db, "BEGIN");
	CHECK_STR(book_unit(db, cb, "XR"), "兴仁街道办事处");
	db_exec(db, "COMMIT", &e);

	/* A unit added in a write transaction is seen in it, and gone after its rollback; the
	 * next change counts the version up to what the rolled-back one had. */
	cb = book_in(db, "BEGIN IMMEDIATE");
	CHECK(db_exec(db,
		      "INSERT INTO units (code, name, kind, parent_id, path) "
		      "SELECT 'ZZ', '临时', 'street', id, '/1/9/' FROM units WHERE code = 'GX'",
		      &e) == 0);
	cb = codebook_get(db);
	CHECK_STR(book_unit(db, cb, "ZZ"), "临时");
	db_exec(db, "ROLLBACK", &e);
	CHECK(sqlite3_exec(other, "UPDATE units SET name = '高新技术产业开发区' WHERE code = 'GX'", NULL, NULL, NULL) ==
	      SQLITE_OK);
	cb = book_in(db, "BEGIN");
	CHECK(book_unit(db, cb, "ZZ") == NULL);
	CHECK_STR(book_unit(db, cb, "GX"), "高新技术产业开发区");
	db_exec(db, "COMMIT", &e);
	/* Ids with a gap before them are found too (not at id - 1). */
	CHECK(sqlite3_exec(other,
			   "INSERT INTO units (id, code, name, kind, parent_id, path) "
			   "VALUES (100, 'GAP', '跳号单位', 'street', 1, '/1/100/')",
			   NULL, NULL, NULL) == SQLITE_OK);
	cb = book_in(db, "BEGIN");
	CHECK_STR(book_unit(db, cb, "GAP"), "跳号单位");
	CHECK_STR(book_unit(db, cb, "XR"), "兴仁街道办事处");
	CHECK(codebook_find(cb, CB_UNITS, 99) == NULL);
	db_exec(db, "COMMIT", &e);
	/* A write transaction that leaves the catalog alone uses what is kept. */
	const struct codebook *kept = book_in(db, "BEGIN");
	db_exec(db, "COMMIT", &e);
	CHECK(book_in(db, "BEGIN IMMEDIATE") == kept);
	db_exec(db, "ROLLBACK", &e);

	sqlite3_close(other);
	db_close(db);
	test_remove_dir(dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_role_fits_unit();
	test_password_policy();
	test_org_and_writer();
	test_codebook();
	return test_summary("test_org");
}
