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
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db.h"
#include "kept.h"
#include "migrate.h"
#include "tmpl.h"

#define SESSION_COOKIE "sid"

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

const char *http_request_cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
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

const char *http_data_dir(struct req *r)
{
	return r->srv->cfg->data_dir;
}

long long http_max_upload(struct req *r)
{
	return r->srv->cfg->max_upload;
}

/* ---------------------------------------------------------------- multipart uploads */

/*
 * Called by libmicrohttpd's post processor for each piece of a multipart body. The "file"
 * field is hashed (SHA-256) and written to a temporary file in the data folder as it
 * arrives, never held whole in memory; past the size limit the rest is dropped.
 */
static enum MHD_Result upload_piece(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
				    const char *content_type, const char *transfer_encoding, const char *data,
				    uint64_t off, size_t size)
{
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	struct req *r = cls;
	if (!key)
		return MHD_YES; /* a part without a name (libmicrohttpd passes NULL): ignored */
	if (strcmp(key, "file") != 0) {
		/* Small text fields (a note, a CSRF token); anything large is cut off. */
		if (!r->fields)
			r->fields = json_object();
		json_t *old = json_object_get(r->fields, key);
		const char *prev = old ? json_string_value(old) : "";
		if (strlen(prev) + size > 20000)
			return MHD_YES;
		struct buf b;
		buf_init(&b);
		buf_puts(&b, prev);
		buf_append(&b, data, size);
		json_object_set_new(r->fields, key, json_stringn_nocheck(b.data, b.len));
		buf_free(&b);
		return MHD_YES;
	}
	if (r->upload.present && off == 0 && r->upload.seen > 0) {
		r->upload.extra_parts = 1; /* another part named "file": its bytes are not the first's */
		return MHD_YES;
	}
	if (r->upload.extra_parts)
		return MHD_YES;
	r->upload.seen += (long long)size;
	if (!r->upload.present) {
		if (off != 0)
			return MHD_YES;
		r->upload.present = 1;
		/* The name as sent, cut to fit at a character boundary; "file" if it is not UTF-8. */
		size_t len = filename ? strlen(filename) : 0, cut = utf8_cut(filename ? filename : "", len, sizeof r->upload.name - 1);
		if (cut == 0 || !utf8_valid(filename, cut))
			snprintf(r->upload.name, sizeof r->upload.name, "file");
		else
			snprintf(r->upload.name, sizeof r->upload.name, "%.*s", (int)cut, filename);
		struct buf path;
		buf_init(&path);
		buf_printf(&path, "%s/tmp/upload-XXXXXX", r->srv->cfg->data_dir);
		r->upload.tmp_path = buf_take(&path);
		r->upload.fd = mkstemp(r->upload.tmp_path);
		if (r->upload.fd < 0) {
			log_error("cannot create %s", r->upload.tmp_path);
			free(r->upload.tmp_path);
			r->upload.tmp_path = NULL;
			return MHD_NO;
		}
		crypto_hash_sha256_init(&r->upload.sha);
	}
	if (r->upload.too_large || size == 0)
		return MHD_YES;
	if (r->upload.size + (long long)size > r->srv->cfg->max_upload) {
		r->upload.too_large = 1;
		return MHD_YES;
	}
	if (write_all(r->upload.fd, data, size) != 0)
		return MHD_NO;
	crypto_hash_sha256_update(&r->upload.sha, (const unsigned char *)data, size);
	r->upload.size += (long long)size;
	return MHD_YES;
}

static void upload_finish(struct req *r)
{
	if (r->pp) {
		MHD_destroy_post_processor(r->pp);
		r->pp = NULL;
	}
	if (r->upload.present && r->upload.fd >= 0) {
		unsigned char h[crypto_hash_sha256_BYTES];
		crypto_hash_sha256_final(&r->upload.sha, h);
		sodium_bin2hex(r->upload.sha256, sizeof r->upload.sha256, h, sizeof h);
		/* On disk before anyone is told it is kept: attachment.c renames it into place. */
		if (fsync(r->upload.fd) != 0) {
			log_error("cannot sync %s", r->upload.tmp_path);
			r->upload.unsynced = 1;
		}
		close(r->upload.fd);
		r->upload.fd = -1;
	}
}

/* ---------------------------------------------------------------- answers */

void http_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders >= HTTP_MAX_HEADERS)
		return;
	buf_append(&r->headers, name, strlen(name) + 1);
	buf_append(&r->headers, value, strlen(value) + 1);
	r->nheaders++;
}

static int claim(struct req *r)
{
	if (r->answered)
		return 0;
	r->answered = 1;
	return 1;
}

/* Compact JSON of v into b (an API answer is tens of kilobytes; jansson's encoder took half
 * of a list request). Numbers: integers exactly, reals in their shortest exact form. */
