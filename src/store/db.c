/*
 * db.c — connections, the statement cache, per-thread readers and the writer thread.
 *
 * THE DESIGN, AND WHY
 *
 * One writer. Every write in the server, from any of its threads, is a job handed to
 * db_write(), which queues it and waits; one thread (writer_main) owns the only connection
 * that writes and runs the jobs. Two reasons. Debian 12's SQLite 3.40 carries the WAL-reset
 * race (sqlite.org/wal.html#walresetbug, fixed in 3.51.3), which corrupts a database only when
 * two connections write or checkpoint at once: with one writer it cannot happen. And one
 * writer makes durability cheap: see group commit.
 *
 * Group commit. The writer takes every job queued when it wakes (up to WRITE_BATCH) into one
 * transaction, each job in a savepoint of its own: a job that fails is rolled back to its
 * savepoint and the others still commit. The transaction commits with synchronous=FULL, so a
 * burst of 32 requests costs one fsync, not 32, and each request is told of its write only
 * after that commit is durable (run_batch, then write_gen, then done). A job runs inside the
 * transaction and must neither commit nor end it (asserted).
 *
 * Readers. Each thread reads on a connection of its own (db_reader(), opened on first use,
 * query_only so that a read path can never write), so reads never wait on the writer or on
 * one another: WAL gives each its own snapshot.
 *
 * Kept snapshots. A page (a GET) reads in one transaction from its session check to its last
 * count (db_page_begin / db_page_end), so it shows one state of the ledger. That transaction
 * is kept open for the thread's next page while nothing has been committed through the writer
 * since (write_gen) and for at most keep_ms (20 ms): a page begun after a write was
 * acknowledged always sees it, and a write by another process is seen within 20 ms. Counts a
 * page asks often (list totals, the to-do badge) are remembered per connection for the state
 * its snapshot sees (memo, keyed by SQLite's data version). After each commit, and every
 * SWEEP_MS, the writer ends the snapshots of idle threads (sweep_kept), so no idle thread
 * holds back a checkpoint.
 *
 * Statements. Each connection prepares a statement once and keeps it, keyed by the address of
 * its SQL text (a static const char[] beside its use); SQL built at run time (a list's
 * filters) is kept by its text, the newest TEXT_CACHE of them.
 *
 * Planner statistics. The writer looks every stats_every seconds whether the ledger has grown
 * past twice or shrunk below half the size its statistics were taken at, takes them again
 * then, and has each reader open anew (a connection keeps the statistics it loaded).
 */
#include "db.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search.h"

#define STMT_CACHE 192
#define TEXT_CACHE 64
#define MEMO_SLOTS 32
#define WRITE_BATCH 512
/* The writer ends idle kept page snapshots (see db_page_begin) after each commit and this often. */
#define SWEEP_MS 1000.0

struct db {
	sqlite3 *h;
	int nstmt;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
	/* Statements built at run time (a list's filters), by their text; replaced round-robin. */
	int ntext, next_text;
	struct {
		unsigned long long hash;
		char *sql;
		sqlite3_stmt *st;
	} text[TEXT_CACHE];
	unsigned stats_gen; /* the planner statistics this connection loaded (see db_reader_renew) */
	/* A page's snapshot left open for the next page (see db_page_begin). The owning thread
	 * holds keep_mu through a page; between pages the writer may end the snapshot. */
	pthread_mutex_t keep_mu;
	atomic_int kept;
	unsigned kept_gen; /* pool.write_gen when it began */
	double kept_ms;
	/* Answers remembered for one state of the database (see db_memo_get). */
	unsigned memo_version;
	int nmemo, next_memo;
	struct {
		unsigned long long hash;
		char *key;
		long long value;
		char *data; /* bytes (a text with its NUL), or NULL for a number */
		size_t len;
	} memo[MEMO_SLOTS];
	/* One object a module keeps with the connection (see db_attach). */
	void *attached;
	void (*attached_free)(void *);
};

