/*
 * test_router.c — table-driven tests of path pattern matching.
 */
#include "handlers.h"
#include "router.h"
#include "test.h"

/* Where a sign-in may send the browser next (routes_safe_next): cases, then a property over
 * random strings. A browser strips tabs and newlines from an address and reads "\\" as "/",
 * so anything but one plain "/" and printable ASCII could lead to another origin. */
static void test_safe_next(void)
{
	static const struct {
		const char *next;
		int ok;
	} cases[] = {
		{ "/", 1 }, { "/tickets", 1 }, { "/tickets?status=open&page=2", 1 }, { "/tickets/42", 1 },
		{ "/reports/dispatch#top", 1 }, { "//evil.example", 0 }, { "/\\evil.example", 0 },
		{ "/%09/evil.example", 0 }, { "/\t/evil.example", 0 }, { "/\n/evil.example", 0 },
		{ "https://evil.example/", 0 }, { "evil.example", 0 }, { "", 0 }, { "/nope", 0 },
		{ "/tickets/42/actions/verify", 0 }, /* a POST route only */
		{ "/tickets\xe4\xb8\x80", 0 }, { "/ tickets", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (routes_safe_next(cases[i].next) != cases[i].ok)
			fprintf(stderr, "safe_next(\"%s\") should be %d\n", cases[i].next, cases[i].ok);
		CHECK(routes_safe_next(cases[i].next) == cases[i].ok);
	}
	CHECK(!routes_safe_next(NULL));
	/* Property: whatever is accepted starts with one "/" and is printable ASCII only. */
	static const char alphabet[] = "/\\\t\n\r %.:@?#&=abcdefghijklmnopqrstuvwxyz0123456789\x01\x7f\xe4\xb8";
	unsigned seed = 12345;
	int accepted = 0, bad = 0;
	for (int n = 0; n < 20000; n++) {
		char s[16];
		int len = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 12;
		for (int i = 0; i < len; i++)
			s[i] = alphabet[((seed = seed * 1103515245u + 12345u) >> 16) % (sizeof alphabet - 1)];
		s[len] = '\0';
		if (n % 3 == 0)
			s[0] = '/';
		if (!routes_safe_next(s))
			continue;
		accepted++;
		if (s[0] != '/' || s[1] == '/' || s[1] == '\\')
			bad++;
		for (const unsigned char *p = (const unsigned char *)s; *p; p++)
			if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
				bad++;
	}
	CHECK(accepted > 0);
	CHECK(bad == 0);
}

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
	test_safe_next();
	/* Every route names its permission: public routes the public one, the others a row of
	 * authz.c that no one without a session passes; the admin pages are the admin's only. */
	for (size_t i = 0; i < route_count; i++) {
		const struct route *rt = &route_table[i];
		CHECK((rt->access != ACCESS_USER) == (rt->act == ACT_PUBLIC));
		CHECK(rt->act < ACT__COUNT);
		if (strncmp(rt->pattern, "/admin/", 7) == 0)
			CHECK(rt->act == ACT_ADMIN);
		struct subject nobody = { ROLE_NONE, "" };
		if (rt->access == ACCESS_USER)
			CHECK(authz_check(&nobody, rt->act, NULL) == AUTHZ_LOGIN);
	}
	return test_summary("test_router");
}
