/*
 * export.c — the ledger as CSV (UTF-8 with BOM, so that Excel in China opens it with the
 * Chinese intact), in the column order of a 问题整改台账, with the list's filters. Personal
 * data is masked unless a reviewer asks for the unmasked file, which is recorded as an event.
 */
#include <string.h>

#include "handlers.h"
#include "ticket.h"

#define EXPORT_BATCH 500

static const struct {
	const char *header, *key, *sub;
} columns[] = {
	{ "问题编号", "code", NULL },          { "所属行动", "names", "campaign" },
	{ "问题来源", "names", "source" },     { "原工单号", "source_ref", NULL },
	{ "类别", "names", "category" },       { "领域", "names", "domain" },
	{ "问题标题", "title", NULL },          { "问题描述", "description", NULL },
	{ "所在社区/村", "names", "location_unit" }, { "详细地址", "address", NULL },
	{ "反映人", "reporter_name", NULL },    { "反映人电话", "reporter_phone", NULL },
	{ "属地单位", "names", "unit" },       { "责任单位", "names", "responsible_unit" },
	{ "责任人", "responsible_person", NULL }, { "责任人电话", "responsible_phone", NULL },
	{ "缓急", "names", "urgency" },        { "整改措施", "measures", NULL },
	{ "整改要求", "requirement", NULL },    { "整改时限", "deadline", NULL },
	{ "原定时限", "original_deadline", NULL }, { "整改承诺", "commitment", NULL },
	{ "应急措施", "interim_measures", NULL }, { "状态", "names", "status" },
	{ "时限标识", "light_label", NULL },     { "回访标识", "color_label", NULL },
	{ "督办", "supervised_label", NULL },    { "退回次数", "return_count", NULL },
	{ "不满意次数", "unsatisfied_count", NULL }, { "最新进展", "latest_progress", NULL },
	{ "登记时间", "created_at", NULL },
};

/* One CSV field: quoted when needed; a leading = + - @ is defused so Excel runs no formula. */
static void csv_field(struct buf *b, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL || (*s && strchr("=+-@", *s));
	if (!quote) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	if (*s && strchr("=+-@", *s))
		buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
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

/* GET /api/v1/export.csv?<list filters>&unmasked=1 */
void api_export_csv(struct req *r)
{
	static const char q_latest[] = "SELECT note FROM progress WHERE ticket_id = ?1 ORDER BY id DESC LIMIT 1";
	if (!http_authorize(r, ACT_EXPORT, NULL))
		return;
	const char *um = http_query(r, "unmasked");
	int unmasked = um && !strcmp(um, "1");
	if (unmasked && !http_authorize(r, ACT_EXPORT_UNMASKED, NULL))
		return;
	struct subject who = http_subject(r);
	struct ticket_filter f;
	ticket_filter_from_query(r, &f, &who);
	struct db *db = db_reader();
	struct buf out;
	buf_init(&out);
	buf_puts(&out, "\xEF\xBB\xBF");
	for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
		if (c)
			buf_putc(&out, ',');
		buf_puts(&out, columns[c].header);
	}
	buf_puts(&out, "\r\n");

	/* Keyset batches: the database is read a batch at a time, never all at once. */
	struct ticket_cursor at = { 0 };
	enum list_dir dir = LIST_FIRST;
	long long rows = 0;
	int more = 1;
	while (more) {
		json_t *items = ticket_list(db, &f, dir, &at, 0, EXPORT_BATCH, NULL, &more);
		size_t i;
		json_t *t;
		json_array_foreach(items, i, t)
		{
			long long id = json_integer_value(json_object_get(t, "id"));
			if (unmasked) {
				json_t *full = ticket_json(db, id, TICKET_UNMASKED, 0);
				if (full) {
					json_object_set(t, "reporter_name", json_object_get(full, "reporter_name"));
					json_object_set(t, "reporter_phone", json_object_get(full, "reporter_phone"));
					json_decref(full);
				}
			}
			static const char *const lights[][2] = { { "red", "超期" }, { "yellow", "临期" }, { "green", "正常" } };
			static const char *const colors[][2] = { { "red", "红标" }, { "yellow", "黄标" }, { "green", "绿标" } };
			const char *light = json_string_value(json_object_get(t, "light"));
			const char *color = json_string_value(json_object_get(t, "color"));
			for (int k = 0; k < 3; k++) {
				if (light && !strcmp(light, lights[k][0]))
					json_object_set_new(t, "light_label", json_string(lights[k][1]));
				if (color && !strcmp(color, colors[k][0]))
					json_object_set_new(t, "color_label", json_string(colors[k][1]));
			}
			json_object_set_new(t, "supervised_label",
					    json_string(json_is_true(json_object_get(t, "supervised")) ? "是" : "否"));
			sqlite3_stmt *st = db_prepare(db, q_latest);
			if (st) {
				sqlite3_bind_int64(st, 1, id);
				if (sqlite3_step(st) == SQLITE_ROW)
					json_object_set_new(t, "latest_progress", json_string(db_text(st, 0)));
				db_done(st);
			}
			for (size_t c = 0; c < ARRAY_LEN(columns); c++) {
				char num[32];
				json_t *v = json_object_get(t, columns[c].key);
				if (columns[c].sub)
					v = json_object_get(v, columns[c].sub);
				if (c)
					buf_putc(&out, ',');
				csv_field(&out, text_of(v, num, sizeof num));
			}
			buf_puts(&out, "\r\n");
			rows++;
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
	if (unmasked) {
		/* Who took personal data out of the system, when, and with which filter. */
		struct actor a = http_actor(r);
		json_t *detail = json_pack("{s:s,s:I,s:s?,s:s?,s:s?}", "format", "csv", "rows", rows, "unit", f.unit, "status",
					   f.status, "q", f.q);
		struct export_event {
			struct actor who;
			json_t *detail;
		} ev = { a, detail };
		struct err e = { 0 };
		int rc = db_write(audit_export_job, &ev, &e);
		json_decref(detail);
		if (rc != 0) {
			buf_free(&out);
			http_fail(r, &e);
			return;
		}
		log_info("unmasked export by %s: %lld rows", a.login, rows);
	}
	char date[16], cd[128];
	time_format_date(clock_now(), date, sizeof date);
	snprintf(cd, sizeof cd, "attachment; filename=\"ledger-%s.csv\"", date);
	http_header(r, "Content-Disposition", cd);
	http_send(r, 200, "text/csv; charset=utf-8", &out);
}