static const char connection_pragmas[] =
	"PRAGMA foreign_keys=ON;"
	"PRAGMA busy_timeout=5000;"
	"PRAGMA synchronous=FULL;"
	"PRAGMA cache_size=-4000;";

/* Statements slower than this are logged, so that a slow page names its query. */
#define SLOW_STATEMENT_MS 200

static int trace_slow(unsigned type, void *ctx, void *p, void *x)
{
	(void)ctx;
	if (type != SQLITE_TRACE_PROFILE)
		return 0;
	long long ns = *(const sqlite3_int64 *)x;
	/* The SQL with its placeholders, not the values: those may be personal data. */
	if (ns >= SLOW_STATEMENT_MS * 1000000LL)
		log_info("slow statement (%lld ms): %.600s", ns / 1000000, sqlite3_sql((sqlite3_stmt *)p));
	return 0;
}

struct db *db_open(const char *path, struct err *e)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, 500, "db_open", NULL, "无法打开数据库 %s：%s", path, h ? sqlite3_errmsg(h) : "内存不足");
		sqlite3_close(h);
		return NULL;
	}
	search_register(h); /* the search index's terms, for the statements that write it */
	struct db *db = xcalloc(1, sizeof *db);
	db->h = h;
	pthread_mutex_init(&db->keep_mu, NULL);
	sqlite3_trace_v2(h, SQLITE_TRACE_PROFILE, trace_slow, NULL);
	/* WAL is a property of the file; setting it again is cheap and idempotent. */
	if (db_exec(db, "PRAGMA journal_mode=WAL;", e) != 0 || db_exec(db, connection_pragmas, e) != 0) {
		db_close(db);
		return NULL;
	}
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->nstmt; i++)
		sqlite3_finalize(db->cache[i].st);
	for (int i = 0; i < db->ntext; i++) {
		sqlite3_finalize(db->text[i].st);
		free(db->text[i].sql);
	}
	for (int i = 0; i < db->nmemo; i++) {
		free(db->memo[i].key);
		free(db->memo[i].data);
	}
	if (db->attached_free)
		db->attached_free(db->attached);
	sqlite3_close(db->h);
	pthread_mutex_destroy(&db->keep_mu);
	free(db);
}

void *db_attached(struct db *db)
{
	return db->attached;
}

void db_attach(struct db *db, void *p, void (*free_fn)(void *))
{
	if (db->attached_free && db->attached != p)
		db->attached_free(db->attached);
	db->attached = p;
	db->attached_free = free_fn;
}

sqlite3 *db_handle(struct db *db)
{
	return db->h;
}

/* A cached statement made ready for its next use. */
static sqlite3_stmt *reused(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* A statement kept for the connection's life; NULL (logged) if it does not compile. */
static sqlite3_stmt *prepare_persistent(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_error("sql prepare failed: %s: %.200s", sqlite3_errmsg(db->h), sql);
		return NULL;
	}
	return st;
}

sqlite3_stmt *db_prepare(struct db *db, const char *sql)
{
	for (int i = 0; i < db->nstmt; i++) {
		if (db->cache[i].sql == sql)
			return reused(db->cache[i].st);
	}
	sqlite3_stmt *st = prepare_persistent(db, sql);
	if (!st)
		return NULL;
	if (db->nstmt < STMT_CACHE) {
		db->cache[db->nstmt].sql = sql;
		db->cache[db->nstmt].st = st;
		db->nstmt++;
	} else {
		/* Never expected (the cache outnumbers our statements); keep working, log once per call. */
		log_warn("statement cache full");
		sqlite3_finalize(db->cache[0].st);
		db->cache[0].sql = sql;
		db->cache[0].st = st;
	}
	return st;
}

/* A slot of a cache of cap entries, *n in use: a free one while there is one (*fresh set),
 * then each in turn (round robin, *next). */
