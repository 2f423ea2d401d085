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

#include "tmpl.h"
#include <sodium.h>
#include <stddef.h>
#include <sys/types.h>

#include "audit.h"
#include "authz.h"
#include "form.h"
#include "router.h"
#include "session.h"
#include "util.h"

struct MHD_Connection;
struct req;
struct server;

typedef void (*handler_fn)(struct req *r);
/* Produces the next piece of a streamed answer into out; returns 0 when there is no more. */
typedef int (*http_produce_fn)(void *state, struct buf *out);

/*
 * Who may reach a route at all; the finer rules (role, unit scope) are the handler's first
 * line, a call to http_authorize().
 */
enum access {
	ACCESS_PUBLIC, /* anyone, signed in or not */
	ACCESS_USER,   /* signed in: pages send others to /login, the API answers 401 */
	ACCESS_SIGN_IN, /* sign-in itself: carries credentials, so no CSRF token is asked */
};

/* One row of the route table (routes.c). */
struct route {
	const char *method;
	const char *pattern;
	handler_fn handler;
	enum access access;
	enum action act; /* the permission: checked (authz_check, no ticket) before the handler */
	int multipart;   /* the body is a multipart upload, streamed to a file as it arrives */
};


#define HTTP_MAX_HEADERS 16

struct req {
	struct server *srv;
	struct MHD_Connection *conn;
	char method[16];
	char path[2048];
	int is_api; /* the path is under /api/: errors are JSON */
	int is_head;
	const struct route *route;
	int routed, path_known; /* the route table was searched; the path matched some route */
	struct route_params params;
	struct buf body;
	size_t body_limit;
	int body_too_large;
	double started_ms;

	/* the answer */
	int status;
	struct buf out;
	const char *content_type;
	char content_type_copy[128]; /* for types that do not outlive the handler */
	int file_fd; /* >= 0: the body is this file (owned, closed by the response) */
	http_produce_fn produce; /* set: the body is produced piece by piece */
	void (*release)(void *);
	void *stream_state;
	off_t file_size;
	int nheaders;
	struct buf headers; /* nheaders times name NUL value NUL */
	int answered;
	int queued;
	int admitted;
	int deferred, ran;	  /* handed to a request thread; its handler has run */
	struct req *next_deferred; /* the request threads' queue */

	/* who asks */
	char client_ip[64]; /* filled on first use: http_client_ip */
	int signed_in;
	struct session_user user;

	/* a multipart upload: the field "file" goes to a temporary file, other fields to `fields` */
	struct MHD_PostProcessor *pp;
	struct {
		int present, too_large, fd;
		int extra_parts; /* a second part named "file" came: refused, never joined */
		int unsynced;    /* the file could not be synced to disk: not to be kept */
		long long size;
		long long seen; /* bytes of "file" parts received, kept or not */
		char *tmp_path; /* while the handler has not taken the file */
		char name[256];
		char sha256[65];
		crypto_hash_sha256_state sha;
	} upload;
	json_t *fields;

	/* an urlencoded body, parsed on first use */
	int form_state; /* 0 not yet, 1 parsed, -1 not a valid form */
	struct form *form;
};

/* Request data. */
const char *http_query(struct req *r, const char *key);
const char *http_client_ip(struct req *r); /* the client's address as text */
const char *http_request_header(struct req *r, const char *name);
/* A cookie the request carries, or NULL. */
const char *http_request_cookie(struct req *r, const char *name);
const char *http_param(struct req *r, const char *name);

/* Answers. Each sets r->answered; the first answer wins. */
void http_header(struct req *r, const char *name, const char *value);
void http_json(struct req *r, int status, json_t *v);                      /* steals v */
void http_send(struct req *r, int status, const char *type, struct buf *body); /* takes body's bytes */
void http_page(struct req *r, int status, const char *tmpl, json_t *ctx); /* steals ctx */
/* The same with tables bound beside ctx (see tmpl.h); the tables stay the caller's. */
void http_page_with(struct req *r, int status, const char *tmpl, json_t *ctx, const struct tmpl_binding *tables,
		    int ntables);
/*
 * The one error answer. The API gets {"error":{"code","message","fields"?,...extra}}, a page
 * the error page with the message. fields (field → message) and extra (more keys of the
 * error, e.g. the current ticket of a conflict) are taken; either may be NULL.
 */
