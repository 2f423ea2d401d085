/*
 * import.c — hotline tickets from a sheet: the .xlsx the export writes (and district staff
 * work in), or CSV as Excel in China saves it (UTF-8 with or without BOM, or GB18030), with
 * the export's header row.
 *
 * A row that names a ticket already in the ledger — by 问题编号, else by 原工单号, else by
 * the street, title and 登记时间 an earlier import kept — never creates another: it is skipped, or, when the person chose to update, the fields an import
 * may change are changed (one edit event each row), so that a sheet exported, worked on and
 * brought back changes what was changed and nothing else. Masked cells (the masked export's
 * 张* and 138****5678) are recognised and left alone. A new row keeps the file's 登记时间 and
 * 受理日期. Every other row is checked like the new-ticket form; the rejected ones are
 * reported by column and reason, summarised, and kept as a CSV to correct and import again.
 * Rows go to the writer in batches, each row in its own savepoint.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "handlers.h"
#include "labels.h"
#include "ticket.h"
#include "ticket_fields.h"
#include "workflow.h"
#include "xlsx.h"

#define IMPORT_BATCH 200
#define MAX_SHOWN 1000                       /* rows listed in the report, of each kind */
#define MAX_REJECTED_FILE (32L * 1024 * 1024) /* the rejected rows kept to download */
#define MAX_FILE_COLUMNS 256

/* The columns the import reads: the field table's rows that say so (ticket_fields.c), by the
 * export's headers, which are their labels. */
#define MAXCOL 48

static size_t import_columns(const struct ticket_field **out)
{
	size_t n = 0;
	for (size_t i = 0; i < ticket_field_count && n < MAXCOL; i++)
		if (ticket_fields[i].import)
			out[n++] = &ticket_fields[i];
	return n;
}

#define IMPORT_PIECE (256 * 1024)

struct import_progress;
static void import_progress_update(struct import_progress *p, size_t bytes, size_t total, long rows, int imported,
				   int skipped);

/* What the whole import found, added to as batches are written. */
struct import_report {
	int imported, skipped, updated, unchanged, rejected, masked;
	json_t *rejections; /* [{line, column, reason}], the first MAX_SHOWN */
	json_t *outcomes;   /* [{line, code, outcome}] of rows that found their ticket, the first MAX_SHOWN */
	json_t *reasons;    /* "column\nreason" → {column, reason, count, lines} */
	struct buf rejected_csv; /* the file's header and rejected rows, with their reasons */
	long rejected_csv_rows;
	int rejected_csv_full;
};

/* One row of the file on its way to the writer. */
struct import_row {
	struct ticket_input t; /* prepared (its strings point into in) */
	json_t *in;            /* the row's fields, codes for names */
	json_t *errors;        /* NULL: ready to create; else field → message */
	json_t *cell_errors;   /* cells that cannot be read whatever the row does (an unknown name) */
	json_t *raw;           /* the file's cells, for the rejected rows' file */
	char code[80];         /* 问题编号, when the file gives one */
	/* 回访结果 and 是否解决 as the file gives them (the hotline's callback, recorded on a closed
	 * ticket that does not have it yet: row_callback) */
	char cb_result[40], cb_resolved[16];
	long line;
};

struct import_batch {
	struct import_row rows[IMPORT_BATCH];
	int n;
	int update; /* rows naming a ticket update it (else they are skipped) */
	const struct subject *subject;
	struct actor who;
	const struct ticket_field **cols;
	size_t ncol;
	struct import_report *rep;
};

struct import_run {
	struct db *db;
	const struct ticket_field *cols[MAXCOL]; /* the columns it reads */
	size_t ncol;
	int map[MAXCOL]; /* the file's column index of each, -1 if absent */
	json_t *fields;  /* the current record's cells */
	unsigned char number[MAX_FILE_COLUMNS]; /* which of them the workbook holds as numbers */
	long record;     /* the current record's row in the file; 1 = the header */
	int header_done;
	int bad_header;
	char missing[300];
	json_t *choices; /* field → the names it accepts, made when first needed */
	struct import_batch batch;
	struct import_report rep;
	struct import_progress *progress;
	size_t bytes_done, bytes_total;
	struct err e;
	int failed;
};

/* ---------------------------------------------------------------- the report */

static const char *column_label(const char *field)
{
	const struct ticket_field *f = ticket_field_find(field);
	return f ? f->label : !strcmp(field, "reason") ? "更正理由" : field;
}

static void rejected_file_row(struct import_report *rep, json_t *cells, const char *why)
{
	if (rep->rejected_csv_full)
		return;
	if (rep->rejected_csv.len > MAX_REJECTED_FILE) {
		rep->rejected_csv_full = 1;
		return;
	}
	buf_csv_field(&rep->rejected_csv, why, 0);
	size_t i;
	json_t *v;
	json_array_foreach(cells, i, v)
	{
		buf_putc(&rep->rejected_csv, ',');
		buf_csv_field(&rep->rejected_csv, json_string_value(v) ? json_string_value(v) : "", 0);
	}
	buf_puts(&rep->rejected_csv, "\r\n");
	rep->rejected_csv_rows++;
}

/* A rejected row: each field's message under its column, summarised by column and reason. */
static void reject(struct import_report *rep, long line, json_t *cells, json_t *errors)
{
	rep->rejected++;
	struct buf all;
	buf_init(&all);
	const char *k;
	json_t *m;
	json_object_foreach(errors, k, m)
	{
		const char *column = column_label(k), *reason = json_string_value(m);
		size_t cl = strlen(column);
		if (!strncmp(reason, column, cl) && !strncmp(reason + cl, "：", strlen("：")))
			reason += cl + strlen("："); /* the message named its column already */
		buf_printf(&all, "%s%s：%s", all.len ? "；" : "", column, reason);
		if (json_array_size(rep->rejections) < MAX_SHOWN)
			json_array_append_new(rep->rejections,
					      json_pack("{s:i,s:s,s:s}", "line", (int)line, "column", column, "reason", reason));
		struct buf key;
		buf_init(&key);
		buf_printf(&key, "%s\n%s", column, reason);
		json_t *sum = json_object_get(rep->reasons, key.data);
		if (!sum) {
			sum = json_pack("{s:s,s:s,s:i,s:[]}", "column", column, "reason", reason, "count", 0, "lines");
			json_object_set_new(rep->reasons, key.data, sum);
		}
		buf_free(&key);
		json_object_set_new(sum, "count", json_integer(json_integer_value(json_object_get(sum, "count")) + 1));
		json_t *lines = json_object_get(sum, "lines");
		if (json_array_size(lines) < 10)
			json_array_append_new(lines, json_integer(line));
	}
	rejected_file_row(rep, cells, all.data ? all.data : "");
	buf_free(&all);
}

