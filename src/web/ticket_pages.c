/*
 * ticket_pages.c — the ledger for people: the list with filters and keyset pages, the
 * new-ticket form, the ticket page with its timeline and the actions this user may take,
 * the edit form, and the to-do list. Every form works without JavaScript.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "codebook.h"
#include "kept.h"
#include "labels.h"
#include "handlers.h"
#include "ticket.h"
#include "ticket_fields.h"

#define PAGE_SIZE 50


/* 「剩 3 个工作日」, 「今日到期」, 「超期 2 个工作日」 for a light's working days left. */
static void days_left_text(long left, const char *light, const char *deadline, char *out, size_t n)
{
	/* today's date as text, made once a day per thread (every row of a list asks) */
	static __thread char today[11];
	static __thread long made = -1;
	long day = date_today_days();
	if (day != made) {
		time_format_date((time_t)day * 86400, today, sizeof today);
		made = day;
	}
	if (!strcmp(light, "paused"))
		snprintf(out, n, "暂停计时");
	else if (!strcmp(light, "red") && left < 0)
		snprintf(out, n, "超期 %ld 个工作日", -left);
	else if (!strcmp(light, "red"))
		snprintf(out, n, "已超期");
	else if (left == 0 && deadline && !strcmp(deadline, today))
		snprintf(out, n, "今日到期");
	else
		snprintf(out, n, "剩 %ld 个工作日", left);
}

static const char *label_of(const char *const (*pairs)[2], size_t n, const char *code)
{
	for (size_t i = 0; code && i < n; i++)
		if (!strcmp(pairs[i][0], code))
			return pairs[i][1];
	return "";
}

static const char *action_label(const char *action)
{
	static const char *const extra[][2] = {
		{ "create", "登记问题" }, { "edit", "修改信息" }, { "attach", "上传证明材料" },
		{ "duplicate_ref", "他单位重复登记原工单号" }, { "seed", "登记问题（演示数据）" },
		{ "recount", "按新载入的节假日安排重算时限" },
	};
	const struct transition *t = workflow_find(action);
	return t ? t->label : label_of(extra, ARRAY_LEN(extra), action);
}

/* Adds the Chinese labels a page shows beside a ticket's codes. */
static void add_labels(json_t *t)
{
	const char *light = json_string_value(json_object_get(t, "light"));
	const char *color = json_string_value(json_object_get(t, "color"));
	json_object_set_new(t, "light_label", json_string(vs_label(&VS_LIGHT, light)));
	json_t *left = json_object_get(t, "working_days_left");
	if (light && json_is_integer(left)) {
		char text[48];
		days_left_text((long)json_integer_value(left), light, json_string_value(json_object_get(t, "deadline")), text,
			       sizeof text);
		json_object_set_new(t, "days_left_text", json_string(text));
	}
	json_object_set_new(t, "color_label", json_string(vs_label(&VS_COLOR, color)));
}

/* The catalog as one page sees it: read once, however many lists the page shows. */
struct choices {
	struct db *db;
	long long version; /* -1 when unknown: nothing kept is used */
};

static struct choices choices_of(struct db *db)
{
	return (struct choices){ db, codebook_catalog_version(db) };
}

/* Options for a <select> (options_sql). Each thread keeps the lists it built (kept.h), by
 * query, current value and catalog version (009_catalog_version): a list is built again only
 * after the catalog changes. */
static json_t *options(const struct choices *ch, const char *sql, const char *current)
{
	if (ch->version < 0)
		return options_sql(ch->db, sql, current);
	const struct kept_key key = { .kind = KEPT_OPTIONS, .p = sql, .n = { ch->version }, .s = { current } };
	json_t *list = kept_get(&key);
	return list ? list : kept_put(&key, options_sql(ch->db, sql, current));
}

static const char q_opt_streets[] = "SELECT code, name FROM units WHERE kind IN ('street', 'department') AND active = 1 "
				    "ORDER BY kind DESC, sort, code";
static const char q_opt_resp[] = "SELECT code, name FROM units WHERE kind <> 'district' AND active = 1 ORDER BY path";
static const char q_opt_places[] = "SELECT u.code, p.name || ' · ' || u.name FROM units u JOIN units p ON p.id = u.parent_id "
				   "WHERE u.kind IN ('community', 'village') AND u.active = 1 ORDER BY u.path";
static const char q_opt_domains[] = "SELECT d.code, CASE WHEN p.id IS NULL THEN d.name ELSE '　' || d.name END "
				    "FROM domains d LEFT JOIN domains p ON p.id = d.parent_id WHERE d.active = 1 "
				    "ORDER BY coalesce(p.sort, d.sort), coalesce(p.id, d.id), p.id IS NOT NULL, d.sort";
static const char q_opt_sources[] = "SELECT code, name FROM sources WHERE active = 1 ORDER BY sort";
static const char q_opt_categories[] = "SELECT code, name FROM categories WHERE active = 1 ORDER BY sort";
static const char q_opt_campaigns[] = "SELECT code, name FROM campaigns WHERE active = 1 ORDER BY id DESC";


/* ---------------------------------------------------------------- list */

static int parse_cursor(const char *s, struct ticket_cursor *c)
{
	/* rank_YYYY-MM-DD_id */
	if (!s || strlen(s) < 14 || s[1] != '_' || s[12] != '_')
		return 0;
	c->rank = s[0] - '0';
	memcpy(c->deadline, s + 2, 10);
	c->deadline[10] = '\0';
	char *end;
	c->id = strtoll(s + 13, &end, 10);
	return c->rank >= 0 && c->rank <= 2 && date_parse_days(c->deadline) >= 0 && *end == '\0' && c->id > 0;
}

/* The list's address with its filters and one more parameter. */
/* How the ledger page shows the list: rows per page, the optional columns, the page's number. */
struct list_view {
	int per_page;
	int page;          /* 1-based, as carried by the page links */
	char cols[64];     /* the optional columns chosen, "source_ref,source,created" */
	char sort[16];     /* another order than the ledger's own (ticket_list_sorted), or "" */
};

static const int page_sizes[] = { 20, 50, 100, 200 };

/* The optional columns of the ledger page: the name in cols=, its heading. */
static const struct {
	const char *name, *label, *show; /* cols= name, heading, the template's key */
} optional_cols[] = { { "source_ref", "原工单号", "show_source_ref" },
		      { "source", "来源", "show_source" },
		      { "created", "登记日期", "show_created" } };

/* Whether the comma-separated list holds name as one of its items. */
static int list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static void view_read(struct req *r, struct list_view *v)
{
	const char *pp = http_query(r, "per_page"), *pg = http_query(r, "p");
	v->per_page = PAGE_SIZE;
	for (size_t i = 0; pp && i < ARRAY_LEN(page_sizes); i++)
		if (atoi(pp) == page_sizes[i])
			v->per_page = page_sizes[i];
	v->page = pg ? atoi(pg) : 1;
	const char *sort = http_query(r, "sort");
	str_copy(v->sort, sizeof v->sort, ticket_order_known(sort) ? sort : "");
	if (v->page < 1 || v->page > 100000000)
		v->page = 1;
	/* cols: a known name given as its own parameter (the form's checkboxes), or a list. */
	v->cols[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(optional_cols); i++) {
		char key[32];
		snprintf(key, sizeof key, "col_%s", optional_cols[i].name);
		const char *on = http_query(r, key), *list = http_query(r, "cols");
		int chosen = (on && !strcmp(on, "1")) || list_has(list, optional_cols[i].name);
		if (chosen) {
			size_t l = strlen(v->cols);
			snprintf(v->cols + l, sizeof v->cols - l, "%s%s", l ? "," : "", optional_cols[i].name);
		}
	}
}

/*
 * The ledger's address with its filters (from the filter table, so every filter is carried),
 * the view (rows per page, columns), a page number, and one more key when given.
 */
static void list_link(const struct ticket_filter *f, const struct list_view *v, int page, struct buf *b,
		      const char *extra_key, const char *extra_value)
{
	struct buf q;
	buf_init(&q);
	ticket_filter_query(f, &q);
	buf_printf(b, "/tickets?%s", q.data ? q.data : "");
	buf_free(&q);
	int sep = b->data[b->len - 1] != '?';
	if (v && v->per_page != PAGE_SIZE) {
		buf_printf(b, "%sper_page=%d", sep ? "&" : "", v->per_page);
		sep = 1;
	}
	if (v && v->cols[0]) {
		buf_printf(b, "%scols=%s", sep ? "&" : "", v->cols);
		sep = 1;
	}
	if (v && v->sort[0]) {
		buf_printf(b, "%ssort=%s", sep ? "&" : "", v->sort);
		sep = 1;
	}
	if (page > 1) {
		buf_printf(b, "%sp=%d", sep ? "&" : "", page);
		sep = 1;
	}
	if (extra_key)
		buf_printf(b, "%s%s=%s", sep ? "&" : "", extra_key, extra_value);
	else if (b->data[b->len - 1] == '?')
		b->data[--b->len] = '\0';
}

static void set_link(json_t *ctx, const char *name, const struct ticket_filter *f, const struct list_view *v, int page,
		     const char *key, const char *value)
{
	struct buf b;
	buf_init(&b);
	list_link(f, v, page, &b, key, value);
	json_object_set_new(ctx, name, json_string(b.data));
	buf_free(&b);
}

static void cursor_text(const struct ticket_cursor *c, char *out, size_t n)
{
	snprintf(out, n, "%d_%s_%lld", c->rank, c->deadline, c->id);
}

