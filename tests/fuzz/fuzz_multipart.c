/*
 * fuzz_multipart.c — libFuzzer target: multipart uploads, through the whole request path
 * (libmicrohttpd's multipart parser, our piece-by-piece handling of the file field — limits,
 * temporary file, hash — and the attachment handler), by http_harness without a network.
 *
 * The input is the body of POST /api/v1/tickets/{id}/attachments from a signed-in street
 * staff member; its first byte picks the Content-Type header (boundary declared or not,
 * quoted, another type). Whatever the body, the answer must be a complete HTTP response with
 * a 2xx or 4xx status, never a 5xx.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "handlers.h"
#include "http.h"

static struct http_harness *h;
static char cookie[128], csrf[128];
static long long ticket;

/* Sends one request; returns the status (0 if the answer was incomplete). */
static int send_request(const char *method, const char *path, const char *type, const char *body, size_t len,
			struct buf *out)
{
	struct buf req;
	buf_init(&req);
	buf_printf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, path);
	if (cookie[0])
		buf_printf(&req, "Cookie: %s\r\nX-CSRF-Token: %s\r\n", cookie, csrf);
	if (type)
		buf_printf(&req, "Content-Type: %s\r\n", type);
	buf_printf(&req, "Content-Length: %zu\r\n\r\n", len);
	buf_append(&req, body, len);
	buf_init(out);
	int rc = http_harness_request(h, req.data, req.len, out);
	buf_free(&req);
	int status = 0;
	if (rc == 0 && out->data)
		sscanf(out->data, "HTTP/1.1 %d", &status);
	return status;
}

/* Copies the value after `key` in text, up to a character in `stop`. */
static void grab(const char *text, const char *key, const char *stop, char *out, size_t n)
{
	const char *p = text ? strstr(text, key) : NULL;
	if (!p) {
		fprintf(stderr, "fuzz_multipart: no %s in the answer\n", key);
		abort();
	}
	p += strlen(key);
	size_t l = strcspn(p, stop);
	snprintf(out, n, "%.*s", (int)(l < n ? l : n - 1), p);
}

static char db_file[64], data_root[64];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The database and the uploads of this process go when it ends. */
static void clean_up(void)
{
	char wal[80];
	unlink(db_file);
	snprintf(wal, sizeof wal, "%s-wal", db_file);
	unlink(wal);
	snprintf(wal, sizeof wal, "%s-shm", db_file);
	unlink(wal);
	nftw(data_root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void start(void)
{
	(void)fuzz_db();
	char path[64], data[64];
	snprintf(path, sizeof path, "/tmp/ledger-fuzz-multipart-%d.db", (int)getpid());
	snprintf(data, sizeof data, "/tmp/ledger-fuzz-multipart-%d.data", (int)getpid());
	unlink(path);
	snprintf(db_file, sizeof db_file, "%s", path);
	snprintf(data_root, sizeof data_root, "%s", data);
	atexit(clean_up);
	struct err e = { 0 };
	struct db *w = db_open(path, &e);
	char dir[4096];
	const char *root = getenv("LEDGER_ROOT");
	snprintf(dir, sizeof dir, "%s/migrations", root ? root : ".");
	FILE *null = fopen("/dev/null", "w");
	if (!w || migrate_run(w, dir, &e) < 0 || demo_install(w, null, &e) < 0) {
		fprintf(stderr, "fuzz_multipart: %s\n", e.message);
		abort();
	}
	fclose(null);
	db_close(w);
	if (db_pool_start(path, &e) != 0)
		abort();
	/* The data folders `ledger serve` makes. */
	char sub[96];
	const char *subs[] = { "", "/tmp", "/thumbs" };
	for (int i = 0; i < 3; i++) {
		snprintf(sub, sizeof sub, "%s%s", data, subs[i]);
		mkdir(sub, 0750);
	}
	static struct server_config cfg;
	cfg = (struct server_config){ .db_path = path, .max_upload = 64 * 1024, .bind = "127.0.0.1", .data_dir = data,
				      .threads = 1, .max_body = 1 << 20, .conn_per_ip = 64, .idle_timeout = 30,
				      .routes = route_table, .nroutes = route_count, .todo_count = todo_count,
				      .on_stop = import_wait_all };
	static char data_dir[64];
	snprintf(data_dir, sizeof data_dir, "%s", data);
	cfg.data_dir = data_dir;
	h = http_harness_start(&cfg, &e);
	if (!h)
		abort();
	struct buf out;
	static const char login[] = "{\"login\":\"xingren\",\"password\":\"Demo#2023\"}";
	if (send_request("POST", "/api/v1/session", "application/json", login, sizeof login - 1, &out) != 200)
		abort();
	grab(out.data, "Set-Cookie: ", ";", cookie, sizeof cookie);
	grab(out.data, "\"csrf_token\":\"", "\"", csrf, sizeof csrf);
	buf_free(&out);
	static const char t[] = "{\"source\":\"hotline12345\",\"category\":\"complaint\",\"domain\":\"rural_water\","
				"\"title\":\"模糊测试\",\"description\":\"上传\",\"unit\":\"XR\"}";
	if (send_request("POST", "/api/v1/tickets", "application/json", t, sizeof t - 1, &out) != 201)
		abort();
	char id[32];
	grab(out.data, "\"id\":", ",}", id, sizeof id);
	ticket = atoll(id);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		"multipart/form-data; boundary=B",
		"multipart/form-data; boundary=\"B\"",
		"multipart/form-data",
		"multipart/form-data; boundary=",
		"multipart/mixed; boundary=B",
		"text/csv",
		"multipart/form-data; boundary=BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
		"multipart/form-data; charset=utf-8; boundary=B",
	};
	if (!h)
		start();
	if (size == 0)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/api/v1/tickets/%lld/attachments", ticket);
	struct buf out;
	int status = send_request("POST", path, types[data[0] % (sizeof types / sizeof *types)], (const char *)data + 1,
				  size - 1, &out);
	if (status < 200 || status >= 500) {
		fprintf(stderr, "fuzz_multipart: answer %d\n%.500s\n", status, out.data ? out.data : "(none)");
		abort();
	}
	buf_free(&out);
	return 0;
}
