/*
 * fuzz_csv.c — libFuzzer target: the CSV importer (libcsv, encoding detection, GB18030
 * conversion, header mapping, row validation). Rows that pass are written to the in-memory
 * demo database through the same writer path the server uses.
 */
#include <stdint.h>

#include "fuzz_common.h"
#include "handlers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_writer("csv");
	struct subject who = { ROLE_REVIEWER, "/1/" };
	struct actor a = { 2, "fuzz" };
	struct err e = { 0 };
	json_t *report = import_file(db_reader(), &who, a, (const char *)data, size, size % 2, NULL, &e);
	json_decref(report);
	return 0;
}
