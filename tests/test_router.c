/*
 * test_router.c — table-driven tests of path pattern matching.
 */
#include "router.h"
#include "test.h"

struct case_ {
	const char *pattern, *path;
	int match;
	const char *param, *value;
};

static const struct case_ cases[] = {
	{ "/", "/", 1, NULL, NULL },
	{ "/", "/x", 0, NULL, NULL },
	{ "/healthz", "/healthz", 1, NULL, NULL },
	{ "/healthz", "/healthz/", 0, NULL, NULL },
	{ "/healthz", "/health", 0, NULL, NULL },
	{ "/tickets/{id}", "/tickets/42", 1, "id", "42" },
	{ "/tickets/{id}", "/tickets/", 0, NULL, NULL },
	{ "/tickets/{id}", "/tickets", 0, NULL, NULL },
	{ "/tickets/{id}", "/tickets/42/x", 0, NULL, NULL },
	{ "/tickets/new", "/tickets/new", 1, NULL, NULL },
	{ "/api/v1/tickets/{id}/actions/{action}", "/api/v1/tickets/7/actions/accept", 1, "action", "accept" },
	{ "/api/v1/tickets/{id}/actions/{action}", "/api/v1/tickets/7/actions/accept", 1, "id", "7" },
	{ "/api/v1/tickets/{id}/actions/{action}", "/api/v1/tickets/7/actions", 0, NULL, NULL },
	{ "/static/{*path}", "/static/css/app.css", 1, "path", "css/app.css" },
	{ "/static/{*path}", "/static/", 0, NULL, NULL },
	{ "/static/{*path}", "/static", 0, NULL, NULL },
	{ "/static/{*path}", "/staticx/a", 0, NULL, NULL },
	{ "/a/{x}", "//", 0, NULL, NULL },
	{ "/a/{x}", "/a//", 0, NULL, NULL },
};

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct case_ *c = &cases[i];
		struct route_params p;
		int m = route_match(c->pattern, c->path, &p);
		if (m != c->match)
			fprintf(stderr, "case %zu: %s vs %s\n", i, c->pattern, c->path);
		CHECK(m == c->match);
		if (m && c->param)
			CHECK_STR(route_param(&p, c->param), c->value);
	}
	/* A capture longer than the buffer does not match rather than being cut. */
	char longpath[600] = "/tickets/";
	memset(longpath + 9, '9', 400);
	longpath[409] = '\0';
	struct route_params p;
	CHECK(route_match("/tickets/{id}", longpath, &p) == 0);
	CHECK(route_param(&p, "nope") == NULL);
	return test_summary("test_router");
}
