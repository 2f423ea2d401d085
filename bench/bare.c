/*
 * bare.c — the limit the benchmark compares the ledger against: libmicrohttpd and one prepared
 * SQLite query per request, nothing else (no session, no template engine, no routing table).
 *
 *   GET /list         the first 50 tickets of one street in the ledger's order, as escaped HTML rows
 *   GET /ticket/ID    one ticket's fields as escaped HTML
 *
 * Like the real server it answers on the second call of the access handler, which keeps
 * connections alive (libmicrohttpd 0.9.75 closes a connection whose handler answers on its
 * very first call), runs a thread pool of the same size, and gives each thread its own
 * read-only connection with the statements prepared once.
 *
 * usage: bare DB PORT UNIT_CODE [THREADS]   (port 0 picks a free one; the URL is printed)
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *db_path;
static long long street_id;

static const char q_list[] =
	"SELECT t.id, t.code, t.title, u.name, t.status, t.deadline, coalesce(t.color, ''), t.reporter_name "
	"FROM tickets t JOIN units u ON u.id = t.unit_id WHERE t.unit_id = ?1 "
	"ORDER BY t.urgency_rank, t.deadline, t.id LIMIT 50";
static const char q_one[] =
	"SELECT t.id, t.code, t.title, t.description, t.address, u.name, t.status, t.deadline, t.original_deadline, "
	"coalesce(t.color, ''), t.measures, t.last_progress_on, t.created_at FROM tickets t "
	"JOIN units u ON u.id = t.unit_id WHERE t.id = ?1";

struct conn {
	sqlite3 *db;
	sqlite3_stmt *list, *one;
};

static pthread_key_t conn_key;

static void conn_free(void *p)
{
	struct conn *c = p;
	sqlite3_finalize(c->list);
	sqlite3_finalize(c->one);
	sqlite3_close(c->db);
	free(c);
}

static struct conn *conn_get(void)
{
	struct conn *c = pthread_getspecific(conn_key);
	if (c)
		return c;
	c = calloc(1, sizeof *c);
	if (!c || sqlite3_open_v2(db_path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, q_list, -1, &c->list, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(c->db, q_one, -1, &c->one, NULL) != SQLITE_OK) {
		fprintf(stderr, "bare: %s\n", c && c->db ? sqlite3_errmsg(c->db) : "out of memory");
		exit(1);
	}
	sqlite3_exec(c->db, "PRAGMA cache_size=-8000", NULL, NULL, NULL);
	pthread_setspecific(conn_key, c);
	return c;
}

struct out {
	char *p;
	size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		while (o->len + n + 1 > o->cap)
			o->cap = o->cap ? o->cap * 2 : 8192;
		o->p = realloc(o->p, o->cap);
		if (!o->p)
			abort();
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_raw(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* HTML-escapes s: the same five characters the ledger's templates escape. */
static void puts_esc(struct out *o, const unsigned char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': puts_raw(o, "&amp;"); break;
		case '<': puts_raw(o, "&lt;"); break;
		case '>': puts_raw(o, "&gt;"); break;
		case '"': puts_raw(o, "&quot;"); break;
		case '\'': puts_raw(o, "&#39;"); break;
		default: put(o, (const char *)s, 1);
		}
	}
}

static void cell(struct out *o, sqlite3_stmt *st, int col)
{
	puts_raw(o, "<td>");
	puts_esc(o, sqlite3_column_text(st, col));
	puts_raw(o, "</td>");
}

static int render(const char *url, struct out *o)
{
	struct conn *c = conn_get();
	puts_raw(o, "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>台账</title><table>");
	if (strcmp(url, "/list") == 0) {
		sqlite3_bind_int64(c->list, 1, street_id);
		while (sqlite3_step(c->list) == SQLITE_ROW) {
			puts_raw(o, "<tr>");
			for (int i = 0; i < 8; i++)
				cell(o, c->list, i);
			puts_raw(o, "</tr>\n");
		}
		sqlite3_reset(c->list);
	} else if (strncmp(url, "/ticket/", 8) == 0) {
		sqlite3_bind_int64(c->one, 1, strtoll(url + 8, NULL, 10));
		int found = sqlite3_step(c->one) == SQLITE_ROW;
		for (int i = 0; found && i < 13; i++) {
			puts_raw(o, "<tr>");
			cell(o, c->one, i);
			puts_raw(o, "</tr>\n");
		}
		sqlite3_reset(c->one);
		if (!found)
			return 404;
	} else {
		return 404;
	}
	puts_raw(o, "</table></html>\n");
	return 200;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url, const char *method,
			       const char *version, const char *upload, size_t *upload_size, void **state)
{
	(void)cls;
	(void)method;
	(void)version;
	(void)upload;
	(void)upload_size;
	static int first_call;
	if (!*state) {
		*state = &first_call;
		return MHD_YES;
	}
	struct out o = { 0 };
	int status = render(url, &o);
	struct MHD_Response *resp = MHD_create_response_from_buffer(o.len, o.p, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
	enum MHD_Result ret = MHD_queue_response(con, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bare DB PORT UNIT_CODE [THREADS]\n");
		return 2;
	}
	db_path = argv[1];
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* as the ledger does: no global lock per allocation */
	/* The ledger's default: one network thread per core, at least two. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = argc > 4 ? (unsigned)atoi(argv[4]) : (unsigned)(cores > 1 ? cores : 2);
	sqlite3 *db;
	sqlite3_stmt *st;
	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT id FROM units WHERE code = ?1", -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "bare: cannot read %s\n", db_path);
		return 1;
	}
	sqlite3_bind_text(st, 1, argv[3], -1, SQLITE_STATIC);
	street_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!street_id) {
		fprintf(stderr, "bare: no unit %s\n", argv[3]);
		return 1;
	}
	pthread_key_create(&conn_key, conn_free);
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC,
						(uint16_t)atoi(argv[2]), NULL, NULL, handler, NULL,
						MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
						threads, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare: cannot listen on port %s\n", argv[2]);
		return 1;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("bare server on http://127.0.0.1:%u/ with %u threads\n", info ? info->port : 0, threads);
	fflush(stdout);
	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return 0;
}