/* The list's rows as a template table: the names partials/ticket_row uses. */
enum {
	COL_ID, COL_CODE, COL_TITLE, COL_SUPERVISED, COL_STALE, COL_URGENCY, COL_URGENCY_NAME, COL_UNIT_NAME,
	COL_RESP_NAME, COL_STATUS_NAME, COL_DEADLINE, COL_LIGHT, COL_LIGHT_LABEL, COL_COLOR, COL_COLOR_LABEL, COL_COMPLEX,
	COL_SOURCE_REF, COL_SOURCE_NAME, COL_CREATED_ON, COL_DAYS_LEFT, COL_ESTIMATED, COL_URGES, COL_YELLOW_CARD,
	COL_RED_CARD, COL_CO_HANDLED, COL_SUPPLEMENT, NCOLS
};
static const char *const row_keys[NCOLS] = {
	"id", "code", "title", "supervised", "stale", "urgency", "names.urgency", "names.unit",
	"names.responsible_unit", "names.status", "deadline", "light", "light_label", "color", "color_label", "complex",
	"source_ref", "names.source", "created_on", "days_left", "estimated", "urges", "yellow_card", "red_card",
	"co_handled", "supplement",
};

struct list_page {
	struct tmpl_table rows;
	struct ticket_cursor first, last; /* of the rows in the order read */
};

static void list_row(const struct ticket_brief *b, void *arg)
{
	struct list_page *p = arg;
	struct tmpl_table *t = &p->rows;
	if (!t->nrows)
		p->first = b->cursor;
	p->last = b->cursor;
	tmpl_table_row(t);
	tmpl_table_set_int(t, COL_ID, b->id);
	tmpl_table_set(t, COL_CODE, b->code);
	tmpl_table_set(t, COL_TITLE, b->title);
	tmpl_table_set(t, COL_SUPERVISED, b->supervised ? "true" : NULL);
	tmpl_table_set(t, COL_STALE, b->stale ? "true" : NULL);
	tmpl_table_set(t, COL_URGENCY, b->urgency);
	tmpl_table_set(t, COL_URGENCY_NAME, b->urgency_label);
	tmpl_table_set(t, COL_UNIT_NAME, b->unit_name);
	tmpl_table_set(t, COL_RESP_NAME, b->responsible_unit_name);
	tmpl_table_set(t, COL_STATUS_NAME, b->status_label);
	tmpl_table_set(t, COL_DEADLINE, b->deadline);
	tmpl_table_set(t, COL_LIGHT, b->light);
	tmpl_table_set(t, COL_LIGHT_LABEL, vs_label(&VS_LIGHT, b->light));
	tmpl_table_set(t, COL_COLOR, b->color);
	tmpl_table_set(t, COL_COLOR_LABEL, vs_label(&VS_COLOR, b->color));
	tmpl_table_set(t, COL_COMPLEX, b->complex ? "true" : NULL);
	tmpl_table_set(t, COL_SOURCE_REF, b->source_ref);
	tmpl_table_set(t, COL_SOURCE_NAME, b->source_name);
	if (b->created_at)
		tmpl_table_setn(t, COL_CREATED_ON, b->created_at, strnlen(b->created_at, 10));
	if (b->light) {
		char left[48];
		days_left_text(b->days_left, b->light, b->deadline, left, sizeof left);
		tmpl_table_set(t, COL_DAYS_LEFT, left);
	}
	tmpl_table_set(t, COL_ESTIMATED, b->estimated ? "true" : NULL);
	if (b->urges)
		tmpl_table_set_int(t, COL_URGES, b->urges);
	tmpl_table_set(t, COL_YELLOW_CARD, b->yellow_card ? "true" : NULL);
	tmpl_table_set(t, COL_RED_CARD, b->red_card ? "true" : NULL);
	tmpl_table_set(t, COL_CO_HANDLED, b->co_handled ? "true" : NULL);
	tmpl_table_set(t, COL_SUPPLEMENT, b->supplement ? "true" : NULL);
}

/* The filter form from the filter table: each row's input with the value the list uses. */
static json_t *filter_form_build(const struct choices *ch, const struct ticket_filter *f)
{
	static const char *const option_sql[] = { [FO_STREETS] = q_opt_streets,       [FO_RESPONSIBLE] = q_opt_resp,
						  [FO_DOMAINS] = q_opt_domains,       [FO_SOURCES] = q_opt_sources,
						  [FO_CATEGORIES] = q_opt_categories, [FO_CAMPAIGNS] = q_opt_campaigns,
						  [FO_PLACES] = q_opt_places };
	json_t *list = json_array(), *flags = json_array();
	int more_set = 0; /* a filter besides the keyword is in use: the folded ones open */
	for (size_t i = 0; i < filter_field_count; i++) {
		const struct filter_field *ff = &filter_fields[i];
		const void *at = (const char *)f + ff->at;
		int flag = ff->kind == FF_FLAG || ff->kind == FF_QUEUE;
		const char *v = flag ? NULL : *(const char *const *)at;
		json_t *row = json_pack("{s:s,s:s}", "name", ff->name, "label", ff->label);
		if (flag) {
			json_object_set_new(row, "checked", json_boolean(*(const int *)at == 1));
			more_set |= *(const int *)at == 1;
			json_array_append_new(flags, row);
			continue;
		}
		/* The keyword stays in view; the rest fold away (at phone width they would fill it). */
		if (ff->kind == FF_TEXT)
			json_object_set_new(row, "primary", json_true());
		else if (v && *v)
			more_set = 1;
		switch (ff->kind) {
		case FF_FLAG:
		case FF_QUEUE:
			break;
		case FF_VALUES:
			json_object_set_new(row, "options", options_fixed(ff->values, v));
			json_object_set_new(row, "select", json_true());
			break;
		case FF_OPTIONS:
			json_object_set_new(row, "options", options(ch, option_sql[ff->options], v));
			json_object_set_new(row, "select", json_true());
			break;
		case FF_TEXT:
		case FF_DATE:
		case FF_MONTH:
			json_object_set_new(row, "input", json_pack("{s:s,s:s,s:s*}", "value", v ? v : "", "type",
								    ff->kind == FF_DATE ? "date" : ff->kind == FF_MONTH ? "month" : "search",
								    "hint", ff->hint));
			break;
		}
		json_array_append_new(list, row);
	}
	return json_pack("{s:o,s:o,s:b}", "fields", list, "flags", flags, "more_set", more_set);
}

/* The filter form, kept by each thread (kept.h) under the values it shows and the catalog
 * version: the list asked for again with the same filters, as most are, builds it once. */
static json_t *filter_form(struct db *db, const struct ticket_filter *f)
{
	struct choices ch = choices_of(db);
	if (ch.version < 0)
		return filter_form_build(&ch, f);
	struct buf values;
	buf_init(&values);
	for (size_t i = 0; i < filter_field_count; i++) {
		const struct filter_field *ff = &filter_fields[i];
		const void *at = (const char *)f + ff->at;
		if (ff->kind == FF_FLAG || ff->kind == FF_QUEUE) {
			buf_putc(&values, *(const int *)at == 1 ? '1' : '0');
		} else {
			const char *v = *(const char *const *)at;
			buf_printf(&values, "%zu:%s", v ? strlen(v) : 0, v ? v : ""); /* its length first: no two sets join alike */
		}
	}
	const struct kept_key key = { .kind = KEPT_FILTERS, .n = { ch.version }, .s = { values.data } };
	json_t *form = kept_get(&key);
	if (!form)
		form = kept_put(&key, filter_form_build(&ch, f));
	buf_free(&values);
	return form;
}

