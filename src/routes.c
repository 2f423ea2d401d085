/*
 * routes.c — the one route table: every URL the application answers, its method, its
 * handler and who may reach it. Reading this file is reading the web surface.
 */
#include "handlers.h"

const struct route route_table[] = {
	/* method  pattern              handler        access        max body */
	{ "GET", "/", page_home, ACCESS_PUBLIC, 0 },
	{ "GET", "/healthz", api_healthz, ACCESS_PUBLIC, 0 },
	{ "GET", "/static/{*path}", static_file, ACCESS_PUBLIC, 0 },
};

const size_t route_count = sizeof route_table / sizeof route_table[0];