static void reject_one(struct import_report *rep, long line, json_t *cells, const char *field, const char *why)
{
	json_t *e = json_pack("{s:s}", field, why);
	reject(rep, line, cells, e);
	json_decref(e);
}

static void outcome(struct import_report *rep, long line, const char *code, const char *what)
{
	if (json_array_size(rep->outcomes) < MAX_SHOWN)
		json_array_append_new(rep->outcomes, json_pack("{s:i,s:s,s:s}", "line", (int)line, "code", code, "outcome", what));
}

/* ---------------------------------------------------------------- writing, row by row */

/*
 * The ticket the row names, in the importer's scope: by 问题编号, else by 原工单号, else (a
 * row of a file imported before, which kept its 登记时间) by the same street, title and
 * 登记时间 to the second. 0: none.
 */
static long long row_ticket(struct db *w, const struct import_batch *b, const struct import_row *r, char *code,
			    size_t n)
{
	static const char q_code[] = "SELECT id, unit_path, responsible_path, code, " TICKET_CO_PATHS " FROM tickets t WHERE code = ?1";
	static const char q_ref[] = "SELECT id, unit_path, responsible_path, code, " TICKET_CO_PATHS " FROM tickets t "
				    "WHERE source_id = ?1 AND source_ref = ?2";
	static const char q_same[] = "SELECT id, unit_path, responsible_path, code, " TICKET_CO_PATHS " FROM tickets t "
				     "WHERE created_at = ?1 AND unit_id = ?2 AND title = ?3";
	const char *ref = r->t.source_ref;
	sqlite3_stmt *st = NULL;
	if (r->code[0]) {
		if ((st = db_prepare(w, q_code)))
			sqlite3_bind_text(st, 1, r->code, -1, SQLITE_STATIC);
	} else if (ref && *ref && r->t.source_id) {
		if ((st = db_prepare(w, q_ref))) {
			sqlite3_bind_int64(st, 1, r->t.source_id);
			sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
		}
	} else if (r->t.created_at[0] && r->t.unit_id && r->t.title) {
		if ((st = db_prepare(w, q_same))) {
			sqlite3_bind_text(st, 1, r->t.created_at, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, r->t.unit_id);
			sqlite3_bind_text(st, 3, r->t.title, -1, SQLITE_STATIC);
		}
	}
	if (!st)
		return 0;
	long long id = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		struct ticket_scope scope = { db_text(st, 1), db_text(st, 2), db_text(st, 4) };
		/* Outside the importer's scope a ticket does not exist (a 原工单号 then goes on to
		 * creation, which refuses it as another unit's, and tells the centre). */
		if (authz_in_scope(b->subject, &scope)) {
			id = sqlite3_column_int64(st, 0);
			str_copy(code, n, db_text(st, 3));
		}
	}
	db_done(st);
	return id;
}

/* Whether the row's value of f is the masked form of a personal field (张*, 138****5678). */
static int masked_cell(const struct ticket_field *f, const char *v)
{
	return f->masked && strchr(v, '*') != NULL;
}

/*
 * Updates ticket id from the row: the fields an import may change whose value in the file
 * differs from the ledger's. An empty cell changes nothing (a sheet's gap is not an order to
 * erase). 1 updated, 0 nothing differed, -1 refused (errors set).
 */
static int row_update(struct db *w, struct import_batch *b, struct import_row *r, long long id, json_t *errors,
		      struct err *e)
{
	json_t *cur = ticket_json(w, id, TICKET_UNMASKED, NULL);
	if (!cur) {
		json_object_set_new(errors, "code", json_string("该问题不存在"));
		return -1;
	}
	json_t *changes = json_object();
	for (size_t c = 0; c < b->ncol; c++) {
		const struct ticket_field *f = b->cols[c];
		json_t *v = json_object_get(r->in, f->name);
		if (!v || !f->column || !(f->edit & (EDIT_STAFF | EDIT_ASSIGN)) || !json_string_length(v))
			continue;
		if (f->type == FT_UNITS) { /* 协办单位: a change only when the set differs */
			struct co_list co;
			json_t *bad = json_object();
			int parsed = co_units_parse(w, v, 0, &co, bad, f->name) == 0;
			json_decref(bad);
			if (!parsed || !co_units_same(w, id, &co))
				json_object_set(changes, f->name, v); /* the edit says what is wrong */
			continue;
		}
		const char *now = json_string_value(json_object_get(cur, f->name));
		if (strcmp(json_string_value(v), now ? now : "") != 0)
			json_object_set(changes, f->name, v);
	}
	int rc = 0;
	if (json_object_size(changes)) {
		struct ticket_patch p = { .id = id, .version = json_integer_value(json_object_get(cur, "version")),
					  .changes = changes, .may_assign = 1, .who = b->who, .errors = errors };
		rc = ticket_patch_job(w, &p, e) == 0 ? 1 : -1;
		if (rc < 0 && !json_object_size(errors)) /* refused as a whole: a closed ticket, say */
			json_object_set_new(errors, !strcmp(e->code, "frozen") ? "status" : "code", json_string(e->message));
		json_decref(p.conflict);
	}
	json_decref(changes);
	json_decref(cur);
	return rc;
}

/*
 * The callback a row reports (回访结果, 是否解决: a hotline's sheet of its callbacks): recorded on
 * ticket id, as the callback action records one, when the ticket is closed and its latest
 * callback is not that one already; so a file exported and imported again records nothing.
 * 1 recorded, 0 nothing to record, -1 refused (errors set).
 */