void http_json_write(struct buf *b, json_t *v, int depth)
{
	char num[40];
	if (depth > 4096) { /* deeper than jansson parses or we build */
		buf_puts(b, "null");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *item;
		int first = 1;
		buf_putc(b, '{');
		json_object_foreach(v, key, item)
		{
			if (!first)
				buf_putc(b, ',');
			first = 0;
			buf_json_string(b, key, strlen(key));
			buf_putc(b, ':');
			http_json_write(b, item, depth + 1);
		}
		buf_putc(b, '}');
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *item;
		buf_putc(b, '[');
		json_array_foreach(v, i, item)
		{
			if (i)
				buf_putc(b, ',');
			http_json_write(b, item, depth + 1);
		}
		buf_putc(b, ']');
		break;
	}
	case JSON_STRING:
		buf_json_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL: {
		double d = json_real_value(v);
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(num, sizeof num, "%.*g", prec, d);
			if (strtod(num, NULL) == d)
				break;
		}
		buf_puts(b, num);
		if (!strpbrk(num, ".eEn")) /* 2.0 stays a real: "2.0", as jansson writes it */
			buf_puts(b, ".0");
		break;
	}
	case JSON_TRUE:
		buf_puts(b, "true");
		break;
	case JSON_FALSE:
		buf_puts(b, "false");
		break;
	default:
		buf_puts(b, "null");
		break;
	}
}

void http_json(struct req *r, int status, json_t *v)
{
	if (!claim(r)) {
		json_decref(v);
		return;
	}
	r->status = status;
	r->content_type = "application/json; charset=utf-8";
	if (v)
		http_json_write(&r->out, v, 0);
	else
		buf_puts(&r->out, "null");
	json_decref(v);
}

