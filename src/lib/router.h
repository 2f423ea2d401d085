/*
 * router.h — matching a method and path against a table of patterns. A pattern is literal
 * segments and captures: "/tickets/{id}" captures one segment, "/static/{*path}" the rest
 * of the path. The table itself lives in routes.c.
 */
#ifndef LEDGER_ROUTER_H
#define LEDGER_ROUTER_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_LEN 256

struct route_params {
	int n;
	const char *names[ROUTE_MAX_PARAMS]; /* point into the pattern */
	char values[ROUTE_MAX_PARAMS][ROUTE_PARAM_LEN];
};

/*
 * Does path match pattern? On success fills params (values are copies) and returns 1.
 * A capture never matches an empty segment; paths longer than a capture can hold do not match.
 */
int route_match(const char *pattern, const char *path, struct route_params *params);

/* The value captured under name, or NULL. */
const char *route_param(const struct route_params *params, const char *name);

#endif