static int row_callback(struct db *w, struct import_batch *b, struct import_row *r, long long id, json_t *errors,
			struct err *e)
{
	static const char q[] = "SELECT t.status, c.result, c.resolved FROM tickets t LEFT JOIN callbacks c ON c.id = "
				"(SELECT max(id) FROM callbacks WHERE ticket_id = t.id) WHERE t.id = ?1";
	if (!r->cb_result[0])
		return 0;
	const char *result = vs_code(&VS_CALLBACK_RESULT, r->cb_result);
	if (!result) {
		json_object_set_new(errors, "callback_result", json_string("回访结果须为满意、基本满意或不满意"));
		return -1;
	}
	int resolved = -1;
	const char *rv = r->cb_resolved;
	if (!strcmp(rv, "已解决") || !strcmp(rv, "是") || !strcmp(rv, "1"))
		resolved = 1;
	else if (!strcmp(rv, "未解决") || !strcmp(rv, "否") || !strcmp(rv, "0"))
		resolved = 0;
	else if (*rv) {
		json_object_set_new(errors, "callback_resolved", json_string("是否解决须为已解决或未解决"));
		return -1;
	}
	sqlite3_stmt *st = db_prepare(w, q);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int same = 0, closed = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		closed = !strcmp(db_text(st, 0), "closed");
		same = sqlite3_column_type(st, 1) != SQLITE_NULL && !strcmp(db_text(st, 1), result) &&
		       (resolved < 0 || (sqlite3_column_type(st, 2) != SQLITE_NULL && sqlite3_column_int(st, 2) == resolved));
	}
	db_done(st);
	if (same)
		return 0;
	if (!closed) {
		json_object_set_new(errors, "callback_result", json_string("问题尚未办结，不能记录回访结果"));
		return -1;
	}
	json_t *body = json_pack("{s:s,s:s,s:s}", "result", result, "method", "other", "note", "据导入文件记录的回访结果");
	if (resolved >= 0)
		json_object_set_new(body, "resolved", json_boolean(resolved));
	struct ticket_action a = { .id = id, .tr = workflow_find("callback"), .body = body, .who = b->who,
				   .subject = *b->subject, .errors = errors };
	int rc = a.tr && ticket_action_job(w, &a, e) == 0 ? 1 : -1;
	if (rc < 0 && !json_object_size(errors))
		json_object_set_new(errors, "callback_result", json_string(e->message[0] ? e->message : "回访结果未能记录"));
	json_decref(body);
	return rc;
}

/* 1 if ticket id is merged, the code of the ticket it went into in into. */
static int merged_into(struct db *w, long long id, char *into, size_t n)
{
	static const char q[] = "SELECT coalesce(m.code, '') FROM tickets t LEFT JOIN tickets m ON m.id = t.merged_into "
				"WHERE t.id = ?1 AND t.status = 'merged'";
	sqlite3_stmt *st = db_prepare(w, q);
	int merged = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if ((merged = sqlite3_step(st) == SQLITE_ROW))
			str_copy(into, n, db_text(st, 0));
		db_done(st);
	}
	return merged;
}

static void row_job(struct db *w, struct import_batch *b, struct import_row *r)
{
	struct import_report *rep = b->rep;
	char code[80] = "";
	long long id = row_ticket(w, b, r, code, sizeof code);
	if (!id && r->code[0]) {
		char why[200];
		snprintf(why, sizeof why, "问题编号 %s 在台账中不存在（新问题请不填问题编号）", r->code);
		reject_one(rep, r->line, r->raw, "code", why);
		return;
	}
	/* 合并: a merged ticket keeps its 原工单号, so that its row is known, and is left as it is. */
	char into[80] = "";
	if (id && merged_into(w, id, into, sizeof into)) {
		char why[160];
		snprintf(why, sizeof why, "已合并到问题 %s，跳过", into);
		rep->skipped++;
		outcome(rep, r->line, code, why);
		return;
	}
	if (id && !b->update) {
		rep->skipped++;
		outcome(rep, r->line, code, "已在台账中，跳过");
		return;
	}
	if (id && r->cell_errors) {
		reject(rep, r->line, r->raw, r->cell_errors);
		return;
	}
	if (id) {
		json_t *errors = json_object();
		struct err e = { 0 };
		int rc = row_update(w, b, r, id, errors, &e);
		int cb = rc < 0 ? 0 : row_callback(w, b, r, id, errors, &e);
		if (cb < 0)
			rc = -1;
		if (rc < 0) {
			db_exec(w, "ROLLBACK TO row", NULL);
			reject(rep, r->line, r->raw, errors);
		} else if (rc == 0 && cb == 0) {
			rep->unchanged++;
			outcome(rep, r->line, code, "已在台账中，内容相同");
		} else {
			rep->updated++;
			outcome(rep, r->line, code, cb ? (rc ? "已更新，已记录回访结果" : "已记录回访结果") : "已更新");
		}
		json_decref(errors);
		return;
	}
	if (r->errors) {
		reject(rep, r->line, r->raw, r->errors);
		return;
	}
	struct err re = { 0 };
	if (ticket_create_job(w, &r->t, &re) == 0) {
		rep->imported++;
		char made[80];
		if (r->cb_result[0] && ticket_code_of(w, r->t.id, made, sizeof made))
			outcome(rep, r->line, made, "已导入；回访结果未记录：新登记的问题尚未办结");
		return;
	}
	db_exec(w, "ROLLBACK TO row", NULL);
	struct err ne = { 0 };
	if (ticket_duplicate_notice_job(w, &r->t, &ne) != 0)
		log_error("duplicate 原工单号 not recorded: %s", ne.message);
	reject_one(rep, r->line, r->raw, re.field[0] ? re.field : "code", re.message);
}

static int import_batch_job(struct db *w, void *arg, struct err *e)
{
	struct import_batch *b = arg;
	for (int i = 0; i < b->n; i++) {
		db_exec(w, "SAVEPOINT row", NULL);
		row_job(w, b, &b->rows[i]);
		db_exec(w, "RELEASE row", NULL);
	}
	(void)e;
	return 0;
}

static void row_free(struct import_row *r)
{
	json_decref(r->in);
	json_decref(r->errors);
	json_decref(r->cell_errors);
	json_decref(r->raw);
	memset(r, 0, sizeof *r);
}

static void flush(struct import_run *run)
{
	struct import_batch *b = &run->batch;
	if (b->n && !run->failed && db_write(import_batch_job, b, &run->e) != 0)
		run->failed = 1;
	for (int i = 0; i < b->n; i++)
		row_free(&b->rows[i]);
	b->n = 0;
	if (run->progress)
		import_progress_update(run->progress, run->bytes_done, run->bytes_total,
				       run->record > 1 ? run->record - 1 : 0, run->rep.imported + run->rep.updated,
				       run->rep.skipped + run->rep.unchanged);
}

/* ---------------------------------------------------------------- reading a row */

