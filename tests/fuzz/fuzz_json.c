/*
 * fuzz_json.c — libFuzzer target: a ticket as the API receives it. The body is parsed with
 * jansson as the server does, then validated by ticket_prepare against the demo district;
 * valid or not, nothing may crash or leak.
 */
#include <stdint.h>

#include "fuzz_common.h"
#include "ticket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct db *db = fuzz_db();
	json_error_t jerr;
	json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!in || !json_is_object(in)) {
		json_decref(in);
		return 0;
	}
	struct ticket_input t = { 0 };
	json_t *errors = json_object();
	ticket_prepare(db, in, &t, errors);
	json_decref(errors);
	json_decref(in);
	return 0;
}
