/*
 * import.c — hotline tickets from CSV, as Excel in China saves it: UTF-8 (with or without
 * BOM) or GB18030, with the export's header row. Each row is checked like the new-ticket
 * form; rows whose 原工单号 is already in the ledger are skipped, so importing a file twice
 * creates nothing twice; every rejected row is reported with its row number and reason.
 * Rows go to the writer in batches, each row in its own savepoint.
 */
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include "handlers.h"
#include "labels.h"
#include "ticket.h"
#include "ticket_fields.h"

#define IMPORT_BATCH 200
#define MAX_REJECTED_SHOWN 1000

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

struct import_batch {
	struct ticket_input in[IMPORT_BATCH];
	json_t *json[IMPORT_BATCH];
	long line[IMPORT_BATCH];
	int n;
	/* out */
	int imported, skipped;
	json_t *rejected;
};

struct import_run {
	struct db *db;
	struct actor who;
	const struct subject *subject;
	const struct ticket_field *cols[MAXCOL]; /* the columns it reads */
	size_t ncol;
	int map[MAXCOL]; /* the file's column index of each, -1 if absent */
	json_t *fields; /* the current record's fields */
	long record;    /* 1 = the header */
	int header_done;
	int bad_header;
	char missing[300];
	struct import_batch batch;
	struct err e;
	int failed;
};

static int import_batch_job(struct db *w, void *arg, struct err *e)
{
	struct import_batch *b = arg;
	for (int i = 0; i < b->n; i++) {
		db_exec(w, "SAVEPOINT row", NULL);
		struct err re = { 0 };
		if (ticket_create_job(w, &b->in[i], &re) == 0) {
			b->imported++;
		} else {
			db_exec(w, "ROLLBACK TO row", NULL);
			struct err ne = { 0 };
			if (ticket_duplicate_notice_job(w, &b->in[i], &ne) != 0)
				log_error("duplicate 原工单号 not recorded: %s", ne.message);
			if (!strcmp(re.code, "duplicate"))
				b->skipped++; /* the same source_ref earlier in the ledger or in this file */
			else if (json_array_size(b->rejected) < MAX_REJECTED_SHOWN)
				json_array_append_new(b->rejected, json_pack("{s:i,s:s}", "line", (int)b->line[i], "reason",
									     re.message));
		}
		db_exec(w, "RELEASE row", NULL);
	}
	(void)e;
	return 0;
}

static void flush(struct import_run *run)
{
	if (run->batch.n == 0 || run->failed)
		return;
	if (db_write(import_batch_job, &run->batch, &run->e) != 0)
		run->failed = 1;
	for (int i = 0; i < run->batch.n; i++)
		json_decref(run->batch.json[i]);
	run->batch.n = 0;
}

/* A code given by its Chinese name (as the export writes it) or by its code. */
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
	const char *found = v;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, n, "%s", db_text(st, 0));
		found = out;
	}
	db_done(st);
	return found;
}

/* Dates as Excel writes them: 2023-09-25, 2023/9/25, 2023年9月25日. "" if not a date. */
static void normalize_date(const char *v, char *out, size_t n)
{
	int y, m, d;
	char tail[8] = "";
	out[0] = '\0';
	if (sscanf(v, "%d-%d-%d%7s", &y, &m, &d, tail) >= 3 || sscanf(v, "%d/%d/%d%7s", &y, &m, &d, tail) >= 3 ||
	    sscanf(v, "%d年%d月%d%7s", &y, &m, &d, tail) >= 3) {
		if (tail[0] && strcmp(tail, "日"))
			return;
		snprintf(out, n, "%04d-%02d-%02d", y, m, d);
		if (date_parse_days(out) < 0)
			out[0] = '\0';
	}
}