static int cache_slot(int *n, int *next, int cap, int *fresh)
{
	*fresh = *n < cap;
	if (*fresh)
		return (*n)++;
	int slot = *next;
	*next = (slot + 1) % cap;
	return slot;
}

sqlite3_stmt *db_prepare_text(struct db *db, const char *sql)
{
	unsigned long long h = text_hash(sql);
	for (int i = 0; i < db->ntext; i++) {
		if (db->text[i].hash != h || strcmp(db->text[i].sql, sql) != 0)
			continue;
		sqlite3_stmt *st = db->text[i].st;
		if (sqlite3_stmt_busy(st)) {
			log_error("statement in use twice: %.200s", sql);
			return NULL;
		}
		return reused(st);
	}
	sqlite3_stmt *st = prepare_persistent(db, sql);
	if (!st)
		return NULL;
	int fresh;
	int slot = cache_slot(&db->ntext, &db->next_text, TEXT_CACHE, &fresh);
	if (!fresh) {
		if (sqlite3_stmt_busy(db->text[slot].st)) {
			/* Never evict a statement someone is stepping. */
			log_error("statement cache: no free slot");
			sqlite3_finalize(st);
			return NULL;
		}
		sqlite3_finalize(db->text[slot].st);
		free(db->text[slot].sql);
	}
	db->text[slot].hash = h;
	db->text[slot].sql = xstrdup(sql);
	db->text[slot].st = st;
	return st;
}

void db_done(sqlite3_stmt *st)
{
	if (st)
		sqlite3_reset(st);
}

/* ---------------------------------------------------------------- snapshots and memos */

static const char q_begin[] = "BEGIN";
static const char q_commit[] = "COMMIT";

static int run_once(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Ends db's read transaction. A statement left unreset keeps it open: those are reset first. */
static void read_end(struct db *db)
{
	if (sqlite3_get_autocommit(db->h))
		return;
	if (run_once(db, q_commit) == 0)
		return;
	log_error("read snapshot did not end: %s", sqlite3_errmsg(db->h));
	for (sqlite3_stmt *st = sqlite3_next_stmt(db->h, NULL); st; st = sqlite3_next_stmt(db->h, st))
		sqlite3_reset(st);
	if (run_once(db, q_commit) != 0)
		log_error("read snapshot still open: %s", sqlite3_errmsg(db->h));
}

/* With keep_mu held: ends the kept snapshot, if any. */
static void kept_end(struct db *db)
{
	if (!atomic_load(&db->kept))
		return;
	read_end(db);
	atomic_store(&db->kept, 0);
}

/*
 * The pager's data version identifies the state a read transaction sees: it changes whenever
 * another connection has changed the file. Outside a read transaction there is no state to
 * name, so nothing is remembered then.
 */
static const char q_data_version[] = "PRAGMA data_version";

static int memo_usable(struct db *db)
{
	/* In a snapshot not read from yet (the first thing a page asks may be remembered), a
	 * read of the header starts it. */
	if (!sqlite3_get_autocommit(db->h) && sqlite3_txn_state(db->h, "main") == SQLITE_TXN_NONE) {
		sqlite3_stmt *st = db_prepare(db, q_data_version);
		if (st)
			sqlite3_step(st);
		db_done(st);
	}
	if (sqlite3_txn_state(db->h, "main") != SQLITE_TXN_READ)
		return 0;
	unsigned v = 0;
	if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK)
		return 0;
	if (v != db->memo_version) {
		for (int i = 0; i < db->nmemo; i++) {
			free(db->memo[i].key);
			free(db->memo[i].data);
		}
		db->nmemo = db->next_memo = 0;
		db->memo_version = v;
	}
	return 1;
}

static int memo_find(struct db *db, const char *key)
{
	if (!memo_usable(db))
		return -1;
	unsigned long long h = text_hash(key);
	for (int i = 0; i < db->nmemo; i++)
		if (db->memo[i].hash == h && strcmp(db->memo[i].key, key) == 0)
			return i;
	return -1;
}