/* GET /tickets */
void page_tickets(struct req *r)
{
	if (!http_authorize(r, ACT_TICKET_VIEW, NULL))
		return;
	struct subject who = http_subject(r);
	struct ticket_filter f;
	ticket_filter_from_query(r, &f, &who);
	struct ticket_cursor at;
	enum list_dir dir = LIST_FIRST;
	if (parse_cursor(http_query(r, "after"), &at))
		dir = LIST_AFTER;
	else if (parse_cursor(http_query(r, "before"), &at))
		dir = LIST_BEFORE;
	else if (http_query(r, "last"))
		dir = LIST_LAST;
	struct list_view view;
	view_read(r, &view);
	struct db *db = db_reader();
	long long total = 0;
	int more = 0, estimated = 0;
	f.estimated = &estimated;
	struct list_page page;
	tmpl_table_init(&page.rows, row_keys, NCOLS);
	if (view.sort[0]) {
		/* Another order: pages by their numbers. */
		ticket_list_sorted(db, &f, view.sort, (long)(view.page - 1) * view.per_page, view.per_page, &total, list_row,
				   &page);
		dir = LIST_AFTER; /* numbered, neither end by itself */
		more = (long long)view.page * view.per_page < total;
	} else if (ticket_list_brief(db, &f, dir, &at, view.per_page, &total, &more, list_row, &page)) {
		tmpl_table_reverse(&page.rows);
		struct ticket_cursor c = page.first;
		page.first = page.last;
		page.last = c;
	}
	size_t shown = page.rows.nrows;

	json_t *ctx = json_pack("{s:I,s:b,s:b}", "total", total, "empty", shown == 0, "estimated", estimated);
	/* A date the list cannot use (only a hand-made address has one) is named, not taken for
	 * "no tickets". */
	int bad_date = ticket_filter_bad_date(&f) != NULL;
	if (bad_date)
		json_object_set_new(ctx, "filter_error", json_string(!strcmp(ticket_filter_bad_date(&f), "dispatched")
									     ? "派单月份无效：须为有效的月份，格式如 2023-09"
									     : "登记日期无效：日期须为有效的日期，格式如 2023-09-01"));
	/* Which ways there are more rows: forward has more when going forward and the query said so, etc. */
	int has_next = dir == LIST_BEFORE ? 1 : dir == LIST_LAST ? 0 : more;
	int has_prev = dir == LIST_FIRST ? 0 : dir == LIST_AFTER ? 1 : more;
	if (view.sort[0])
		has_prev = view.page > 1;
	/* The page's number: carried by the links (the list pages by keys, not by offsets). */
	long long pages = total > 0 ? (total + view.per_page - 1) / view.per_page : 1;
	int at_page = dir == LIST_FIRST ? 1 : dir == LIST_LAST ? (int)pages : view.page;
	if (at_page > pages)
		at_page = (int)pages;
	if (shown && view.sort[0]) {
		if (has_next) {
			set_link(ctx, "next_link", &f, &view, at_page + 1, NULL, NULL);
			set_link(ctx, "last_link", &f, &view, (int)pages, NULL, NULL);
		}
		if (has_prev) {
			set_link(ctx, "prev_link", &f, &view, at_page - 1, NULL, NULL);
			set_link(ctx, "first_link", &f, &view, 1, NULL, NULL);
		}
	} else if (shown) {
		char c[64];
		if (has_next) {
			cursor_text(&page.last, c, sizeof c);
			set_link(ctx, "next_link", &f, &view, at_page + 1, "after", c);
			set_link(ctx, "last_link", &f, &view, (int)pages, "last", "1");
		}
		if (has_prev) {
			cursor_text(&page.first, c, sizeof c);
			set_link(ctx, "prev_link", &f, &view, at_page - 1, "before", c);
			set_link(ctx, "first_link", &f, &view, 1, NULL, NULL);
		}
	}
	/* The headings that order the list: each a link (a second click turns the order round),
	 * the current order marked ▲ (ascending) or ▼ (descending). */
	static const struct {
		const char *key, *name, *first; /* the order a first click asks for */
	} sortable[] = { { "sort_code", "code", "code" },
			 { "sort_deadline", "deadline", "deadline" },
			 { "sort_created", "created", "-created" },
			 { "sort_status", "status", "status" } };
	json_t *sorts = json_object();
	for (size_t i = 0; i < ARRAY_LEN(sortable); i++) {
		const char *name = sortable[i].name;
		int asc = !strcmp(view.sort, name), desc = view.sort[0] == '-' && !strcmp(view.sort + 1, name);
		struct list_view v2 = view;
		char other[16];
		snprintf(other, sizeof other, asc ? "-%s" : "%s", name);
		const char *next = (asc || desc) && ticket_order_known(other) ? other : sortable[i].first;
		str_copy(v2.sort, sizeof v2.sort, next);
		struct buf b;
		buf_init(&b);
		list_link(&f, &v2, 1, &b, NULL, NULL);
		json_object_set_new(sorts, sortable[i].key,
				    json_pack("{s:s,s:s*}", "href", b.data, "mark", asc ? "▲" : desc ? "▼" : NULL));
		buf_free(&b);
	}
	struct list_view v0 = view;
	v0.sort[0] = '\0';
	struct buf b0;
	buf_init(&b0);
	list_link(&f, &v0, 1, &b0, NULL, NULL);
	json_object_set_new(sorts, "default_href", json_string(b0.data));
	json_object_set_new(sorts, "custom", json_boolean(view.sort[0] != '\0'));
	buf_free(&b0);
	json_object_set_new(ctx, "sorts", sorts);
	json_object_set_new(ctx, "page_no", json_integer(at_page));
	json_object_set_new(ctx, "pages", json_integer(pages));
	json_object_set_new(ctx, "paged", json_boolean(pages > 1));
	/* Rows per page and the optional columns: the view's form, with the filters kept. */
	json_t *sizes = json_array();
	for (size_t i = 0; i < ARRAY_LEN(page_sizes); i++)
		json_array_append_new(sizes, json_pack("{s:i,s:b}", "n", page_sizes[i], "selected", page_sizes[i] == view.per_page));
	json_object_set_new(ctx, "page_sizes", sizes);
	json_t *cols = json_array();
	for (size_t i = 0; i < ARRAY_LEN(optional_cols); i++) {
		int on = list_has(view.cols, optional_cols[i].name);
		json_array_append_new(cols, json_pack("{s:s,s:s,s:b}", "name", optional_cols[i].name, "label",
						      optional_cols[i].label, "checked", on));
		json_object_set_new(ctx, optional_cols[i].show, json_boolean(on));
	}
	json_object_set_new(ctx, "optional_cols", cols);
	/* Rows may be chosen for 签收所选 (staff) or 导出所选 (reviewers). */
	int may_accept = authz_check(&who, ACT_ACCEPT, NULL) == AUTHZ_OK,
	    may_export_rows = authz_check(&who, ACT_EXPORT, NULL) == AUTHZ_OK;
	json_object_set_new(ctx, "selectable", json_boolean(shown && (may_accept || may_export_rows)));
	json_object_set_new(ctx, "may_accept", json_boolean(may_accept));
	json_object_set_new(ctx, "may_export_rows", json_boolean(may_export_rows));
	const char *done = http_query(r, "done");
	if (done && !strcmp(done, "batch_accept")) {
		const char *codes = http_query(r, "codes");
		int ok_codes = codes != NULL;
		for (const char *c = codes; c && *c; c++)
			if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == ',' || *c == '_'))
				ok_codes = 0;
		struct buf m;
		buf_init(&m);
		buf_printf(&m, "已签收 %d 件", atoi(http_query(r, "accepted") ? http_query(r, "accepted") : "0"));
		int refused = atoi(http_query(r, "refused") ? http_query(r, "refused") : "0");
		int missing = atoi(http_query(r, "missing") ? http_query(r, "missing") : "0");
		if (refused)
			buf_printf(&m, "；%d 件未签收（不在待签收状态）%s%s", refused, ok_codes ? "：" : "", ok_codes ? codes : "");
		if (missing)
			buf_printf(&m, "；%d 件不存在或不由您办理", missing);
		json_object_set_new(ctx, "batch_done", json_string(m.data));
		buf_free(&m);
	}
	/* The exports take the same filters: the list's query string, after "/tickets". */
	struct buf ql;
	buf_init(&ql);
	list_link(&f, NULL, 1, &ql, NULL, NULL);
	json_object_set_new(ctx, "export_query", json_string(ql.data ? ql.data + strlen("/tickets") : ""));
	buf_free(&ql);
	json_object_set_new(ctx, "may_export", json_boolean(authz_check(&who, ACT_EXPORT, NULL) == AUTHZ_OK));
	json_object_set_new(ctx, "filters", filter_form(db, &f));
	json_object_set_new(ctx, "may_create", json_boolean(authz_check(&who, ACT_TICKET_CREATE, NULL) == AUTHZ_OK));
	struct tmpl_binding items = { "items", &page.rows, 0 };
	http_page_with(r, bad_date ? 422 : 200, "tickets", ctx, &items, 1);
	tmpl_table_free(&page.rows);
}

/*
 * POST /tickets/batch: the tickets chosen on the ledger page, signed for together (签收所选)
 * or exported (导出所选). Each is authorized as if acted on alone; one that is outside the
 * user's scope is counted as not found and never named.
 */
#define BATCH_MAX 200

void page_tickets_batch(struct req *r)
{
	const struct form *fm = http_form(r);
	const char *what = form_text(fm, "batch");
	json_t *ids = json_array();
	for (int i = 0; fm && i < fm->n; i++) {
		if (strcmp(fm->keys[i], "ids"))
			continue;
		char *end;
		long long id = strtoll(fm->values[i], &end, 10);
		if (id > 0 && !*end && json_array_size(ids) < BATCH_MAX)
			json_array_append_new(ids, json_integer(id));
	}
	if (!json_array_size(ids)) {
		json_decref(ids);
		http_error(r, 422, "validation", "请先勾选问题（每次最多 200 件）");
		return;
	}
	if (!strcmp(what, "export")) {
		char *text = json_dumps(ids, JSON_COMPACT);
		json_decref(ids);
		export_selected_xlsx(r, text);
		free(text);
		return;
	}
	if (strcmp(what, "accept")) {
		json_decref(ids);
		http_error(r, 422, "validation", "不支持的批量操作");
		return;
	}
	if (!http_authorize(r, ACT_ACCEPT, NULL)) {
		json_decref(ids);
		return;
	}
	const struct transition *tr = workflow_find("accept");
	struct subject who = http_subject(r);
	struct db *db = db_reader();
	int done = 0, refused = 0, missing = 0;
	struct buf refused_codes;
	buf_init(&refused_codes);
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v)
	{
		struct ticket_ref t;
		if (!db || !ticket_ref_load(db, json_integer_value(v), &t)) {
			missing++;
			continue;
		}
		struct ticket_scope scope = ticket_ref_scope(&t);
		enum authz_result az = authz_check(&who, ACT_ACCEPT, &scope);
		if (az == AUTHZ_NOT_FOUND) {
			missing++;
			continue;
		}
		struct ticket_action a = { .id = t.id, .tr = tr, .body = json_object(), .who = http_actor(r),
					   .subject = who, .errors = json_object() };
		struct err e = { 0 };
		if (az == AUTHZ_OK && db_write(ticket_action_job, &a, &e) == 0) {
			done++;
		} else {
			refused++;
			char code[80];
			if (refused <= 10 && ticket_code_of(db, t.id, code, sizeof code))
				buf_printf(&refused_codes, "%s%s", refused_codes.len ? "," : "", code);
		}
		json_decref(a.body);
		json_decref(a.errors);
	}
	json_decref(ids);
	struct buf loc;
	buf_init(&loc);
	buf_printf(&loc, "/tickets?done=batch_accept&accepted=%d&refused=%d&missing=%d", done, refused, missing);
	if (refused_codes.len) {
		buf_puts(&loc, "&codes=");
		buf_url_encode(&loc, refused_codes.data, "-_,");
	}
	buf_free(&refused_codes);
	log_info("batch accept by %s: %d signed, %d refused, %d not found", r->user.login, done, refused, missing);
	http_redirect(r, loc.data);
	buf_free(&loc);
}

