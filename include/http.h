/*
 * http.h — the request as handlers see it, the ways to answer it, and the server's life.
 *
 * A handler receives a struct req whose route, path parameters and (bounded) body are
 * ready, and answers through exactly one of the http_* response functions. The request
 * owns everything it allocates; it is released when libmicrohttpd reports completion.
 */
#ifndef LEDGER_HTTP_H
#define LEDGER_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "router.h"
#include "util.h"

struct MHD_Connection;
struct req;
struct server;

typedef void (*handler_fn)(struct req *r);

/* Who may reach a route at all; finer rules (role, unit scope) are in the handler's first line. */
enum access {
	ACCESS_PUBLIC, /* anyone, logged in or not */
};

/* One row of the route table (routes.c). */
struct route {
	const char *method;
	const char *pattern;
	handler_fn handler;
	enum access access;
	size_t max_body; /* 0: the server's default limit */
};

extern const struct route route_table[];
extern const size_t route_count;

#define HTTP_MAX_HEADERS 16

struct req {
	struct server *srv;
	struct MHD_Connection *conn;
	char method[16];
	char path[2048];
	int is_api; /* the path is under /api/: errors are JSON */
	int is_head;
	const struct route *route;
	struct route_params params;
	struct buf body;
	size_t body_limit;
	int body_too_large;
	double started_ms;

	/* the answer */
	int status;
	struct buf out;
	const char *content_type;
	int file_fd; /* >= 0: the body is this file (owned, closed by the response) */
	off_t file_size;
	int nheaders;
	char header_names[HTTP_MAX_HEADERS][40];
	char header_values[HTTP_MAX_HEADERS][512];
	int answered;
};

/* Request data. */
const char *http_query(struct req *r, const char *key);
const char *http_request_header(struct req *r, const char *name);
const char *http_param(struct req *r, const char *name);

/* Answers. Each sets r->answered; the first answer wins. */
void http_header(struct req *r, const char *name, const char *value);
void http_json(struct req *r, int status, json_t *v);                      /* steals v */
void http_page(struct req *r, int status, const char *tmpl, json_t *ctx); /* steals ctx */
void http_error(struct req *r, int status, const char *code, const char *message);
void http_fail(struct req *r, const struct err *e);
void http_redirect(struct req *r, const char *location);
void http_file(struct req *r, int fd, off_t size, const char *content_type);
void http_not_modified(struct req *r);

/* Where static files and uploaded data live (read-only after start). */
const char *http_static_dir(struct req *r);

struct server_config {
	const char *db_path;
	const char *bind;
	int port;
	const char *data_dir;
	unsigned threads;
	size_t max_body;
	unsigned conn_per_ip;
	unsigned idle_timeout;
};

/*
 * Migrates the database, loads templates and serves until SIGTERM or SIGINT, then finishes
 * the requests in flight and closes the database. Returns the process exit code.
 */
int server_run(const struct server_config *cfg);

#endif
