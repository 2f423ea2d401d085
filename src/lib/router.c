/*
 * router.c — path pattern matching for the route table.
 */
#include "router.h"

#include <string.h>

static size_t seg_len(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? (size_t)(slash - s) : strlen(s);
}

int route_match(const char *pattern, const char *path, struct route_params *params)
{
	params->n = 0;
	const char *p = pattern, *u = path;
	for (;;) {
		if (*p == '\0')
			return *u == '\0';
		if (*p != '/' || *u != '/')
			return 0;
		p++;
		u++;
		size_t pl = seg_len(p), ul = seg_len(u);
		if (p[0] == '{') {
			int rest = p[1] == '*';
			const char *name = p + 1 + rest;
			size_t vlen = rest ? strlen(u) : ul;
			if (vlen == 0 || vlen >= ROUTE_PARAM_LEN || params->n >= ROUTE_MAX_PARAMS)
				return 0;
			params->names[params->n] = name;
			memcpy(params->values[params->n], u, vlen);
			params->values[params->n][vlen] = '\0';
			params->n++;
			p += pl;
			u += vlen;
			if (rest)
				return *p == '\0';
		} else {
			if (pl != ul || memcmp(p, u, pl) != 0)
				return 0;
			p += pl;
			u += ul;
		}
	}
}

const char *route_param(const struct route_params *params, const char *name)
{
	for (int i = 0; i < params->n; i++) {
		const char *n = params->names[i];
		size_t l = strlen(name);
		/* names point into the pattern: "id}" or "id}/more" */
		if (strncmp(n, name, l) == 0 && n[l] == '}')
			return params->values[i];
	}
	return NULL;
}
