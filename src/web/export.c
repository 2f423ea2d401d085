/*
 * export.c — the ledger as CSV (UTF-8 with BOM, so that Excel in China opens it with the
 * Chinese intact), in the column order of a 问题整改台账, with the list's filters. Personal
 * data is masked unless a reviewer asks for the unmasked file, which is recorded as an event.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "handlers.h"
#include "labels.h"
#include "ticket.h"
#include "ticket_fields.h"

#define EXPORT_BATCH 500

/* The export's columns are the field table's rows (ticket_fields.c), in its order. */
#define NCOLUMNS ticket_field_count
/* Before them the sheet's own row number, as a paper ledger has. */
#define SERIAL_LABEL "序号"

struct filter_words {
	struct db *db;
	struct buf *out;
	const char *sep;
};

/* One filter in use, in words: its label and value, the value's name for a code. */
static void filter_word(const struct filter_field *ff, const char *v, int flag, void *arg)
{
	static const char *const by_options[] = {
		[FO_STREETS] = "SELECT name FROM units WHERE code = ?1",
		[FO_RESPONSIBLE] = "SELECT name FROM units WHERE code = ?1",
		[FO_DOMAINS] = "SELECT name FROM domains WHERE code = ?1",
		[FO_SOURCES] = "SELECT name FROM sources WHERE code = ?1",
		[FO_CATEGORIES] = "SELECT name FROM categories WHERE code = ?1",
		[FO_CAMPAIGNS] = "SELECT name FROM campaigns WHERE code = ?1",
		[FO_PLACES] = "SELECT name FROM units WHERE code = ?1",
	};
	struct filter_words *w = arg;
	struct buf *out = w->out;
	if (!v) {
		buf_printf(out, "%s%s%s", out->len ? w->sep : "", flag ? "" : "非", ff->label);
		return;
	}
	const char *shown = v;
	char name[128] = "";
	if (ff->kind == FF_VALUES && ff->values && vs_has(ff->values, v)) {
		shown = vs_label(ff->values, v);
	} else if (ff->kind == FF_OPTIONS && w->db && ff->options < ARRAY_LEN(by_options) && by_options[ff->options]) {
		sqlite3_stmt *st = db_prepare(w->db, by_options[ff->options]);
		if (st) {
			sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				str_copy(name, sizeof name, db_text(st, 0));
			db_done(st);
		}
		if (name[0])
			shown = name;
	}
	if (!strcmp(w->sep, "-"))
		buf_printf(out, "%s%s", out->len ? w->sep : "", shown);
	else
		buf_printf(out, "%s%s：%s", out->len ? w->sep : "", ff->label, shown);
}

/*
 * What the filter asks, in words: "状态：待整改；属地单位：兴仁街道" (sep between items), for
 * the title row; with sep "-" the values alone, for the file's name.
 */
static void export_filter_text(struct db *db, const struct ticket_filter *f, struct buf *out, const char *sep)
{
	struct filter_words w = { db, out, sep };
	ticket_filter_each(f, filter_word, &w);
}

static const char *text_of(json_t *v, char *num, size_t n)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(num, n, "%lld", (long long)json_integer_value(v));
		return num;
	}
	return "";
}


