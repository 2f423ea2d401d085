/*
 * fuzz_tmpl.c — libFuzzer target: the Mustache engine. The input is split at the first NUL
 * byte into a template and a partial of the same set; both are parsed and rendered against a
 * fixed context with nesting, lists and markup to escape.
 */
#include <stdint.h>
#include <string.h>

#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	size_t tl = nul ? (size_t)(nul - s) : size;
	struct tmpl_set *set = tmpl_set_new();
	/* Pages visit a few thousand nodes; a self-including partial would otherwise spend the
	 * default five million on one input and slow the search down a hundredfold. */
	tmpl_set_budget(set, 100000);
	struct err e;
	tmpl_set_add(set, "t", s, tl, &e);
	if (nul)
		tmpl_set_add(set, "p", nul + 1, size - tl - 1, &e);
	json_t *ctx = json_pack("{s:s,s:i,s:b,s:[{s:s},{s:s}],s:{s:{s:s}},s:n,s:f}", "name", "<b>张三</b>&'\"", "n", 3,
				"yes", 1, "list", "x", "一", "x", "二", "a", "b", "c", "deep", "none", "pi", 3.14);
	struct buf out;
	buf_init(&out);
	tmpl_render(set, "t", ctx, &out);
	buf_free(&out);
	json_decref(ctx);
	tmpl_set_free(set);
	return 0;
}
