/*
 * test_util.c — the clock (LEDGER_NOW, Shanghai dates), date validation, buffers and escaping,
 * org rules (unit tree, users, password policy), the writer thread's group commit, the
 * codebook of catalog names and the buffered log.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "codebook.h"
#include "db.h"
#include "demo.h"
#include "form.h"
#include "mask.h"
#include "migrate.h"
#include "org.h"
#include "test.h"
#include "kept.h"
#include "utf8.h"

static void test_dates(void)
{
	CHECK(date_parse_days("1970-01-01") == 0);
	CHECK(date_parse_days("2023-09-25") - date_parse_days("2023-09-06") == 19);
	CHECK(date_parse_days("2024-02-29") > 0);
	CHECK(date_parse_days("2023-02-29") == -1);
	CHECK(date_parse_days("2023-13-01") == -1);
	CHECK(date_parse_days("2023-9-1") == -1);
	CHECK(date_parse_days("2023-09-01x") == -1);
	CHECK(date_parse_days("") == -1);
	CHECK(date_parse_days(NULL) == -1);

	time_t t;
	CHECK(time_parse_rfc3339("2023-09-26T10:00:00+08:00", &t) == 0);
	CHECK(t == 1695693600);
	CHECK(time_parse_rfc3339("2023-09-26T02:00:00Z", &t) == 0 && t == 1695693600);
	CHECK(time_parse_rfc3339("2023-09-26 10:00:00", &t) == -1);
	CHECK(time_parse_rfc3339("2023-09-26T25:00:00+08:00", &t) == -1);

	/* 23:30 UTC is already the next day in Shanghai. */
	char s[32];
	CHECK(time_parse_rfc3339("2023-09-25T23:30:00Z", &t) == 0);
	time_format_date(t, s, sizeof s);
	CHECK_STR(s, "2023-09-26");
	time_format_rfc3339(t, s, sizeof s);
	CHECK_STR(s, "2023-09-26T07:30:00+08:00");

	clock_fix("2023-09-26T10:00:00+08:00");
	CHECK(clock_now() == 1695693600);
	CHECK(date_today_days() == date_parse_days("2023-09-26"));
	clock_fix("garbage");
	CHECK(clock_now() > 1695693600); /* an unreadable value falls back to the real clock */
	clock_fix(NULL);
}

static void test_buf(void)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	CHECK(b.len == 3890);
	CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
	buf_free(&b);
	buf_html_escape(&b, "<script>alert('x&y')</script>", 29);
	CHECK_STR(b.data, "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;");
	buf_free(&b);
	/* text_hash is FNV-1a, 64 bits (the published values for "" and "a"). */
	CHECK(text_hash("") == 0xcbf29ce484222325ULL);
	CHECK(text_hash("a") == 0xaf63dc4c8601ec8cULL);
	/* str_copy: whole when it fits, cut to n - 1 bytes when not, always terminated. */
	char small[5];
	memset(small, 'x', sizeof small);
	str_copy(small, sizeof small, "GET");
	CHECK_STR(small, "GET");
	str_copy(small, sizeof small, "DELETE");
	CHECK_STR(small, "DELE");
	str_copy(small, sizeof small, "");
	CHECK_STR(small, "");
	str_copy(small, 1, "abc");
	CHECK(small[0] == '\0');
}

/* The escaping one byte at a time, as the JSON grammar states it. */
static void json_reference(const char *s, size_t n, struct buf *out)
{
	buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)c);
		} else if (c == '\n') {
			buf_puts(out, "\\n");
		} else if (c == '\r') {
			buf_puts(out, "\\r");
		} else if (c == '\t') {
			buf_puts(out, "\\t");
		} else if (c == '\b') {
			buf_puts(out, "\\b");
		} else if (c == '\f') {
			buf_puts(out, "\\f");
		} else if (c < 0x20) {
			buf_printf(out, "\\u%04x", c);
		} else {
			buf_putc(out, (char)c);
		}
	}
	buf_putc(out, '"');
}

/* buf_json_string skips eight bytes at a time: every character needing escape, at every
 * place relative to those blocks, among plain ASCII and multi-byte UTF-8. */
/* The escaper against a byte-at-a-time reference: every position within and across the
 * sixteen-byte blocks, and bytes above 0x7F (UTF-8) beside the special characters. */
