/*
 * fuzz_form.c — libFuzzer target: urlencoded form bodies and query strings (form_parse) and
 * the UTF-8 check behind them. Any input must parse or be refused without a crash or leak,
 * and what parses must be valid UTF-8 without NUL bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f;
	if (form_parse((const char *)data, size, &f) == 0) {
		for (int i = 0; i < f.n; i++) {
			if (!utf8_valid(f.keys[i], strlen(f.keys[i])) || !utf8_valid(f.values[i], strlen(f.values[i])))
				abort();
			(void)form_get(&f, f.keys[i]);
		}
		form_free(&f);
	}
	return 0;
}
