/*
 * http.c — libmicrohttpd glue: per-request state, routing, body limits, answers, error
 * pages, security headers, the access log, and the server's start and orderly stop.
 *
 * libmicrohttpd calls the access handler several times per request. The first call only
 * sets up our struct req (answering then would make 0.9.75 close a keep-alive connection);
 * calls with upload data append to the bounded body; the last call dispatches.
 */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "migrate.h"
#include "tmpl.h"

struct server {
	const struct server_config *cfg;
	struct tmpl_set *templates;
	char static_dir[4096];
	atomic_int in_flight;
};

/* Applied to every response: no inline script, no framing, no sniffing, no referrer leaks. */
static const char content_security_policy[] =
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/* ---------------------------------------------------------------- request data */

const char *http_query(struct req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_request_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_param(struct req *r, const char *name)
{
	return route_param(&r->params, name);
}

const char *http_static_dir(struct req *r)
{
	return r->srv->static_dir;
}

/* ---------------------------------------------------------------- answers */

void http_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders >= HTTP_MAX_HEADERS)
		return;
	snprintf(r->header_names[r->nheaders], sizeof r->header_names[0], "%s", name);
	snprintf(r->header_values[r->nheaders], sizeof r->header_values[0], "%s", value);
	r->nheaders++;
}

static int claim(struct req *r)
{
	if (r->answered)
		return 0;
	r->answered = 1;
	return 1;
}

void http_json(struct req *r, int status, json_t *v)
{
	if (!claim(r)) {
		json_decref(v);
		return;
	}
	r->status = status;
	r->content_type = "application/json; charset=utf-8";
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	buf_puts(&r->out, s ? s : "null");
	free(s);
}

static const char *status_title(int status)
{
	switch (status) {
	case 400: return "请求有误";
	case 401: return "请先登录";
	case 403: return "无权访问";
	case 404: return "页面不存在";
	case 405: return "不支持的请求方法";
	case 409: return "数据已被他人修改";
	case 413: return "请求内容过大";
	case 422: return "填写的内容有误";
	case 429: return "请求过于频繁";
	case 503: return "服务暂不可用";
	default: return status >= 500 ? "服务器内部错误" : "请求未能完成";
	}
}

/* The navigation every page shows; later modules add their entries here. */
static json_t *nav_items(const char *path)
{
	static const struct {
		const char *href, *label;
	} items[] = {
		{ "/", "工作台" },
	};
	json_t *nav = json_array();
	for (size_t i = 0; i < ARRAY_LEN(items); i++)
		json_array_append_new(nav, json_pack("{s:s,s:s,s:b}", "href", items[i].href, "label", items[i].label,
						     "current", strcmp(path, items[i].href) == 0));
	return nav;
}

void http_page(struct req *r, int status, const char *tmpl, json_t *ctx)
{
	if (r->answered) {
		json_decref(ctx);
		return;
	}
	if (!ctx)
		ctx = json_object();
	char today[16];
	time_format_date(clock_now(), today, sizeof today);
	json_object_set_new(ctx, "app_name", json_string("满意台账"));
	json_object_set_new(ctx, "today", json_string(today));
	json_object_set_new(ctx, "nav", nav_items(r->path));
	struct buf out;
	buf_init(&out);
	int rc = tmpl_render(r->srv->templates, tmpl, ctx, &out);
	json_decref(ctx);
	if (rc != 0) {
		buf_free(&out);
		log_error("missing template %s", tmpl);
		http_error(r, 500, "template_missing", "页面模板缺失，请联系系统管理员");
		return;
	}
	claim(r);
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
	buf_free(&r->out);
	r->out = out;
}