/* A code given by its Chinese name (as the export writes it) or by its code; NULL if neither. */
static const char *code_for(struct db *db, const char *field, const char *v, char *out, size_t n)
{
	static const char q_campaign[] = "SELECT code FROM campaigns WHERE name = ?1 OR code = ?1";
	static const char q_source[] = "SELECT code FROM sources WHERE name = ?1 OR code = ?1";
	static const char q_category[] = "SELECT code FROM categories WHERE name = ?1 OR code = ?1";
	static const char q_domain[] = "SELECT code FROM domains WHERE name = ?1 OR code = ?1 ORDER BY parent_id IS NULL";
	static const char q_unit[] = "SELECT code FROM units WHERE name = ?1 OR code = ?1";
	const char *sql = !strcmp(field, "campaign") ? q_campaign
			  : !strcmp(field, "source") ? q_source
			  : !strcmp(field, "category") ? q_category
			  : !strcmp(field, "domain") ? q_domain
			  : (!strcmp(field, "unit") || !strcmp(field, "responsible_unit") || !strcmp(field, "location_unit"))
				  ? q_unit
				  : NULL;
	if (!sql || !*v)
		return v;
	sqlite3_stmt *st = db_prepare(db, sql);
	if (!st)
		return v;
	sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
	const char *found = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, n, "%s", db_text(st, 0));
		found = out;
	}
	db_done(st);
	return found;
}

/* What each coded column accepts, by name: for the message of a name the ledger does not
 * know, and for the template's second sheet. */
static const struct {
	const char *field, *sql;
} name_lists[] = {
	{ "source", "SELECT name FROM sources WHERE active = 1 ORDER BY id" },
	{ "category", "SELECT name FROM categories ORDER BY id" },
	{ "domain", "SELECT name FROM domains ORDER BY parent_id IS NULL, id" },
	{ "unit", "SELECT name FROM units WHERE kind IN ('street', 'department') ORDER BY path" },
	{ "location_unit", "SELECT name FROM units WHERE kind IN ('community', 'village') ORDER BY path" },
	{ "responsible_unit", "SELECT name FROM units WHERE kind <> 'district' ORDER BY kind <> 'street', path" },
	{ "campaign", "SELECT name FROM campaigns ORDER BY id" },
};

/* The names a column accepts (name_lists), for the message of a name it does not know. */
static const char *choices_of(struct import_run *run, const char *field)
{
	if (!run->choices)
		run->choices = json_object();
	json_t *have = json_object_get(run->choices, field);
	if (have)
		return json_string_value(have);
	const char *sql = NULL;
	for (size_t i = 0; i < ARRAY_LEN(name_lists); i++)
		if (!strcmp(name_lists[i].field, field))
			sql = name_lists[i].sql;
	if (!sql)
		return NULL;
	struct buf b;
	buf_init(&b);
	sqlite3_stmt *st = db_prepare(run->db, sql);
	int n = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		if (n < 20)
			buf_printf(&b, "%s%s", n ? "、" : "", db_text(st, 0));
		n++;
	}
	db_done(st);
	if (n > 20)
		buf_printf(&b, " 等 %d 个（全部见导入模板的“可填写的值”表）", n);
	json_object_set_new(run->choices, field, json_string(b.data ? b.data : ""));
	buf_free(&b);
	return json_string_value(json_object_get(run->choices, field));
}

/* Dates as Excel writes them: 2023-09-25, 2023/9/25, 2023年9月25日, or a workbook's serial. */
static void normalize_date(const char *v, int number, char *out, size_t n)
{
	int y, m, d;
	char tail[8] = "";
	long days;
	int secs;
	out[0] = '\0';
	if (number) {
		if (xlsx_serial_time(v, &days, &secs) == 0)
			time_format_date((time_t)days * 86400, out, n);
		return;
	}
	if (sscanf(v, "%d-%d-%d%7s", &y, &m, &d, tail) >= 3 || sscanf(v, "%d/%d/%d%7s", &y, &m, &d, tail) >= 3 ||
	    sscanf(v, "%d年%d月%d%7s", &y, &m, &d, tail) >= 3) {
		if (tail[0] && strcmp(tail, "日"))
			return;
		snprintf(out, n, "%04d-%02d-%02d", y, m, d);
		if (date_parse_days(out) < 0)
			out[0] = '\0';
	}
}

/*
 * 登记时间 as the export writes it (2023-09-27T10:00:00+08:00, or in a workbook a date and
 * time) or as a person types it (2023-09-27 10:00, 2023/9/27 10:00:00, a date alone), in
 * Beijing time. RFC 3339 into out, or -1.
 */