void http_send(struct req *r, int status, const char *type, struct buf *body)
{
	if (!claim(r)) {
		buf_free(body);
		return;
	}
	r->status = status;
	r->content_type = type;
	buf_free(&r->out);
	r->out = *body;
	buf_init(body);
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

/* The navigation every page shows: an entry appears for those who may use it. */
static const struct {
	const char *href, *label;
	enum action act;
} nav_table[] = {
	{ "/", "工作台", ACT_SIGNED_IN },
	{ "/todo", "待办", ACT_DASHBOARD },
	{ "/notifications", "消息", ACT_DASHBOARD },
	{ "/tickets", "问题台账", ACT_TICKET_VIEW },
	{ "/tickets/new", "登记问题", ACT_TICKET_CREATE },
	{ "/reports/dispatch", "调度通报", ACT_REPORTS },
	{ "/filings", "台账报送", ACT_FILINGS_VIEW },
	{ "/reports/ranking", "排名", ACT_REPORTS },
	{ "/reports/assessment", "考评", ACT_REPORTS },
	{ "/reports/spotcheck", "季度抽查", ACT_REPORTS },
	{ "/import", "导入", ACT_IMPORT },
	{ "/admin/users", "用户管理", ACT_ADMIN },
	{ "/admin/units", "组织机构", ACT_ADMIN },
	{ "/admin/campaigns", "专项行动", ACT_ADMIN },
	{ "/admin/taxonomy", "分类字典", ACT_ADMIN },
	{ "/admin/calendar", "节假日", ACT_ADMIN },
	{ "/admin/time-limits", "办理时限", ACT_ADMIN },
	{ "/admin/outbox", "消息推送", ACT_ADMIN },
	{ "/admin/assessment", "考评方案", ACT_ADMIN },
};

/* The entry the page belongs to (the entry itself or a page under it), or -1. */
static int nav_current(const char *path)
{
	for (int i = 0; i < (int)ARRAY_LEN(nav_table); i++) {
		const char *href = nav_table[i].href;
		size_t hl = strlen(href);
		if (strcmp(path, href) == 0 ||
		    (hl > 1 && strncmp(path, href, hl) == 0 && path[hl] == '/' && strcmp(path, "/tickets/new") != 0))
			return i;
	}
	return -1;
}

static json_t *build_nav(const struct subject *who, int current, long long todo, long long unread)
{
	json_t *nav = json_array();
	for (int i = 0; i < (int)ARRAY_LEN(nav_table); i++) {
		if (authz_check(who, nav_table[i].act, NULL) != AUTHZ_OK)
			continue;
		json_t *item = json_pack("{s:s,s:s,s:b}", "href", nav_table[i].href, "label", nav_table[i].label,
					 "current", i == current);
		/* Every item names its count, so that none finds a count further up the page's context. */
		long long count = !strcmp(nav_table[i].href, "/todo") ? todo : !strcmp(nav_table[i].href, "/notifications") ? unread : 0;
		json_object_set_new(item, "count", count ? json_integer(count) : json_false());
		json_array_append_new(nav, item);
	}
	return nav;
}

/*
 * The navigation as HTML (partials/nav), kept per thread: it depends only on the role, the
 * current entry and the to-do count, and every page shows it.
 */
static json_t *nav_html(struct req *r)
{
	struct subject who = http_subject(r);
	int counted = authz_check(&who, ACT_DASHBOARD, NULL) == AUTHZ_OK;
	long long todo = counted && r->srv->cfg->todo_count ? r->srv->cfg->todo_count(r) : 0;
	long long unread = counted && r->srv->cfg->unread_count ? r->srv->cfg->unread_count(r) : 0;
	int current = nav_current(r->path);
	const struct kept_key key = { .kind = KEPT_NAV, .n = { who.role, current, todo, unread } };
	json_t *html = kept_get(&key);
	if (html)
		return html;
	json_t *ctx = json_object();
	json_object_set_new_nocheck(ctx, "nav", build_nav(&who, current, todo, unread));
	struct buf out;
	buf_init(&out);
	int rc = tmpl_render(r->srv->templates, "partials/nav", ctx, &out);
	json_decref(ctx);
	if (rc != 0) {
		buf_free(&out);
		log_error("the navigation did not render (%d)", rc);
		return json_string_nocheck("");
	}
	size_t len = out.len;
	if (len && out.data[len - 1] == '\n')
		len--; /* the layout's line ends it */
	html = json_stringn_nocheck(out.data, len);
	buf_free(&out);
	return kept_put(&key, html);
}

void http_page(struct req *r, int status, const char *tmpl, json_t *ctx)
{
	http_page_with(r, status, tmpl, ctx, NULL, 0);
}

void http_page_with(struct req *r, int status, const char *tmpl, json_t *ctx, const struct tmpl_binding *tables,
		    int ntables)
{
	if (r->answered) {
		json_decref(ctx);
		return;
	}
	if (!ctx)
		ctx = json_object();
	/* Today's date, made again when the day changes. */
	static __thread char today[16];
	static __thread long today_day = -1;
	long day = date_today_days();
	if (day != today_day) {
		time_format_date(clock_now(), today, sizeof today);
		today_day = day;
	}
	static const char app_name[] = "满意台账";
	json_object_set_new_nocheck(ctx, "app_name", json_stringn_nocheck(app_name, sizeof app_name - 1));
	json_object_set_new_nocheck(ctx, "today", json_string_nocheck(today));
	json_object_set_new_nocheck(ctx, "nav_html", nav_html(r));
	if (r->signed_in) {
		/* Kept by everything it holds: a renamed user or unit makes a new key. */
		const struct kept_key key = { .kind = KEPT_USER,
					      .s = { r->user.login, r->user.name, role_code(r->user.role), r->user.unit_name } };
		json_t *user = kept_get(&key);
		if (!user)
			user = kept_put(&key, json_pack("{s:s,s:s,s:s,s:s,s:s}", "login", r->user.login, "name",
							     r->user.name, "role", role_code(r->user.role), "role_label",
							     role_label(r->user.role), "unit_name", r->user.unit_name));
		json_object_set_new_nocheck(ctx, "user", user);
		json_object_set_new_nocheck(ctx, "csrf_token", json_string_nocheck(r->user.csrf));
	}
	struct buf out;
	buf_init(&out);
	buf_reserve(&out, 48 * 1024); /* a list page's size: no copies while it grows */
	int rc = tmpl_render_with(r->srv->templates, tmpl, ctx, tables, ntables, &out);
	json_decref(ctx);
	if (rc != 0 && strcmp(tmpl, "error") == 0) {
		buf_free(&out); /* http_error answers in plain text */
		log_error("the error template failed (%d)", rc);
		return;
	}
	if (rc == -1) {
		buf_free(&out);
		log_error("missing template %s", tmpl);
		http_error(r, 500, "template_missing", "页面模板缺失，请联系系统管理员");
		return;
	}
	if (rc != 0) { /* never half a page */
		buf_free(&out);
		log_error("template %s stopped at a render limit on %s", tmpl, r->path);
		http_error(r, 500, "page_too_large", "页面内容过多，未能完整生成，请缩小查询范围或联系系统管理员");
		return;
	}
	claim(r);
	r->status = status;
	r->content_type = "text/html; charset=utf-8";
	buf_free(&r->out);
	r->out = out;
}

void http_error_with(struct req *r, int status, const char *code, const char *message, json_t *fields, json_t *extra)
{
	if (r->answered) {
		json_decref(fields);
		json_decref(extra);
		return;
	}
	if (r->is_api || !r->srv->templates) {
		json_t *err = json_pack("{s:s,s:s}", "code", code, "message", message);
		if (fields && json_object_size(fields))
			json_object_set(err, "fields", fields);
		if (extra)
			json_object_update(err, extra);
		json_decref(fields);
		json_decref(extra);
		http_json(r, status, json_pack("{s:o}", "error", err));
		return;
	}
	json_decref(fields); /* a page shows field errors in its own form; here only the message */
	json_decref(extra);
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

void http_error(struct req *r, int status, const char *code, const char *message)
{
	http_error_with(r, status, code, message, NULL, NULL);
}

void http_fail(struct req *r, const struct err *e)
{
	int status = e->status ? e->status : 500;
	http_error_with(r, status, e->code[0] ? e->code : "error", e->message[0] ? e->message : status_title(status),
			e->field[0] ? json_pack("{s:s}", e->field, e->message) : NULL, NULL);
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
	/* Callers may pass a buffer of their own (a type read from the database): keep a copy. */
	snprintf(r->content_type_copy, sizeof r->content_type_copy, "%s", content_type);
	r->content_type = r->content_type_copy;
}

void http_stream(struct req *r, const char *content_type, http_produce_fn produce, void (*release)(void *),
		 void *state)
{
	if (!claim(r)) {
		release(state);
		return;
	}
	r->status = 200;
	r->content_type = content_type;
	r->produce = produce;
	r->release = release;
	r->stream_state = state;
}

/* What libmicrohttpd reads a streamed answer through. */
struct stream {
	http_produce_fn produce;
	void (*release)(void *);
	void *state;
	struct buf pending;
	size_t sent;
	int ended;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct stream *s = cls;
	while (s->sent == s->pending.len) {
		if (s->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		s->pending.len = 0;
		s->sent = 0;
		if (!s->produce(s->state, &s->pending))
			s->ended = 1;
	}
	size_t n = s->pending.len - s->sent;
	if (n > max)
		n = max;
	memcpy(out, s->pending.data + s->sent, n);
	s->sent += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	s->release(s->state);
	buf_free(&s->pending);
	free(s);
}

void http_not_modified(struct req *r)
{
	if (!claim(r))
		return;
	r->status = 304;
	r->content_type = NULL;
}

/* ---------------------------------------------------------------- who asks */

struct subject http_subject(struct req *r)
{
	struct subject s = { ROLE_NONE, "" };
	if (r->signed_in) {
		s.role = r->user.role;
		s.unit_path = r->user.unit_path;
	}
	return s;
}

struct actor http_actor(struct req *r)
{
	struct actor a = { 0, "anonymous" };
	if (r->signed_in) {
		a.id = r->user.user_id;
		a.login = r->user.login;
	}
	return a;
}

static void ask_to_sign_in(struct req *r)
{
	if (r->is_api) {
		http_error(r, 401, "unauthenticated", "请先登录");
		return;
	}
	/* Back to this page after signing in (GET only: a form's body cannot be replayed). */
	struct buf loc;
	buf_init(&loc);
	buf_puts(&loc, "/login");
	if (strcmp(r->method, "GET") == 0 && strcmp(r->path, "/") != 0) {
		buf_puts(&loc, "?next=");
		buf_url_encode(&loc, r->path, "/-_.");
	}
	http_redirect(r, loc.data);
	buf_free(&loc);
}

int http_authorize(struct req *r, enum action act, const struct ticket_scope *ticket)
{
	struct subject who = http_subject(r);
	switch (authz_check(&who, act, ticket)) {
	case AUTHZ_OK:
		return 1;
	case AUTHZ_LOGIN:
		ask_to_sign_in(r);
		return 0;
	case AUTHZ_NOT_FOUND:
		http_error(r, 404, "not_found", "您访问的问题不存在");
		return 0;
	case AUTHZ_FORBIDDEN:
	default:
		log_warn("forbidden: %s (%s) %s %s", r->user.login, role_code(r->user.role), action_name(act), r->path);
		http_error(r, 403, "forbidden", "您的账号无权进行此操作");
		return 0;
	}
}

int http_authorize_missing(struct req *r, enum action act)
{
	static const struct ticket_scope nowhere = { "", "", NULL }; /* inside nobody's subtree */
	if (http_authorize(r, act, &nowhere))
		http_error(r, 404, "not_found", "您访问的问题不存在");
	return 0;
}

const struct form *http_form(struct req *r)
{
	if (r->form_state == 0) {
		const char *ct = http_request_header(r, "Content-Type");
		r->form_state = 1;
		r->form = xcalloc(1, sizeof *r->form);
		if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
		    form_parse(r->body.data ? r->body.data : "", r->body.len, r->form) != 0)
			r->form_state = -1;
	}
	return r->form_state == 1 ? r->form : NULL;
}

json_t *http_json_body(struct req *r)
{
	json_error_t jerr;
	json_t *v = r->body.len ? json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!v || !json_is_object(v)) {
		json_decref(v);
		http_error(r, 400, "bad_json", "请求内容不是有效的 JSON 对象");
		return NULL;
	}
	return v;
}

void http_session_cookie(struct req *r, const char *value)
{
	http_cookie(r, SESSION_COOKIE, value, "/", SESSION_MAX_SECONDS);
}

static void load_session(struct req *r)
{
	const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
	if (!token)
		return;
	struct db *db = db_reader();
	long long expired = 0;
	if (!db)
		return;
	if (session_lookup(db, token, &r->user, &expired)) {
		r->signed_in = 1;
		if ((long long)clock_now() - r->user.last_seen >= SESSION_TOUCH_SECONDS) {
			struct err e;
			db_write(session_touch_job, &r->user.session_id, &e);
		}
	} else if (expired) {
		struct err e;
		db_write(session_delete_job, &expired, &e);
		memset(&r->user, 0, sizeof r->user);
	}
}

static int is_safe_method(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/*
 * A state-changing request of a session must carry the session's CSRF token: the
 * X-CSRF-Token header (API) or the csrf_token form field (pages).
 */
static int csrf_ok(struct req *r)
{
	if (!r->signed_in || is_safe_method(r->method) || r->route->access == ACCESS_SIGN_IN)
		return 1;
	const char *given = http_request_header(r, "X-CSRF-Token");
	if (!given && r->route->multipart)
		given = http_query(r, "csrf_token"); /* a page's upload form carries it in its address */
	if (!given) {
		const struct form *f = http_form(r);
		given = f ? form_get(f, "csrf_token") : NULL;
	}
	size_t n = strlen(r->user.csrf);
	return given && strlen(given) == n && n > 0 && sodium_memcmp(given, r->user.csrf, n) == 0;
}

/* The address of the peer of the connection (the proxy, when there is one). */
static const char *peer_ip(struct req *r, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const char *ok = NULL;
	if (sa && sa->sa_family == AF_INET)
		ok = inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa && sa->sa_family == AF_INET6)
		ok = inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
	if (!ok)
		str_copy(out, n, "unknown");
	return out;
}

/* 1 if the request came through the configured reverse proxy (serve --proxy ADDR). */
static int via_proxy(struct req *r)
{
	const char *proxy = r->srv->cfg->trusted_proxy;
	char peer[64];
	return proxy && *proxy && strcmp(peer_ip(r, peer, sizeof peer), proxy) == 0;
}

/*
 * The client's address: the peer's, or behind the configured proxy the last address of its
 * X-Forwarded-For (the one the proxy itself added; those before it are the client's say).
 */
const char *http_client_ip(struct req *r)
{
	if (r->client_ip[0])
		return r->client_ip;
	peer_ip(r, r->client_ip, sizeof r->client_ip);
	const char *xff = via_proxy(r) ? http_request_header(r, "X-Forwarded-For") : NULL;
	if (xff) {
		const char *last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		while (*last == ' ' || *last == '\t')
			last++;
		char cand[64];
		size_t len = strcspn(last, " \t");
		unsigned char bin[16];
		if (len < sizeof cand) {
			memcpy(cand, last, len);
			cand[len] = '\0';
			if (inet_pton(AF_INET, cand, bin) == 1 || inet_pton(AF_INET6, cand, bin) == 1)
				str_copy(r->client_ip, sizeof r->client_ip, cand);
		}
	}
	return r->client_ip;
}

/* 1 if the browser reached us over HTTPS: always (serve --secure-cookies), or as the proxy says. */
static int over_https(struct req *r)
{
	if (r->srv->cfg->secure_cookies)
		return 1;
	const char *proto = via_proxy(r) ? http_request_header(r, "X-Forwarded-Proto") : NULL;
	return proto && strcasecmp(proto, "https") == 0;
}

void http_cookie(struct req *r, const char *name, const char *value, const char *path, int max_age)
{
	char c[384];
	snprintf(c, sizeof c, "%s=%s; Path=%s; HttpOnly; SameSite=Strict; Max-Age=%d%s", name, value ? value : "", path,
		 value ? max_age : 0, over_https(r) ? "; Secure" : "");
	http_header(r, "Set-Cookie", c);
}

int http_cross_site(struct req *r)
{
	const char *site = http_request_header(r, "Sec-Fetch-Site");
	if (site && (strcmp(site, "cross-site") == 0 || strcmp(site, "same-site") == 0))
		return 1;
	const char *origin = http_request_header(r, "Origin");
	if (!origin)
		return 0;
	const char *host = http_request_header(r, "Host"), *sep = strstr(origin, "://");
	return !host || !sep || strcmp(sep + 3, host) != 0;
}


/* ---------------------------------------------------------------- dispatch */

static void method_not_allowed(struct req *r)
{
	char allow[128] = "";
	for (size_t i = 0; i < r->srv->cfg->nroutes; i++) {
		struct route_params p;
		if (!route_match(r->srv->cfg->routes[i].pattern, r->path, &p) || strstr(allow, r->srv->cfg->routes[i].method))
			continue;
		if (allow[0])
			strncat(allow, ", ", sizeof allow - strlen(allow) - 1);
		strncat(allow, r->srv->cfg->routes[i].method, sizeof allow - strlen(allow) - 1);
		if (strcmp(r->srv->cfg->routes[i].method, "GET") == 0)
			strncat(allow, ", HEAD", sizeof allow - strlen(allow) - 1);
	}
	http_header(r, "Allow", allow);
	http_error(r, 405, "method_not_allowed", "该地址不支持这种请求方法");
}

/* Finds the route once per request: sets r->route, or records why there is none. */
static void route_find(struct req *r)
{
	const char *method = r->is_head ? "GET" : r->method;
	r->routed = 1;
	r->path_known = 0;
	for (size_t i = 0; i < r->srv->cfg->nroutes; i++) {
		if (!route_match(r->srv->cfg->routes[i].pattern, r->path, &r->params))
			continue;
		r->path_known = 1;
		if (strcmp(r->srv->cfg->routes[i].method, method) == 0) {
			r->route = &r->srv->cfg->routes[i];
			return;
		}
	}
}

/* Sets r->route, or answers 404/405. */
static void route_request(struct req *r)
{
	if (!r->routed)
		route_find(r);
	if (r->route)
		return;
	if (r->path_known)
		method_not_allowed(r);
	else
		http_error(r, 404, "not_found", "您访问的页面不存在");
}

static enum MHD_Result queue_answer(struct req *r)
{
	struct MHD_Response *resp;
	if (r->produce) {
		struct stream *s = xcalloc(1, sizeof *s);
		s->produce = r->produce;
		s->release = r->release;
		s->state = r->stream_state;
		buf_init(&s->pending);
		r->produce = NULL; /* the response owns the state now */
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s, stream_free);
		if (!resp) {
			stream_free(s);
			return MHD_NO;
		}
	} else if (r->file_fd >= 0) {
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
	const char *h = r->headers.data;
	for (int i = 0; i < r->nheaders; i++) {
		const char *value = h + strlen(h) + 1;
		MHD_add_response_header(resp, h, value);
		has_cache_control |= strcasecmp(h, "Cache-Control") == 0;
		h = value + strlen(value) + 1;
	}
	if (!has_cache_control)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result check_utf8(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	int *bad = cls;
	if (!utf8_valid(key, strlen(key)) || (value && !utf8_valid(value, strlen(value)))) {
		*bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

/* Routing, query check, session, sign-in and CSRF: everything a request passes before its handler. */
static int admit(struct req *r)
{
	route_request(r);
	if (r->answered)
		return 0;
	/* Query values reach SQL, templates and JSON as text: they must be UTF-8. */
	int bad = 0;
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_utf8, &bad);
	if (bad || !utf8_valid(r->path, strlen(r->path))) {
		http_error(r, 400, "bad_encoding", "请求地址或参数含有无效字符");
		return 0;
	}
	load_session(r);
	if (r->route->access == ACCESS_USER && !r->signed_in) {
		ask_to_sign_in(r);
		return 0;
	}
	if (!csrf_ok(r)) {
		log_warn("csrf refused: %s %s from %s", r->method, r->path, http_client_ip(r));
		http_error(r, 403, "csrf", "页面已过期或请求来源无法确认，请刷新页面后重试");
		return 0;
	}
	if (!http_authorize(r, r->route->act, NULL)) /* the route's permission, read in routes.c */
		return 0;
	r->admitted = 1;
	return 1;
}

/*
 * Upload routes are admitted before their body is read, so that nobody streams 20 MB at a
 * URL they may not use; the post processor is set up only for admitted requests.
 */
static void prepare_upload(struct req *r)
{
	/* The route is looked up here, once; admit() reuses it (and answers a miss then). */
	route_find(r);
	if (!r->route || !r->route->multipart || !admit(r))
		return;
	r->body_limit = (size_t)r->srv->cfg->max_upload + 64 * 1024;
	const char *ct = http_request_header(r, "Content-Type");
	if (ct && strncasecmp(ct, "text/csv", 8) == 0)
		return; /* a plain body (the import API takes one): buffered up to the upload limit */
	r->pp = MHD_create_post_processor(r->conn, 64 * 1024, upload_piece, r);
	if (!r->pp)
		http_error(r, 400, "bad_upload", "请以 multipart/form-data 方式上传文件（字段名 file）");
}

static void run_handler(struct req *r)
{
	/* A page that only reads sees one state of the ledger from the session check to its last
	 * count, in one read transaction. Requests that change something read their own writes,
	 * so they read statement by statement. */
	db_reader_renew();
	struct db *snap = is_safe_method(r->method) ? db_page_begin() : NULL;
	if (r->admitted || admit(r)) {
		r->route->handler(r);
		if (!r->answered) {
			log_error("handler for %s %s gave no answer", r->method, r->path);
			http_error(r, 500, "no_answer", "服务器未能处理该请求");
		}
	}
	db_page_end(snap);
}

/* tcmalloc's tuning call, present when the server is linked with it (see the Makefile). */
extern int MallocExtension_SetNumericProperty(const char *property, size_t value) __attribute__((weak));

/* ---------------------------------------------------------------- request threads */

/*
 * A handler that writes waits for the writer thread's commit, which takes every write queued
 * meanwhile in one transaction and one fsync (group commit). Waiting on a network thread, no
 * more writes could share a commit than there are network threads. So requests that change
 * something run on a pool of request threads while their connection is suspended, and the
 * network threads go on serving reads.
 */
#define REQUEST_THREADS 32

static struct {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	struct req *head, *tail;
	int stopping, nthreads;
	pthread_t threads[REQUEST_THREADS];
} rq = { .mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static void run_handler(struct req *r);

static void *request_thread(void *arg)
{
	(void)arg;
	/* Writes read little (a few rows to check, the row written): a small page cache each. */
	struct db *reader = db_reader();
	if (reader)
		db_exec(reader, "PRAGMA cache_size=-1000", NULL);
	for (;;) {
		pthread_mutex_lock(&rq.mu);
		while (!rq.head && !rq.stopping)
			pthread_cond_wait(&rq.wake, &rq.mu);
		struct req *r = rq.head;
		if (r) {
			rq.head = r->next_deferred;
			if (!rq.head)
				rq.tail = NULL;
		}
		pthread_mutex_unlock(&rq.mu);
		if (!r)
			return NULL;
		run_handler(r);
		r->ran = 1; /* seen by the network thread after the resume below (it takes a lock) */
		MHD_resume_connection(r->conn);
	}
}

static void request_threads_start(void)
{
	for (int i = 0; i < REQUEST_THREADS; i++)
		if (pthread_create(&rq.threads[rq.nthreads], NULL, request_thread, NULL) == 0)
			rq.nthreads++;
	if (rq.nthreads < REQUEST_THREADS)
		log_warn("only %d of %d request threads started", rq.nthreads, REQUEST_THREADS);
}

/* Lets the queued requests finish, then ends the threads. */
static void request_threads_stop(void)
{
	pthread_mutex_lock(&rq.mu);
	rq.stopping = 1;
	pthread_cond_broadcast(&rq.wake);
	pthread_mutex_unlock(&rq.mu);
	for (int i = 0; i < rq.nthreads; i++)
		pthread_join(rq.threads[i], NULL);
	rq.nthreads = 0;
}

/* Hands a request that changes something to the request threads; 0 if it should run here. */
static int defer(struct req *r)
{
	if (r->is_head || !strcmp(r->method, "GET") || !rq.nthreads)
		return 0;
	r->deferred = 1;
	MHD_suspend_connection(r->conn);
	pthread_mutex_lock(&rq.mu);
	if (rq.tail)
		rq.tail->next_deferred = r;
	else
		rq.head = r;
	rq.tail = r;
	pthread_cond_signal(&rq.wake);
	pthread_mutex_unlock(&rq.mu);
	return 1;
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
		str_copy(r->method, sizeof r->method, method);
		str_copy(r->path, sizeof r->path, url);
		r->is_api = strncmp(r->path, "/api/", 5) == 0 || strcmp(r->path, "/api") == 0;
		r->is_head = strcmp(method, "HEAD") == 0;
		r->body_limit = srv->cfg->max_body;
		buf_init(&r->body);
		buf_init(&r->out);
		buf_init(&r->headers);
		r->upload.fd = -1;
		atomic_fetch_add(&srv->in_flight, 1);
		*con_cls = r;
		prepare_upload(r);
		/* A declared body over the limit is refused before it is read. */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > r->body_limit)
			r->body_too_large = 1;
		return MHD_YES;
	}
	if (*upload_data_size > 0 && r->pp) {
		if (MHD_post_process(r->pp, upload_data, *upload_data_size) != MHD_YES) {
			MHD_destroy_post_processor(r->pp);
			r->pp = NULL;
			if (!r->answered)
				http_error(r, r->upload.fd < 0 && r->upload.present ? 500 : 400, "bad_upload",
					   "上传的内容格式有误");
		}
		*upload_data_size = 0;
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
	if (r->queued)
		return MHD_YES;
	if (r->deferred) {
		if (!r->ran)
			return MHD_YES; /* still with a request thread */
		r->queued = 1;
		return queue_answer(r);
	}
	upload_finish(r);
	if (r->answered)
		; /* refused before the body was read (upload routes) */
	else if (r->body_too_large || r->upload.too_large)
		http_error(r, 413, "payload_too_large", r->upload.too_large ? "上传的文件超过了允许的大小" : "提交的内容超过了允许的大小");
	else if (defer(r))
		return MHD_YES;
	else
		run_handler(r);
	r->queued = 1;
	return queue_answer(r);
}

static size_t put_text(char *to, size_t at, const char *s, size_t n)
{
	memcpy(to + at, s, n);
	return at + n;
}

static size_t put_int(char *to, size_t at, long long v)
{
	char digits[INT_TEXT];
	size_t n;
	const char *d = int_text(v, digits, &n);
	return put_text(to, at, d, n);
}

/* The access log's line: "GET /path 200 1.23ms", made without printf (one a request). */
static void access_line(const struct req *r, double ms, enum MHD_RequestTerminationCode toe)
{
	char line[sizeof r->method + sizeof r->path + 96];
	size_t n = put_text(line, 0, r->method, strnlen(r->method, sizeof r->method));
	line[n++] = ' ';
	n = put_text(line, n, r->path, strnlen(r->path, sizeof r->path));
	line[n++] = ' ';
	n = put_int(line, n, r->status);
	line[n++] = ' ';
	long long hundredths = ms > 0 ? (long long)(ms * 100 + 0.5) : 0;
	n = put_int(line, n, hundredths / 100);
	line[n++] = '.';
	line[n++] = (char)('0' + hundredths % 100 / 10);
	line[n++] = (char)('0' + hundredths % 10);
	n = put_text(line, n, "ms", 2);
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		static const char ended[] = " (connection ended: ";
		n = put_text(line, n, ended, sizeof ended - 1);
		n = put_int(line, n, (int)toe);
		line[n++] = ')';
	}
	log_text("info", line, n);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	struct server *srv = cls;
	struct req *r = *con_cls;
	if (!r)
		return;
	access_line(r, mono_ms() - r->started_ms, toe);
	if (r->file_fd >= 0)
		close(r->file_fd);
	if (r->produce)
		r->release(r->stream_state); /* answered but never queued */
	buf_free(&r->body);
	buf_free(&r->out);
	if (r->form) {
		form_free(r->form); /* empty when parsing failed */
		free(r->form);
	}
	if (r->pp)
		MHD_destroy_post_processor(r->pp);
	if (r->upload.fd >= 0)
		close(r->upload.fd);
	if (r->upload.tmp_path)
		unlink(r->upload.tmp_path); /* not taken by the handler */
	free(r->upload.tmp_path);
	buf_free(&r->headers);
	json_decref(r->fields);
	sodium_memzero(&r->user, sizeof r->user);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
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
		if (r[0] == '%' && (hi = hex_digit(r[1])) >= 0 && (lo = hex_digit(r[2])) >= 0 && (hi | lo) != 0) {
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

/* The work the server does by itself: at start, then every `every` seconds until stopped. */
struct ticker {
	void (*fn)(void);
	unsigned every;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	int stop;
};

static void *ticker_main(void *arg)
{
	struct ticker *t = arg;
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		pthread_mutex_unlock(&t->mu);
		t->fn();
		pthread_mutex_lock(&t->mu);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += t->every;
		while (!t->stop && pthread_cond_timedwait(&t->wake, &t->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

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
	/* Planner statistics that fit the ledger: without them SQLite picks poor indexes for the
	 * scoped to-do counts. Sampled, ANALYZE takes one to three seconds at a million tickets
	 * (about ten on a cold page cache) and the server listens only after it: a restart, after
	 * a crash say, should not pay that when the ledger has not changed much. A migration
	 * applied now may have replaced an index, whose statistics went with it. */
	if (applied > 0 || (applied == 0 && db_stats_stale(db, 1))) {
		double t0 = mono_ms();
		if (db_stats_take(db, &e) != 0)
			log_warn("%s", e.message);
		else
			log_info("planner statistics taken in %.0f ms", mono_ms() - t0);
	}
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
	/* A ledger that grows for months without a restart keeps statistics that fit it. */
	db_pool_stats_every(cfg->stats_every);
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
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
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

	/* tcmalloc (when linked: sanitizer builds are not) may keep up to 32 MB in its per-thread
	 * caches by default; with 30-odd threads a few MB serve as well. */
	if (MallocExtension_SetNumericProperty)
		MallocExtension_SetNumericProperty("tcmalloc.max_total_thread_cache_bytes", (size_t)8 << 20);
	request_threads_start();
	log_buffer_start();
	/* Each connection's memory (request headers, the answer's headers, body pieces) is 16 KB:
	 * headers up to about 14 KB fit (Apache and nginx allow 8 KB), a thousand connections hold
	 * 16 MB, and libmicrohttpd clears it between requests on a kept-alive connection. */
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, (uint16_t)cfg->port, NULL, NULL, access_handler, &srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL, MHD_OPTION_SOCK_ADDR, addr,
		MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_NOTIFY_COMPLETED, request_completed, &srv,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		cfg->conn_per_ip, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)16 * 1024, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
		MHD_OPTION_END);
	if (!d) {
		log_error("cannot listen on %s:%d", cfg->bind, cfg->port);
		log_buffer_stop();
		request_threads_stop();
		db_pool_stop();
		tmpl_set_free(srv.templates);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	int port = info ? info->port : cfg->port;
	printf("满意台账 listening on http://%s:%d/\n", cfg->bind, port);
	fflush(stdout);
	log_info("serving %s with %u threads, templates from %s", cfg->db_path, cfg->threads, root);

	struct ticker tk = { .fn = cfg->tick, .every = cfg->tick_every, .mu = PTHREAD_MUTEX_INITIALIZER,
			     .wake = PTHREAD_COND_INITIALIZER };
	int ticking = cfg->tick && cfg->tick_every && pthread_create(&tk.thread, NULL, ticker_main, &tk) == 0;
	struct ticker dl = { .fn = cfg->deliver, .every = cfg->deliver_every, .mu = PTHREAD_MUTEX_INITIALIZER,
			     .wake = PTHREAD_COND_INITIALIZER };
	int delivering = cfg->deliver && cfg->deliver_every && pthread_create(&dl.thread, NULL, ticker_main, &dl) == 0;

	int sig = 0;
	sigwait(&stop, &sig);
	log_info("signal %d: finishing requests in flight", sig);

	/* Stop accepting, let the requests in flight finish (up to 10 s), then stop. */
	MHD_socket ls = MHD_quiesce_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	for (int i = 0; i < 1000 && atomic_load(&srv.in_flight) > 0; i++)
		usleep(10000);
	request_threads_stop();
	struct ticker *running[2] = { ticking ? &tk : NULL, delivering ? &dl : NULL };
	for (int i = 0; i < 2; i++) {
		if (!running[i])
			continue;
		pthread_mutex_lock(&running[i]->mu);
		running[i]->stop = 1;
		pthread_cond_signal(&running[i]->wake);
		pthread_mutex_unlock(&running[i]->mu);
		pthread_join(running[i]->thread, NULL);
	}
	if (cfg->on_stop)
		cfg->on_stop(); /* the web layer's background work (imports) */
	MHD_stop_daemon(d);
	db_pool_stop();
	tmpl_set_free(srv.templates);
	log_info("stopped cleanly");
	log_buffer_stop();
	return 0;
}

/* ---------------------------------------------------------------- in-process requests */

/*
 * The whole request path — headers, body limits, multipart parsing, sessions, handlers —
 * without a listening socket: each request goes through a socket pair that libmicrohttpd
 * adopts. For the fuzz targets, which need every input to take the real path in one process.
 */
struct http_harness {
	struct server srv;
	struct server_config cfg;
	struct MHD_Daemon *d;
};

struct http_harness *http_harness_start(const struct server_config *cfg, struct err *e)
{
	struct http_harness *h = xcalloc(1, sizeof *h);
	h->cfg = *cfg;
	h->srv.cfg = &h->cfg;
	atomic_init(&h->srv.in_flight, 0);
	const char *root = resource_root();
	snprintf(h->srv.static_dir, sizeof h->srv.static_dir, "%s/static", root);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/templates", root);
	h->srv.templates = tmpl_set_new();
	if (tmpl_set_load_dir(h->srv.templates, dir, e) < 0) {
		http_harness_stop(h);
		return NULL;
	}
	signal(SIGPIPE, SIG_IGN);
	h->d = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0, NULL, NULL, access_handler, &h->srv,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL,
				MHD_OPTION_NOTIFY_COMPLETED, request_completed, &h->srv, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)64 * 1024, MHD_OPTION_END);
	if (!h->d) {
		err_set(e, 500, "httpd", NULL, "libmicrohttpd did not start");
		http_harness_stop(h);
		return NULL;
	}
	return h;
}

void http_harness_stop(struct http_harness *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);
	tmpl_set_free(h->srv.templates);
	free(h);
}

int http_harness_request(struct http_harness *h, const char *req, size_t len, struct buf *out)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(40000) };
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (MHD_add_connection(h->d, sv[0], (struct sockaddr *)&peer, sizeof peer) != MHD_YES) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	size_t sent = 0;
	int eof = 0;
	/* Bounded: a request that neither finishes nor fails within this many rounds is abandoned. */
	for (int round = 0; round < 100000 && !eof; round++) {
		if (sent < len) {
			ssize_t n = write(sv[1], req + sent, len - sent);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = len; /* the server closed its end: nothing more to send */
		}
		MHD_run(h->d);
		char chunk[16384];
		ssize_t n;
		while ((n = read(sv[1], chunk, sizeof chunk)) > 0)
			buf_append(out, chunk, (size_t)n);
		if (n == 0)
			eof = 1;
	}
	close(sv[1]);
	MHD_run(h->d);
	return eof ? 0 : -1;
}


char *http_upload_read(struct req *r, size_t *len)
{
	*len = 0;
	if (r->upload.present)
		return r->upload.tmp_path ? read_file(r->upload.tmp_path, len) : NULL;
	*len = r->body.len;
	return xstrndup(r->body.data ? r->body.data : "", r->body.len);
}