void http_error_with(struct req *r, int status, const char *code, const char *message, json_t *fields, json_t *extra);
void http_error(struct req *r, int status, const char *code, const char *message);
/* An error value returned up the stack (util.h), its field named when it has one. */
void http_fail(struct req *r, const struct err *e);
void http_redirect(struct req *r, const char *location);
void http_file(struct req *r, int fd, off_t size, const char *content_type);
/* The file a request brings: its multipart field "file" (read from disk), else the body
 * itself. Caller frees; NULL when the upload cannot be read. */
char *http_upload_read(struct req *r, size_t *len);
void http_not_modified(struct req *r);

/*
 * A streamed answer: produce() appends the next piece to out and returns 1, or 0 at the end;
 * it runs on the connection's worker thread as the client reads. release(state) is called
 * once the answer is done (or the client went away).
 */
void http_stream(struct req *r, const char *content_type, http_produce_fn produce, void (*release)(void *),
		 void *state);

/*
 * The first line of every handler: may the requester take act (on ticket, or NULL)? Returns 1
 * if so; otherwise answers (401 or a redirect to /login, 403, 404) and returns 0.
 */
int http_authorize(struct req *r, enum action act, const struct ticket_scope *ticket);
/*
 * The answer for a ticket that does not exist: the one its requester would get for a ticket
 * outside their scope (404 for staff and for those who may act, 403 for a role that may never
 * take act), so that no answer tells an existing ticket from a missing one. Always returns 0.
 */
int http_authorize_missing(struct req *r, enum action act);
struct subject http_subject(struct req *r);
struct actor http_actor(struct req *r);

/* The urlencoded body as a form (empty for other bodies); NULL if malformed. */
const struct form *http_form(struct req *r);
/* The JSON body; NULL after answering 400 when it is missing or invalid. Caller decrefs. */
json_t *http_json_body(struct req *r);

/* Sets (value) or clears (NULL) the session cookie on the answer. */
void http_session_cookie(struct req *r, const char *value);
/* Sets (value) or clears (NULL) a cookie: HttpOnly, SameSite=Strict, and Secure over HTTPS. */
void http_cookie(struct req *r, const char *name, const char *value, const char *path, int max_age);
/* 1 if a browser sent the request from another site (Sec-Fetch-Site, or an Origin not ours). */
int http_cross_site(struct req *r);


/* Where static files and uploaded data live (read-only after start). */
const char *http_static_dir(struct req *r);

/* The data folder (attachments) and the largest upload allowed. */
const char *http_data_dir(struct req *r);
long long http_max_upload(struct req *r);

struct server_config {
	const char *db_path;
	long long max_upload;
	const char *bind;
	int port;
	const char *data_dir;
	unsigned threads;
	size_t max_body;
	unsigned conn_per_ip;
	unsigned idle_timeout;
	unsigned stats_every; /* seconds between the writer's looks at the planner statistics */
	int secure_cookies;   /* cookies are always Secure (served over HTTPS) */
	const char *trusted_proxy; /* address of a reverse proxy whose X-Forwarded-For/-Proto count */
	/* What the web layer above gives the transport (so that it never calls up): the route
	 * table, the navigation's to-do count, and what to wait for before stopping. */
	const struct route *routes;
	size_t nroutes;
	long long (*todo_count)(struct req *r);
	long long (*unread_count)(struct req *r); /* the navigation's unread notifications */
	void (*on_stop)(void);
	void (*tick)(void);  /* what the server does by itself: at start, then every tick_every seconds */
	unsigned tick_every;
	void (*deliver)(void); /* the same, on a thread of its own: the webhook's sender (NULL: none) */
	unsigned deliver_every;
};

/*
 * Migrates the database, loads templates and serves until SIGTERM or SIGINT, then finishes
 * the requests in flight and closes the database. Returns the process exit code.
 */
int server_run(const struct server_config *cfg);

/* Compact JSON of v (depth 0) into b, as the API answers: what jansson would write, faster. */
void http_json_write(struct buf *b, json_t *v, int depth);

/*
 * The request path without a network, for fuzz targets: start (the database pool must be
 * running), send whole raw requests (with "Connection: close"), each answered in full into
 * out (0) or abandoned (-1).
 * Writes run on the calling thread. Not for serving.
 */
struct http_harness;
struct http_harness *http_harness_start(const struct server_config *cfg, struct err *e);
int http_harness_request(struct http_harness *h, const char *req, size_t len, struct buf *out);
void http_harness_stop(struct http_harness *h);

#endif