/* ---------------------------------------------------------------- new */

/* The choices of a ticket field of a catalog or unit, by its name. */
static json_t *field_options(const struct choices *ch, const char *name, const char *current)
{
	static const struct {
		const char *name, *sql;
	} lists[] = { { "unit", q_opt_streets },	 { "responsible_unit", q_opt_resp }, { "location_unit", q_opt_places },
		      { "domain", q_opt_domains },	 { "source", q_opt_sources },	     { "category", q_opt_categories },
		      { "campaign", q_opt_campaigns } };
	if (!strcmp(name, "urgency"))
		return options_fixed(&VS_URGENCY, current);
	for (size_t i = 0; i < ARRAY_LEN(lists); i++)
		if (!strcmp(lists[i].name, name))
			return options(ch, lists[i].sql, current);
	return json_array();
}

static int by_form_place(const void *a, const void *b)
{
	const struct ticket_field *x = *(const struct ticket_field *const *)a, *y = *(const struct ticket_field *const *)b;
	return (x->form > y->form) - (x->form < y->form);
}

/*
 * The new-ticket form (creating) or the edit form, from the field table: its groups in the
 * table's form order, each field with its label, input, length, hint, choices, value and
 * error, as partials/ticket_form renders them. The assignment's fields only for who may set it.
 */
static json_t *ticket_form(struct db *db, json_t *values, json_t *errors, int creating, int may_assign)
{
	static const char *const legends[] = { "", "来源", "问题", "整改" };
	const struct ticket_field *rows[64];
	size_t n = 0;
	for (size_t i = 0; i < ticket_field_count && n < ARRAY_LEN(rows); i++) {
		const struct ticket_field *tf = &ticket_fields[i];
		int group = (int)(tf->form / 100);
		if (!tf->form || (group == 1 && !creating) || (group > 1 && !(tf->edit & EDIT_FORM)) ||
		    ((tf->edit & EDIT_ASSIGN) && !may_assign))
			continue;
		rows[n++] = tf;
	}
	qsort(rows, n, sizeof rows[0], by_form_place);
	struct choices ch = choices_of(db);
	json_t *groups = json_array(), *fields = NULL;
	int at = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ticket_field *tf = rows[i];
		if ((int)(tf->form / 100) != at) {
			at = (int)(tf->form / 100);
			fields = json_array();
			json_array_append_new(groups, json_pack("{s:s,s:o}", "legend", legends[at], "fields", fields));
		}
		const char *v = json_string_value(json_object_get(values, tf->name));
		int select = tf->type == FT_CATALOG || tf->type == FT_UNIT || tf->type == FT_URGENCY;
		int long_text = tf->type == FT_TEXT && tf->max > 200;
		json_t *row = json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:s*,s:s*,s:s*}", "id", tf->name, "name", tf->name,
					"label", tf->label, "required", tf->required, "select", select, "textarea", long_text,
					"wide", tf->type == FT_TEXT && tf->max >= 200, "hint",
					tf->hint, "error", json_string_value(json_object_get(errors, tf->name)), "empty",
					tf->empty);
		json_object_set_new(row, "type", json_string(tf->type == FT_DATE ? "date" : tf->type == FT_PHONE ? "tel" : "text"));
		json_object_set_new(row, "value", json_string(v ? v : ""));
		if (tf->max && !select)
			json_object_set_new(row, "max", json_integer(tf->max));
		if (select)
			json_object_set_new(row, "options", field_options(&ch, tf->name, v));
		json_array_append_new(fields, row);
	}
	return groups;
}

/*
 * A new-ticket form that came back with errors is kept here for a while and shown at its own
 * address (/tickets/new?retry=...): the browser's address is the form's, with no token in it,
 * and reloading it shows the form again instead of sending it again. Kept per user, the
 * RETRIES most recent, for RETRY_SECONDS.
 */
#define RETRIES 64
#define RETRY_SECONDS 1800

struct retry {
	char token[33];
	long long user;
	time_t at;
	int status;
	json_t *values, *errors;
	char file_lost[256];
	long long duplicate_of;
	char duplicate_code[80];
};

static struct {
	pthread_mutex_t mu;
	struct retry r[RETRIES];
} retries = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Keeps a failed form (values and errors taken); its token into token. */
static void retry_keep(struct req *r, int status, json_t *values, json_t *errors, const struct ticket_input *t,
		       char token[33])
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(token, 33, raw, sizeof raw);
	pthread_mutex_lock(&retries.mu);
	struct retry *slot = &retries.r[0];
	for (int i = 0; i < RETRIES; i++)
		if (retries.r[i].at < slot->at)
			slot = &retries.r[i];
	json_decref(slot->values);
	json_decref(slot->errors);
	memset(slot, 0, sizeof *slot);
	memcpy(slot->token, token, 33);
	slot->user = r->user.user_id;
	slot->at = clock_now();
	slot->status = status;
	slot->values = values;
	slot->errors = errors;
	if (r->upload.present && r->upload.size > 0)
		str_copy(slot->file_lost, sizeof slot->file_lost, r->upload.name);
	if (t && t->duplicate_of) {
		slot->duplicate_of = t->duplicate_of;
		str_copy(slot->duplicate_code, sizeof slot->duplicate_code, t->duplicate_code);
	}
	pthread_mutex_unlock(&retries.mu);
}

/* The kept form of token for this user, copied out: 1 if there is one. */
static int retry_find(struct req *r, const char *token, struct retry *out)
{
	int found = 0;
	pthread_mutex_lock(&retries.mu);
	for (int i = 0; token && strlen(token) == 32 && i < RETRIES; i++) {
		struct retry *s = &retries.r[i];
		if (s->at && s->user == r->user.user_id && !strcmp(s->token, token) && clock_now() - s->at < RETRY_SECONDS) {
			*out = *s;
			out->values = json_deep_copy(s->values);
			out->errors = json_deep_copy(s->errors);
			found = 1;
		}
	}
	pthread_mutex_unlock(&retries.mu);
	return found;
}

/* Answers a failed new-ticket form: kept, and the browser sent to its own address. */
static void new_form_failed(struct req *r, int status, json_t *values, json_t *errors, const struct ticket_input *t)
{
	char token[33], loc[80];
	retry_keep(r, status, values, errors, t, token);
	snprintf(loc, sizeof loc, "/tickets/new?retry=%s", token);
	http_redirect(r, loc);
}

/* The new-ticket form: values and errors taken; a file not kept and a 原工单号 logged already
 * are named (from a kept form). */
static void new_form(struct req *r, int status, json_t *values, json_t *errors, const struct retry *kept)
{
	struct db *db = db_reader();
	if (!errors)
		errors = json_object();
	json_t *ctx = json_pack("{s:O,s:O,s:o}", "v", values, "errors", errors, "groups",
				ticket_form(db, values, errors, 1, 1));
	if (kept && kept->file_lost[0])
		json_object_set_new(ctx, "file_lost", json_string(kept->file_lost));
	if (json_object_get(errors, "confirm_past_deadline"))
		json_object_set_new(ctx, "confirm_past", json_true());
	/* The 原工单号 is logged already: the way to that ticket. */
	if (kept && kept->duplicate_of)
		json_object_set_new(ctx, "duplicate",
				    json_pack("{s:I,s:s}", "id", kept->duplicate_of, "code", kept->duplicate_code));
	json_decref(values);
	json_decref(errors);
	http_page(r, status, "ticket_new", ctx);
}

/* The street a staff user belongs to (their unit, or its parent for community staff). */
static void home_street(struct req *r, char *out, size_t n)
{
	static const char q[] = "SELECT CASE WHEN u.kind IN ('community', 'village') THEN p.code ELSE u.code END "
				"FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = ?1";
	out[0] = '\0';
	sqlite3_stmt *st = db_prepare(db_reader(), q);
	if (st) {
		sqlite3_bind_text(st, 1, r->user.unit_code, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && r->user.role == ROLE_STAFF)
			snprintf(out, n, "%s", db_text(st, 0));
		db_done(st);
	}
}

/* GET /tickets/new */
void page_ticket_new(struct req *r)
{
	if (!http_authorize(r, ACT_TICKET_CREATE, NULL))
		return;
	/* A form that came back: shown as it was sent, with its messages, at its own address. */
	const char *token = http_query(r, "retry");
	struct retry kept;
	if (token && retry_find(r, token, &kept)) {
		new_form(r, kept.status, kept.values, kept.errors, &kept);
		return;
	}
	char street[33];
	home_street(r, street, sizeof street);
	/* Defaults: the user's street, an ordinary complaint; the deadline left to the time-limit
	 * rule (a date put here would be sent back as one chosen by hand). */
	json_t *v = json_pack("{s:s,s:s,s:s,s:s}", "unit", street, "deadline", "", "urgency", "normal", "category",
			      "complaint");
	new_form(r, 200, v, token ? json_pack("{s:s}", "form", "这份表单已过期（保留 30 分钟），请重新填写") : NULL, NULL);
}