static void memo_put(struct db *db, const char *key, long long value, const void *data, size_t len)
{
	if (!memo_usable(db))
		return;
	int fresh;
	int slot = cache_slot(&db->nmemo, &db->next_memo, MEMO_SLOTS, &fresh);
	if (!fresh) {
		free(db->memo[slot].key);
		free(db->memo[slot].data);
	}
	db->memo[slot].hash = text_hash(key);
	db->memo[slot].key = xstrdup(key);
	db->memo[slot].value = value;
	db->memo[slot].data = data ? xmalloc(len) : NULL;
	db->memo[slot].len = len;
	if (data)
		memcpy(db->memo[slot].data, data, len);
}

int db_memo_get(struct db *db, const char *key, long long *value)
{
	int i = memo_find(db, key);
	if (i < 0 || db->memo[i].data)
		return 0;
	*value = db->memo[i].value;
	return 1;
}

void db_memo_put(struct db *db, const char *key, long long value)
{
	memo_put(db, key, value, NULL, 0);
}

int db_memo_get_text(struct db *db, const char *key, char *out, size_t n)
{
	int i = memo_find(db, key);
	if (i < 0 || !db->memo[i].data)
		return 0;
	snprintf(out, n, "%s", db->memo[i].data);
	return 1;
}

const char *db_memo_peek_text(struct db *db, const char *key)
{
	int i = memo_find(db, key);
	return i < 0 || !db->memo[i].data ? NULL : db->memo[i].data;
}

void db_memo_put_text(struct db *db, const char *key, const char *text)
{
	memo_put(db, key, 0, text, strlen(text) + 1);
}

int db_memo_get_bytes(struct db *db, const char *key, void *out, size_t n)
{
	int i = memo_find(db, key);
	if (i < 0 || !db->memo[i].data || db->memo[i].len != n)
		return 0;
	memcpy(out, db->memo[i].data, n);
	return 1;
}

void db_memo_put_bytes(struct db *db, const char *key, const void *data, size_t n)
{
	memo_put(db, key, 0, data, n);
}

int db_exec(struct db *db, const char *sql, struct err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

long long db_lookup_id(struct db *db, const char *sql, const char *text)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	long long id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	return id;
}

const char *db_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

/* ---------------------------------------------------------------- pool */


struct write_job {
	db_write_fn fn;
	void *arg;
	struct err *e;
	int rc;
	int done;
	struct write_job *next;
};

static struct {
	char *path;
	pthread_mutex_t mu;
	pthread_cond_t wake;  /* the writer: jobs arrived or stop */
	pthread_cond_t done;  /* callers: some job finished */
	struct write_job *head, *tail;
	int stopping;
	int running;
	pthread_t writer;
	struct db *wdb;
	struct db **readers;
	int nreaders, capreaders;
	double stats_every_ms, stats_next_ms; /* when the writer next looks at the statistics */
	atomic_uint stats_gen;		      /* bumped when it has taken new ones */
	atomic_uint write_gen;		      /* bumped after each commit of the writer */
	double keep_ms; /* a page's snapshot serves pages begun this long after it, at most */
} pool = { .keep_ms = 20, .mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .done = PTHREAD_COND_INITIALIZER };

/* This thread's reader, valid while the pool that opened it runs (epoch): db_pool_stop closes
 * every reader, and a later pool must not hand out one of those. */
static __thread struct db *thread_reader;
static __thread unsigned thread_reader_epoch;
static unsigned pool_epoch;
/* Set between db_page_begin and db_page_end. */
static __thread int thread_in_page;