static void test_html_escape_blocks(void)
{
	static const char alphabet[] = "a&<>\"'\xe4\xb8\xad ";
	unsigned seed = 12345;
	int same = 1;
	for (int round = 0; round < 2000; round++) {
		char in[80];
		size_t n = (size_t)(round % 70);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (seed >> 16) % 5 ? 'x' : alphabet[(seed >> 8) % (sizeof alphabet - 1)];
		}
		struct buf got, want;
		buf_init(&got);
		buf_init(&want);
		buf_html_escape(&got, in, n);
		for (size_t i = 0; i < n; i++) {
			switch (in[i]) {
			case '&': buf_puts(&want, "&amp;"); break;
			case '<': buf_puts(&want, "&lt;"); break;
			case '>': buf_puts(&want, "&gt;"); break;
			case '"': buf_puts(&want, "&quot;"); break;
			case '\'': buf_puts(&want, "&#39;"); break;
			default: buf_putc(&want, in[i]); break;
			}
		}
		if (got.len != want.len || (got.len && memcmp(got.data, want.data, got.len) != 0))
			same = 0;
		buf_free(&got);
		buf_free(&want);
	}
	CHECK(same);
}

static void test_json_string(void)
{
	const char specials[] = { '"', '\\', '\n', '\r', '\t', '\b', '\f', 0x01, 0x1f, 0x7f, ' ', '!', '#', '[', ']' };
	int bad = 0;
	for (size_t len = 0; len <= 24; len++) {
		for (size_t at = 0; at < len || (len == 0 && at == 0); at++) {
			for (size_t k = 0; k < sizeof specials; k++) {
				char s[64];
				for (size_t i = 0; i < len; i++)
					s[i] = (char)(i % 3 == 0 ? 'a' + (int)i : "\xe5\x8f\xb0"[i % 3]);
				if (len)
					s[at] = specials[k];
				struct buf got, want;
				buf_init(&got);
				buf_init(&want);
				buf_json_string(&got, s, len);
				json_reference(s, len, &want);
				if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0) {
					bad++;
					fprintf(stderr, "json string len %zu at %zu char %d: %s vs %s\n", len, at, specials[k],
						got.data, want.data);
				}
				buf_free(&got);
				buf_free(&want);
			}
		}
	}
	CHECK(bad == 0);
	struct buf b;
	buf_init(&b);
	buf_json_string(&b, "群众反映：\"供水\"不足\\两小时\n", strlen("群众反映：\"供水\"不足\\两小时\n"));
	CHECK_STR(b.data, "\"群众反映：\\\"供水\\\"不足\\\\两小时\\n\"");
	buf_free(&b);
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