/* POST /tickets (multipart: the fields, and optionally a first piece of evidence) */
void page_ticket_create(struct req *r)
{
	if (!http_authorize(r, ACT_TICKET_CREATE, NULL))
		return;
	json_t *in = r->fields ? json_incref(r->fields) : json_object();
	json_object_del(in, "csrf_token");
	struct db *db = db_reader();
	struct ticket_input t = { .who = http_actor(r), .creator = http_subject(r) };
	json_t *errors = json_object();
	if (ticket_prepare(db, in, &t, errors) != 0) {
		new_form_failed(r, 422, in, errors, NULL);
		return;
	}
	/* A deadline before today makes the ticket overdue the moment it is logged: the form asks
	 * first (a backlog logged late may need it; the API and the import take it as given). */
	const char *confirmed = json_string_value(json_object_get(in, "confirm_past_deadline"));
	if (date_parse_days(t.deadline) < date_today_days() && !(confirmed && !strcmp(confirmed, "1"))) {
		const char *typed = json_string_value(json_object_get(in, "deadline"));
		char msg[300];
		snprintf(msg, sizeof msg,
			 typed && *typed ? "整改时限 %s 早于今天，登记后即为逾期（红灯）。如确为补录的逾期问题，请勾选下方确认后再提交"
					 : "默认整改时限（集中整改阶段结束日 %s）已过，请填写新的整改时限；如确为补录的逾期问题，请勾选下方确认",
			 t.deadline);
		json_object_set_new(errors, "deadline", json_string(msg));
		json_object_set_new(errors, "confirm_past_deadline", json_string("请确认"));
		new_form_failed(r, 422, in, errors, NULL);
		return;
	}
	struct ticket_scope scope = { t.unit_path, t.responsible_path, NULL };
	if (!http_authorize(r, ACT_TICKET_CREATE, &scope)) {
		json_decref(errors);
		json_decref(in);
		return;
	}
	struct err e = { 0 };
	if (ticket_create(&t, &e) != 0) {
		json_object_set_new(errors, e.field[0] ? e.field : "form", json_string(e.message));
		new_form_failed(r, e.status == 409 ? 409 : 500, in, errors, &t);
		return;
	}
	json_decref(errors);
	json_decref(in);
	char loc[96];
	const char *done = "created";
	if (r->upload.present && r->upload.size > 0) {
		json_t *a = attachment_store(r, NULL, t.id, &e);
		done = a ? "created" : "created_nofile";
		json_decref(a);
	}
	snprintf(loc, sizeof loc, "/tickets/%lld?done=%s", t.id, done);
	http_redirect(r, loc);
}

/* ---------------------------------------------------------------- one ticket */


/* The actions this user may take on this ticket now (bit i: workflow[i]). */
static unsigned long long actions_open(struct req *r, const struct ticket_ref *t)
{
	struct subject who = http_subject(r);
	struct ticket_scope scope = ticket_ref_scope(t);
	unsigned long long open = 0;
	for (int i = 0; i < workflow_count && i < 64; i++)
		if (workflow_applies(&workflow[i], t->status, t->extension_pending, (enum pause_state)t->pause) &&
		    authz_check(&who, workflow[i].act, &scope) == AUTHZ_OK)
			open |= 1ull << i;
	return open;
}

/* Those actions, each with the fields its form needs. */
static json_t *build_actions(unsigned long long open, json_t *errors, const char *failed, json_t *typed)
{
	static const char *const field_labels[][2] = {
		{ "note", "说明" }, { "statement", "整改完成情况" }, { "reason", "理由" }, { "deadline", "申请延期至" },
		{ "result", "回访结果" }, { "method", "回访方式" }, { "reason_code", "退单原因" },
		{ "responsible_unit", "改派至（单位编码）" }, { "into", "合并到（主问题编号）" },
	};
	json_t *list = json_array();
	for (int i = 0; i < workflow_count && i < 64; i++) {
		const struct transition *tr = &workflow[i];
		if (!(open & (1ull << i)))
			continue;
		json_t *fields = json_array();
		int mine = failed && !strcmp(failed, tr->name);
		for (int k = 0; k < 2; k++) {
			const char *name = tr->fields[k];
			if (!name)
				continue;
			/* Each field names every key the form reads, so that none is found further up
			 * (an action's form error is not a field's). */
			int date = !strcmp(name, "deadline");
			const struct value_set *vs = workflow_check_values(tr->checks[k]);
			json_t *choices = vs ? options_fixed(vs, !strcmp(name, "method") ? "phone" : NULL) : json_false();
			json_t *fd = json_pack("{s:s,s:s,s:s,s:o,s:b,s:b,s:b,s:s}", "name", name, "label",
					       label_of(field_labels, ARRAY_LEN(field_labels), name), "id", tr->name, "choices", choices, "date", date,
					       "text", !date && json_is_false(choices), "error", 0, "value", "");
			if (mine && json_object_get(errors, name))
				json_object_set(fd, "error", json_object_get(errors, name));
			/* A refused form comes back with what was typed in it. */
			if (mine && typed && json_is_string(json_object_get(typed, name)))
				json_object_set(fd, "value", json_object_get(typed, name));
			json_array_append_new(fields, fd);
		}
		if (!strcmp(tr->name, "reassign"))
			json_array_append_new(fields, json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:s}", "name", "co_units", "label",
								"协办单位（选填，编码或名称，逗号分隔）", "id", tr->name, "text", 1,
								"date", 0, "choices", 0, "error", 0, "value", ""));
		if (!strcmp(tr->name, "callback")) {
			/* 解决率 (SPEC section 11): asked beside satisfaction, with no answer chosen for the caller. */
			json_t *choices = json_pack("[{s:s,s:s,s:b},{s:s,s:s,s:b},{s:s,s:s,s:b}]", "code", "", "label", "请选择",
						    "selected", 0, "code", "1", "label", "已解决", "selected", 0, "code", "0",
						    "label", "未解决", "selected", 0);
			json_t *fd = json_pack("{s:s,s:s,s:s,s:o,s:b,s:b,s:b,s:s}", "name", "resolved", "label", "问题是否解决",
					       "id", tr->name, "choices", choices, "date", 0, "text", 0, "error", 0, "value", "");
			if (mine && json_object_get(errors, "resolved"))
				json_object_set(fd, "error", json_object_get(errors, "resolved"));
			json_array_append_new(fields, fd);
		}
		if (!strcmp(tr->name, "callback"))
			json_array_append_new(fields, json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:b,s:s}", "name", "note", "label",
								"回访记录", "id", tr->name, "text", 1, "date", 0,
								"choices", 0, "error", 0, "value", ""));
		json_t *a = json_pack("{s:s,s:s,s:o,s:b,s:b}", "name", tr->name, "label", tr->label, "fields", fields, "danger",
				      !strcmp(tr->name, "return") || !strcmp(tr->name, "reopen"), "error", 0);
		if (mine && json_object_get(errors, "form"))
			json_object_set(a, "error", json_object_get(errors, "form"));
		json_array_append_new(list, a);
	}
	return list;
}

/*
 * The actions' forms. Blank forms depend only on which actions are open: each thread keeps
 * them by that. A form sent back (errors, what was typed) is built for its page.
 */
static json_t *available_actions(struct req *r, const struct ticket_ref *t, json_t *errors, const char *failed,
				 json_t *typed)
{
	unsigned long long open = actions_open(r, t);
	if (failed || typed || (errors && json_object_size(errors)))
		return build_actions(open, errors, failed, typed);
	const struct kept_key key = { .kind = KEPT_ACTIONS, .n = { (long long)open } };
	json_t *kept = kept_get(&key);
	return kept ? kept : kept_put(&key, build_actions(open, NULL, NULL, NULL));
}

/* The ticket page's tables: the ticket (one row) and its children, a table each. */
enum { PT_TICKET, PT_PROGRESS, PT_ATTACHMENTS, PT_CALLBACKS, PT_EVENTS, PT_LINKS, PT_COUNT };
static const char *const ticket_page_keys[] = { TICKET_ROW_KEYS, "light_label", "color_label", "days_left_text",
						"sign_text", "sign_late_now" };
enum { COL_T_LIGHT_LABEL = ARRAY_LEN(ticket_page_keys) - 5, COL_T_COLOR_LABEL, COL_T_DAYS_LEFT, COL_T_SIGN_TEXT,
       COL_T_SIGN_LATE_NOW };
static const char *const progress_keys[] = { "date", "author", "note", "kind", "kind_label" };
static const char *const attachment_keys[] = { "url", "thumb_url", "name", "at" };
static const char *const callback_keys[] = { "at", "by", "method_label", "result_label", "note", "resolved_label" };
static const char *const event_keys[] = { "at", "actor", "label", "to", "detail" };
static const char *const link_keys[] = { "id", "code", "title" };

/* A cell from a column of the statement (absent for NULL). */
static void cell_col(struct tmpl_table *t, int c, sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	if (v)
		tmpl_table_setn(t, c, v, (size_t)sqlite3_column_bytes(st, col));
}

/* A time as a person reads it (time_text_minute; the ledger's times are Shanghai's). */
static void cell_time(struct tmpl_table *t, int c, sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	char s[40];
	if (!v)
		return;
	time_text_minute(v, s, sizeof s);
	tmpl_table_set(t, c, s);
}