/* One export row: the list's ticket plus labels, the latest progress, and unmasked fields if asked. */
static void prepare_row(struct db *db, json_t *t, int unmasked)
{
	static const char q_latest[] = "SELECT note FROM progress WHERE ticket_id = ?1 ORDER BY id DESC LIMIT 1";
	static const char q_callback[] = "SELECT result, at, resolved FROM callbacks WHERE ticket_id = ?1 ORDER BY id DESC LIMIT 1";
	static const char q_reporter[] = "SELECT reporter_name, reporter_phone FROM tickets WHERE id = ?1";
	long long id = json_integer_value(json_object_get(t, "id"));
	if (unmasked) {
		/* The list gives the masked values; the two unmasked ones come from one small query. */
		sqlite3_stmt *st = db_prepare(db, q_reporter);
		if (st) {
			sqlite3_bind_int64(st, 1, id);
			if (sqlite3_step(st) == SQLITE_ROW) {
				json_object_set_new(t, "reporter_name", json_string(db_text(st, 0)));
				json_object_set_new(t, "reporter_phone", json_string(db_text(st, 1)));
			}
			db_done(st);
		}
	}
	const char *light = json_string_value(json_object_get(t, "light"));
	const char *color = json_string_value(json_object_get(t, "color"));
	if (vs_has(&VS_LIGHT, light))
		json_object_set_new(t, "light_label", json_string(vs_label(&VS_LIGHT, light)));
	if (vs_has(&VS_COLOR, color))
		json_object_set_new(t, "color_label", json_string(vs_label(&VS_COLOR, color)));
	struct buf co;
	buf_init(&co);
	co_units_words(json_object_get(t, "co_units"), &co);
	json_object_set_new(t, "co_units_text", json_string(co.data ? co.data : ""));
	buf_free(&co);
	json_object_set_new(t, "supervised_label", json_string(json_is_true(json_object_get(t, "supervised")) ? "是" : "否"));
	json_object_set_new(t, "complex_label", json_string(json_is_true(json_object_get(t, "complex")) ? "是" : "否"));
	json_object_set_new(t, "supplement_label", json_string(json_is_true(json_object_get(t, "supplement")) ? "是" : "否"));
	sqlite3_stmt *st = db_prepare(db, q_latest);
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			json_object_set_new(t, "latest_progress", json_string(db_text(st, 0)));
		db_done(st);
	}
	if (json_integer_value(json_object_get(t, "callback_count")) > 0 && (st = db_prepare(db, q_callback))) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_object_set_new(t, "callback_result_label", json_string(vs_label(&VS_CALLBACK_RESULT, db_text(st, 0))));
			json_object_set_new(t, "callback_at", json_string(db_text(st, 1)));
			if (sqlite3_column_type(st, 2) != SQLITE_NULL)
				json_object_set_new(t, "callback_resolved_label",
						    json_string(sqlite3_column_int(st, 2) ? "已解决" : "未解决"));
		}
		db_done(st);
	}
}

static const char *cell(json_t *t, size_t c, char *num, size_t n)
{
	json_t *v = json_object_get(t, ticket_fields[c].export_key);
	if (ticket_fields[c].export_sub)
		v = json_object_get(v, ticket_fields[c].export_sub);
	return text_of(v, num, n);
}

/*
 * Calls each() for every ticket matching f, in ledger order, reading the database a batch at a
 * time (keyset), so that memory stays bounded however long the ledger is. Returns the rows.
 */
static long long export_each(struct db *db, const struct ticket_filter *f, int unmasked,
			     void (*each)(json_t *t, long long row, void *arg), void *arg)
{
	struct ticket_cursor at = { 0 };
	enum list_dir dir = LIST_FIRST;
	long long rows = 0;
	int more = 1;
	while (more) {
		json_t *items = ticket_list(db, f, LIST_FULL, dir, &at, 0, EXPORT_BATCH, NULL, &more);
		size_t i;
		json_t *t;
		json_array_foreach(items, i, t)
		{
			prepare_row(db, t, unmasked);
			each(t, ++rows, arg);
		}
		json_t *last = json_array_get(items, json_array_size(items) - 1);
		if (last) {
			json_t *c = json_object_get(last, "cursor");
			at.rank = (int)json_integer_value(json_object_get(c, "rank"));
			snprintf(at.deadline, sizeof at.deadline, "%s", json_string_value(json_object_get(c, "deadline")));
			at.id = json_integer_value(json_object_get(c, "id"));
			dir = LIST_AFTER;
		} else {
			more = 0;
		}
		json_decref(items);
	}
	return rows;
}

/*
 * The common start of both exports: authorization (an unmasked export needs its own right),
 * the filters. Returns 0 after answering when refused.
 */
static int export_begin(struct req *r, struct subject *who, struct ticket_filter *f, int *unmasked)
{
	if (!http_authorize(r, ACT_EXPORT, NULL))
		return 0;
	const char *um = http_query(r, "unmasked");
	*unmasked = um && !strcmp(um, "1");
	if (*unmasked && !http_authorize(r, ACT_EXPORT_UNMASKED, NULL))
		return 0;
	*who = http_subject(r);
	ticket_filter_from_query(r, f, who);
	return 1;
}

/* Records an unmasked export: who took personal data out, when, how many rows, which filter. */
static int export_record(struct req *r, const struct ticket_filter *f, const char *format, long long rows)
{
	struct actor a = http_actor(r);
	json_t *detail = json_pack("{s:s,s:I,s:s?,s:s?,s:s?}", "format", format, "rows", rows, "unit", f->unit, "status",
				   f->status, "q", f->q);
	struct {
		struct actor who;
		json_t *detail;
	} ev = { a, detail };
	struct err e = { 0 };
	int rc = db_write(audit_export_job, &ev, &e);
	json_decref(detail);
	if (rc != 0) {
		http_fail(r, &e);
		return 0;
	}
	log_info("unmasked %s export by %s: %lld rows", format, a.login, rows);
	return 1;
}