static void test_mask(void)
{
	const struct {
		const char *in, *name, *phone;
	} cases[] = {
		{ "张三", "张*", NULL },
		{ "欧阳娜娜", "欧***", NULL },
		{ "王", "王*", NULL },
		{ "Li Lei", "L*****", NULL },
		{ "", "", NULL },
		{ "13812345678", NULL, "138****5678" },
		{ "0632-3311234", NULL, "063*****1234" },
		{ "3311234", NULL, "***1234" },
		{ "110", NULL, "***" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf b;
		buf_init(&b);
		if (cases[i].name) {
			mask_name(cases[i].in, &b);
			CHECK_STR(b.data ? b.data : "", cases[i].name);
		} else {
			mask_phone(cases[i].in, &b);
			CHECK_STR(b.data ? b.data : "", cases[i].phone);
		}
		buf_free(&b);
	}
}

static void test_form(void)
{
	struct form f;
	const char *body = "login=xingren&password=Demo%232023&name=%E5%BC%A0+%E4%B8%89&empty=&flag&login=second";
	CHECK(form_parse(body, strlen(body), &f) == 0);
	CHECK_STR(form_get(&f, "login"), "xingren");
	CHECK_STR(form_get(&f, "password"), "Demo#2023");
	CHECK_STR(form_get(&f, "name"), "张 三");
	CHECK_STR(form_get(&f, "empty"), "");
	CHECK_STR(form_get(&f, "flag"), "");
	CHECK(form_get(&f, "missing") == NULL);
	CHECK(f.n == 6);
	form_free(&f);

	const char *bad[] = { "a=%zz", "a=%4", "a=%", "a=%00", "a=%FF%FE", "a=%C0%AF", "a=%ED%A0%80" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		CHECK(form_parse(bad[i], strlen(bad[i]), &f) == -1);
		CHECK(f.n == 0);
	}
	CHECK(form_parse("", 0, &f) == 0 && f.n == 0);
	CHECK(form_parse("&&&", 3, &f) == 0 && f.n == 0);
	/* More pairs than we hold is refused rather than cut. */
	struct buf many;
	buf_init(&many);
	for (int i = 0; i < FORM_MAX_PAIRS + 1; i++)
		buf_printf(&many, "k%d=v&", i);
	CHECK(form_parse(many.data, many.len, &f) == -1);
	buf_free(&many);

	CHECK(utf8_valid("问题整改台账", strlen("问题整改台账")));
	CHECK(!utf8_valid("\xe9\x97", 2));
	CHECK(!utf8_valid("\xf5\x80\x80\x80", 4));
}

/* Kept pieces (kept.c): found by every field of their typed key, and only by it. */
static void *kept_other_thread(void *arg)
{
	return kept_get(arg); /* another thread keeps its own */
}

static void test_kept(void)
{
	const struct kept_key nav = { .kind = KEPT_NAV, .n = { 2, 3, 17 } };
	const struct kept_key nav_other_count = { .kind = KEPT_NAV, .n = { 2, 3, 18 } };
	const struct kept_key user = { .kind = KEPT_USER, .s = { "xingren", "张专员", "staff", "兴仁街道" } };
	const struct kept_key user_renamed = { .kind = KEPT_USER, .s = { "xingren", "张专员", "staff", "兴仁街道办事处" } };
	const struct kept_key split = { .kind = KEPT_USER, .s = { "xingre", "n张专员", "staff", "兴仁街道" } };
	static const char q[] = "SELECT 1";
	const struct kept_key opt_empty = { .kind = KEPT_OPTIONS, .p = q, .n = { 5 }, .s = { NULL } };
	const struct kept_key opt_blank = { .kind = KEPT_OPTIONS, .p = q, .n = { 5 }, .s = { "" } };
	CHECK(kept_get(&nav) == NULL);
	json_t *v = kept_put(&nav, json_string("nav"));
	json_decref(v);
	json_t *got = kept_get(&nav);
	CHECK(got && strcmp(json_string_value(got), "nav") == 0);
	json_decref(got);
	CHECK(kept_get(&nav_other_count) == NULL);
	json_decref(kept_put(&user, json_string("user")));
	CHECK(kept_get(&user_renamed) == NULL);
	CHECK(kept_get(&split) == NULL); /* strings are not run together */
	json_decref(kept_put(&opt_empty, json_string("opt")));
	got = kept_get(&opt_blank); /* NULL is the empty string */
	CHECK(got != NULL);
	json_decref(got);
	pthread_t th;
	void *other = (void *)1;
	pthread_create(&th, NULL, kept_other_thread, (void *)&nav);
	pthread_join(th, &other);
	CHECK(other == NULL);
	/* The oldest goes when room is needed: after 48 more, the first is gone. */
	for (int i = 0; i < 48; i++) {
		const struct kept_key k = { .kind = KEPT_ACTIONS, .n = { i } };
		json_decref(kept_put(&k, json_integer(i)));
	}
	CHECK(kept_get(&nav) == NULL);
}

/* The one decoder (utf8.c): strict forms, counting, cutting, encoding. */
static void test_utf8(void)
{
	static const struct {
		const char *s;
		int valid;
	} cases[] = {
		{ "abc", 1 }, { "台账", 1 }, { "\xf0\x9f\x98\x80", 1 }, /* U+1F600 */
		{ "\xc0\xaf", 0 },					   /* overlong "/" */
		{ "\xe0\x80\xaf", 0 },				   /* overlong, three bytes */
		{ "\xed\xa0\x80", 0 },				   /* a surrogate */
		{ "\xf4\x90\x80\x80", 0 },				   /* past U+10FFFF */
		{ "\x80", 0 },						   /* a lone continuation */
		{ "\xe5\x8f", 0 },					   /* cut short */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		CHECK(utf8_valid(cases[i].s, strlen(cases[i].s)) == cases[i].valid);
	CHECK(utf8_chars("满意台账ab") == 6);
	CHECK(utf8_chars("\xff\xfe") == 2); /* stray bytes count one each */
	CHECK(utf8_first_len("台") == 3 && utf8_first_len("a") == 1 && utf8_first_len("\xe5x") == 1);
	/* Cutting never splits a character. */
	CHECK(utf8_cut("台账", 6, 5) == 3);
	CHECK(utf8_cut("台账", 6, 6) == 6);
	CHECK(utf8_cut("台账", 6, 2) == 0);
	CHECK(utf8_cut("a台", 4, 3) == 1);
	/* Every code point that may be encoded comes back the same. */
	int round = 1;
	for (unsigned long cp = 1; cp <= 0x10FFFF; cp += cp < 0x3000 ? 1 : 97) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char out[5];
		size_t n = utf8_encode(cp, out), at = 0;
		out[n] = '\0';
		round &= utf8_next((const unsigned char *)out, n, &at) == (long)cp && at == n;
	}
	CHECK(round);
}

/* The whole of a file, read again each call. */
static char *file_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	buf_init(&b);
	char chunk[8192];
	size_t n;
	while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	if (f)
		fclose(f);
	buf_putc(&b, '\0');
	return b.data;
}