static void child_row(void *arg, enum ticket_child kind, sqlite3_stmt *st)
{
	struct tmpl_table *tables = arg;
	switch (kind) {
	case TICKET_PROGRESS: {
		struct tmpl_table *t = &tables[PT_PROGRESS];
		tmpl_table_row(t);
		cell_col(t, 0, st, 0);
		if (sqlite3_column_type(st, 5) != SQLITE_NULL) /* written for a co-handling unit */
			tmpl_table_setf(t, 1, "%s（协办：%s）", db_text(st, 2), db_text(st, 5));
		else
			cell_col(t, 1, st, 2);
		cell_col(t, 2, st, 4);
		cell_col(t, 3, st, 3);
		tmpl_table_set(t, 4, vs_label(&VS_NOTE_KIND, db_text(st, 3)));
		break;
	}
	case TICKET_ATTACHMENTS: {
		struct tmpl_table *t = &tables[PT_ATTACHMENTS];
		long long id = sqlite3_column_int64(st, 0);
		tmpl_table_row(t);
		tmpl_table_setf(t, 0, "/api/v1/attachments/%lld", id);
		if (sqlite3_column_int(st, 4))
			tmpl_table_setf(t, 1, "/api/v1/attachments/%lld/thumb", id);
		cell_col(t, 2, st, 1);
		cell_time(t, 3, st, 5);
		break;
	}
	case TICKET_CALLBACKS: {
		struct tmpl_table *t = &tables[PT_CALLBACKS];
		tmpl_table_row(t);
		cell_time(t, 0, st, 0);
		cell_col(t, 1, st, 4);
		tmpl_table_set(t, 2, vs_label(&VS_CALLBACK_METHOD, db_text(st, 2)));
		tmpl_table_set(t, 3, vs_label(&VS_CALLBACK_RESULT, db_text(st, 1)));
		cell_col(t, 4, st, 3);
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			tmpl_table_set(t, 5, sqlite3_column_int(st, 5) ? "已解决" : "未解决");
		break;
	}
	case TICKET_EVENTS: {
		struct tmpl_table *t = &tables[PT_EVENTS];
		tmpl_table_row(t);
		cell_time(t, 0, st, 1);
		cell_col(t, 1, st, 2);
		tmpl_table_set(t, 2, action_label(db_text(st, 3)));
		/* The new status, shown only where it changed. */
		const char *from = (const char *)sqlite3_column_text(st, 4), *to = (const char *)sqlite3_column_text(st, 5);
		if (to && (!from || strcmp(from, to) != 0))
			tmpl_table_set(t, 3, status_label((enum status)status_from_code(to)));
		cell_col(t, 4, st, 6);
		break;
	}
	case TICKET_LINKS: {
		struct tmpl_table *t = &tables[PT_LINKS];
		tmpl_table_row(t);
		cell_col(t, 0, st, 0);
		cell_col(t, 1, st, 1);
		cell_col(t, 2, st, 2);
		break;
	}
	}
}

/* Whether the ticket may be shown to the requester (answering when not), and with personal data. */
static int may_view(void *arg, const struct ticket_ref *t)
{
	struct req *r = arg;
	struct ticket_scope scope = ticket_ref_scope(t);
	if (!http_authorize(r, ACT_TICKET_VIEW, &scope))
		return -1;
	return ticket_may_see_personal(r, t);
}

/*
 * Why a supervised ticket is supervised, by whom and when: the latest 列入督办 with its reason,
 * else the event that made it so (a repeat complaint found at logging, a callback's colour).
 */
static json_t *supervision(struct db *db, long long id)
{
	static const char q[] =
		"SELECT e.at, coalesce(u.name, e.actor), coalesce(un.name, ''), e.action, "
		"json_extract(e.after, '$.input.reason'), json_extract(e.after, '$.repeat_of'), json_extract(e.after, '$.color') "
		"FROM events e LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN units un ON un.id = u.unit_id "
		"WHERE e.entity = 'ticket' AND e.entity_id = ?1 AND (e.action = 'supervise' OR "
		"(json_extract(e.after, '$.supervised') = 1 AND coalesce(json_extract(e.before, '$.supervised'), 0) = 0)) "
		"ORDER BY e.action = 'supervise' DESC, e.id DESC LIMIT 1";
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	json_t *out = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *action = db_text(st, 3);
		char why[2200], at[40], who[200];
		if (!strcmp(action, "supervise"))
			snprintf(why, sizeof why, "%s", db_text(st, 4));
		else if (!strcmp(action, "create") && sqlite3_column_type(st, 5) != SQLITE_NULL)
			snprintf(why, sizeof why, "90 天内同一地点、同一领域的重复投诉");
		else if (!strcmp(action, "callback"))
			snprintf(why, sizeof why, "回访结果为%s", vs_label(&VS_COLOR, db_text(st, 6)));
		else
			snprintf(why, sizeof why, "%s", "");
		time_text_minute(db_text(st, 0), at, sizeof at);
		if (*db_text(st, 2))
			snprintf(who, sizeof who, "%s（%s）", db_text(st, 1), db_text(st, 2));
		else
			snprintf(who, sizeof who, "%s", db_text(st, 1));
		out = json_pack("{s:s,s:s,s:s}", "why", why, "who", who, "at", at);
	}
	db_done(st);
	return out;
}

/* The ticket's page (tmpl: "ticket", or "ticket_notice" for its printable 交办单); its ref and
 * row are read together, and viewing it is authorized here. */
static void ticket_page_as(struct req *r, const char *tmpl, long long id, int status, json_t *errors,
			   const char *failed, json_t *typed)
{
	struct tmpl_table tables[PT_COUNT];
	tmpl_table_init(&tables[PT_TICKET], ticket_page_keys, ARRAY_LEN(ticket_page_keys));
	struct tmpl_table *tk = &tables[PT_TICKET];
	struct db *db = db_reader();
	struct ticket_ref ref;
	const struct ticket_ref *t = &ref;
	struct subject viewer = http_subject(r);
	int shown = db ? ticket_row_table(db, id, &ref, may_view, r, &viewer, tk) : 0;
	if (shown != 1) {
		tmpl_table_free(tk);
		json_decref(errors);
		if (shown == 0)
			http_authorize_missing(r, ACT_TICKET_VIEW); /* unknown and out of scope look alike */
		return;
	}
	/* light (a computed field) and color are cells of the ticket's row; their labels beside them. */
	tmpl_table_set(tk, COL_T_LIGHT_LABEL, vs_label(&VS_LIGHT, tk->cells[TICKET_ROW_LIGHT].s));
	tmpl_table_set(tk, COL_T_COLOR_LABEL, vs_label(&VS_COLOR, tk->cells[TICKET_ROW_COLOR].s));
	const char *light = tk->cells[TICKET_ROW_LIGHT].s, *left = tk->cells[TICKET_ROW_WORKING_DAYS_LEFT].s;
	if (light && left) {
		char text[48];
		days_left_text(atol(left), light, tk->cells[TICKET_ROW_DEADLINE].s, text, sizeof text);
		tmpl_table_set(tk, COL_T_DAYS_LEFT, text);
	}
	/* Signing: 「2023-09-28 23:59 前签收」, 「2023-09-27 10:00 签收」 (逾期 when late), or, open past
	 * it, 超时未签收. */
	const char *sign_by = tk->cells[TICKET_ROW_SIGN_BY].s, *signed_at = tk->cells[TICKET_ROW_SIGNED_AT].s;
	char when[40], by[40], sign[120];
	if (signed_at) {
		time_text_minute(signed_at, when, sizeof when);
		int late = tk->cells[TICKET_ROW_SIGNED_LATE].s && !strcmp(tk->cells[TICKET_ROW_SIGNED_LATE].s, "true");
		snprintf(sign, sizeof sign, "%s 签收%s", when, late ? "（逾期签收）" : "");
		tmpl_table_set(tk, COL_T_SIGN_TEXT, sign);
	} else if (sign_by) {
		char now[32];
		time_format_rfc3339(clock_now(), now, sizeof now);
		time_text_minute(sign_by, by, sizeof by);
		snprintf(sign, sizeof sign, "应于 %s 前签收", by);
		tmpl_table_set(tk, COL_T_SIGN_TEXT, sign);
		if (strcmp(sign_by, now) < 0)
			tmpl_table_set(tk, COL_T_SIGN_LATE_NOW, "true");
	}
	tmpl_table_init(&tables[PT_PROGRESS], progress_keys, ARRAY_LEN(progress_keys));
	tmpl_table_init(&tables[PT_ATTACHMENTS], attachment_keys, ARRAY_LEN(attachment_keys));
	tmpl_table_init(&tables[PT_CALLBACKS], callback_keys, ARRAY_LEN(callback_keys));
	tmpl_table_init(&tables[PT_EVENTS], event_keys, ARRAY_LEN(event_keys));
	tmpl_table_init(&tables[PT_LINKS], link_keys, ARRAY_LEN(link_keys));
	ticket_children_each(db, t->id, t->child_lists, 1, &viewer, child_row, tables);
	const struct tmpl_binding bind[] = {
		{ "t", &tables[PT_TICKET], 1 },		  { "progress", &tables[PT_PROGRESS], 0 },
		{ "attachments", &tables[PT_ATTACHMENTS], 0 }, { "callbacks", &tables[PT_CALLBACKS], 0 },
		{ "events", &tables[PT_EVENTS], 0 },	  { "links", &tables[PT_LINKS], 0 },
	};
	const struct subject who = viewer;
	struct ticket_scope scope = ticket_ref_scope(t);
	json_t *ctx = json_object();
	json_object_set_new_nocheck(ctx, "actions", available_actions(r, t, errors, failed, typed));
	int frozen = workflow_facts_frozen(t->status);
	json_object_set_new_nocheck(ctx, "reworking", json_boolean(t->status == ST_RECTIFYING));
	json_object_set_new_nocheck(ctx, "merged_state", json_boolean(t->status == ST_MERGED));
	if (t->child_lists & 2) /* has attachments: is one of them another ticket's too? */
		json_object_set_new_nocheck(ctx, "evidence_shared", ticket_evidence_shared(db, t->id, &viewer));
	/* 合并: the linked repeats are offered as the ticket to merge this one into. */
	const struct transition *merge = workflow_find("merge");
	json_object_set_new_nocheck(ctx, "may_merge",
				    json_boolean(merge && workflow_applies(merge, t->status, t->extension_pending,
									   (enum pause_state)t->pause) &&
						 authz_check(&who, ACT_MERGE, &scope) == AUTHZ_OK));
	json_object_set_new_nocheck(ctx, "may_upload", json_boolean(authz_check(&who, ACT_UPLOAD, &scope) == AUTHZ_OK &&
								    !frozen));
	json_object_set_new_nocheck(ctx, "may_edit", json_boolean(authz_check(&who, ACT_TICKET_EDIT, &scope) == AUTHZ_OK &&
								  (!frozen || authz_check(&who, ACT_TICKET_CORRECT, &scope) == AUTHZ_OK)));
	/* What the last action did, named, before the ticket's code (the template adds it). */
	const char *done = http_query(r, "done");
	if (done) {
		const struct transition *tr = workflow_find(done);
		char text[128];
		const char *after = NULL;
		if (!strcmp(done, "created") || !strcmp(done, "created_nofile")) {
			snprintf(text, sizeof text, "已登记问题 ");
			if (done[7])
				after = "（附件未能保存，请在下方重新上传）";
		} else if (!strcmp(done, "edit")) {
			snprintf(text, sizeof text, "已保存对问题的修改：");
		} else if (!strcmp(done, "attach")) {
			snprintf(text, sizeof text, "已上传证明材料：");
		} else if (tr) {
			snprintf(text, sizeof text, "已%s：", tr->label);
		} else {
			snprintf(text, sizeof text, "操作已完成：");
		}
		json_object_set_new_nocheck(ctx, "done", json_pack("{s:s,s:s*}", "text", text, "after", after));
	}
	if (tk->cells[TICKET_ROW_SUPERVISED].s) {
		json_t *sv = supervision(db, t->id);
		if (sv)
			json_object_set_new_nocheck(ctx, "supervision", sv);
	}
	json_object_set_new_nocheck(ctx, "errors", errors ? errors : json_object());
	if (!strcmp(tmpl, "ticket_notice")) {
		char district[128];
		district_name(db, district, sizeof district);
		json_object_set_new_nocheck(ctx, "district", json_string(district));
		char now[32], printed[40], issued[40];
		time_format_rfc3339(clock_now(), now, sizeof now);
		time_text_minute(now, printed, sizeof printed);
		json_object_set_new_nocheck(ctx, "printed", json_string(printed));
		const char *created = tk->cells[TICKET_ROW_CREATED_AT].s;
		time_text_minute(created ? created : "", issued, sizeof issued);
		json_object_set_new_nocheck(ctx, "issued", json_string(issued));
	}
	http_page_with(r, status, tmpl, ctx, bind, PT_COUNT);
	for (int i = 0; i < PT_COUNT; i++)
		tmpl_table_free(&tables[i]);
}