static void run_batch(struct write_job *batch)
{
	struct err e = { 0 };
	int began = db_exec(pool.wdb, "BEGIN IMMEDIATE", &e) == 0;
	for (struct write_job *j = batch; j; j = j->next) {
		if (!began) {
			j->rc = -1;
			if (j->e)
				*j->e = e;
			continue;
		}
		db_exec(pool.wdb, "SAVEPOINT job", NULL);
		struct err je = { 0 };
		j->rc = j->fn(pool.wdb, j->arg, &je);
		assert(!sqlite3_get_autocommit(pool.wdb->h)); /* a job must not end the shared transaction */
		if (j->rc != 0)
			db_exec(pool.wdb, "ROLLBACK TO job", NULL);
		db_exec(pool.wdb, "RELEASE job", NULL);
		if (j->e)
			*j->e = je;
	}
	if (began && db_exec(pool.wdb, "COMMIT", &e) != 0) {
		db_exec(pool.wdb, "ROLLBACK", NULL);
		for (struct write_job *j = batch; j; j = j->next) {
			j->rc = -1;
			if (j->e)
				*j->e = e;
		}
	}
}

/* ---------------------------------------------------------------- planner statistics */

int db_stats_stale(struct db *db, int at_start)
{
	static const char q_has[] = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'";
	static const char q_rows[] = "SELECT (SELECT CAST(stat AS INTEGER) FROM sqlite_stat1 "
				     "WHERE tbl = 'tickets' AND idx = 'tickets_order'), (SELECT max(id) FROM tickets)";
	sqlite3_stmt *st = db_prepare(db, q_has);
	int has = st && sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	if (!has)
		return 1;
	long long then = -1, now = 0;
	st = db_prepare(db, q_rows);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		then = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
		now = sqlite3_column_int64(st, 1);
	}
	db_done(st);
	if (at_start && (then < 0 || now < 10000))
		return 1;
	if (then < 0)
		then = 0; /* taken on an empty ledger: ANALYZE writes no row for an empty table */
	return now > 2 * then || 2 * now < then;
}

int db_stats_take(struct db *db, struct err *e)
{
	return db_exec(db, "PRAGMA analysis_limit=1000; ANALYZE;", e);
}

/* On the writer thread: new statistics if the ledger has outgrown them; readers then reopen. */
static void stats_refresh(void)
{
	pool.stats_next_ms = mono_ms() + pool.stats_every_ms;
	if (!db_stats_stale(pool.wdb, 0))
		return;
	struct err e = { 0 };
	double t0 = mono_ms();
	if (db_stats_take(pool.wdb, &e) != 0) {
		log_warn("planner statistics not taken: %s", e.message);
		return;
	}
	atomic_fetch_add(&pool.stats_gen, 1);
	atomic_fetch_add(&pool.write_gen, 1);
	log_info("planner statistics taken in %.0f ms (the ledger has grown or shrunk since the last)", mono_ms() - t0);
}

/* With pool.mu held: when a look is due, releases the lock for it. */
static void stats_when_due(void)
{
	if (!pool.stats_every_ms || mono_ms() < pool.stats_next_ms)
		return;
	pthread_mutex_unlock(&pool.mu);
	stats_refresh();
	pthread_mutex_lock(&pool.mu);
}

void db_pool_keep_ms(double ms)
{
	pool.keep_ms = ms;
}

void db_pool_stats_every(unsigned seconds)
{
	pool.stats_every_ms = seconds * 1000.0;
}

/*
 * With pool.mu held, on the writer thread: ends the kept snapshots that are out of date (a
 * write since, or older than keep_ms), or all of them. An idle thread's snapshot would
 * otherwise hold back checkpoints. A reader whose thread is in a page is left alone.
 */
static void sweep_kept(int all)
{
	unsigned gen = atomic_load(&pool.write_gen);
	double now = mono_ms();
	for (int i = 0; i < pool.nreaders; i++) {
		struct db *db = pool.readers[i];
		if (!atomic_load(&db->kept) || pthread_mutex_trylock(&db->keep_mu) != 0)
			continue;
		if (all || db->kept_gen != gen || now - db->kept_ms >= pool.keep_ms)
			kept_end(db);
		pthread_mutex_unlock(&db->keep_mu);
	}
}