static int normalize_time(const char *v, int number, char *out, size_t n)
{
	time_t t;
	long days;
	int secs = 0;
	if (number) {
		if (xlsx_serial_time(v, &days, &secs) != 0)
			return -1;
	} else if (time_parse_rfc3339(v, &t) == 0) {
		time_format_rfc3339(t, out, n);
		return 0;
	} else {
		int y, mo, d, h = 0, mi = 0, s = 0, k;
		char sep;
		if ((k = sscanf(v, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s)) < 3 &&
		    (k = sscanf(v, "%d/%d/%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s)) < 3)
			return -1;
		if (k == 4 || h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0)
			return -1;
		char date[16];
		snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, d);
		(void)sep;
		if ((days = date_parse_days(date)) < 0)
			return -1;
		secs = h * 3600 + mi * 60 + s;
	}
	t = (time_t)days * 86400 + secs - 8 * 3600;
	time_format_rfc3339(t, out, n);
	return 0;
}

static void header(struct import_run *run, json_t *rec)
{
	run->header_done = 1;
	run->ncol = import_columns(run->cols);
	run->batch.cols = run->cols;
	run->batch.ncol = run->ncol;
	for (size_t c = 0; c < run->ncol; c++) {
		run->map[c] = -1;
		size_t i;
		json_t *h;
		json_array_foreach(rec, i, h)
		{
			const char *name = json_string_value(h);
			if (name && !strcmp(name, run->cols[c]->label))
				run->map[c] = (int)i;
		}
		if (run->map[c] < 0 && run->cols[c]->import == 2) {
			run->bad_header = 1;
			size_t l = strlen(run->missing);
			snprintf(run->missing + l, sizeof run->missing - l, "%s%s", l ? "、" : "", run->cols[c]->label);
		}
	}
	/* The rejected rows' file: the reason first, then the file's own columns. */
	buf_puts(&run->rep.rejected_csv, "\xEF\xBB\xBF未导入原因");
	size_t i;
	json_t *h;
	json_array_foreach(rec, i, h)
	{
		buf_putc(&run->rep.rejected_csv, ',');
		buf_csv_field(&run->rep.rejected_csv, json_string_value(h) ? json_string_value(h) : "", 0);
	}
	buf_puts(&run->rep.rejected_csv, "\r\n");
}

static int cells_filled(json_t *rec)
{
	int n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(rec, i, v) n += json_string_length(v) > 0;
	return n;
}

static int has_label(json_t *rec, const char *label)
{
	size_t i;
	json_t *h;
	json_array_foreach(rec, i, h) if (json_string_value(h) && !strcmp(json_string_value(h), label)) return 1;
	return 0;
}

static void end_record(struct import_run *run)
{
	json_t *rec = run->fields;
	run->fields = json_array();
	long line = run->record++;
	unsigned char number[MAX_FILE_COLUMNS];
	memcpy(number, run->number, sizeof number);
	memset(run->number, 0, sizeof run->number);
	if (run->failed) {
		json_decref(rec);
		return;
	}
	if (!run->header_done) {
		/* Title rows above the header (the export's workbook has one: one cell of text) are
		 * passed over. */
		if (line < 10 && cells_filled(rec) <= 1 && !has_label(rec, ticket_field_find("title")->label)) {
			json_decref(rec);
			return;
		}
		header(run, rec);
		json_decref(rec);
		return;
	}
	if (run->bad_header) {
		json_decref(rec);
		return;
	}
	/* A row with nothing in it (Excel leaves some at the end) is not a ticket. */
	if (!cells_filled(rec)) {
		json_decref(rec);
		return;
	}
	struct import_batch *b = &run->batch;
	struct import_row *r = &b->rows[b->n];
	memset(r, 0, sizeof *r);
	r->line = line;
	r->raw = rec;
	r->in = json_object();
	json_t *errors = json_object();
	char created_at[32] = "";
	for (size_t c = 0; c < run->ncol; c++) {
		if (run->map[c] < 0)
			continue;
		const struct ticket_field *f = run->cols[c];
		const char *val = json_string_value(json_array_get(rec, (size_t)run->map[c]));
		int num = run->map[c] < MAX_FILE_COLUMNS && number[run->map[c]];
		if (!val)
			val = "";
		char buf[64], date[40];
		if (!strcmp(f->name, "code")) {
			str_copy(r->code, sizeof r->code, val);
			continue;
		}
		if (!strcmp(f->name, "created_at")) {
			if (*val && normalize_time(val, num, created_at, sizeof created_at) != 0)
				json_object_set_new(errors, f->name, json_string("登记时间须为日期时间（如 2023-09-27 10:00）"));
			continue;
		}
		if (!strcmp(f->name, "callback_result")) {
			str_copy(r->cb_result, sizeof r->cb_result, val);
			continue;
		}
		if (!strcmp(f->name, "callback_resolved")) {
			str_copy(r->cb_resolved, sizeof r->cb_resolved, val);
			continue;
		}
		if (f->type == FT_DERIVED)
			continue;
		if (masked_cell(f, val)) {
			run->rep.masked++;
			continue; /* left alone: not stored on a new ticket, not changed on an existing one */
		}
		if (f->type == FT_DATE && *val) {
			normalize_date(val, num, date, sizeof date);
			val = date[0] ? date : val; /* a bad date is reported by validation */
		} else if (f->type == FT_URGENCY) {
			val = vs_code(&VS_URGENCY, val) ? vs_code(&VS_URGENCY, val) : val; /* a bad one: by validation */
		} else if (f->type == FT_CATALOG || f->type == FT_UNIT) {
			const char *code = code_for(run->db, f->name, val, buf, sizeof buf);
			if (!code) {
				const char *valid = choices_of(run, f->name);
				char msg[1600];
				if (valid && *valid)
					snprintf(msg, sizeof msg, "“%s”不存在，可填写：%s", val, valid);
				else
					snprintf(msg, sizeof msg, "“%s”不存在", val);
				json_object_set_new(errors, f->name, json_string(msg));
				continue;
			}
			val = code;
		}
		json_object_set_new(r->in, f->name, json_string(val));
	}
	if (created_at[0]) {
		time_t t;
		if (time_parse_rfc3339(created_at, &t) == 0 && t > clock_now() + 3600)
			json_object_set_new(errors, "created_at", json_string("登记时间不能晚于现在"));
		str_copy(r->t.created_at, sizeof r->t.created_at, created_at);
	}
	r->t.who = b->who;
	r->t.creator = *b->subject;
	/* Checked like the form; a row that names a ticket is only checked if it creates one. */
	json_t *form = json_object();
	if (json_object_size(errors))
		r->cell_errors = json_deep_copy(errors);
	if (ticket_prepare(run->db, r->in, &r->t, form) != 0 || json_object_size(errors)) {
		json_object_update_missing(errors, form);
		r->errors = errors;
		errors = NULL;
	} else {
		/* Staff import only into their own subtree, like logging by hand. */
		struct ticket_scope scope = { r->t.unit_path, r->t.responsible_path, NULL };
		if (authz_check(b->subject, ACT_TICKET_CREATE, &scope) != AUTHZ_OK) {
			r->errors = json_pack("{s:s}", "unit", "无权为该属地单位登记问题");
		}
	}
	json_decref(form);
	json_decref(errors);
	b->n++;
	if (b->n == IMPORT_BATCH)
		flush(run);
}

/* ---------------------------------------------------------------- CSV */

static void on_field(void *s, size_t len, void *data)
{
	struct import_run *run = data;
	/* Excel pads cells with spaces now and then: trim them. */
	const char *p = s ? s : "";
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	/* The export wrote ' before a leading = + - @ (or ') so that Excel runs no formula. */
	if (len >= 2 && p[0] == '\'' && strchr("=+-@'", p[1])) {
		p++;
		len--;
	}
	json_t *v = json_stringn(p, len); /* NULL only for invalid UTF-8, which was converted away */
	json_array_append_new(run->fields, v ? v : json_string(""));
}

static void on_record(int c, void *data)
{
	(void)c;
	end_record(data);
}

/* GB18030 → UTF-8. Returns a new buffer (caller frees) or NULL if the bytes are not GB18030. */
static char *from_gb18030(const char *in, size_t len, size_t *out_len)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = len * 2 + 16, left_out = cap, left_in = len;
	char *out = xmalloc(cap), *o = out;
	char *i = (char *)in;
	size_t rc = iconv(cd, &i, &left_in, &o, &left_out);
	iconv_close(cd);
	if (rc == (size_t)-1) {
		free(out);
		return NULL;
	}
	*out_len = cap - left_out;
	return out;
}

static void read_csv(struct import_run *run, const char *data, size_t len, struct err *e)
{
	char *converted = NULL;
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) {
		data += 3;
		len -= 3;
	}
	if (!utf8_valid(data, len)) {
		size_t n;
		converted = from_gb18030(data, len, &n);
		if (!converted) {
			err_set(e, 422, "bad_encoding", "file", "文件编码无法识别，请保存为 UTF-8 或 GB18030（GBK）编码的 CSV");
			return;
		}
		data = converted;
		len = n;
	}
	struct csv_parser p;
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	/* In pieces, so that whoever watches sees how far it got. */
	size_t done = 0;
	run->bytes_total = len;
	while (done < len) {
		size_t piece = len - done < IMPORT_PIECE ? len - done : IMPORT_PIECE;
		size_t took = csv_parse(&p, data + done, piece, on_field, on_record, run);
		done += took;
		run->bytes_done = done;
		if (took != piece)
			break;
		if (run->progress)
			import_progress_update(run->progress, done, len, run->record > 1 ? run->record - 2 : 0,
					       run->rep.imported + run->rep.updated, run->rep.skipped + run->rep.unchanged);
	}
	int parse_error = done != len || csv_fini(&p, on_field, on_record, run) != 0;
	int csv_err = csv_error(&p);
	csv_free(&p);
	free(converted);
	if (parse_error)
		err_set(e, 422, "bad_csv", "file", "CSV 格式有误（第 %ld 行附近：%s），请检查引号是否成对", run->record,
			csv_strerror(csv_err));
}

