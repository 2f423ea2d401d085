/*
 * codebook.c — the catalog's codes and names by id, kept with each connection (codebook.h).
 */
#include "codebook.h"

#include <stdlib.h>
#include <string.h>

#include "workdays.h"

struct codebook {
	long long version;     /* catalog_version.v it was read at */
	unsigned data_version; /* the pager's data version at which it was last seen current */
	struct codebook_entry *rows[CB_TABLES]; /* each by id, ascending */
	size_t nrows[CB_TABLES];
	char *text; /* every code and name, each with its NUL */
	struct workcal *cal; /* the working-day calendar (021_calendar) */
};

/*
 * What a connection keeps: `kept` was read in a read snapshot (a committed state, so a
 * version names its content); `scratch` was read inside a write transaction, whose changes
 * a rollback may undo while the version they counted up comes back with other changes.
 */
struct codebook_slot {
	struct codebook *kept, *scratch;
};

static void codebook_free(struct codebook *cb)
{
	if (!cb)
		return;
	for (int t = 0; t < CB_TABLES; t++)
		free(cb->rows[t]);
	free(cb->text);
	free(cb->cal);
	free(cb);
}

static void slot_free(void *p)
{
	struct codebook_slot *s = p;
	codebook_free(s->kept);
	codebook_free(s->scratch);
	free(s);
}

static const char *const table_sql[CB_TABLES] = {
	[CB_UNITS] = "SELECT id, code, name FROM units ORDER BY id",
	[CB_SOURCES] = "SELECT id, code, name FROM sources ORDER BY id",
	[CB_CATEGORIES] = "SELECT id, code, name FROM categories ORDER BY id",
	[CB_DOMAINS] = "SELECT id, code, name FROM domains ORDER BY id",
	[CB_CAMPAIGNS] = "SELECT id, code, name FROM campaigns ORDER BY id",
	[CB_TIME_LIMITS] = "SELECT id, handle_unit, handle_n FROM time_limits ORDER BY id",
};

/* Appends the column's text with its NUL; returns where it starts in text. */
static size_t put_text(struct buf *text, sqlite3_stmt *st, int col, size_t *len)
{
	size_t at = text->len;
	*len = (size_t)sqlite3_column_bytes(st, col);
	buf_append(text, db_text(st, col), *len);
	buf_putc(text, '\0');
	return at;
}

/* The years in and their exceptions to Monday–Friday (every change to them moves the
 * catalog's version: the year row is written last by calendar_store). */
static struct workcal *load_calendar(struct db *db)
{
	static const char q_years[] = "SELECT year FROM calendar_years";
	static const char q_days[] = "SELECT day, off FROM calendar_days";
	struct workcal *c = xcalloc(1, sizeof *c);
	workcal_init(c);
	sqlite3_stmt *st = db_prepare(db, q_years);
	int rc = SQLITE_ERROR;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW)
		workcal_loaded(c, sqlite3_column_int(st, 0));
	db_done(st);
	if (rc != SQLITE_DONE) {
		free(c);
		return NULL;
	}
	st = db_prepare(db, q_days);
	rc = SQLITE_ERROR;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW)
		workcal_set(c, date_parse_days(db_text(st, 0)), sqlite3_column_int(st, 1));
	db_done(st);
	if (rc != SQLITE_DONE) {
		free(c);
		return NULL;
	}
	workcal_finish(c);
	return c;
}

static struct codebook *load(struct db *db, long long version)
{
	struct codebook *cb = xcalloc(1, sizeof *cb);
	cb->version = version;
	struct buf text;
	buf_init(&text);
	/* Offsets into text first; pointers once text stops moving. */
	for (int t = 0; t < CB_TABLES; t++) {
		size_t cap = 0;
		sqlite3_stmt *st = db_prepare(db, table_sql[t]);
		if (!st) {
			buf_free(&text);
			codebook_free(cb);
			return NULL;
		}
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (cb->nrows[t] == cap) {
				cap = cap ? cap * 2 : 16;
				cb->rows[t] = xrealloc(cb->rows[t], cap * sizeof *cb->rows[t]);
			}
			struct codebook_entry *e = &cb->rows[t][cb->nrows[t]++];
			e->id = sqlite3_column_int64(st, 0);
			e->code = (const char *)(uintptr_t)put_text(&text, st, 1, &e->code_len);
			e->name = (const char *)(uintptr_t)put_text(&text, st, 2, &e->name_len);
		}
		db_done(st);
		if (rc != SQLITE_DONE) {
			buf_free(&text);
			codebook_free(cb);
			return NULL;
		}
	}
	cb->text = buf_take(&text);
	cb->cal = load_calendar(db);
	for (int t = 0; t < CB_TABLES; t++)
		for (size_t i = 0; i < cb->nrows[t]; i++) {
			struct codebook_entry *e = &cb->rows[t][i];
			e->code = cb->text + (uintptr_t)e->code;
			e->name = cb->text + (uintptr_t)e->name;
		}
	return cb;
}

static const char q_version[] = "SELECT v FROM catalog_version";

long long codebook_catalog_version(struct db *db)
{
	sqlite3_stmt *st = db_prepare(db, q_version);
	long long v = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	db_done(st);
	return v;
}

const struct codebook *codebook_get(struct db *db)
{
	sqlite3 *h = db_handle(db);
	struct codebook_slot *s = db_attached(db);
	if (!s) {
		s = xcalloc(1, sizeof *s);
		db_attach(db, s, slot_free);
	}
	/* In a read snapshot the data version names the state it sees: unchanged, nothing in
	 * the catalog can have changed either. In a write transaction it does not count the
	 * transaction's own changes, so the version is read. */
	unsigned dv = 0;
	int settled = sqlite3_txn_state(h, "main") == SQLITE_TXN_READ &&
		      sqlite3_file_control(h, "main", SQLITE_FCNTL_DATA_VERSION, &dv) == SQLITE_OK;
	if (settled) {
		codebook_free(s->scratch);
		s->scratch = NULL;
		if (s->kept && s->kept->data_version == dv)
			return s->kept;
	}
	long long v = codebook_catalog_version(db);
	if (v < 0)
		return NULL;
	if (s->kept && s->kept->version == v) {
		if (settled)
			s->kept->data_version = dv;
		return s->kept;
	}
	struct codebook *cb = load(db, v);
	if (!cb)
		return NULL;
	if (settled) {
		cb->data_version = dv;
		codebook_free(s->kept);
		s->kept = cb;
	} else {
		codebook_free(s->scratch);
		s->scratch = cb;
	}
	return cb;
}

const struct codebook_entry *codebook_find(const struct codebook *cb, enum codebook_table t, long long id)
{
	if (!cb)
		return NULL;
	const struct codebook_entry *rows = cb->rows[t];
	/* Ids are usually 1, 2, 3, ...: the row at id - 1 is tried first. */
	if (id >= 1 && (size_t)id <= cb->nrows[t] && rows[id - 1].id == id)
		return &rows[id - 1];
	size_t lo = 0, hi = cb->nrows[t];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rows[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cb->nrows[t] && rows[lo].id == id ? &rows[lo] : NULL;
}

const struct workcal *codebook_calendar(const struct codebook *cb)
{
	return cb ? cb->cal : NULL;
}
