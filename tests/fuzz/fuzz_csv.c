/*
 * fuzz_csv.c — libFuzzer target: the CSV importer (libcsv, encoding detection, GB18030
 * conversion, header mapping, row validation). Rows that pass are written to the in-memory
 * demo database through the same writer path the server uses.
 */
#include <stdint.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	struct db *db = fuzz_db();
	if (!started) {
		/* The writer thread needs a file: a fresh one per process under /tmp. */
		char path[64];
		snprintf(path, sizeof path, "/tmp/ledger-fuzz-csv-%d.db", (int)getpid());
		struct db *w = db_open(path, &(struct err){ 0 });
		char dir[4096];
		const char *root = getenv("LEDGER_ROOT");
		snprintf(dir, sizeof dir, "%s/migrations", root ? root : ".");
		struct err e;
		migrate_run(w, dir, &e);
		FILE *null = fopen("/dev/null", "w");
		demo_install(w, null, &e);
		fclose(null);
		db_close(w);
		db_pool_start(path, &e);
		started = 1;
	}
	(void)db;
	struct subject who = { ROLE_REVIEWER, "/1/" };
	struct actor a = { 2, "fuzz" };
	struct err e = { 0 };
	json_t *report = import_csv(db_reader(), &who, a, (const char *)data, size, NULL, &e);
	json_decref(report);
	return 0;
}