/* ---------------------------------------------------------------- a workbook */

static void on_cell(void *arg, unsigned col, const char *text, size_t len, int number)
{
	struct import_run *run = arg;
	if (col >= MAX_FILE_COLUMNS)
		return; /* far beyond the ledger's columns */
	while (json_array_size(run->fields) < col)
		json_array_append_new(run->fields, json_string(""));
	while (len && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\r' || text[len - 1] == '\n'))
		len--;
	json_t *v = json_stringn(text, len);
	json_array_append_new(run->fields, v ? v : json_string(""));
	run->number[col] = (unsigned char)number;
}

static void on_row(void *arg, unsigned long row)
{
	struct import_run *run = arg;
	run->record = (long)row; /* a workbook leaves empty rows out: the row number is the sheet's */
	end_record(run);
}

static void on_sheet_progress(void *arg, size_t done, size_t total)
{
	struct import_run *run = arg;
	run->bytes_done = done;
	run->bytes_total = total > done ? total : done;
	if (run->progress)
		import_progress_update(run->progress, done, run->bytes_total, run->record > 1 ? run->record - 1 : 0,
				       run->rep.imported + run->rep.updated, run->rep.skipped + run->rep.unchanged);
}

static void read_xlsx(struct import_run *run, const char *data, size_t len, struct err *e)
{
	struct xlsx_sink sink = { on_cell, on_row, on_sheet_progress, run };
	char why[300];
	if (xlsx_read(data, len, &sink, why, sizeof why) != 0)
		err_set(e, 422, "bad_xlsx", "file", "%s", why);
}

/* ---------------------------------------------------------------- the whole file */

json_t *import_file(struct db *db, const struct subject *who, struct actor actor, const char *data, size_t len,
		    int update, struct import_progress *progress, struct err *e)
{
	struct import_run *run = xcalloc(1, sizeof *run);
	run->db = db;
	run->fields = json_array();
	run->record = 1;
	run->progress = progress;
	run->batch.who = actor;
	run->batch.subject = who;
	run->batch.update = update;
	run->batch.rep = &run->rep;
	run->rep.rejections = json_array();
	run->rep.outcomes = json_array();
	run->rep.reasons = json_object();
	buf_init(&run->rep.rejected_csv);
	struct err fe = { 0 };
	int workbook = xlsx_looks_like(data, len);
	if (workbook)
		read_xlsx(run, data, len, &fe);
	else
		read_csv(run, data, len, &fe);
	if (!fe.status)
		flush(run);
	json_t *report = NULL;
	if (fe.status) {
		*e = fe;
	} else if (!run->header_done || run->bad_header) {
		err_set(e, 422, "bad_header", "file", run->missing[0] ? "缺少必需的列：%s（请使用导出文件或导入模板的表头）" : "文件为空",
			run->missing);
	} else if (run->failed) {
		*e = run->e;
	} else {
		struct import_report *rep = &run->rep;
		json_t *reasons = json_array();
		const char *k;
		json_t *s;
		json_object_foreach(rep->reasons, k, s) json_array_append(reasons, s);
		report = json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:O,s:O,s:o}", "format", workbook ? "xlsx" : "csv",
				   "mode", update ? "update" : "skip", "imported", rep->imported, "skipped", rep->skipped,
				   "updated", rep->updated, "unchanged", rep->unchanged, "rejected_rows", rep->rejected,
				   "masked_cells", rep->masked, "rejected", rep->rejections, "outcomes", rep->outcomes,
				   "reasons", reasons);
		/* Rows are numbered as Excel shows them; the data rows are those after the header. */
		json_object_set_new(report, "rows", json_integer(rep->imported + rep->skipped + rep->updated +
								 rep->unchanged + rep->rejected));
		if (rep->rejected) {
			json_object_set_new(report, "rejected_csv", json_stringn(rep->rejected_csv.data, rep->rejected_csv.len));
			json_object_set_new(report, "rejected_csv_complete", json_boolean(!rep->rejected_csv_full));
		}
	}
	for (int i = 0; i < run->batch.n; i++)
		row_free(&run->batch.rows[i]);
	json_decref(run->rep.rejections);
	json_decref(run->rep.outcomes);
	json_decref(run->rep.reasons);
	buf_free(&run->rep.rejected_csv);
	json_decref(run->choices);
	json_decref(run->fields);
	free(run);
	return report;
}

/* "update" chosen: rows naming a ticket update it. */
static int update_chosen(struct req *r)
{
	const char *m = http_query(r, "mode");
	json_t *f = json_object_get(r->fields, "mode");
	if (json_is_string(f))
		m = json_string_value(f);
	return m && !strcmp(m, "update");
}

/* POST /api/v1/import[?mode=update] */
void api_import(struct req *r)
{
	if (!http_authorize(r, ACT_IMPORT, NULL))
		return;
	size_t len;
	char *file = http_upload_read(r, &len);
	if (!file || len == 0) {
		free(file);
		http_error_with(r, 422, "validation", "请上传 Excel（.xlsx）或 CSV 文件",
				json_pack("{s:s}", "file", "请上传 Excel（.xlsx）或 CSV 文件（字段名 file，或直接作为请求体提交）"),
				NULL);
		return;
	}
	struct subject who = http_subject(r);
	struct err e = { 0 };
	json_t *report = import_file(db_reader(), &who, http_actor(r), file, len, update_chosen(r), NULL, &e);
	free(file);
	if (!report) {
		http_error_with(r, e.status ? e.status : 500, e.code, e.message, json_pack("{s:s}", "file", e.message), NULL);
		return;
	}
	json_object_del(report, "rows");
	log_info("import by %s: %lld created, %lld updated, %lld skipped, %lld rejected", r->user.login,
		 (long long)json_integer_value(json_object_get(report, "imported")),
		 (long long)json_integer_value(json_object_get(report, "updated")),
		 (long long)json_integer_value(json_object_get(report, "skipped")),
		 (long long)json_integer_value(json_object_get(report, "rejected_rows")));
	http_json(r, 200, report);
}