/*
 * The file's name says what it holds: 问题整改台账-<unit>-<filters>-<date>.<ext> (RFC 6266's
 * filename* in UTF-8, with an ASCII name beside it for old clients).
 */
static void download_name(struct req *r, const struct ticket_filter *f, const char *ext)
{
	char date[16];
	time_format_date(clock_now(), date, sizeof date);
	struct buf name, cd;
	buf_init(&name);
	buf_init(&cd);
	buf_printf(&name, "问题整改台账-%s", r->user.unit_name);
	struct buf what;
	buf_init(&what);
	export_filter_text(db_reader(), f, &what, "-");
	if (what.len)
		buf_printf(&name, "-%s", what.data);
	buf_free(&what);
	buf_printf(&name, "-%s.%s", date, ext);
	buf_printf(&cd, "attachment; filename=\"ledger-%s.%s\"; filename*=UTF-8''", date, ext);
	buf_url_encode(&cd, name.data, "-_.");
	http_header(r, "Content-Disposition", cd.data);
	buf_free(&name);
	buf_free(&cd);
}

static void csv_row(json_t *t, long long row, void *arg)
{
	struct buf *out = arg;
	buf_printf(out, "%lld", row);
	for (size_t c = 0; c < NCOLUMNS; c++) {
		char num[32];
		buf_putc(out, ',');
		buf_csv_field(out, cell(t, c, num, sizeof num), 1);
	}
	buf_puts(out, "\r\n");
}

/* The state of a CSV export being streamed: its own copy of the filter, and where it is. */
struct csv_stream {
	struct subject who;
	char unit_path[256];
	struct ticket_filter f;
	char *strings[16];
	int nstrings;
	struct ticket_cursor at;
	enum list_dir dir;
	long long rows;
	int unmasked, header_sent, done;
};

static const char *keep(struct csv_stream *s, const char *v)
{
	if (!v || s->nstrings >= 16)
		return NULL;
	return s->strings[s->nstrings++] = xstrdup(v);
}

static void csv_stream_free(void *arg)
{
	struct csv_stream *s = arg;
	for (int i = 0; i < s->nstrings; i++)
		free(s->strings[i]);
	free(s);
}

/* One batch of rows per call, read on this worker thread's own connection. */
static int csv_stream_next(void *arg, struct buf *out)
{
	struct csv_stream *s = arg;
	if (!s->header_sent) {
		s->header_sent = 1;
		buf_puts(out, "\xEF\xBB\xBF" SERIAL_LABEL);
		for (size_t c = 0; c < NCOLUMNS; c++) {
			buf_putc(out, ',');
			buf_puts(out, ticket_fields[c].label);
		}
		buf_puts(out, "\r\n");
		return 1;
	}
	if (s->done)
		return 0;
	struct db *db = db_reader();
	int more = 0;
	json_t *items = db ? ticket_list(db, &s->f, LIST_FULL, s->dir, &s->at, 0, EXPORT_BATCH, NULL, &more) : json_array();
	size_t i;
	json_t *t;
	json_array_foreach(items, i, t)
	{
		prepare_row(db, t, s->unmasked);
		csv_row(t, ++s->rows, out);
	}
	json_t *last = json_array_get(items, json_array_size(items) - 1);
	if (last && more) {
		json_t *c = json_object_get(last, "cursor");
		s->at.rank = (int)json_integer_value(json_object_get(c, "rank"));
		snprintf(s->at.deadline, sizeof s->at.deadline, "%s", json_string_value(json_object_get(c, "deadline")));
		s->at.id = json_integer_value(json_object_get(c, "id"));
		s->dir = LIST_AFTER;
	} else {
		s->done = 1;
	}
	json_decref(items);
	return out->len > 0 || !s->done;
}

/* GET /api/v1/export.csv?<list filters>&unmasked=1 — streamed: memory stays one batch. */
void api_export_csv(struct req *r)
{
	struct subject who;
	struct ticket_filter f;
	int unmasked;
	if (!export_begin(r, &who, &f, &unmasked))
		return;
	if (unmasked && !export_record(r, &f, "csv", ticket_count(db_reader(), &f)))
		return;
	struct csv_stream *s = xcalloc(1, sizeof *s);
	s->who = who;
	snprintf(s->unit_path, sizeof s->unit_path, "%s", who.unit_path ? who.unit_path : "");
	s->who.unit_path = s->unit_path;
	s->f = f;
	s->f.who = &s->who;
	const char **fields[] = { &s->f.status, &s->f.unit, &s->f.responsible_unit, &s->f.domain, &s->f.source,
				  &s->f.category, &s->f.light, &s->f.color, &s->f.campaign, &s->f.q, &s->f.from, &s->f.to };
	for (size_t i = 0; i < ARRAY_LEN(fields); i++)
		*fields[i] = keep(s, *fields[i]);
	s->dir = LIST_FIRST;
	s->unmasked = unmasked;
	download_name(r, &f, "csv");
	http_stream(r, "text/csv; charset=utf-8", csv_stream_next, csv_stream_free, s);
}