static void ticket_page(struct req *r, long long id, int status, json_t *errors, const char *failed, json_t *typed)
{
	ticket_page_as(r, "ticket", id, status, errors, failed, typed);
}

/* GET /tickets/{id}/notice: the 交办单 to print, sign and seal. */
void page_ticket_notice(struct req *r)
{
	ticket_page_as(r, "ticket_notice", ticket_id_param(r), 200, NULL, NULL, NULL);
}

/* GET /tickets/{id} */
void page_ticket(struct req *r)
{
	ticket_page(r, ticket_id_param(r), 200, NULL, NULL, NULL);
}

/* POST /tickets/{id}/actions/{action} (a form) */
void page_ticket_action(struct req *r)
{
	const struct transition *tr = workflow_find(http_param(r, "action"));
	struct ticket_ref t;
	if (!ticket_for(r, tr ? tr->act : ACT_TICKET_VIEW, &t))
		return;
	if (!tr) {
		http_error(r, 404, "unknown_action", "没有这种操作");
		return;
	}
	const struct form *f = http_form(r);
	if (!f) {
		http_error(r, 400, "bad_form", "提交的表单内容有误");
		return;
	}
	json_t *body = json_object();
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->keys[i], "csrf_token") != 0)
			json_object_set_new(body, f->keys[i], json_string(f->values[i]));
	struct ticket_action a = { .id = t.id, .tr = tr, .body = body, .who = http_actor(r), .subject = http_subject(r),
				   .errors = json_object() };
	struct err e = { 0 };
	int rc = db_write(ticket_action_job, &a, &e);
	if (rc != 0) {
		if (!json_object_size(a.errors) || e.status != 422)
			json_object_set_new(a.errors, "form", json_string(e.message));
		ticket_ref_load(db_reader(), t.id, &t);
		ticket_page(r, t.id, e.status ? e.status : 500, a.errors, tr->name, body);
		json_decref(body);
		return;
	}
	json_decref(body);
	json_decref(a.errors);
	char loc[96];
	snprintf(loc, sizeof loc, "/tickets/%lld?done=%s", t.id, tr->name);
	http_redirect(r, loc);
}

/* POST /tickets/{id}/attachments (multipart, from the ticket page) */
void page_ticket_upload(struct req *r)
{
	struct ticket_ref t;
	if (!ticket_for(r, ACT_UPLOAD, &t))
		return;
	struct err e = { 0 };
	json_t *a = attachment_store(r, &t, t.id, &e);
	if (!a) {
		ticket_page(r, t.id, e.status ? e.status : 500, json_pack("{s:s}", "file", e.message), NULL, NULL);
		return;
	}
	json_decref(a);
	char loc[96];
	snprintf(loc, sizeof loc, "/tickets/%lld?done=attach", t.id);
	http_redirect(r, loc);
}

/* ---------------------------------------------------------------- edit */

/* The edit page offers the field table's rows marked EDIT_FORM (ticket_fields.c). */

/* The co-units as the edit form's text holds them: their codes, comma-separated. */
static void co_units_as_text(json_t *t)
{
	json_t *list = json_object_get(t, "co_units");
	if (!json_is_array(list))
		return;
	struct buf b;
	buf_init(&b);
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c) buf_printf(&b, "%s%s", i ? "," : "", json_string_value(json_object_get(c, "unit")));
	json_object_set_new(t, "co_units", json_string(b.data ? b.data : ""));
	buf_free(&b);
}

static void edit_form(struct req *r, const struct ticket_ref *t, int status, json_t *values, json_t *errors,
		      json_t *current)
{
	struct db *db = db_reader();
	struct subject who = http_subject(r);
	struct ticket_scope scope = ticket_ref_scope(t);
	if (!errors)
		errors = json_object();
	json_t *ctx = json_pack("{s:I,s:O,s:O,s:o,s:b}", "id", t->id, "v", values, "errors", errors, "groups",
				ticket_form(db, values, errors, 0, authz_check(&who, ACT_TICKET_ASSIGN, &scope) == AUTHZ_OK),
				"frozen", workflow_facts_frozen(t->status));
	json_decref(errors);
	if (current) {
		/* What changed meanwhile: each field whose saved value differs from what was typed. */
		json_t *diff = json_array();
		for (size_t i = 0; i < ticket_field_count; i++) {
			const char *name = ticket_fields[i].name;
			if (!(ticket_fields[i].edit & EDIT_FORM))
				continue;
			const char *now = json_string_value(json_object_get(current, name));
			const char *typed = json_string_value(json_object_get(values, name));
			if (now && typed && strcmp(now, typed))
				json_array_append_new(diff, json_pack("{s:s,s:s,s:s}", "field", ticket_fields[i].label, "now", now,
								      "typed", typed));
		}
		json_object_set_new(ctx, "conflict", diff);
		json_object_set(ctx, "current_version", json_object_get(current, "version"));
		json_decref(current);
	}
	json_decref(values);
	http_page(r, status, "ticket_edit", ctx);
}

/* GET /tickets/{id}/edit */
void page_ticket_edit(struct req *r)
{
	struct ticket_ref t;
	if (!ticket_for(r, ACT_TICKET_EDIT, &t))
		return;
	json_t *v = ticket_json(db_reader(), t.id, ticket_may_see_personal(r, &t), NULL);
	if (!v) {
		http_error(r, 404, "not_found", "您访问的问题不存在");
		return;
	}
	co_units_as_text(v);
	edit_form(r, &t, 200, v, NULL, NULL);
}

/* POST /tickets/{id}/edit */
void page_ticket_update(struct req *r)
{
	struct ticket_ref t;
	if (!ticket_for(r, ACT_TICKET_EDIT, &t))
		return;
	const struct form *f = http_form(r);
	if (!f) {
		http_error(r, 400, "bad_form", "提交的表单内容有误");
		return;
	}
	struct subject who = http_subject(r);
	struct ticket_scope scope = ticket_ref_scope(&t);
	int may_assign = authz_check(&who, ACT_TICKET_ASSIGN, &scope) == AUTHZ_OK;
	json_t *current = ticket_json(db_reader(), t.id, TICKET_UNMASKED, NULL);
	co_units_as_text(current);
	json_t *changes = json_object();
	/* Only fields that differ from the stored ticket are sent, so masked values are not saved. */
	for (size_t i = 0; i < ticket_field_count; i++) {
		const struct ticket_field *tf = &ticket_fields[i];
		if (!(tf->edit & EDIT_FORM))
			continue;
		const char *v = form_get(f, tf->name);
		const char *now = json_string_value(json_object_get(current, tf->name));
		int assign = (tf->edit & EDIT_ASSIGN) != 0;
		if (v && (!assign || may_assign) && (now ? strcmp(v, now) != 0 : *v != '\0'))
			json_object_set_new(changes, tf->name, json_string(v));
	}
	json_decref(current);
	const char *ver = form_get(f, "version");
	const char *reason = form_get(f, "reason");
	if (reason && *reason)
		json_object_set_new(changes, "reason", json_string(reason));
	struct ticket_patch p = { .id = t.id, .version = ver ? atoll(ver) : 0, .changes = changes,
				  .may_assign = may_assign,
				  .may_correct = authz_check(&who, ACT_TICKET_CORRECT, &scope) == AUTHZ_OK,
				  .who = http_actor(r), .errors = json_object() };
	struct err e = { 0 };
	json_t *typed = json_object();
	for (int i = 0; i < f->n; i++)
		json_object_set_new(typed, f->keys[i], json_string(f->values[i]));
	if (db_write(ticket_patch_job, &p, &e) != 0) {
		if (!json_object_size(p.errors))
			json_object_set_new(p.errors, "form", json_string(e.message));
		edit_form(r, &t, e.status ? e.status : 500, typed, p.errors, p.conflict);
		json_decref(changes);
		return;
	}
	json_decref(typed);
	json_decref(p.errors);
	json_decref(changes);
	char loc[96];
	snprintf(loc, sizeof loc, "/tickets/%lld?done=edit", t.id);
	http_redirect(r, loc);
}

