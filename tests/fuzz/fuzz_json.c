/*
 * fuzz_json.c — libFuzzer target: a ticket as the API receives it. The body is parsed with
 * jansson as the server does, then validated by ticket_prepare against the demo district;
 * valid or not, nothing may crash or leak. And whatever parses, written back by the API's
 * encoder (http_json_write), must parse again to the same value.
 */
#include <stdint.h>

#include "fuzz_common.h"
#include "http.h"
#include "ticket.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct db *db = fuzz_db();
	json_error_t jerr;
	json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (in) {
		struct buf out;
		buf_init(&out);
		http_json_write(&out, in, 0);
		json_t *back = json_loadb(out.data, out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		if (!back || !json_equal(in, back)) {
			fprintf(stderr, "fuzz_json: encoder round trip differs: %.300s\n", out.data);
			abort();
		}
		json_decref(back);
		buf_free(&out);
	}
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