/* GET /import */
void page_import(struct req *r)
{
	if (!http_authorize(r, ACT_IMPORT, NULL))
		return;
	http_page(r, 200, "import", json_object());
}

/* ---------------------------------------------------------------- imports in the background */

/*
 * A file imported from the page runs on a thread of its own; the page that follows shows how
 * far it got and, at the end, the report. The last IMPORT_JOBS imports are kept in memory
 * (what they created is in the ledger and its event log; the report itself is not stored).
 */
#define IMPORT_JOBS 16

struct import_progress {
	long long id, owner;
	int running, status;
	size_t bytes, total;
	long rows;
	int imported, skipped;
	json_t *report;
	char error[512];
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t idle;
	struct import_progress jobs[IMPORT_JOBS];
	long long next_id;
	int active;
} imports = { .mu = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER, .next_id = 1 };

static void import_progress_update(struct import_progress *p, size_t bytes, size_t total, long rows, int imported,
				   int skipped)
{
	pthread_mutex_lock(&imports.mu);
	p->bytes = bytes;
	p->total = total;
	p->rows = rows;
	p->imported = imported;
	p->skipped = skipped;
	pthread_mutex_unlock(&imports.mu);
}

struct import_task {
	struct import_progress *progress;
	char *file;
	size_t len;
	int update;
	char unit_path[256], login[65];
	struct subject who;
	struct actor actor;
};

static void *import_thread(void *arg)
{
	struct import_task *t = arg;
	struct err e = { 0 };
	struct db *db = db_reader();
	json_t *report = db ? import_file(db, &t->who, t->actor, t->file, t->len, t->update, t->progress, &e) : NULL;
	if (!db)
		err_set(&e, 500, "db", NULL, "数据库不可用");
	if (report)
		log_info("import by %s: %lld created, %lld updated, %lld skipped, %lld rejected", t->login,
			 (long long)json_integer_value(json_object_get(report, "imported")),
			 (long long)json_integer_value(json_object_get(report, "updated")),
			 (long long)json_integer_value(json_object_get(report, "skipped")),
			 (long long)json_integer_value(json_object_get(report, "rejected_rows")));
	pthread_mutex_lock(&imports.mu);
	t->progress->report = report;
	t->progress->bytes = t->progress->total;
	if (!report) {
		t->progress->status = e.status ? e.status : 500;
		snprintf(t->progress->error, sizeof t->progress->error, "%s", e.message);
	}
	t->progress->running = 0;
	if (--imports.active == 0)
		pthread_cond_broadcast(&imports.idle);
	pthread_mutex_unlock(&imports.mu);
	free(t->file);
	free(t);
	return NULL;
}

/* Starts importing file (taken) for the request's user; the job's id, or 0 when all are busy. */
static long long import_start(struct req *r, char *file, size_t len, int update)
{
	pthread_mutex_lock(&imports.mu);
	struct import_progress *slot = NULL;
	for (int i = 0; i < IMPORT_JOBS; i++) /* a free slot, else the oldest finished one */
		if (!imports.jobs[i].running && (!slot || imports.jobs[i].id < slot->id))
			slot = &imports.jobs[i];
	if (!slot) {
		pthread_mutex_unlock(&imports.mu);
		free(file);
		return 0;
	}
	json_decref(slot->report);
	memset(slot, 0, sizeof *slot);
	slot->id = imports.next_id++;
	slot->owner = r->user.user_id;
	slot->running = 1;
	slot->total = len;
	long long id = slot->id;
	imports.active++;
	pthread_mutex_unlock(&imports.mu);

	struct import_task *t = xcalloc(1, sizeof *t);
	t->progress = slot;
	t->file = file;
	t->len = len;
	t->update = update;
	snprintf(t->unit_path, sizeof t->unit_path, "%s", r->user.unit_path);
	snprintf(t->login, sizeof t->login, "%s", r->user.login);
	t->who = http_subject(r);
	t->who.unit_path = t->unit_path;
	t->actor = (struct actor){ r->user.user_id, t->login };
	pthread_t th;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int ok = pthread_create(&th, &attr, import_thread, t) == 0;
	pthread_attr_destroy(&attr);
	if (!ok) {
		pthread_mutex_lock(&imports.mu);
		slot->running = 0;
		slot->status = 500;
		snprintf(slot->error, sizeof slot->error, "无法启动导入");
		imports.active--;
		pthread_mutex_unlock(&imports.mu);
		free(file);
		free(t);
	}
	return id;
}

void import_wait_all(void)
{
	pthread_mutex_lock(&imports.mu);
	while (imports.active > 0)
		pthread_cond_wait(&imports.idle, &imports.mu);
	for (int i = 0; i < IMPORT_JOBS; i++) {
		json_decref(imports.jobs[i].report);
		imports.jobs[i].report = NULL;
	}
	pthread_mutex_unlock(&imports.mu);
}


/* POST /import (multipart): starts the import and shows its progress page. */
void page_import_post(struct req *r)
{
	if (!http_authorize(r, ACT_IMPORT, NULL))
		return;
	size_t len;
	char *file = http_upload_read(r, &len);
	if (!file || !len) {
		free(file);
		http_page(r, 422, "import", json_pack("{s:s}", "error", "请选择要导入的 Excel（.xlsx）或 CSV 文件"));
		return;
	}
	long long id = import_start(r, file, len, update_chosen(r));
	if (!id) {
		http_page(r, 503, "import", json_pack("{s:s}", "error", "同时进行的导入过多，请稍后再试"));
		return;
	}
	char loc[64];
	snprintf(loc, sizeof loc, "/import/%lld", id);
	http_redirect(r, loc);
}

/* The import the request names, if its user started it; with imports.mu held. */
static struct import_progress *import_of(struct req *r)
{
	const char *ids = http_param(r, "id");
	char *end;
	long long id = ids ? strtoll(ids, &end, 10) : 0;
	for (int i = 0; id > 0 && !*end && i < IMPORT_JOBS; i++)
		if (imports.jobs[i].id == id && imports.jobs[i].owner == r->user.user_id)
			return &imports.jobs[i];
	return NULL;
}