static void end_record(struct import_run *run)
{
	json_t *rec = run->fields;
	run->fields = json_array();
	run->record++;
	if (run->failed) {
		json_decref(rec);
		return;
	}
	if (!run->header_done) {
		run->header_done = 1;
		run->ncol = import_columns(run->cols);
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
		json_decref(rec);
		return;
	}
	if (run->bad_header) {
		json_decref(rec);
		return;
	}
	/* A row with nothing in it (Excel leaves some at the end) is not a ticket. */
	int empty = 1;
	size_t i;
	json_t *v;
	json_array_foreach(rec, i, v) if (json_string_length(v)) empty = 0;
	if (empty) {
		json_decref(rec);
		return;
	}
	json_t *in = json_object();
	for (size_t c = 0; c < run->ncol; c++) {
		if (run->map[c] < 0)
			continue;
		const char *val = json_string_value(json_array_get(rec, (size_t)run->map[c]));
		if (!val)
			val = "";
		char buf[64], date[16];
		const char *field = run->cols[c]->name;
		if (run->cols[c]->type == FT_DATE && *val) {
			normalize_date(val, date, sizeof date);
			val = date[0] ? date : val; /* a bad date is reported by validation */
		} else if (!strcmp(field, "urgency")) {
			val = vs_code(&VS_URGENCY, val) ? vs_code(&VS_URGENCY, val) : val; /* a bad one is reported by validation */
		} else {
			val = code_for(run->db, field, val, buf, sizeof buf);
		}
		json_object_set_new(in, field, json_string(val));
	}
	json_decref(rec);
	long line = run->record - 1; /* the header is row 1 */
	struct import_batch *b = &run->batch;
	struct ticket_input *t = &b->in[b->n];
	memset(t, 0, sizeof *t);
	t->who = run->who;
	t->creator = *run->subject;
	json_t *errors = json_object();
	if (ticket_prepare(run->db, in, t, errors) != 0) {
		struct buf reason;
		buf_init(&reason);
		const char *k;
		json_t *m;
		json_object_foreach(errors, k, m)
		{
			if (reason.len)
				buf_puts(&reason, "；");
			buf_puts(&reason, json_string_value(m));
		}
		if (json_array_size(b->rejected) < MAX_REJECTED_SHOWN)
			json_array_append_new(b->rejected, json_pack("{s:i,s:s}", "line", (int)line, "reason", reason.data));
		buf_free(&reason);
		json_decref(errors);
		json_decref(in);
		return;
	}
	json_decref(errors);
	/* Staff import only into their own subtree, like logging by hand. */
	struct ticket_scope scope = { t->unit_path, t->responsible_path };
	if (authz_check(run->subject, ACT_TICKET_CREATE, &scope) != AUTHZ_OK) {
		json_array_append_new(b->rejected, json_pack("{s:i,s:s}", "line", (int)line, "reason", "无权为该属地单位登记问题"));
		json_decref(in);
		return;
	}
	b->json[b->n] = in;
	b->line[b->n] = line;
	b->n++;
	if (b->n == IMPORT_BATCH)
		flush(run);
}

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

json_t *import_csv(struct db *db, const struct subject *who, struct actor actor, const char *data, size_t len,
		   struct import_progress *progress, struct err *e)
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
			return NULL;
		}
		data = converted;
		len = n;
	}
	struct import_run *run = xcalloc(1, sizeof *run);
	run->db = db;
	run->who = actor;
	run->subject = who;
	run->fields = json_array();
	run->record = 1;
	run->batch.rejected = json_array();
	struct csv_parser p;
	csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	/* In pieces, so that whoever watches sees how far it got. */
	size_t done = 0;
	while (done < len) {
		size_t piece = len - done < IMPORT_PIECE ? len - done : IMPORT_PIECE;
		size_t took = csv_parse(&p, data + done, piece, on_field, on_record, run);
		done += took;
		if (took != piece)
			break;
		if (progress)
			import_progress_update(progress, done, len, run->record > 1 ? run->record - 1 : 0,
					       run->batch.imported, run->batch.skipped);
	}
	int parse_error = done != len || csv_fini(&p, on_field, on_record, run) != 0;
	int csv_err = csv_error(&p);
	csv_free(&p);
	flush(run);
	free(converted);
	json_t *report = NULL;
	if (parse_error) {
		err_set(e, 422, "bad_csv", "file", "CSV 格式有误（第 %ld 行附近：%s），请检查引号是否成对", run->record,
			csv_strerror(csv_err));
	} else if (!run->header_done || run->bad_header) {
		err_set(e, 422, "bad_header", "file", run->missing[0] ? "缺少必需的列：%s（请使用导出文件的表头）" : "文件为空",
			run->missing);
	} else if (run->failed) {
		*e = run->e;
	} else {
		report = json_pack("{s:i,s:i,s:O}", "imported", run->batch.imported, "skipped", run->batch.skipped,
				   "rejected", run->batch.rejected);
		/* Rows are numbered as Excel shows them: the header is row 1. */
		json_object_set_new(report, "rows", json_integer(run->record - 2));
	}
	for (int i = 0; i < run->batch.n; i++)
		json_decref(run->batch.json[i]);
	json_decref(run->batch.rejected);
	json_decref(run->fields);
	free(run);
	return report;
}

/* The CSV of the request: the multipart field "file" (on disk) or a text/csv body. */
static char *request_csv(struct req *r, size_t *len)
{
	if (r->upload.present)
		return r->upload.tmp_path ? read_file(r->upload.tmp_path, len) : NULL;
	*len = r->body.len;
	return xstrndup(r->body.data ? r->body.data : "", r->body.len);
}

