/*
 * test_audit.c — the event chain: intact after appends; an edited, deleted, reordered or
 * truncated chain is caught and the first bad event named.
 */
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit.h"
#include "migrate.h"
#include "test.h"

static char dir[] = "/tmp/ledger-test-audit-XXXXXX";

static int add_events(struct db *db, int n)
{
	struct err e;
	struct actor who = { 7, "xingren" };
	db_exec(db, "BEGIN", &e);
	for (int i = 0; i < n; i++) {
		json_t *before = json_pack("{s:s,s:i}", "status", "open", "n", i);
		json_t *after = json_pack("{s:s,s:i,s:s}", "status", "rectifying", "n", i, "note", "已签收，“双引号”");
		long long id = audit_append(db, &who, "ticket", 100 + i, "accept", before, after, &e);
		json_decref(before);
		json_decref(after);
		if (id != i + 1)
			return -1;
	}
	db_exec(db, "COMMIT", &e);
	return 0;
}

/* A fresh database with 5 events, then tamper (a SQL text) and verify. Returns audit_verify's result. */
static int verify_after(const char *tamper, char *report, size_t n)
{
	char path[128];
	static int count;
	snprintf(path, sizeof path, "%s/a%d.db", dir, count++);
	struct err e = { 0 };
	struct db *db = db_open(path, &e);
	migrate_run(db, "migrations", &e);
	CHECK(add_events(db, 5) == 0);
	if (tamper)
		CHECK(db_exec(db, tamper, &e) == 0);
	FILE *out = fmemopen(report, n, "w");
	int rc = audit_verify(db, out);
	fclose(out);
	db_close(db);
	return rc;
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	char report[512];

	CHECK(verify_after(NULL, report, sizeof report) == 0);
	CHECK(strstr(report, "共 5 条事件") != NULL);

	/* An edited event: its own hash no longer matches. */
	CHECK(verify_after("UPDATE events SET after = replace(after, 'rectifying', 'closed') WHERE id = 3", report,
			   sizeof report) == 1);
	CHECK(strstr(report, "#3") != NULL);

	/* Edited together with a recomputed-looking hash of another event: caught at the next link. */
	CHECK(verify_after("UPDATE events SET hash = (SELECT hash FROM events WHERE id = 1) WHERE id = 2", report,
			   sizeof report) == 1);
	CHECK(strstr(report, "#2") != NULL);

	/* Another actor written in. */
	CHECK(verify_after("UPDATE events SET actor = 'zhongxin' WHERE id = 4", report, sizeof report) == 1);
	CHECK(strstr(report, "#4") != NULL);

	/* A deleted event in the middle. */
	CHECK(verify_after("DELETE FROM events WHERE id = 2", report, sizeof report) == 1);
	CHECK(strstr(report, "#2") != NULL);

	/* Deleted and the ids renumbered to hide the gap: the prev_hash link breaks. */
	CHECK(verify_after("DELETE FROM events WHERE id = 2; UPDATE events SET id = id - 1 WHERE id > 2", report,
			   sizeof report) == 1);
	CHECK(strstr(report, "#2") != NULL);

	/* Two events swapped (reordered). */
	CHECK(verify_after("UPDATE events SET id = -3 WHERE id = 3; UPDATE events SET id = 3 WHERE id = 4; "
			   "UPDATE events SET id = 4 WHERE id = -3",
			   report, sizeof report) == 1);
	CHECK(strstr(report, "#3") != NULL);

	/* The newest event removed: the head record still names it. */
	CHECK(verify_after("DELETE FROM events WHERE id = 5", report, sizeof report) == 1);
	CHECK(strstr(report, "#5") != NULL);

	/* The before/after JSON of an event changed by one key's value. */
	CHECK(verify_after("UPDATE events SET before = '{\"n\":0,\"status\":\"closed\"}' WHERE id = 1", report,
			   sizeof report) == 1);
	CHECK(strstr(report, "#1") != NULL);

	test_remove_dir(dir);
	return test_summary("test_audit");
}