/* ---------------------------------------------------------------- Excel */

struct xlsx_state {
	lxw_worksheet *ws;
	lxw_format *date, *time, *wrap, *light[3];
};

/* The sheet's rows: a title row, the header, then the tickets. */
#define XLSX_FIRST_ROW 2

/* A cell's text as an Excel date (YYYY-MM-DD) or date and time (RFC 3339, Beijing time). */
static int excel_time(const char *v, lxw_datetime *dt)
{
	memset(dt, 0, sizeof *dt);
	time_t t;
	if (strlen(v) == 10 && date_parse_days(v) >= 0)
		return sscanf(v, "%d-%d-%d", &dt->year, &dt->month, &dt->day) == 3 ? 1 : 0;
	if (strlen(v) > 10 && time_parse_rfc3339(v, &t) == 0) {
		char local[32];
		time_format_rfc3339(t, local, sizeof local); /* in +08:00 whatever the text's offset */
		int sec;
		if (sscanf(local, "%d-%d-%dT%d:%d:%d", &dt->year, &dt->month, &dt->day, &dt->hour, &dt->min, &sec) != 6)
			return 0;
		dt->sec = sec;
		return 2;
	}
	return 0;
}

/* The colour of a 时限标识 or 回访标识 cell: 0 red, 1 yellow, 2 green, -1 none. */
static int flag_colour(const char *code)
{
	return !code ? -1 : !strcmp(code, "red") ? 0 : !strcmp(code, "yellow") ? 1 : !strcmp(code, "green") ? 2 : -1;
}

static void xlsx_row(json_t *t, long long row, void *arg)
{
	struct xlsx_state *x = arg;
	lxw_row_t rr = (lxw_row_t)(row + XLSX_FIRST_ROW - 1);
	worksheet_write_number(x->ws, rr, 0, (double)row, NULL);
	for (size_t c = 0; c < NCOLUMNS; c++) {
		char num[32];
		const char *v = cell(t, c, num, sizeof num);
		const char *key = ticket_fields[c].export_key;
		lxw_col_t cc = (lxw_col_t)(c + 1);
		lxw_datetime dt;
		int kind, k;
		if (!*v)
			continue;
		if (strcmp(key, "source_ref") && (kind = excel_time(v, &dt)) > 0) {
			worksheet_write_datetime(x->ws, rr, cc, &dt, kind == 1 ? x->date : x->time);
		} else if (!strcmp(key, "return_count") || !strcmp(key, "unsatisfied_count")) {
			worksheet_write_number(x->ws, rr, cc, atof(v), NULL);
		} else if (!strcmp(key, "light_label") || !strcmp(key, "color_label")) {
			k = flag_colour(json_string_value(json_object_get(t, !strcmp(key, "light_label") ? "light" : "color")));
			worksheet_write_string(x->ws, rr, cc, v, k >= 0 ? x->light[k] : NULL);
		} else {
			/* A leading = would be a formula to Excel: write_string keeps it text. */
			worksheet_write_string(x->ws, rr, cc, v, strlen(v) > 40 ? x->wrap : NULL);
		}
	}
}

static void export_xlsx(struct req *r, struct ticket_filter f, int unmasked);

/* GET /api/v1/export.xlsx?<list filters>&unmasked=1 */
void api_export_xlsx(struct req *r)
{
	struct subject who;
	struct ticket_filter f;
	int unmasked;
	if (!export_begin(r, &who, &f, &unmasked))
		return;
	export_xlsx(r, f, unmasked);
}

static const char *no_value(void *src, const char *key)
{
	(void)src;
	(void)key;
	return NULL;
}

void export_selected_xlsx(struct req *r, const char *ids_json)
{
	if (!http_authorize(r, ACT_EXPORT, NULL))
		return;
	struct subject who = http_subject(r);
	struct ticket_filter f;
	memset(&f, 0, sizeof f);
	ticket_filter_read(&f, no_value, NULL); /* no filter but the selection */
	f.who = &who;
	f.ids = ids_json;
	export_xlsx(r, f, 0);
}