static void *writer_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (!pool.head && !pool.stopping) {
			stats_when_due();
			sweep_kept(0);
			if (pool.head || pool.stopping)
				break;
			/* Asleep until the next look or sweep, unless a write comes first. */
			double next_ms = mono_ms() + SWEEP_MS;
			if (pool.stats_every_ms && pool.stats_next_ms < next_ms)
				next_ms = pool.stats_next_ms;
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			long long wait_ns = (long long)((next_ms - mono_ms()) * 1e6) + 1000000;
			until.tv_sec += (time_t)(wait_ns / 1000000000LL);
			until.tv_nsec += (long)(wait_ns % 1000000000LL);
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&pool.wake, &pool.mu, &until);
		}
		if (!pool.head && pool.stopping)
			break;
		/* Take up to WRITE_BATCH queued jobs: they share one transaction and one fsync. */
		struct write_job *batch = pool.head, *last = batch;
		int n = 1;
		while (last->next && n < WRITE_BATCH) {
			last = last->next;
			n++;
		}
		pool.head = last->next;
		if (!pool.head)
			pool.tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&pool.mu);

		run_batch(batch);
		/* Before any caller hears of its write: a page begun after that sees it. */
		atomic_fetch_add(&pool.write_gen, 1);

		pthread_mutex_lock(&pool.mu);
		for (struct write_job *j = batch, *next; j; j = next) {
			next = j->next;
			j->done = 1;
		}
		pthread_cond_broadcast(&pool.done);
		sweep_kept(0);
		stats_when_due(); /* a writer that never idles looks too */
	}
	pthread_mutex_unlock(&pool.mu);
	return NULL;
}

int db_pool_start(const char *path, struct err *e)
{
	pool.path = xstrdup(path);
	pool.wdb = db_open(path, e);
	if (!pool.wdb)
		return -1;
	pool.stopping = 0;
	pool_epoch++;
	pool.stats_next_ms = mono_ms() + pool.stats_every_ms;
	if (pthread_create(&pool.writer, NULL, writer_main, NULL) != 0) {
		err_set(e, 500, "thread", NULL, "无法启动写入线程");
		db_close(pool.wdb);
		return -1;
	}
	pool.running = 1;
	return 0;
}