/* ---------------------------------------------------------------- to-do */

struct todo_section {
	const char *title, *hint;
	struct ticket_filter f;
	int held; /* another section holds all of this one's tickets */
};

/* What awaits this user's action, by role: the page lists these, the navigation counts them. */
static int todo_sections(const struct subject *who, struct todo_section *s)
{
	int n = 0;
	for (int i = 0; i < 6; i++) {
		memset(&s[i], 0, sizeof s[i]);
		s[i].f.who = who;
		s[i].f.supervised = -1;
		s[i].f.stale = -1;
	}
	if (who->role == ROLE_STAFF) {
		s[n].title = "超时未签收";
		s[n].hint = "已过签收时限仍未签收的问题（计入及时签收率），请立即签收";
		s[n].held = 1; /* by 待签收 */
		s[n++].f.sign = "late";
		s[n].title = "待签收";
		s[n].hint = "新派来的问题，请尽快签收";
		s[n++].f.status = "open";
		s[n].title = "群众不满意，需重新整改";
		s[n].hint = "回访不满意或反弹后重新交办的问题，请按重开理由重新整改";
		s[n++].f.reopened = 1;
		s[n].title = "被退回重办";
		s[n].hint = "验收未通过，请按退回理由继续整改";
		s[n++].f.returned = 1;
		s[n].title = "本周未报进展";
		s[n].hint = "超过 5 个工作日没有报告整改进展（周调度要求每周至少一次）";
		s[n].f.stale = 1;
		s[n++].f.status = "rectifying";
		for (int i = 0; i < n; i++) /* the lead's work; a co-unit's part is the next section */
			s[i].f.lead = 1;
		s[n].title = "协办任务";
		s[n].hint = "本单位作为协办单位参与办理、尚未报告协办完成的问题，请签收并报告协办情况";
		s[n++].f.co_todo = 1;
	} else if (who->role == ROLE_SUPERVISOR) {
		s[n].title = "待验收";
		s[n].hint = "已申请销号，请核实后验收或退回";
		s[n++].f.status = "verifying";
		s[n].title = "待回访";
		s[n].hint = "已销号、尚未回访的问题，请回访群众并记录满意度";
		s[n++].f.callbacks_due = 1;
	} else if (who->role == ROLE_REVIEWER) {
		s[n].title = "延期申请";
		s[n].hint = "待审批的延期申请";
		s[n++].f.extension_pending = 1;
		s[n].title = "重开问题待定时限";
		s[n].hint = "回访不满意或反弹重开的问题，暂按重开后 7 天计时，请确定新的整改时限（在“修改信息”中设置）";
		s[n++].f.deadline_pending = 1;
		s[n].title = "挂起申请";
		s[n].hint = "责任单位申请暂停计时的问题，请批准或驳回";
		s[n++].f.suspend_pending = 1;
		s[n].title = "重点督办";
		s[n].hint = "列入重要问题督办台账、尚未销号的问题";
		s[n].f.supervised = 1;
		s[n++].f.unclosed = 1;
	}
	return n;
}

/*
 * How many tickets the sections hold together, each counted once though it be in two (a
 * returned ticket that has not reported this week): by inclusion and exclusion over their
 * filters' intersections (ticket_filter_and), so no ticket is read. A section another holds
 * whole adds nothing and is left out.
 */
static long long todo_union(struct db *db, const struct todo_section *s, int n)
{
	long long sum = 0;
	unsigned held = 0;
	for (int i = 0; i < n; i++)
		if (s[i].held)
			held |= 1u << i;
	for (unsigned mask = 1; mask < (1u << n); mask++) {
		struct ticket_filter f = { 0 }, g;
		int bits = 0, possible = !(mask & held), first = 1;
		for (int i = 0; i < n && possible; i++) {
			if (!(mask & (1u << i)))
				continue;
			bits++;
			if (first) {
				f = s[i].f;
				first = 0;
			} else if (ticket_filter_and(&f, &s[i].f, &g) == 1) {
				f = g;
			} else {
				possible = 0; /* the sections' filters have no keywords or dates: never -1 */
			}
		}
		if (possible)
			sum += (bits % 2 ? 1 : -1) * ticket_count(db, &f);
	}
	return sum;
}

long long todo_count(struct req *r)
{
	struct subject who = http_subject(r);
	struct todo_section s[6];
	int n = todo_sections(&who, s);
	struct db *db = n ? db_reader() : NULL;
	if (!db)
		return 0;
	/* Every page shows it: remembered by what it depends on, the role, the scope and the day. */
	char key[600];
	long long sum = 0;
	/* 超时未签收 (staff's first section) moves with the time of day: for staff the minute is part
	 * of the key; the other roles' sections change only with the ledger and the day. */
	char minute[32] = "";
	if (who.role == ROLE_STAFF) {
		time_format_rfc3339(clock_now(), minute, sizeof minute);
		minute[16] = '\0';
	}
	snprintf(key, sizeof key, "todo\x1f%d\x1f%s\x1f%ld\x1f%s", (int)who.role, who.unit_path ? who.unit_path : "",
		 date_today_days(), minute);
	if (db_memo_get(db, key, &sum))
		return sum;
	sum = todo_union(db, s, n);
	db_memo_put(db, key, sum);
	return sum;
}

static void collect_id(sqlite3_stmt *st, void *arg)
{
	json_array_append_new(arg, json_integer(sqlite3_column_int64(st, 0)));
}

/*
 * The first rows of a section in the order its applications to close came in (the earliest
 * waiting longest first): the supervisor's 待验收 by submission. Their ids in that order, then
 * the rows themselves, put back in it.
 */
static json_t *by_submission(struct db *db, const struct ticket_filter *f, int limit)
{
	char tail[200];
	snprintf(tail, sizeof tail,
		 "ORDER BY (SELECT max(p.at) FROM progress p WHERE p.ticket_id = t.id AND p.kind = 'statement'), t.id "
		 "LIMIT %d",
		 limit);
	json_t *ids = json_array();
	ticket_aggregate(db, f, "t.id", NULL, tail, collect_id, ids);
	char *text = json_dumps(ids, JSON_COMPACT);
	struct ticket_filter g = *f;
	g.ids = text;
	int more = 0;
	json_t *rows = ticket_list(db, &g, LIST_BRIEF, LIST_FIRST, NULL, 0, limit, NULL, &more);
	json_t *ordered = json_array();
	size_t i, k;
	json_t *id, *row;
	json_array_foreach(ids, i, id) json_array_foreach(rows, k, row) if (json_integer_value(json_object_get(row, "id")) ==
									 json_integer_value(id)) json_array_append(ordered, row);
	json_decref(rows);
	json_decref(ids);
	free(text);
	return ordered;
}

/* GET /todo[?verify_order=submitted] */
void page_todo(struct req *r)
{
	if (!http_authorize(r, ACT_DASHBOARD, NULL))
		return;
	struct subject who = http_subject(r);
	struct todo_section s[6];
	int n = todo_sections(&who, s);
	struct db *db = db_reader();
	json_t *sections = json_array();
	long long sum = n ? todo_union(db, s, n) : 0;
	for (int i = 0; i < n; i++) {
		long long total = 0;
		int more = 0;
		json_t *items = ticket_list(db, &s[i].f, LIST_BRIEF, LIST_FIRST, NULL, 0, 20, &total, &more);
		/* 待验收 may be read in the order the applications came in. */
		int verifying = s[i].f.status && !strcmp(s[i].f.status, "verifying");
		const char *order = http_query(r, "verify_order");
		int submitted = verifying && order && !strcmp(order, "submitted");
		if (submitted) {
			json_decref(items);
			items = by_submission(db, &s[i].f, 20);
		}
		size_t k;
		json_t *it;
		json_array_foreach(items, k, it) add_labels(it);
		/* The whole section in the ledger, by the same filter (the filter table writes it). */
		struct buf q, link;
		buf_init(&q);
		buf_init(&link);
		ticket_filter_query(&s[i].f, &q);
		buf_printf(&link, "/tickets?%s", q.data ? q.data : "");
		json_t *sec = json_pack("{s:s,s:s,s:o,s:I,s:b,s:s}", "title", s[i].title, "hint", s[i].hint, "items", items,
					"total", total, "more", more, "all", link.data);
		if (verifying)
			json_object_set_new(sec, "order", json_pack("{s:b}", "submitted", submitted));
		json_array_append_new(sections, sec);
		buf_free(&q);
		buf_free(&link);
	}
	http_page(r, 200, "todo", json_pack("{s:o,s:I}", "sections", sections, "sum", sum));
}