/* The workbook of the tickets f holds (its scope is the requester's), sent as the answer. */
static void export_xlsx(struct req *r, struct ticket_filter f, int unmasked)
{
	/* Written to a temporary file row by row (constant memory), then sent from the file. */
	char path[4300], tmpdir[4200];
	snprintf(tmpdir, sizeof tmpdir, "%s/tmp", http_data_dir(r));
	snprintf(path, sizeof path, "%s/export-XXXXXX", tmpdir);
	int fd = mkstemp(path);
	if (fd < 0) {
		http_error(r, 500, "storage", "无法生成导出文件");
		return;
	}
	close(fd);
	/* ZIP64 only where the sheet could pass 4 GB uncompressed (well over a million rows). */
	lxw_workbook_options opts = { .constant_memory = LXW_TRUE, .tmpdir = tmpdir,
				      .use_zip64 = ticket_count(db_reader(), &f) > 1000000 ? LXW_TRUE : LXW_FALSE };
	lxw_workbook *wb = workbook_new_opt(path, &opts);
	lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, "问题整改台账") : NULL;
	if (!ws) {
		if (wb)
			workbook_close(wb);
		unlink(path);
		http_error(r, 500, "storage", "无法生成导出文件");
		return;
	}
	lxw_format *head = workbook_add_format(wb);
	format_set_bold(head);
	format_set_bg_color(head, 0xF2DCDB);
	format_set_border(head, LXW_BORDER_THIN);
	format_set_text_wrap(head);
	format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
	struct xlsx_state x = { .ws = ws };
	x.date = workbook_add_format(wb);
	format_set_num_format(x.date, "yyyy-mm-dd");
	x.wrap = workbook_add_format(wb);
	format_set_text_wrap(x.wrap);
	const lxw_color_t bg[3] = { 0xC00000, 0xFFD966, 0x70AD47 };
	for (int k = 0; k < 3; k++) {
		x.light[k] = workbook_add_format(wb);
		format_set_bg_color(x.light[k], bg[k]);
		format_set_font_color(x.light[k], k == 1 ? 0x000000 : 0xFFFFFF);
		format_set_align(x.light[k], LXW_ALIGN_CENTER);
	}
	x.time = workbook_add_format(wb);
	format_set_num_format(x.time, "yyyy-mm-dd hh:mm");
	/* The title: whose ledger, which part of it, as of when. */
	lxw_format *title = workbook_add_format(wb);
	format_set_bold(title);
	format_set_font_size(title, 14);
	struct buf what, line;
	buf_init(&what);
	buf_init(&line);
	export_filter_text(db_reader(), &f, &what, "；");
	char now[32], asof[32];
	time_format_rfc3339(clock_now(), now, sizeof now);
	time_text_minute(now, asof, sizeof asof);
	buf_printf(&line, "%s 问题整改台账（%s）  截至 %s", r->user.unit_name, what.len ? what.data : "全部问题", asof);
	worksheet_write_string(ws, 0, 0, line.data, title);
	worksheet_set_row(ws, 0, 24, NULL);
	buf_free(&what);
	buf_free(&line);
	const lxw_row_t hr = XLSX_FIRST_ROW - 1;
	worksheet_set_column(ws, 0, 0, 6, NULL);
	worksheet_write_string(ws, hr, 0, SERIAL_LABEL, head);
	for (size_t c = 0; c < NCOLUMNS; c++) {
		worksheet_set_column(ws, (lxw_col_t)(c + 1), (lxw_col_t)(c + 1), (double)ticket_fields[c].width, NULL);
		worksheet_write_string(ws, hr, (lxw_col_t)(c + 1), ticket_fields[c].label, head);
	}
	worksheet_freeze_panes(ws, XLSX_FIRST_ROW, 2);
	/* Printed: A4 landscape, as wide as the page, the header on every page, pages numbered. */
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9);
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_repeat_rows(ws, hr, hr);
	worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
	worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
	long long rows = export_each(db_reader(), &f, unmasked, xlsx_row, &x);
	worksheet_autofilter(ws, hr, 0, (lxw_row_t)(hr + rows), (lxw_col_t)NCOLUMNS);
	lxw_error err = workbook_close(wb);
	if (err != LXW_NO_ERROR) {
		unlink(path);
		log_error("xlsx export: %s", lxw_strerror(err));
		http_error(r, 500, "storage", "无法生成导出文件");
		return;
	}
	if (unmasked && !export_record(r, &f, "xlsx", rows)) {
		unlink(path);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	unlink(path); /* the open descriptor keeps it until the answer is sent */
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		http_error(r, 500, "storage", "无法生成导出文件");
		return;
	}
	download_name(r, &f, "xlsx");
	http_file(r, fd, st.st_size, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
}