/* POST /api/v1/import */
void api_import(struct req *r)
{
	if (!http_authorize(r, ACT_IMPORT, NULL))
		return;
	size_t len;
	char *csv = request_csv(r, &len);
	if (!csv || len == 0) {
		free(csv);
		http_error_with(r, 422, "validation", "请上传 CSV 文件",
				json_pack("{s:s}", "file", "请上传 CSV 文件（字段名 file，或以 text/csv 提交）"), NULL);
		return;
	}
	struct subject who = http_subject(r);
	struct err e = { 0 };
	json_t *report = import_csv(db_reader(), &who, http_actor(r), csv, len, NULL, &e);
	free(csv);
	if (!report) {
		http_error_with(r, e.status ? e.status : 500, e.code, e.message, json_pack("{s:s}", "file", e.message), NULL);
		return;
	}
	json_object_del(report, "rows");
	log_info("import by %s: %lld imported, %lld skipped, %zu rejected", r->user.login,
		 (long long)json_integer_value(json_object_get(report, "imported")),
		 (long long)json_integer_value(json_object_get(report, "skipped")),
		 json_array_size(json_object_get(report, "rejected")));
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
	char *csv;
	size_t len;
	char unit_path[256], login[65];
	struct subject who;
	struct actor actor;
};

static void *import_thread(void *arg)
{
	struct import_task *t = arg;
	struct err e = { 0 };
	struct db *db = db_reader();
	json_t *report = db ? import_csv(db, &t->who, t->actor, t->csv, t->len, t->progress, &e) : NULL;
	if (!db)
		err_set(&e, 500, "db", NULL, "数据库不可用");
	if (report)
		log_info("import by %s: %lld imported, %lld skipped, %zu rejected", t->login,
			 (long long)json_integer_value(json_object_get(report, "imported")),
			 (long long)json_integer_value(json_object_get(report, "skipped")),
			 json_array_size(json_object_get(report, "rejected")));
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
	free(t->csv);
	free(t);
	return NULL;
}

/* Starts importing csv (taken) for the request's user; the job's id, or 0 when all are busy. */
static long long import_start(struct req *r, char *csv, size_t len)
{
	pthread_mutex_lock(&imports.mu);
	struct import_progress *slot = NULL;
	for (int i = 0; i < IMPORT_JOBS; i++) /* a free slot, else the oldest finished one */
		if (!imports.jobs[i].running && (!slot || imports.jobs[i].id < slot->id))
			slot = &imports.jobs[i];
	if (!slot) {
		pthread_mutex_unlock(&imports.mu);
		free(csv);
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
	t->csv = csv;
	t->len = len;
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
		free(csv);
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
	char *csv = request_csv(r, &len);
	if (!csv || !len) {
		free(csv);
		http_page(r, 422, "import", json_pack("{s:s}", "error", "请选择要导入的 CSV 文件"));
		return;
	}
	long long id = import_start(r, csv, len);
	if (!id) {
		http_page(r, 503, "import", json_pack("{s:s}", "error", "同时进行的导入过多，请稍后再试"));
		return;
	}
	char loc[64];
	snprintf(loc, sizeof loc, "/import/%lld", id);
	http_redirect(r, loc);
}

/* GET /import/{id}: how far the import got; its report once done. Only for who started it. */
void page_import_progress(struct req *r)
{
	if (!http_authorize(r, ACT_IMPORT, NULL))
		return;
	const char *ids = http_param(r, "id");
	char *end;
	long long id = ids ? strtoll(ids, &end, 10) : 0;
	json_t *ctx = NULL;
	pthread_mutex_lock(&imports.mu);
	for (int i = 0; id > 0 && !*end && i < IMPORT_JOBS; i++) {
		struct import_progress *p = &imports.jobs[i];
		if (p->id != id || p->owner != r->user.user_id)
			continue;
		int percent = p->total ? (int)(p->bytes * 100 / p->total) : 0;
		ctx = json_pack("{s:I,s:b,s:i,s:I,s:i,s:i}", "id", id, "running", p->running, "percent", percent, "rows",
				(json_int_t)p->rows, "imported_so_far", p->imported, "skipped_so_far", p->skipped);
		if (p->report) {
			json_t *report = json_deep_copy(p->report);
			json_object_set_new(report, "rejected_count",
					    json_integer((json_int_t)json_array_size(json_object_get(report, "rejected"))));
			json_object_set_new(ctx, "report", report);
		} else if (!p->running) {
			json_object_set_new(ctx, "error", json_string(p->error));
		}
	}
	pthread_mutex_unlock(&imports.mu);
	if (!ctx) {
		http_error(r, 404, "not_found", "没有这次导入（导入记录只保留最近 16 次，且仅发起人可见）");
		return;
	}
	http_page(r, 200, "import", ctx);
}