void http_error(struct req *r, int status, const char *code, const char *message)
{
	if (r->answered)
		return;
	if (r->is_api || !r->srv->templates) {
		http_json(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
		return;
	}
	http_page(r, status, "error",
		  json_pack("{s:i,s:s,s:s,s:s}", "status", status, "title", status_title(status), "message", message,
			    "code", code));
	if (!r->answered) {
		/* Even the error template failed: plain text is still an answer. */
		claim(r);
		r->status = status;
		r->content_type = "text/plain; charset=utf-8";
		buf_puts(&r->out, message);
	}
}

void http_fail(struct req *r, const struct err *e)
{
	if (r->answered)
		return;
	int status = e->status ? e->status : 500;
	if (r->is_api && e->field[0]) {
		http_json(r, status,
			  json_pack("{s:{s:s,s:s,s:{s:s}}}", "error", "code", e->code, "message", e->message, "fields",
				    e->field, e->message));
		return;
	}
	http_error(r, status, e->code[0] ? e->code : "error", e->message[0] ? e->message : status_title(status));
}

void http_redirect(struct req *r, const char *location)
{
	if (!claim(r))
		return;
	r->status = 303;
	r->content_type = "text/plain; charset=utf-8";
	http_header(r, "Location", location);
}

void http_file(struct req *r, int fd, off_t size, const char *content_type)
{
	if (!claim(r)) {
		close(fd);
		return;
	}
	r->status = 200;
	r->file_fd = fd;
	r->file_size = size;
	r->content_type = content_type;
}

void http_not_modified(struct req *r)
{
	if (!claim(r))
		return;
	r->status = 304;
	r->content_type = NULL;
}

/* ---------------------------------------------------------------- dispatch */

static void method_not_allowed(struct req *r)
{
	char allow[128] = "";
	for (size_t i = 0; i < route_count; i++) {
		struct route_params p;
		if (!route_match(route_table[i].pattern, r->path, &p) || strstr(allow, route_table[i].method))
			continue;
		if (allow[0])
			strncat(allow, ", ", sizeof allow - strlen(allow) - 1);
		strncat(allow, route_table[i].method, sizeof allow - strlen(allow) - 1);
		if (strcmp(route_table[i].method, "GET") == 0)
			strncat(allow, ", HEAD", sizeof allow - strlen(allow) - 1);
	}
	http_header(r, "Allow", allow);
	http_error(r, 405, "method_not_allowed", "该地址不支持这种请求方法");
}

/* Finds the route; sets r->route, or answers 404/405 itself. */
static void route_request(struct req *r)
{
	const char *method = r->is_head ? "GET" : r->method;
	int path_known = 0;
	for (size_t i = 0; i < route_count; i++) {
		if (!route_match(route_table[i].pattern, r->path, &r->params))
			continue;
		path_known = 1;
		if (strcmp(route_table[i].method, method) == 0) {
			r->route = &route_table[i];
			return;
		}
	}
	if (path_known)
		method_not_allowed(r);
	else
		http_error(r, 404, "not_found", "您访问的页面不存在");
}

static enum MHD_Result queue_answer(struct req *r)
{
	struct MHD_Response *resp;
	if (r->file_fd >= 0) {
		resp = MHD_create_response_from_fd64((uint64_t)r->file_size, r->file_fd);
		r->file_fd = -1; /* the response owns it now */
	} else {
		size_t len = r->out.len;
		char *data = buf_take(&r->out);
		resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(data);
	}
	if (!resp)
		return MHD_NO;
	if (r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	MHD_add_response_header(resp, "Content-Security-Policy", content_security_policy);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	int has_cache_control = 0;
	for (int i = 0; i < r->nheaders; i++) {
		MHD_add_response_header(resp, r->header_names[i], r->header_values[i]);
		has_cache_control |= strcasecmp(r->header_names[i], "Cache-Control") == 0;
	}
	if (!has_cache_control)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void run_handler(struct req *r)
{
	route_request(r);
	if (r->answered)
		return;
	r->route->handler(r);
	if (!r->answered) {
		log_error("handler for %s %s gave no answer", r->method, r->path);
		http_error(r, 500, "no_answer", "服务器未能处理该请求");
	}
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				      const char *version, const char *upload_data, size_t *upload_data_size,
				      void **con_cls)
{
	(void)version;
	struct server *srv = cls;
	struct req *r = *con_cls;
	if (!r) {
		r = xcalloc(1, sizeof *r);
		r->srv = srv;
		r->conn = conn;
		r->file_fd = -1;
		r->started_ms = mono_ms();
		snprintf(r->method, sizeof r->method, "%s", method);
		snprintf(r->path, sizeof r->path, "%s", url);
		r->is_api = strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/api") == 0;
		r->is_head = strcmp(method, "HEAD") == 0;
		r->body_limit = srv->cfg->max_body;
		buf_init(&r->body);
		buf_init(&r->out);
		atomic_fetch_add(&srv->in_flight, 1);
		*con_cls = r;
		/* A declared body over the limit is refused before it is read. */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > r->body_limit)
			r->body_too_large = 1;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!r->body_too_large && r->body.len + *upload_data_size <= r->body_limit)
			buf_append(&r->body, upload_data, *upload_data_size);
		else
			r->body_too_large = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->answered)
		return MHD_YES; /* already queued */
	if (r->body_too_large)
		http_error(r, 413, "payload_too_large", "提交的内容超过了允许的大小");
	else
		run_handler(r);
	return queue_answer(r);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct server *srv = cls;
	struct req *r = *con_cls;
	if (!r)
		return;
	double ms = mono_ms() - r->started_ms;
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		log_info("%s %s %d %.2fms", r->method, r->path, r->status, ms);
	else
		log_info("%s %s %d %.2fms (connection ended: %d)", r->method, r->path, r->status, ms, (int)toe);
	if (r->file_fd >= 0)
		close(r->file_fd);
	buf_free(&r->body);
	buf_free(&r->out);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decoding of paths and query values, in place. "%00" stays as it is: a NUL byte
 * would silently cut the C string ("/static/app.css%00.png" would serve app.css).
 */
static size_t unescape_url(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	char *r = s, *w = s;
	while (*r) {
		int hi, lo;
		if (r[0] == '%' && (hi = hex_value(r[1])) >= 0 && (lo = hex_value(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	struct buf b;
	buf_init(&b);
	buf_vprintf(&b, fmt, ap);
	while (b.len && (b.data[b.len - 1] == '\n'))
		b.data[--b.len] = '\0';
	log_warn("httpd: %s", b.data ? b.data : "");
	buf_free(&b);
}

/* ---------------------------------------------------------------- server */

int server_run(const struct server_config *cfg)
{
	struct err e = { 0 };
	struct server srv = { .cfg = cfg };
	atomic_init(&srv.in_flight, 0);
	const char *root = resource_root();
	snprintf(srv.static_dir, sizeof srv.static_dir, "%s/static", root);

	/* Migrate first, on a connection of its own, before anyone reads. */
	struct db *db = db_open(cfg->db_path, &e);
	if (!db) {
		log_error("%s", e.message);
		return 1;
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/migrations", root);
	int applied = migrate_run(db, dir, &e);
	db_close(db);
	if (applied < 0) {
		log_error("%s", e.message);
		return 1;
	}

	srv.templates = tmpl_set_new();
	snprintf(dir, sizeof dir, "%s/templates", root);
	if (tmpl_set_load_dir(srv.templates, dir, &e) < 0) {
		log_error("%s", e.message);
		tmpl_set_free(srv.templates);
		return 1;
	}
	if (db_pool_start(cfg->db_path, &e) != 0) {
		log_error("%s", e.message);
		tmpl_set_free(srv.templates);
		return 1;
	}

	/* Worker threads inherit this mask; only the main thread takes the stop signals. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)cfg->port) };
	const struct sockaddr *addr = (const struct sockaddr *)&a4;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (inet_pton(AF_INET, cfg->bind, &a4.sin_addr) != 1) {
		if (inet_pton(AF_INET6, cfg->bind, &a6.sin6_addr) != 1) {
			log_error("invalid bind address: %s", cfg->bind);
			db_pool_stop();
			tmpl_set_free(srv.templates);
			return 1;
		}
		addr = (const struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	}

	struct MHD_Daemon *d = MHD_start_daemon(
		flags, (uint16_t)cfg->port, NULL, NULL, access_handler, &srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL, MHD_OPTION_SOCK_ADDR, addr,
		MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_NOTIFY_COMPLETED, request_completed, &srv,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		cfg->conn_per_ip, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)64 * 1024, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
		MHD_OPTION_END);
	if (!d) {
		log_error("cannot listen on %s:%d", cfg->bind, cfg->port);
		db_pool_stop();
		tmpl_set_free(srv.templates);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	int port = info ? info->port : cfg->port;
	printf("满意台账 listening on http://%s:%d/\n", cfg->bind, port);
	fflush(stdout);
	log_info("serving %s with %u threads, templates from %s", cfg->db_path, cfg->threads, root);

	int sig = 0;
	sigwait(&stop, &sig);
	log_info("signal %d: finishing requests in flight", sig);

	/* Stop accepting, let the requests in flight finish (up to 10 s), then stop. */
	MHD_socket ls = MHD_quiesce_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	for (int i = 0; i < 1000 && atomic_load(&srv.in_flight) > 0; i++)
		usleep(10000);
	MHD_stop_daemon(d);
	db_pool_stop();
	tmpl_set_free(srv.templates);
	log_info("stopped cleanly");
	return 0;
}