void db_pool_stop(void)
{
	if (!pool.running)
		return;
	pthread_mutex_lock(&pool.mu);
	pool.stopping = 1;
	pthread_cond_signal(&pool.wake);
	pthread_mutex_unlock(&pool.mu);
	pthread_join(pool.writer, NULL);
	pool.running = 0;
	pthread_mutex_lock(&pool.mu);
	sweep_kept(1);
	pthread_mutex_unlock(&pool.mu);
	/* A final checkpoint folds the WAL back so the file is whole on its own. */
	sqlite3_wal_checkpoint_v2(db_handle(pool.wdb), NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	db_close(pool.wdb);
	pool.wdb = NULL;
	pthread_mutex_lock(&pool.mu);
	for (int i = 0; i < pool.nreaders; i++)
		db_close(pool.readers[i]);
	free(pool.readers);
	pool.readers = NULL;
	pool.nreaders = pool.capreaders = 0;
	pthread_mutex_unlock(&pool.mu);
	free(pool.path);
	pool.path = NULL;
}

static struct db *reader_open(void)
{
	struct err e = { 0 };
	unsigned gen = atomic_load(&pool.stats_gen);
	struct db *db = db_open(pool.path, &e);
	if (!db) {
		log_error("%s", e.message);
		return NULL;
	}
	db_exec(db, "PRAGMA query_only=1", NULL);
	db->stats_gen = gen;
	return db;
}

static struct db *reader_get(void)
{
	if (thread_reader && thread_reader_epoch == pool_epoch)
		return thread_reader;
	if (!pool.path)
		return NULL;
	struct db *db = reader_open();
	if (!db)
		return NULL;
	pthread_mutex_lock(&pool.mu);
	if (pool.nreaders == pool.capreaders) {
		pool.capreaders = pool.capreaders ? pool.capreaders * 2 : 16;
		pool.readers = xrealloc(pool.readers, (size_t)pool.capreaders * sizeof *pool.readers);
	}
	pool.readers[pool.nreaders++] = db;
	pthread_mutex_unlock(&pool.mu);
	thread_reader = db;
	thread_reader_epoch = pool_epoch;
	return db;
}

/* Outside a page, reads see the newest state: a snapshot kept from the last page ends. */
struct db *db_reader(void)
{
	struct db *db = reader_get();
	if (db && !thread_in_page && atomic_load_explicit(&db->kept, memory_order_relaxed)) {
		pthread_mutex_lock(&db->keep_mu);
		kept_end(db);
		pthread_mutex_unlock(&db->keep_mu);
	}
	return db;
}

struct db *db_page_begin(void)
{
	struct db *db = reader_get();
	if (!db)
		return NULL;
	pthread_mutex_lock(&db->keep_mu);
	unsigned gen = atomic_load(&pool.write_gen);
	double now = mono_ms();
	if (atomic_load(&db->kept) && (db->kept_gen != gen || now - db->kept_ms >= pool.keep_ms))
		kept_end(db);
	if (!atomic_load(&db->kept)) {
		/* The generation is read before the snapshot starts (at the first read): a write
		 * committed in between makes the next page begin anew. */
		db->kept_gen = gen;
		db->kept_ms = now;
		read_end(db);
		run_once(db, q_begin);
		atomic_store(&db->kept, 1);
	}
	thread_in_page = 1;
	return db;
}

void db_page_end(struct db *db)
{
	if (!db)
		return;
	thread_in_page = 0;
	if (sqlite3_get_autocommit(db->h))
		atomic_store(&db->kept, 0); /* nothing to keep: BEGIN failed, or an error ended it */
	pthread_mutex_unlock(&db->keep_mu);
}

/*
 * A connection loads the planner statistics with the schema and keeps its statements' plans:
 * after the writer took new ones, this thread's reader is opened again (once).
 */
void db_reader_renew(void)
{
	struct db *old = thread_reader;
	if (!old || thread_reader_epoch != pool_epoch || old->stats_gen == atomic_load(&pool.stats_gen))
		return;
	struct db *db = reader_open();
	if (!db)
		return; /* the old one still serves */
	pthread_mutex_lock(&old->keep_mu);
	kept_end(old);
	pthread_mutex_unlock(&old->keep_mu);
	/* The page cache the thread chose for its reader (request threads keep a small one). */
	static const char q_cache[] = "PRAGMA cache_size";
	sqlite3_stmt *st = db_prepare(old, q_cache);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		char set[64];
		snprintf(set, sizeof set, "PRAGMA cache_size=%lld", sqlite3_column_int64(st, 0));
		db_exec(db, set, NULL);
	}
	db_done(st);
	pthread_mutex_lock(&pool.mu);
	for (int i = 0; i < pool.nreaders; i++)
		if (pool.readers[i] == old)
			pool.readers[i] = db;
	pthread_mutex_unlock(&pool.mu);
	thread_reader = db;
	db_close(old);
}

int db_write(db_write_fn fn, void *arg, struct err *e)
{
	struct write_job job = { .fn = fn, .arg = arg, .e = e };
	assert(fn);
	pthread_mutex_lock(&pool.mu);
	/* A job that queued another would wait for itself. */
	assert(!pool.running || !pthread_equal(pthread_self(), pool.writer));
	if (!pool.running || pool.stopping) {
		pthread_mutex_unlock(&pool.mu);
		err_set(e, 503, "shutting_down", NULL, "服务正在停止，请稍后重试");
		return -1;
	}
	if (pool.tail)
		pool.tail->next = &job;
	else
		pool.head = &job;
	pool.tail = &job;
	pthread_cond_signal(&pool.wake);
	while (!job.done)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
	return job.rc;
}