static const char not_found[] = "没有这次导入（导入记录只保留最近 16 次，且仅发起人可见）";

/* GET /import/{id}: how far the import got; its report once done. Only for who started it. */
void page_import_progress(struct req *r)
{
	if (!http_authorize(r, ACT_IMPORT, NULL))
		return;
	json_t *ctx = NULL;
	pthread_mutex_lock(&imports.mu);
	struct import_progress *p = import_of(r);
	if (p) {
		int percent = p->total ? (int)(p->bytes * 100 / p->total) : 0;
		ctx = json_pack("{s:I,s:b,s:i,s:I,s:i,s:i}", "id", p->id, "running", p->running, "percent", percent, "rows",
				(json_int_t)p->rows, "imported_so_far", p->imported, "skipped_so_far", p->skipped);
		if (p->report) {
			json_t *report = json_deep_copy(p->report);
			json_object_del(report, "rejected_csv");
			json_object_set_new(report, "update", json_boolean(!strcmp(json_string_value(json_object_get(report, "mode")), "update")));
			json_object_set_new(ctx, "report", report);
		} else if (!p->running) {
			json_object_set_new(ctx, "error", json_string(p->error));
		}
	}
	pthread_mutex_unlock(&imports.mu);
	if (!ctx) {
		http_error(r, 404, "not_found", not_found);
		return;
	}
	http_page(r, 200, "import", ctx);
}

/* GET /import/{id}/rejected.csv: the rows not imported, each with its reason, to correct. */
void page_import_rejected(struct req *r)
{
	if (!http_authorize(r, ACT_IMPORT, NULL))
		return;
	struct buf body;
	buf_init(&body);
	long long id = 0;
	pthread_mutex_lock(&imports.mu);
	struct import_progress *p = import_of(r);
	json_t *csv = p && p->report ? json_object_get(p->report, "rejected_csv") : NULL;
	if (csv) {
		buf_append(&body, json_string_value(csv), json_string_length(csv));
		id = p->id;
	}
	pthread_mutex_unlock(&imports.mu);
	if (!id) {
		buf_free(&body);
		http_error(r, 404, "not_found", not_found);
		return;
	}
	char cd[128], date[16];
	time_format_date(clock_now(), date, sizeof date);
	snprintf(cd, sizeof cd, "attachment; filename=\"import-%lld-rejected-%s.csv\"", id, date);
	http_header(r, "Content-Disposition", cd);
	http_send(r, 200, "text/csv; charset=utf-8", &body);
}

/* ---------------------------------------------------------------- the template */


static void template_values(lxw_workbook *wb, const struct ticket_field **cols, size_t ncol, lxw_format *head)
{
	lxw_worksheet *vs = workbook_add_worksheet(wb, "可填写的值");
	struct db *db = db_reader();
	lxw_col_t vc = 0;
	for (size_t c = 0; c < ncol; c++) {
		const char *sql = NULL;
		for (size_t i = 0; i < ARRAY_LEN(name_lists); i++)
			if (!strcmp(name_lists[i].field, cols[c]->name))
				sql = name_lists[i].sql;
		lxw_row_t n = 0;
		if (cols[c]->type == FT_URGENCY) {
			worksheet_write_string(vs, 0, vc, cols[c]->label, head);
			for (size_t i = 0; i < VS_URGENCY.n; i++)
				worksheet_write_string(vs, ++n, vc, VS_URGENCY.pairs[i][1], NULL);
		} else if (sql) {
			worksheet_write_string(vs, 0, vc, cols[c]->label, head);
			sqlite3_stmt *st = db ? db_prepare(db, sql) : NULL;
			while (st && sqlite3_step(st) == SQLITE_ROW)
				worksheet_write_string(vs, ++n, vc, db_text(st, 0), NULL);
			db_done(st);
		} else {
			continue;
		}
		worksheet_set_column(vs, vc, vc, 22, NULL);
		/* No drop-down (Excel's 数据验证) on the first sheet: libxlsxwriter 1.1.5 does not free a
		 * validation's formula, and every download would leak it. The values are on this sheet. */
		vc++;
	}
}

/* GET /import/template.xlsx: the columns the import reads, and on a second sheet the values. */
void page_import_template(struct req *r)
{
	if (!http_authorize(r, ACT_IMPORT, NULL))
		return;
	char path[4300];
	snprintf(path, sizeof path, "%s/tmp/template-XXXXXX", http_data_dir(r));
	int fd = mkstemp(path);
	if (fd < 0) {
		http_error(r, 500, "storage", "无法生成导入模板");
		return;
	}
	close(fd);
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "导入模板") : NULL;
	if (!ws) {
		if (wb)
			workbook_close(wb);
		unlink(path);
		http_error(r, 500, "storage", "无法生成导入模板");
		return;
	}
	lxw_format *head = workbook_add_format(wb), *need = workbook_add_format(wb);
	format_set_bold(head);
	format_set_bg_color(head, 0xF2DCDB);
	format_set_border(head, LXW_BORDER_THIN);
	format_set_bold(need);
	format_set_bg_color(need, 0xF4B084);
	format_set_border(need, LXW_BORDER_THIN);
	const struct ticket_field *cols[MAXCOL];
	size_t ncol = 0;
	for (size_t i = 0; i < ticket_field_count && ncol < MAXCOL; i++)
		if (ticket_fields[i].import && strcmp(ticket_fields[i].name, "code")) /* new rows have no 问题编号 */
			cols[ncol++] = &ticket_fields[i];
	for (size_t c = 0; c < ncol; c++) {
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, (double)cols[c]->width, NULL);
		worksheet_write_string(ws, 0, (lxw_col_t)c, cols[c]->label, cols[c]->import == 2 ? need : head);
		if (cols[c]->hint)
			worksheet_write_comment(ws, 0, (lxw_col_t)c, cols[c]->hint);
	}
	worksheet_freeze_panes(ws, 1, 0);
	template_values(wb, cols, ncol, head);
	lxw_error err = workbook_close(wb);
	fd = err == LXW_NO_ERROR ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	unlink(path);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		http_error(r, 500, "storage", "无法生成导入模板");
		return;
	}
	http_header(r, "Content-Disposition", "attachment; filename=\"import-template.xlsx\"; "
					      "filename*=UTF-8''%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx");
	http_file(r, fd, st.st_size, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}
