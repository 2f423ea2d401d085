/*
 * db.h — the thin SQLite layer.
 *
 * A struct db is one connection with its own cache of prepared statements, keyed by the
 * address of the SQL text (statements are `static const char[]` beside their use).
 *
 * In the server, reads go through db_reader(): one connection per thread, opened on first
 * use, with query_only set so that a read path can never write. Every write goes through
 * db_write(): the function runs on the single writer thread, inside a transaction that it
 * may share with other queued writes (group commit: many requests, one fsync). Why one
 * writer: SQLite 3.40's WAL-reset race needs two connections writing or checkpointing at
 * once; with one writer it cannot happen.
 */
#ifndef LEDGER_DB_H
#define LEDGER_DB_H

#include <sqlite3.h>
#include <stddef.h>

#include "util.h"

struct db;

/* Opens path with WAL, foreign keys, a busy timeout and synchronous=FULL. NULL on failure. */
struct db *db_open(const char *path, struct err *e);
void db_close(struct db *db);
sqlite3 *db_handle(struct db *db);

/* One object a module keeps with the connection, freed by free_fn when replaced or when the
 * connection closes (codebook.c keeps the catalog's names there). */
void *db_attached(struct db *db);
void db_attach(struct db *db, void *p, void (*free_fn)(void *));

/*
 * The prepared statement for sql on this connection, reset and with bindings cleared, or
 * NULL (logged) if it does not compile. sql must be a string that lives for the program's
 * life. After stepping, call db_done() so no read transaction stays open.
 */
sqlite3_stmt *db_prepare(struct db *db, const char *sql);
/* The same for SQL built at run time, cached by its text (the most recent 64 per connection).
 * Release with db_done; NULL on error (logged). */
sqlite3_stmt *db_prepare_text(struct db *db, const char *sql);
void db_done(sqlite3_stmt *st);

/* Runs a script of statements without results (migrations, PRAGMAs). 0 or -1 with e set. */
int db_exec(struct db *db, const char *sql, struct err *e);

/* Runs sql (one text parameter, ?1) and returns the first column of its first row, or 0. */
long long db_lookup_id(struct db *db, const char *sql, const char *text);

/* Text column as a C string, "" for NULL: saves a NULL check at every use. */
const char *db_text(sqlite3_stmt *st, int col);

/*
 * A page's read snapshot, on this thread's reader: between begin and end every read sees one
 * state of the database, and a page costs one read transaction instead of one per statement.
 * The snapshot is kept open for the thread's next page while no write was committed through
 * db_write since, for at most 20 ms (a write by another process is seen after that); a
 * write made during the page is not seen in it. db_reader() outside a page ends a kept
 * snapshot, so requests that write read the newest state statement by statement.
 */
struct db *db_page_begin(void);
void db_page_end(struct db *db);
/* How long a kept snapshot serves (20 ms unless set; tests set it). */
void db_pool_keep_ms(double ms);

/*
 * Answers remembered for the state of the database the current read transaction sees: a
 * value put under a key is got back only while no other connection has changed anything.
 * Both do nothing outside a read transaction; inside a snapshot not yet read from they start
 * it. db_memo_get returns 1 and sets *value on a hit.
 */
int db_memo_get(struct db *db, const char *key, long long *value);
void db_memo_put(struct db *db, const char *key, long long value);
/* The same for a text (copied into out, cut to n bytes), and for n bytes (a plain struct). */
int db_memo_get_text(struct db *db, const char *key, char *out, size_t n);
void db_memo_put_text(struct db *db, const char *key, const char *text);
/* The text itself, valid until the next memo put or the next state of the database. */
const char *db_memo_peek_text(struct db *db, const char *key);
int db_memo_get_bytes(struct db *db, const char *key, void *out, size_t n);
void db_memo_put_bytes(struct db *db, const char *key, const void *data, size_t n);

/* ---- server-wide connections ---- */

/* Remembers path and starts the writer thread with its own connection. */
int db_pool_start(const char *path, struct err *e);
/* Stops the writer after the queued writes and closes every connection. */
void db_pool_stop(void);
/* This thread's read connection (opened on first use), or NULL if it cannot be opened. */
struct db *db_reader(void);
/* Opens this thread's reader again if the writer has taken planner statistics since it was
 * opened. Only where none of its statements is in use (before a request's first read). */
void db_reader_renew(void);

/*
 * Planner statistics. Stale: there are none, the ledger has grown past twice or shrunk below
 * half the size they were taken at, or (at_start) none were taken for the tickets or the
 * ledger is small enough that taking them costs milliseconds. db_stats_take samples (ANALYZE
 * with analysis_limit). db_pool_stats_every(s), before db_pool_start: the writer looks every s seconds (0: never)
 * and takes them when stale.
 */
int db_stats_stale(struct db *db, int at_start);
int db_stats_take(struct db *db, struct err *e);
void db_pool_stats_every(unsigned seconds);

/*
 * A write: runs on the writer thread inside a savepoint of a shared transaction; returns 0
 * or -1 with e set (the savepoint is then rolled back and nothing of it remains). db_write
 * returns once the transaction holding the write has committed (durably) or failed.
 */
typedef int (*db_write_fn)(struct db *w, void *arg, struct err *e);
int db_write(db_write_fn fn, void *arg, struct err *e);

#endif