static void *log_many(void *arg)
{
	int t = *(int *)arg;
	for (int i = 0; i < 3000; i++)
		log_info("thread %d line %04d %s", t, i, "…………………………………………………………");
	return NULL;
}

/* A line "thread T line NNNN" of each thread, each once and in its thread's order. */
static int log_lines_in_order(const char *text, int t)
{
	char want[32];
	const char *at = text;
	for (int i = 0; i < 3000; i++) {
		snprintf(want, sizeof want, "thread %d line %04d ", t, i);
		const char *hit = strstr(at, want);
		if (!hit || strstr(hit + 1, want))
			return 0;
		at = hit;
	}
	return 1;
}

static void test_log_buffer(void)
{
	char path[] = "/tmp/ledger-log-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	CHECK(fd >= 0 && saved >= 0);
	if (fd < 0 || saved < 0)
		return;
	/* While stderr is the file, results are kept and checked after it is back. */
	int warned_in_order, alone_seen, thread1, thread2, last, after_stop;
	dup2(fd, STDERR_FILENO);
	close(fd);

	log_buffer_start();
	log_info("first of three");
	log_info("second of three");
	log_info("third of three");
	log_warn("a warning");
	/* A warning is written before log_warn returns, after every line before it. */
	char *text = file_text(path);
	const char *w = strstr(text, "warn a warning\n");
	const char *a = strstr(text, "info first of three\n"), *b = strstr(text, "info second of three\n"),
		   *c = strstr(text, "info third of three\n");
	warned_in_order = w && a && b && c && a < b && b < c && c < w;
	free(text);

	/* An info line alone is written by the log's thread within its flush interval. */
	log_info("alone");
	alone_seen = 0;
	for (int i = 0; i < 400 && !alone_seen; i++) {
		text = file_text(path);
		alone_seen = strstr(text, "info alone\n") != NULL;
		free(text);
		if (!alone_seen)
			usleep(5000);
	}

	/* Two threads write about 700 KB, ten times the buffer: each line once, in order. */
	pthread_t th[2];
	int ids[2] = {1, 2};
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, log_many, &ids[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	log_info("last buffered");
	log_buffer_stop();
	text = file_text(path);
	thread1 = log_lines_in_order(text, 1);
	thread2 = log_lines_in_order(text, 2);
	last = strstr(text, "info last buffered\n") != NULL;
	free(text);

	/* Stopped, each line is written as it comes. */
	log_info("after the stop");
	text = file_text(path);
	after_stop = strstr(text, "info after the stop\n") != NULL;
	free(text);

	/* A process that exits with lines waiting (no log_buffer_stop) still writes them. */
	int exited_written = 0;
	pid_t child = fork();
	if (child == 0) {
		log_buffer_start();
		log_info("written at exit");
		exit(0);
	}
	if (child > 0) {
		int status;
		waitpid(child, &status, 0);
		text = file_text(path);
		exited_written = strstr(text, "info written at exit\n") != NULL;
		free(text);
	}

	dup2(saved, STDERR_FILENO);
	close(saved);
	unlink(path);
	CHECK(exited_written);
	CHECK(warned_in_order);
	CHECK(alone_seen);
	CHECK(thread1);
	CHECK(thread2);
	CHECK(last);
	CHECK(after_stop);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_dates();
	test_buf();
	test_utf8();
	test_kept();
	test_json_string();
	test_password_policy();
	test_mask();
	test_form();
	test_html_escape_blocks();
	test_org_and_writer();
	test_codebook();
	test_log_buffer();
	return test_summary("test_util");
}
