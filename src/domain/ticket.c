/*
 * ticket.c — ticket storage and rules: validation, creation, actions, edits, attachments,
 * reading and listing.
 */
#include "ticket.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "codebook.h"
#include "form.h"
#include "mask.h"
#include "notify.h"
#include "search.h"
#include "fields.h"
#include "ticket_fields.h"
#include "assess.h"
#include "cohandle.h"
#include "timelimit.h"
#include "utf8.h"

/* ---------------------------------------------------------------- reading */

/*
 * A ticket's own row: the catalog rows it names are given by id, and their codes and names
 * come from the connection's codebook (codebook.h), not from a join each.
 */
/* 合并: a ticket named beside this one, with what decides who may see it:
 * [code, unit_path, responsible_path, co_paths] (out_merged keeps the viewer's own). */
#define MERGED_ENTRY                                                                                            \
	"json_array(m.code, m.unit_path, m.responsible_path, "                                                    \
	"CASE WHEN m.child_lists & 16 THEN (SELECT group_concat(unit_path, ' ') FROM co_units WHERE ticket_id = m.id) END)"
#define TICKET_COLUMNS                                                                                          \
	"t.id, t.code, t.campaign_id, t.source_id, t.source_ref, t.category_id, t.domain_id, t.title, "          \
	"t.description, t.location_unit_id, t.address, t.reporter_name, t.reporter_phone, t.unit_id, "           \
	"t.responsible_unit_id, t.responsible_person, t.responsible_phone, t.urgency, t.measures, "              \
	"t.requirement, t.deadline, t.original_deadline, t.commitment, t.interim_measures, t.status, "           \
	"t.return_count, t.unsatisfied_count, t.callback_count, t.color, t.supervised, t.relapsed, "             \
	"t.extension_deadline, t.extension_reason, t.last_progress_on, t.closed_on, t.created_at, "             \
	"t.updated_at, t.version, t.urgency_rank, t.received_on, t.complex, t.reopened_on, t.reopen_reason, "     \
	"t.deadline_pending, t.time_limit_id, t.dispatched_at, t.sign_by, t.signed_at, t.signed_late, "              \
	"t.deadline_rule, t.commitment_due, t.suspend_pending, t.suspend_reason, t.suspended_on, t.urge_count, "   \
	"CASE WHEN t.card_flags THEN (SELECT json_group_array(json_object('kind', c.kind, 'at', c.at, "          \
	"'deadline', c.deadline)) FROM (SELECT kind, at, deadline FROM cards WHERE ticket_id = t.id ORDER BY id) c) " \
	"END, "                                                                                                     \
	"CASE WHEN t.child_lists & 16 THEN (SELECT json_group_array(json_object('unit', u.code, 'name', u.name, "   \
	"'status', c.status, 'note', c.note)) FROM co_units c JOIN units u ON u.id = c.unit_id "                    \
	"WHERE c.ticket_id = t.id) END, "                                                                           \
	"CASE WHEN t.merged_into IS NOT NULL THEN (SELECT " MERGED_ENTRY " FROM tickets m WHERE m.id = t.merged_into) " \
	"END, "                                                                                                     \
	"CASE WHEN t.child_lists & 32 THEN (SELECT json_group_array(" MERGED_ENTRY ") FROM tickets m "             \
	"WHERE m.merged_into = t.id) END, t.supplement "
#define TICKET_FROM "FROM tickets t "

/* What a list page shows of a ticket; the columns brief_read reads. */
#define BRIEF_COLUMNS                                                                                          \
	"t.id, t.code, t.title, t.supervised, t.urgency, t.deadline, t.status, t.color, t.last_progress_on, "     \
	"t.unit_id, t.responsible_unit_id, t.urgency_rank, t.complex, t.source_ref, t.source_id, t.created_at, "  \
	"t.suspended_on IS NOT NULL, t.urge_count, t.card_flags, "                                                \
	"(t.child_lists & 16 AND EXISTS (SELECT 1 FROM co_units WHERE ticket_id = t.id)), t.supplement "
enum { BRIEF_DEADLINE = 5, BRIEF_RANK = 11, FULL_DEADLINE = 20, FULL_RANK = 38 };

/* Text from the database as JSON, "" for NULL. The database holds only valid UTF-8 (every
 * input is checked on the way in), so it is not checked again. */
static json_t *db_str(sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	return v ? json_stringn_nocheck(v, (size_t)sqlite3_column_bytes(st, col)) : json_string_nocheck("");
}

static void put(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

/* A reporter's name or phone as those without the right to see it get it. */
static void mask_into(const char *s, int is_phone, struct buf *b)
{
	if (is_phone)
		mask_phone(s, b);
	else
		mask_name(s, b);
}

static json_t *masked(const char *s, int is_phone)
{
	struct buf b;
	buf_init(&b);
	mask_into(s, is_phone, &b);
	json_t *v = json_string(b.data ? b.data : "");
	buf_free(&b);
	return v;
}

static const char *text_or_none(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* The name of the unit a column's id names, or NULL. */
static const char *unit_name(const struct codebook *cb, sqlite3_stmt *st, int col)
{
	const struct codebook_entry *e = codebook_find(cb, CB_UNITS, sqlite3_column_int64(st, col));
	return e ? e->name : NULL;
}

/* Today's marks on calendar c, worked out once per thread for each calendar and day (a
 * calendar's generation names its content, so a rebuilt one at the same address is new). */
static const struct day_marks *marks_for(const struct workcal *c)
{
	static __thread struct {
		unsigned long generation;
		long today;
		struct day_marks m;
	} kept;
	long today = date_today_days();
	if (kept.generation != c->generation || kept.today != today) {
		day_marks_of(c, today, &kept.m);
		kept.generation = c->generation;
		kept.today = today;
	}
	return &kept.m;
}

/* One row of BRIEF_COLUMNS; the names stay good while cb does. */
static void brief_read(sqlite3_stmt *st, const struct codebook *cb, struct ticket_brief *b)
{
	struct day_marks m = *marks_for(calendar_in(cb));
	const char *status = db_text(st, 6);
	int closed = strcmp(status, "closed") == 0;
	b->id = sqlite3_column_int64(st, 0);
	b->code = text_or_none(st, 1);
	b->title = text_or_none(st, 2);
	b->supervised = sqlite3_column_int(st, 3);
	b->complex = sqlite3_column_int(st, 12);
	b->source_ref = sqlite3_column_type(st, 13) == SQLITE_NULL ? NULL : text_or_none(st, 13);
	const struct codebook_entry *src = codebook_find(cb, CB_SOURCES, sqlite3_column_int64(st, 14));
	b->source_name = src ? src->name : NULL;
	b->created_at = text_or_none(st, 15);
	b->urgency = text_or_none(st, 4);
	b->deadline = text_or_none(st, 5);
	b->status = text_or_none(st, 6);
	b->color = text_or_none(st, 7);
	b->stale = is_stale(date_parse_days(db_text(st, 8)), &m,
			    closed || sqlite3_column_int(st, 16) || !strcmp(status, "verifying"));
	long deadline = date_parse_days(db_text(st, 5));
	int paused = sqlite3_column_int(st, 16);
	b->light = deadline_light(deadline, &m, closed, paused);
	b->estimated = 0;
	b->days_left = b->light && !paused ? workcal_days_left(calendar_in(cb), m.today, deadline, &b->estimated) : 0;
	b->estimated |= b->light && !paused && m.estimated;
	b->unit_name = unit_name(cb, st, 9);
	b->responsible_unit_name = unit_name(cb, st, 10);
	b->status_label = status_label((enum status)status_from_code(status));
	b->urgency_label = urgency_label(db_text(st, 4));
	/* 催办 and the cards a ticket earned; whether it is shared with co-units (协办) */
	b->urges = sqlite3_column_int(st, 17);
	int cards = sqlite3_column_int(st, 18); /* 030_card_flags.sql */
	b->yellow_card = (cards & 1) != 0;
	b->red_card = (cards & 2) != 0;
	b->co_handled = sqlite3_column_int(st, 19);
	b->supplement = sqlite3_column_int(st, 20); /* 补报 (033_filings.sql) */
	b->cursor.rank = sqlite3_column_int(st, BRIEF_RANK);
	const char *d = db_text(st, BRIEF_DEADLINE);
	size_t dl = strnlen(d, sizeof b->cursor.deadline - 1);
	memcpy(b->cursor.deadline, d, dl);
	b->cursor.deadline[dl] = '\0';
	b->cursor.id = b->id;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string_nocheck(s) : json_null();
}

/* A brief row as JSON, named as in row_json. */
static json_t *brief_json(const struct ticket_brief *b)
{
	json_t *t = json_object(), *names = json_object();
	put(t, "id", json_integer(b->id));
	put(t, "code", str_or_null(b->code));
	put(t, "title", str_or_null(b->title));
	put(t, "supervised", json_boolean(b->supervised));
	put(t, "complex", json_boolean(b->complex));
	put(t, "urgency", str_or_null(b->urgency));
	put(t, "deadline", str_or_null(b->deadline));
	put(t, "status", str_or_null(b->status));
	put(t, "color", str_or_null(b->color));
	put(t, "stale", json_boolean(b->stale));
	put(t, "light", str_or_null(b->light));
	put(t, "supplement", json_boolean(b->supplement));
	put(names, "unit", str_or_null(b->unit_name));
	put(names, "responsible_unit", str_or_null(b->responsible_unit_name));
	put(names, "status", json_string_nocheck(b->status_label));
	put(names, "urgency", json_string_nocheck(b->urgency_label));
	put(t, "names", names);
	return t;
}

/*
 * Where a ticket's fields go: into a JSON object (row_json), or straight into JSON text (a
 * list answer of the API writes fifty tickets without building them). One description of the
 * ticket, row_out, serves both.
 */
struct out {
	struct buf *b;          /* text; NULL: build JSON in obj (or fill tab) */
	json_t *obj[3];         /* the objects being built, innermost last */
	int depth;              /* of the innermost open object, from 0 */
	int count[3];           /* fields written at each depth (for commas) */
	struct tmpl_table *tab; /* set: the cells of its newest row instead */
	const char *inner;      /* tab: the key of the open inner object */
	int next;               /* tab: the column the next key is looked for first */
	const struct codebook *cb; /* the catalog's codes and names */
	const struct subject *viewer; /* whose scope the tickets it names are kept to; NULL: all */
};

/* key (inside the open inner object) is table key k. */
static int key_is(const char *k, const char *inner, const char *key)
{
	if (k == key)
		return !inner; /* the same literal (the linker merges equal ones) */
	if (inner) {
		size_t n = strlen(inner);
		if (strncmp(k, inner, n) != 0 || k[n] != '.')
			return 0;
		k += n + 1;
	}
	return strcmp(k, key) == 0;
}

/* The table column of key, or -1: looked for first where the keys' order puts it. */
static int out_column(struct out *o, const char *key)
{
	const struct tmpl_table *t = o->tab;
	for (int i = 0; i < t->nkeys; i++) {
		int k = (o->next + i) % t->nkeys;
		if (key_is(t->keys[k], o->inner, key)) {
			o->next = k + 1;
			return k;
		}
	}
	return -1;
}

/* A text cell; NULL leaves it absent. */
static void out_cell(struct out *o, const char *key, const char *s, size_t n)
{
	int c = s ? out_column(o, key) : -1;
	if (c >= 0)
		tmpl_table_setn(o->tab, c, s, n);
}

/* Keys are our own plain ASCII names: written as they are, with the comma before and the
 * colon after, in one go. */
static void out_key(struct out *o, const char *key)
{
	size_t n = strlen(key);
	struct buf *b = o->b;
	if (b->len + n + 5 > b->cap)
		buf_reserve(b, n + 4);
	char *p = b->data + b->len;
	if (o->count[o->depth]++)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	*p = '\0';
	b->len = (size_t)(p - b->data);
}

/* Sets key to v (JSON), or writes what v holds (text). Takes v. */
static void out_value(struct out *o, const char *key, json_t *v, const char *text)
{
	if (o->b) {
		out_key(o, key);
		buf_puts(o->b, text);
		json_decref(v);
	} else {
		put(o->obj[o->depth], key, v);
	}
}

static void out_str(struct out *o, const char *key, const char *s, size_t n)
{
	if (o->tab) {
		out_cell(o, key, s, n);
	} else if (o->b) {
		out_key(o, key);
		buf_json_string(o->b, s, n);
	} else {
		put(o->obj[o->depth], key, json_stringn_nocheck(s, n));
	}
}

static void out_cstr(struct out *o, const char *key, const char *s)
{
	if (s)
		out_str(o, key, s, strlen(s));
	else if (!o->tab)
		out_value(o, key, o->b ? NULL : json_null(), "null");
}

static void out_int(struct out *o, const char *key, long long v)
{
	if (o->b || o->tab) {
		char digits[INT_TEXT];
		size_t n;
		const char *t = int_text(v, digits, &n);
		if (o->tab) {
			out_cell(o, key, t, n);
			return;
		}
		out_key(o, key);
		buf_append(o->b, t, n);
	} else {
		put(o->obj[o->depth], key, json_integer(v));
	}
}

static void out_bool(struct out *o, const char *key, int v)
{
	if (o->tab) {
		out_cell(o, key, v ? "true" : NULL, 4);
		return;
	}
	out_value(o, key, o->b ? NULL : json_boolean(v), v ? "true" : "false");
}

/* A column as a string, "" for NULL. */
static void out_col(struct out *o, const char *key, sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	out_str(o, key, v ? v : "", v ? (size_t)sqlite3_column_bytes(st, col) : 0);
}

/* A column as a string, or null. */
static void out_col_or_null(struct out *o, const char *key, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		out_cstr(o, key, NULL);
	else
		out_col(o, key, st, col);
}

static void out_masked(struct out *o, const char *key, const char *s, int is_phone, int unmasked)
{
	if (unmasked) {
		out_cstr(o, key, s);
		return;
	}
	struct buf m;
	buf_init(&m);
	mask_into(s, is_phone, &m);
	out_str(o, key, m.data ? m.data : "", m.len);
	buf_free(&m);
}

/* The catalog row of table t a column's id names, or NULL (none, or not in the codebook). */
static const struct codebook_entry *entry_of(const struct out *o, enum codebook_table t, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return codebook_find(o->cb, t, sqlite3_column_int64(st, col));
}

/* The code of the catalog row a column names: null when it names none and may (nullable),
 * else "". */
static void out_code(struct out *o, const char *key, enum codebook_table t, sqlite3_stmt *st, int col,
		     int nullable)
{
	const struct codebook_entry *e = entry_of(o, t, st, col);
	if (e)
		out_str(o, key, e->code, e->code_len);
	else if (nullable)
		out_cstr(o, key, NULL);
	else
		out_str(o, key, "", 0);
}

/* Opens an object under key (NULL: the outermost). */
static void out_open(struct out *o, const char *key)
{
	if (o->tab) {
		if (key) {
			out_cell(o, key, "true", 4);
			o->inner = key;
		}
	} else if (o->b) {
		if (key) {
			out_key(o, key);
			o->depth++;
		}
		o->count[o->depth] = 0;
		buf_putc(o->b, '{');
	} else if (key) {
		json_t *inner = json_object();
		put(o->obj[o->depth], key, inner);
		o->obj[++o->depth] = inner;
	} else {
		o->obj[0] = json_object();
	}
}

static void out_close(struct out *o)
{
	o->inner = NULL;
	if (o->b)
		buf_putc(o->b, '}');
	if (o->depth > 0)
		o->depth--;
}

/* The words of time limit `id` ("5个工作日") from the catalog, which keeps every rule, retired
 * ones too, as (id, handle unit, handle n). 0 when there is no such rule. */
static int time_limit_words(const struct codebook *cb, long long id, char *out, size_t n)
{
	const struct codebook_entry *e = codebook_find(cb, CB_TIME_LIMITS, id);
	int unit = e ? tl_unit_from_code(e->code) : -1;
	if (unit < 0)
		return 0;
	time_limit_text(atoi(e->name), (enum tl_unit)unit, out, n);
	return 1;
}

/* An array SQLite's json_group_array wrote ("" or bad: an empty one). */
static json_t *json_list(const char *json)
{
	json_t *v = json_loads(*json ? json : "[]", 0, NULL);
	if (json_is_array(v))
		return v;
	json_decref(v);
	return json_array();
}

/* cards: [{kind, at, deadline}] as SQLite's json_group_array wrote it; on a page, its words. */
static void out_cards(struct out *o, const char *json)
{
	if (o->b) {
		out_value(o, "cards", NULL, *json ? json : "[]");
		return;
	}
	json_t *v = json_list(json);
	if (o->tab) {
		struct buf words;
		buf_init(&words);
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
		{
			char at[40];
			time_text_minute(json_string_value(json_object_get(c, "at")), at, sizeof at);
			buf_printf(&words, "%s%s（%s，时限 %s）", i ? "；" : "",
				   vs_label(&VS_CARD, json_string_value(json_object_get(c, "kind"))), at,
				   json_string_value(json_object_get(c, "deadline")));
		}
		if (words.len)
			out_cell(o, "cards", words.data, words.len);
		buf_free(&words);
		json_decref(v);
		return;
	}
	out_value(o, "cards", v, NULL);
}

/* A MERGED_ENTRY as SQLite wrote it: its code when the viewer may see that ticket, else NULL. */
static const char *merged_code(const struct out *o, json_t *entry)
{
	const char *code = json_string_value(json_array_get(entry, 0));
	if (!code || !o->viewer)
		return code;
	struct ticket_scope other = { json_string_value(json_array_get(entry, 1)),
				      json_string_value(json_array_get(entry, 2)),
				      json_string_value(json_array_get(entry, 3)) };
	return other.unit_path && authz_in_scope(o->viewer, &other) ? code : NULL;
}

/*
 * 合并: the ticket this one went into (one MERGED_ENTRY or NULL) and those that went into it (an
 * array of them), as codes, each only when the viewer may see it: a ticket outside a person's
 * scope is not named to them, not even by its code. On a page, the codes joined by 、.
 */
static void out_merged(struct out *o, const char *into, const char *merged)
{
	if (!into && (!*merged || !strcmp(merged, "[]"))) { /* nearly every ticket: nothing to read */
		out_cstr(o, "merged_into", NULL);
		if (!o->tab)
			out_value(o, "merged", o->b ? NULL : json_array(), "[]");
		return;
	}
	json_t *e = into ? json_loads(into, 0, NULL) : NULL;
	const char *code = merged_code(o, e);
	out_cstr(o, "merged_into", code);
	json_decref(e);

	json_t *v = json_list(merged), *codes = json_array();
	size_t i;
	json_array_foreach(v, i, e) {
		if ((code = merged_code(o, e)))
			json_array_append_new(codes, json_string(code));
	}
	json_decref(v);
	if (o->tab) {
		struct buf words;
		buf_init(&words);
		json_array_foreach(codes, i, e) buf_printf(&words, "%s%s", i ? "、" : "", json_string_value(e));
		if (words.len)
			out_cell(o, "merged", words.data, words.len);
		buf_free(&words);
		json_decref(codes);
	} else if (o->b) {
		char *text = json_dumps(codes, JSON_COMPACT);
		out_value(o, "merged", codes, text ? text : "[]");
		free(text);
	} else {
		out_value(o, "merged", codes, NULL);
	}
}

/* co_units: [{unit, name, status, note}] as SQLite wrote it; on a page, their words
 * (兴城街道（已签收）). */
static void out_co_units(struct out *o, const char *json)
{
	if (o->b) {
		out_value(o, "co_units", NULL, *json ? json : "[]");
		return;
	}
	json_t *v = json_list(json);
	if (!o->tab) {
		out_value(o, "co_units", v, NULL);
		return;
	}
	struct buf words;
	buf_init(&words);
	co_units_words(v, &words);
	if (words.len)
		out_cell(o, "co_units", words.data, words.len);
	buf_free(&words);
	json_decref(v);
}

static void row_out(sqlite3_stmt *st, int unmasked, struct out *o)
{
	const struct workcal *cal = calendar_in(o->cb);
	struct day_marks m = *marks_for(cal);
	long today = m.today;
	int closed = strcmp(db_text(st, 24), "closed") == 0;
	int paused = sqlite3_column_type(st, 53) != SQLITE_NULL;
	long deadline = date_parse_days(db_text(st, 20));
	long last = date_parse_days(db_text(st, 33));
	out_open(o, NULL);
	out_int(o, "id", sqlite3_column_int64(st, 0));
	out_col(o, "code", st, 1);
	out_code(o, "campaign", CB_CAMPAIGNS, st, 2, 1);
	out_code(o, "source", CB_SOURCES, st, 3, 0);
	out_col_or_null(o, "source_ref", st, 4);
	out_code(o, "category", CB_CATEGORIES, st, 5, 0);
	out_code(o, "domain", CB_DOMAINS, st, 6, 0);
	out_col(o, "title", st, 7);
	out_col(o, "description", st, 8);
	out_code(o, "location_unit", CB_UNITS, st, 9, 1);
	out_col(o, "address", st, 10);
	out_masked(o, "reporter_name", db_text(st, 11), 0, unmasked);
	out_masked(o, "reporter_phone", db_text(st, 12), 1, unmasked);
	out_code(o, "unit", CB_UNITS, st, 13, 0);
	out_code(o, "responsible_unit", CB_UNITS, st, 14, 0);
	static const char *const plain[] = { "responsible_person", "responsible_phone", "urgency", "measures",
					     "requirement", "deadline", "original_deadline", "commitment",
					     "interim_measures", "status" };
	for (int i = 0; i < 10; i++)
		out_col(o, plain[i], st, 15 + i);
	out_int(o, "return_count", sqlite3_column_int(st, 25));
	out_int(o, "unsatisfied_count", sqlite3_column_int(st, 26));
	out_int(o, "callback_count", sqlite3_column_int(st, 27));
	out_col_or_null(o, "color", st, 28);
	out_bool(o, "supervised", sqlite3_column_int(st, 29));
	out_bool(o, "relapsed", sqlite3_column_int(st, 30));
	if (sqlite3_column_type(st, 31) == SQLITE_NULL) {
		out_cstr(o, "extension_request", NULL);
	} else {
		out_open(o, "extension_request");
		out_col(o, "deadline", st, 31);
		out_col(o, "reason", st, 32);
		out_close(o);
	}
	out_col(o, "last_progress_on", st, 33);
	out_col_or_null(o, "closed_on", st, 34);
	out_cstr(o, "light", deadline_light(deadline, &m, closed, paused));
	out_bool(o, "stale", is_stale(last, &m, closed || paused || !strcmp(db_text(st, 24), "verifying")));
	/* Working days left, null once closed; estimated when a year it counts through has no
	 * holiday notice loaded (SPEC section 8). */
	int estimated = 0;
	if (closed || paused || deadline < 0)
		out_cstr(o, "working_days_left", NULL);
	else
		out_int(o, "working_days_left", workcal_days_left(cal, today, deadline, &estimated));
	out_bool(o, "estimated", !closed && !paused && (estimated || m.estimated));
	out_col(o, "created_at", st, 35);
	out_col(o, "updated_at", st, 36);
	out_int(o, "version", sqlite3_column_int(st, 37));
	out_col_or_null(o, "received_on", st, 39);
	out_bool(o, "complex", sqlite3_column_int(st, 40));
	out_col_or_null(o, "reopened_on", st, 41);
	out_col(o, "reopen_reason", st, 42);
	out_bool(o, "deadline_pending", sqlite3_column_int(st, 43));
	/* Dispatch and signing (SPEC section 8): the rule's words from the rule the ticket keeps. */
	out_col_or_null(o, "dispatched_at", st, 45);
	out_col_or_null(o, "sign_by", st, 46);
	out_col_or_null(o, "signed_at", st, 47);
	out_bool(o, "signed_late", sqlite3_column_int(st, 48));
	out_bool(o, "deadline_by_rule", sqlite3_column_int(st, 49));
	out_bool(o, "commitment_due", sqlite3_column_int(st, 50));
	/* The pause (挂起): since when, and a request waiting for its decision. */
	out_bool(o, "suspended", paused);
	out_col_or_null(o, "suspended_on", st, 53);
	if (sqlite3_column_int(st, 51)) {
		out_open(o, "suspend_request");
		out_col(o, "reason", st, 52);
		out_close(o);
	} else {
		out_cstr(o, "suspend_request", NULL);
	}
	/* The dispatch loop (SPEC section 9): reminders and the cards the server issued. */
	out_int(o, "urge_count", sqlite3_column_int64(st, 54));
	out_cards(o, db_text(st, 55));
	out_co_units(o, db_text(st, 56));
	/* 合并: the ticket this one was merged into; those merged into it. */
	out_merged(o, sqlite3_column_type(st, 57) == SQLITE_NULL ? NULL : db_text(st, 57), db_text(st, 58));
	/* 补报 (SPEC section 12): self-found, logged after its street filed the ledger. */
	out_bool(o, "supplement", sqlite3_column_int(st, 59));
	char rule_text[48];
	long long rule_id = sqlite3_column_int64(st, 44);
	if (rule_id && time_limit_words(o->cb, rule_id, rule_text, sizeof rule_text)) {
		out_open(o, "time_limit");
		out_int(o, "id", rule_id);
		out_cstr(o, "text", rule_text);
		out_close(o);
	} else {
		out_cstr(o, "time_limit", NULL);
	}
	static const struct {
		const char *key;
		enum codebook_table table;
		int col;
	} names[] = { { "unit", CB_UNITS, 13 },	      { "responsible_unit", CB_UNITS, 14 },
		      { "location_unit", CB_UNITS, 9 }, { "domain", CB_DOMAINS, 6 },
		      { "source", CB_SOURCES, 3 },      { "category", CB_CATEGORIES, 5 },
		      { "campaign", CB_CAMPAIGNS, 2 } };
	out_open(o, "names");
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		const struct codebook_entry *e = entry_of(o, names[i].table, st, names[i].col);
		out_str(o, names[i].key, e ? e->name : "", e ? e->name_len : 0);
	}
	out_cstr(o, "status", status_label((enum status)status_from_code(db_text(st, 24))));
	out_cstr(o, "urgency", urgency_label(db_text(st, 17)));
	out_close(o);
	out_close(o);
}

static json_t *row_json(sqlite3_stmt *st, const struct codebook *cb, int unmasked, const struct subject *viewer)
{
	struct out o = { .cb = cb, .viewer = viewer };
	row_out(st, unmasked, &o);
	return o.obj[0];
}

/* Where a statement holds a ticket's status, version, extension deadline and two paths. */
struct ref_columns {
	int status, version, extension_deadline, unit_path, responsible_path;
	int child_lists; /* -1: not read (all lists) */
	int suspend_pending, suspended_on;
	int co_paths;
};

static void ref_read(sqlite3_stmt *st, long long id, const struct ref_columns *c, struct ticket_ref *t)
{
	t->id = id;
	t->status = (enum status)status_from_code(db_text(st, c->status));
	t->version = sqlite3_column_int(st, c->version);
	t->extension_pending = sqlite3_column_type(st, c->extension_deadline) != SQLITE_NULL;
	str_copy(t->unit_path, sizeof t->unit_path, db_text(st, c->unit_path));
	str_copy(t->responsible_path, sizeof t->responsible_path, db_text(st, c->responsible_path));
	str_copy(t->co_paths, sizeof t->co_paths, db_text(st, c->co_paths));
	t->child_lists = c->child_lists >= 0 ? sqlite3_column_int(st, c->child_lists) : -1;
	t->pause = sqlite3_column_type(st, c->suspended_on) != SQLITE_NULL ? PAUSE_PAUSED
		   : sqlite3_column_int(st, c->suspend_pending)		   ? PAUSE_REQUESTED
									   : PAUSE_NONE;
}

int ticket_ref_load(struct db *db, long long id, struct ticket_ref *t)
{
	static const char q[] = "SELECT status, version, extension_deadline, unit_path, responsible_path, "
				"suspend_pending, suspended_on, " TICKET_CO_PATHS " FROM tickets t WHERE id = ?1";
	static const struct ref_columns cols = { 0, 1, 2, 3, 4, -1, 5, 6, 7 };
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		ref_read(st, id, &cols, t);
	db_done(st);
	return found;
}

int ticket_code_of(struct db *db, long long id, char *out, size_t n)
{
	static const char q[] = "SELECT code FROM tickets WHERE id = ?1";
	sqlite3_stmt *st = db_prepare(db, q);
	int found = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			str_copy(out, n, db_text(st, 0));
			found = 1;
		}
		db_done(st);
	}
	return found;
}

struct ticket_scope ticket_ref_scope(const struct ticket_ref *t)
{
	return (struct ticket_scope){ t->unit_path, t->responsible_path, t->co_paths };
}

/* Masks the reporter's fields inside an event's before/after. */
static json_t *event_side(const char *text, int unmasked)
{
	if (!text)
		return json_null();
	json_t *v = json_loads(text, 0, NULL);
	if (!v)
		return json_null();
	if (!unmasked && json_is_object(v)) {
		const char *n = json_string_value(json_object_get(v, "reporter_name"));
		const char *p = json_string_value(json_object_get(v, "reporter_phone"));
		if (n)
			json_object_set_new(v, "reporter_name", masked(n, 0));
		if (p)
			json_object_set_new(v, "reporter_phone", masked(p, 1));
	}
	return v;
}

/*
 * All five kinds in one statement: each arm pads its columns to seven and names its kind in
 * the eighth. UNION ALL gives the arms one after the other, and each arm's rows come in its
 * index's order, which within one ticket is the order they were added (id); no sort is asked
 * for, since ORDER BY on a compound makes SQLite sort every arm in a temporary b-tree.
 */
#define CHILD_ARM_PROGRESS                                                                                 \
	"SELECT p.on_date, p.at, coalesce(u.name, ''), p.kind, p.note, "                                   \
	"(SELECT name FROM units WHERE id = p.unit_id), NULL, 0 FROM progress p "                           \
	"LEFT JOIN users u ON u.id = p.author_id WHERE ?2 & 1 AND p.ticket_id = ?1 "
#define CHILD_ARM_ATTACHMENTS \
	"SELECT id, name, mime, size, has_thumb, at, sha256, 1 FROM attachments WHERE ?2 & 2 AND ticket_id = ?1 "
#define CHILD_ARM_CALLBACKS                                                                                \
	"SELECT c.at, c.result, c.method, c.note, coalesce(u.name, ''), c.resolved, NULL, 2 FROM callbacks c "  \
	"LEFT JOIN users u ON u.id = c.by_id WHERE ?2 & 4 AND c.ticket_id = ?1 "
#define CHILD_ARM_EVENTS                                                                                   \
	"SELECT id, at, actor, action, before, after, NULL, 3 FROM events "                                 \
	"WHERE entity = 'ticket' AND entity_id = ?1 "
/* A page needs three values of each event's record, which SQLite reads out in place. */
/* Who did it as a person reads it: the user's name and unit (张专员（兴仁街道）), else the login. */
#define CHILD_ARM_EVENTS_BRIEF                                                                             \
	"SELECT e.id, e.at, coalesce(u.name || '（' || un.name || '）', e.actor), e.action, "                  \
	"json_extract(e.before, '$.status'), json_extract(e.after, '$.status'), "                           \
	"coalesce(json_extract(e.after, '$.input.reason'), json_extract(e.after, '$.input.note'), "         \
	"json_extract(e.after, '$.input.statement')), 3 FROM events e LEFT JOIN users u ON u.id = e.actor_id " \
	"LEFT JOIN units un ON un.id = u.unit_id WHERE e.entity = 'ticket' AND e.entity_id = ?1 "
#define CHILD_ARM_LINKS                                                                                    \
	"SELECT t.id, t.code, t.title, t.unit_path, t.responsible_path, " TICKET_CO_PATHS ", NULL, 4 FROM ticket_links l "            \
	"JOIN tickets t ON t.id = l.other_id WHERE ?2 & 8 AND l.ticket_id = ?1 "
enum { CHILD_KIND = 7 };

void ticket_children_each(struct db *db, long long id, int lists, int brief_events, const struct subject *viewer,
			  ticket_child_fn fn, void *arg)
{
	assert(viewer);
	static const char q_all[] = CHILD_ARM_PROGRESS "UNION ALL " CHILD_ARM_ATTACHMENTS "UNION ALL " CHILD_ARM_CALLBACKS
		"UNION ALL " CHILD_ARM_EVENTS "UNION ALL " CHILD_ARM_LINKS;
	static const char q_brief[] = CHILD_ARM_PROGRESS "UNION ALL " CHILD_ARM_ATTACHMENTS "UNION ALL " CHILD_ARM_CALLBACKS
		"UNION ALL " CHILD_ARM_EVENTS_BRIEF "UNION ALL " CHILD_ARM_LINKS;
	sqlite3_stmt *st = db_prepare(db, brief_events ? q_brief : q_all);
	if (!st)
		return;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, lists); /* each arm but the events' asks ?2 for its bit first */
	while (sqlite3_step(st) == SQLITE_ROW) {
		int kind = sqlite3_column_int(st, CHILD_KIND);
		if (kind == TICKET_LINKS) {
			struct ticket_scope other = { db_text(st, 3), db_text(st, 4), db_text(st, 5) };
			if (!authz_in_scope(viewer, &other))
				continue;
		}
		if (kind >= TICKET_PROGRESS && kind <= TICKET_LINKS)
			fn(arg, (enum ticket_child)kind, st);
	}
	db_done(st);
}

/* The children as ticket_json's arrays. */
struct child_arrays {
	json_t *a[TICKET_LINKS + 1];
	int unmasked;
	struct db *db;
	const struct subject *viewer;
};

/* Whether the ticket with this code is one viewer may see (an unknown code is not). */
static int code_in_scope(struct db *db, const struct subject *viewer, const char *code)
{
	static const char q[] = "SELECT unit_path, responsible_path, " TICKET_CO_PATHS " FROM tickets t WHERE code = ?1";
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int ok = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		struct ticket_scope other = { db_text(st, 0), db_text(st, 1), db_text(st, 2) };
		ok = authz_in_scope(viewer, &other);
	}
	db_done(st);
	return ok;
}

/* An event's side as a viewer reads it: the tickets it names beside this one (合并: merged_into,
 * merged, the action's into) only when the viewer may see them, as out_merged keeps them. */
static void event_side_scoped(json_t *side, struct db *db, const struct subject *viewer)
{
	if (!json_is_object(side))
		return;
	const char *into = json_string_value(json_object_get(side, "merged_into"));
	if (into && !code_in_scope(db, viewer, into))
		json_object_set_new(side, "merged_into", json_null());
	json_t *merged = json_object_get(side, "merged");
	if (json_is_array(merged)) {
		for (size_t i = json_array_size(merged); i-- > 0;) {
			const char *code = json_string_value(json_array_get(merged, i));
			if (!code || !code_in_scope(db, viewer, code))
				json_array_remove(merged, i);
		}
	}
	json_t *input = json_object_get(side, "input");
	const char *named = json_string_value(json_object_get(input, "into"));
	if (named && !code_in_scope(db, viewer, named))
		json_object_set_new(input, "into", json_null());
}

static void child_json(void *arg, enum ticket_child kind, sqlite3_stmt *st)
{
	struct child_arrays *c = arg;
	json_t *v = NULL;
	switch (kind) {
	case TICKET_PROGRESS:
		/* co_unit: the co-handling unit a note was written for (协办) */
		v = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?}", "date", db_text(st, 0), "at", db_text(st, 1), "author",
			      db_text(st, 2), "kind", db_text(st, 3), "note", db_text(st, 4), "co_unit",
			      (const char *)sqlite3_column_text(st, 5));
		break;
	case TICKET_ATTACHMENTS: {
		long long aid = sqlite3_column_int64(st, 0);
		char url[64], thumb[80];
		snprintf(url, sizeof url, "/api/v1/attachments/%lld", aid);
		snprintf(thumb, sizeof thumb, "/api/v1/attachments/%lld/thumb", aid);
		v = json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:s?,s:s}", "id", aid, "name", db_text(st, 1), "mime",
			      db_text(st, 2), "size", sqlite3_column_int64(st, 3), "at", db_text(st, 5), "url", url,
			      "thumb_url", sqlite3_column_int(st, 4) ? thumb : NULL, "sha256", db_text(st, 6));
		break;
	}
	case TICKET_CALLBACKS:
		v = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "at", db_text(st, 0), "result", db_text(st, 1), "method",
			      db_text(st, 2), "note", db_text(st, 3), "by", db_text(st, 4), "resolved",
			      sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null()
									 : json_boolean(sqlite3_column_int(st, 5)));
		break;
	case TICKET_EVENTS: {
		json_t *before = event_side(sqlite3_column_type(st, 4) == SQLITE_NULL ? NULL : db_text(st, 4), c->unmasked);
		json_t *after = event_side(sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : db_text(st, 5), c->unmasked);
		event_side_scoped(before, c->db, c->viewer);
		event_side_scoped(after, c->db, c->viewer);
		v = json_pack("{s:I,s:s,s:s,s:s,s:o,s:o}", "id", sqlite3_column_int64(st, 0), "at", db_text(st, 1),
			      "actor", db_text(st, 2), "action", db_text(st, 3), "before", before, "after", after);
		break;
	}
	case TICKET_LINKS:
		v = json_pack("{s:I,s:s,s:s}", "id", sqlite3_column_int64(st, 0), "code", db_text(st, 1), "title",
			      db_text(st, 2));
		break;
	}
	json_array_append_new(c->a[kind], v);
}

static void add_children(struct db *db, long long id, json_t *t, int unmasked, const struct subject *viewer)
{
	static const char *const names[] = { [TICKET_PROGRESS] = "progress", [TICKET_ATTACHMENTS] = "attachments",
					     [TICKET_CALLBACKS] = "callbacks", [TICKET_EVENTS] = "events",
					     [TICKET_LINKS] = "links" };
	struct child_arrays c = { .unmasked = unmasked, .db = db, .viewer = viewer };
	for (int k = 0; k <= TICKET_LINKS; k++)
		c.a[k] = json_array();
	ticket_children_each(db, id, -1, 0, viewer, child_json, &c);
	for (int k = 0; k <= TICKET_LINKS; k++)
		json_object_set_new(t, names[k], c.a[k]);
}

json_t *ticket_evidence_shared(struct db *db, long long id, const struct subject *viewer)
{
	static const char q[] = "SELECT DISTINCT t.id, t.code, a.name, t.unit_path, t.responsible_path, " TICKET_CO_PATHS
				" FROM attachments a JOIN attachments b ON b.sha256 = a.sha256 AND b.ticket_id <> a.ticket_id "
				"JOIN tickets t ON t.id = b.ticket_id WHERE a.ticket_id = ?1 ORDER BY t.code";
	json_t *out = json_array();
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return out;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ticket_scope other = { db_text(st, 3), db_text(st, 4), db_text(st, 5) };
		if (!viewer || authz_in_scope(viewer, &other))
			json_array_append_new(out, json_pack("{s:I,s:s,s:s}", "id", sqlite3_column_int64(st, 0), "code",
							     db_text(st, 1), "file", db_text(st, 2)));
	}
	db_done(st);
	return out;
}

static const char q_ticket[] = "SELECT " TICKET_COLUMNS TICKET_FROM "WHERE t.id = ?1";

json_t *ticket_json(struct db *db, long long id, int unmasked, const struct subject *viewer)
{
	sqlite3_stmt *st = db_prepare(db, q_ticket);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	json_t *t = sqlite3_step(st) == SQLITE_ROW ? row_json(st, codebook_get(db), unmasked, viewer) : NULL;
	db_done(st);
	if (t && viewer) {
		add_children(db, id, t, unmasked, viewer);
		/* The same file on another ticket (SPEC section 12), one the viewer may see. */
		json_object_set_new(t, "evidence_shared", json_array_size(json_object_get(t, "attachments"))
								  ? ticket_evidence_shared(db, id, viewer)
								  : json_array());
	}
	return t;
}

/* The page's row carries what ticket_ref_load reads, at these places of TICKET_COLUMNS and after. */
static const char q_ticket_page[] =
	"SELECT " TICKET_COLUMNS ", t.unit_path, t.responsible_path, t.child_lists, " TICKET_CO_PATHS " " TICKET_FROM
	"WHERE t.id = ?1";
static const struct ref_columns page_ref_columns = { .status = 24, .version = 37, .extension_deadline = 31,
						     .unit_path = 60, .responsible_path = 61, .child_lists = 62,
						     .suspend_pending = 51, .suspended_on = 53, .co_paths = 63 };

int ticket_row_table(struct db *db, long long id, struct ticket_ref *ref, ticket_decide_fn decide, void *arg,
		     const struct subject *viewer, struct tmpl_table *t)
{
	sqlite3_stmt *st = db_prepare(db, q_ticket_page);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st) == SQLITE_ROW;
	if (rc) {
		ref_read(st, id, &page_ref_columns, ref);
		int unmasked = decide(arg, ref);
		if (unmasked < 0) {
			rc = -1;
		} else {
			tmpl_table_row(t);
			struct out o = { .tab = t, .cb = codebook_get(db), .viewer = viewer };
			row_out(st, unmasked, &o);
		}
	}
	db_done(st);
	return rc;
}

/* The ticket as an event records it: every field, unmasked, without derived or child data. */
static json_t *snapshot(struct db *w, long long id)
{
	json_t *t = ticket_json(w, id, TICKET_UNMASKED, NULL);
	if (t) {
		json_object_del(t, "names");
		json_object_del(t, "light");
		json_object_del(t, "stale");
	}
	return t;
}

/* ---------------------------------------------------------------- validation */


static void field_error(json_t *errors, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void field_error(json_t *errors, const char *field, const char *fmt, ...)
{
	if (json_object_get(errors, field))
		return;
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_object_set_new(errors, field, json_string(msg));
}

/* The string value of key: "" when absent or null; NULL (and an error) for other types. */
static const char *str_in(json_t *in, const char *key, json_t *errors)
{
	json_t *v = json_object_get(in, key);
	if (!v || json_is_null(v))
		return "";
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (!utf8_valid(s, json_string_length(v)) || strlen(s) != json_string_length(v)) {
			field_error(errors, key, "含有无效字符");
			return NULL;
		}
		return s;
	}
	field_error(errors, key, "须为文本");
	return NULL;
}

/* A text, phone or date value against its row of the field table (checked as fields.h checks
 * one value of its kind); 1 if it may be kept. */
static int check_text(const struct ticket_field *f, const char *v, json_t *errors)
{
	if (!v)
		return 0;
	const char *p = v;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (f->required && !*p) {
		field_error(errors, f->name, "请填写%s", f->label);
		return 0;
	}
	char msg[256];
	enum field_kind kind = f->type == FT_DATE ? FK_DATE : f->type == FT_PHONE ? FK_PHONE : FK_TEXT;
	if (!field_value_ok(kind, f->label, 0, f->max, NULL, v, msg, sizeof msg)) {
		field_error(errors, f->name, "%s", msg);
		return 0;
	}
	return 1;
}


static const char q_source[] = "SELECT id FROM sources WHERE code = ?1 AND active = 1";
static const char q_category[] = "SELECT id FROM categories WHERE code = ?1 AND active = 1";
static const char q_domain[] = "SELECT id FROM domains WHERE code = ?1 AND active = 1";
static const char q_campaign[] = "SELECT id FROM campaigns WHERE code = ?1";
/* The query that resolves a code of the catalog field name. */
static const char *catalog_query(const char *name)
{
	return !strcmp(name, "source") ? q_source : !strcmp(name, "category") ? q_category
		: !strcmp(name, "domain") ? q_domain : q_campaign;
}

static const char q_unit_info[] = "SELECT u.id, u.kind, u.path, coalesce(p.code, '') FROM units u "
				  "LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = ?1 AND u.active = 1";

struct unit_info {
	long long id;
	char kind[16], path[256], parent[33];
};

static int unit_info(struct db *db, const char *code, struct unit_info *u)
{
	sqlite3_stmt *st = db_prepare(db, q_unit_info);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		u->id = sqlite3_column_int64(st, 0);
		snprintf(u->kind, sizeof u->kind, "%s", db_text(st, 1));
		snprintf(u->path, sizeof u->path, "%s", db_text(st, 2));
		snprintf(u->parent, sizeof u->parent, "%s", db_text(st, 3));
	}
	db_done(st);
	return found;
}

/* The end of a campaign's rectification phase as a day number, 0 if it has none. */
static long rectify_end(struct db *db, long long campaign_id)
{
	static const char q[] = "SELECT max(end_date) FROM campaign_phases WHERE campaign_id = ?1 AND kind = 'rectify'";
	sqlite3_stmt *st = db_prepare(db, q);
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, campaign_id);
	long end = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL
			   ? date_parse_days(db_text(st, 0))
			   : 0;
	db_done(st);
	return end > 0 ? end : 0;
}

/*
 * The times a dispatch at `now` sets (SPEC section 8): the most specific rule in force for the
 * source, category and urgency, its time to sign and its deadline (counted to the phase's end
 * `end`, a day number, for phase_end rules). rule_id 0 and handle_due -1 when no rule matches.
 */
struct dispatch_times {
	long long rule_id;
	char limit_text[48];
	char sign_by[32];
	time_t handle_due;
	int estimated;
};

static void dispatch_times_of(struct db *db, long long source_id, long long category_id, const char *urgency,
			      long end, time_t now, struct dispatch_times *d)
{
	memset(d, 0, sizeof *d);
	d->handle_due = -1;
	size_t nrules = 0;
	struct time_limit *rules = time_limits_in_force(db, &nrules);
	int rule_at = time_limit_match(rules, nrules, source_id, category_id, urgency);
	if (rule_at >= 0) {
		const struct time_limit *rule = &rules[rule_at];
		const struct workcal *cal = calendar_of(db);
		d->rule_id = rule->id;
		time_limit_text(rule->handle_n, rule->handle_unit, d->limit_text, sizeof d->limit_text);
		time_t sign = time_limit_due(cal, now, rule->sign_n, rule->sign_unit, -1, &d->estimated);
		time_format_rfc3339(sign, d->sign_by, sizeof d->sign_by);
		d->handle_due = time_limit_due(cal, now, rule->handle_n, rule->handle_unit, end > 0 ? end : -1,
					       &d->estimated);
	}
	free(rules);
}

int ticket_prepare(struct db *db, json_t *in, struct ticket_input *t, json_t *errors)
{
	static const char q_default_campaign[] = "SELECT id FROM campaigns WHERE active = 1 ORDER BY id DESC LIMIT 1";
	static const char q_domain_unit[] = "SELECT coalesce(u.code, '') FROM domains d LEFT JOIN units u "
					    "ON u.id = d.default_unit_id WHERE d.id = ?1";
	t->in = in;
	/* The field table's texts and dates, each into its place in t. */
	for (size_t i = 0; i < ticket_field_count; i++) {
		const struct ticket_field *f = &ticket_fields[i];
		if (f->input < 0)
			continue;
		assert(f->type == FT_TEXT || f->type == FT_PHONE || f->type == FT_DATE);
		const char *v = str_in(in, f->name, errors);
		check_text(f, v, errors);
		*(const char **)((char *)t + f->input) = v ? v : "";
	}
	const char *source = str_in(in, "source", errors), *category = str_in(in, "category", errors);
	const char *domain = str_in(in, "domain", errors), *campaign = str_in(in, "campaign", errors);
	const char *unit = str_in(in, "unit", errors), *resp = str_in(in, "responsible_unit", errors);
	const char *loc = str_in(in, "location_unit", errors), *urgency = str_in(in, "urgency", errors);
	const char *deadline = str_in(in, "deadline", errors);

	if (source && !(t->source_id = db_lookup_id(db, q_source, source)))
		field_error(errors, "source", *source ? "问题来源“%s”不存在" : "请选择问题来源", source);
	if (category && !(t->category_id = db_lookup_id(db, q_category, category)))
		field_error(errors, "category", *category ? "类别“%s”不存在" : "请选择类别", category);
	if (domain && !(t->domain_id = db_lookup_id(db, q_domain, domain)))
		field_error(errors, "domain", *domain ? "领域“%s”不存在" : "请选择领域", domain);
	if (campaign && *campaign) {
		if (!(t->campaign_id = db_lookup_id(db, q_campaign, campaign)))
			field_error(errors, "campaign", "行动“%s”不存在", campaign);
	} else {
		sqlite3_stmt *st = db_prepare(db, q_default_campaign);
		t->campaign_id = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		db_done(st);
	}

	struct unit_info ui = { 0 }, ri = { 0 }, li = { 0 };
	if (unit && !*unit) {
		field_error(errors, "unit", "请选择属地单位");
	} else if (unit && (!unit_info(db, unit, &ui) || (strcmp(ui.kind, "street") && strcmp(ui.kind, "department")))) {
		field_error(errors, "unit", "属地单位须为街道或区直部门");
	} else if (unit) {
		t->unit_id = ui.id;
		snprintf(t->unit_code, sizeof t->unit_code, "%s", unit);
		snprintf(t->unit_path, sizeof t->unit_path, "%s", ui.path);
	}
	if (loc && *loc) {
		if (!unit_info(db, loc, &li) || (strcmp(li.kind, "community") && strcmp(li.kind, "village")))
			field_error(errors, "location_unit", "所在社区/村不存在");
		else if (t->unit_id && strcmp(li.parent, unit) != 0)
			field_error(errors, "location_unit", "所在社区/村须属于属地单位");
		else
			t->location_unit_id = li.id;
	}
	/* The responsible unit: as given, else the domain's usual one, else the owning unit. */
	char resp_code[33] = "";
	if (resp && *resp) {
		snprintf(resp_code, sizeof resp_code, "%s", resp);
	} else if (t->domain_id) {
		sqlite3_stmt *st = db_prepare(db, q_domain_unit);
		if (st) {
			sqlite3_bind_int64(st, 1, t->domain_id);
			if (sqlite3_step(st) == SQLITE_ROW)
				snprintf(resp_code, sizeof resp_code, "%s", db_text(st, 0));
			db_done(st);
		}
	}
	if (!resp_code[0] && unit)
		snprintf(resp_code, sizeof resp_code, "%s", unit);
	if (resp_code[0]) {
		if (!unit_info(db, resp_code, &ri) || strcmp(ri.kind, "district") == 0) {
			field_error(errors, "responsible_unit", "责任单位“%s”不存在", resp_code);
		} else {
			t->responsible_unit_id = ri.id;
			snprintf(t->responsible_path, sizeof t->responsible_path, "%s", ri.path);
		}
	}

	/* 协办: the centre names the co-units (staff log a problem; who shares it is dispatch). */
	json_t *co = json_object_get(in, "co_units");
	if (co && !json_is_null(co) && !(json_is_string(co) && !*json_string_value(co))) {
		if (t->creator.role != ROLE_REVIEWER)
			field_error(errors, "co_units", "只有区级调度人员可以指定协办单位");
		else
			co_units_parse(db, co, t->responsible_unit_id, &t->co, errors, "co_units");
	}

	t->urgency = urgency && *urgency ? urgency : "normal";
	/* Older sheets and clients wrote a complex case as the urgency 复杂: its complexity is
	 * decided by the deadline below, its urgency is then the ordinary one. */
	if (!strcmp(t->urgency, "complex") || !strcmp(t->urgency, "复杂"))
		t->urgency = "normal";
	if (urgency_rank(t->urgency) < 0)
		field_error(errors, "urgency", "缓急须为紧急或一般");

	/* The time limit: the most specific rule in force for the source, category and urgency
	 * (SPEC section 8), counted from now, the dispatch. */
	long end = t->campaign_id ? rectify_end(db, t->campaign_id) : 0;
	struct dispatch_times dt;
	dispatch_times_of(db, t->source_id, t->category_id, t->urgency, end, clock_now(), &dt);
	time_t handle_due = dt.handle_due;
	if (dt.rule_id) {
		t->time_limit_id = dt.rule_id;
		str_copy(t->limit_text, sizeof t->limit_text, dt.limit_text);
		str_copy(t->sign_by, sizeof t->sign_by, dt.sign_by);
		t->limit_estimated = dt.estimated;
	}
	/* The deadline: as given (a past one is accepted: backlogs arrive overdue), else the
	 * rule's, else the end of the rectification phase. Beyond that end the case is complex
	 * by definition. */
	if (deadline && *deadline) {
		if (date_parse_days(deadline) < 0)
			field_error(errors, "deadline", "整改时限须为有效日期（YYYY-MM-DD）");
		else
			snprintf(t->deadline, sizeof t->deadline, "%s", deadline);
	} else if (handle_due >= 0) {
		time_format_date(handle_due, t->deadline, sizeof t->deadline);
		t->deadline_rule = 1;
	} else if (end > 0) {
		time_format_date((time_t)end * 86400 - 8 * 3600, t->deadline, sizeof t->deadline);
	} else if (deadline) {
		field_error(errors, "deadline", "请填写整改时限");
	}
	if (t->deadline[0] && deadline_needs_commitment(date_parse_days(t->deadline), end) && t->deadline_rule) {
		/* A computed deadline never refuses the ticket: it waits for its commitment, which
		 * signing for it then requires (待补整改承诺). */
		t->complex = 1;
		t->commitment_due = !*t->commitment || !*t->interim_measures;
	} else if (t->deadline[0] && deadline_needs_commitment(date_parse_days(t->deadline), end)) {
		char end_s[11];
		time_format_date((time_t)end * 86400 - 8 * 3600, end_s, sizeof end_s);
		t->complex = 1;
		if (!*t->commitment)
			field_error(errors, "commitment", "整改时限超出集中整改阶段（截至 %s），须填写向群众公开的整改承诺",
				    end_s);
		if (!*t->interim_measures)
			field_error(errors, "interim_measures", "整改时限超出集中整改阶段（截至 %s），须填写应急措施", end_s);
	}
	return json_object_size(errors) ? -1 : 0;
}

/* ---------------------------------------------------------------- writing */

static int step_done(struct db *w, sqlite3_stmt *st, struct err *e)
{
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	db_done(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

static int run_for(struct db *w, const char *const *steps, size_t n, long long id, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = db_prepare(w, steps[i]);
		if (st)
			sqlite3_bind_int64(st, 1, id);
		if (step_done(w, st, e) != 0)
			return -1;
	}
	return 0;
}

/* Rewrites the ticket's search row from its title, description and notes. */
static int fts_refresh(struct db *w, long long id, struct err *e)
{
	static const char q_del[] = "DELETE FROM tickets_fts WHERE rowid = ?1";
	static const char q_ins[] = "INSERT INTO tickets_fts (rowid, title, description, notes) "
				    "SELECT t.id, search_terms(t.title), search_terms(t.description), "
				    "search_terms(coalesce((SELECT group_concat(note, ' ') FROM progress "
				    "WHERE ticket_id = t.id), '')) FROM tickets t WHERE t.id = ?1";
	const char *const steps[] = { q_del, q_ins };
	return run_for(w, steps, ARRAY_LEN(steps), id, e);
}

/* Rewrites its row of the address and caller index (020_contact_search.sql): on creation and
 * edits, the only writes that change those columns. */
static int contact_refresh(struct db *w, long long id, struct err *e)
{
	static const char q_del[] = "DELETE FROM tickets_contact_fts WHERE rowid = ?1";
	static const char q_ins[] = "INSERT INTO tickets_contact_fts (rowid, address, person) "
				    "SELECT id, search_terms(address), search_person_terms(reporter_name, reporter_phone) "
				    "FROM tickets WHERE id = ?1 AND (address <> '' OR reporter_name <> '' OR reporter_phone <> '')";
	const char *const steps[] = { q_del, q_ins };
	return run_for(w, steps, ARRAY_LEN(steps), id, e);
}

int ticket_create_job(struct db *w, void *arg, struct err *e)
{
	static const char q_seq[] = "INSERT INTO ticket_seq (unit_id, year, next) VALUES (?1, ?2, 2) "
				    "ON CONFLICT (unit_id, year) DO UPDATE SET next = next + 1 RETURNING next - 1";
	static const char q_dup[] = "SELECT code, id, unit_path, responsible_path, " TICKET_CO_PATHS " FROM tickets t "
				    "WHERE source_id = ?1 AND source_ref = ?2";
	static const char q_insert[] =
		"INSERT INTO tickets (code, campaign_id, source_id, source_ref, category_id, domain_id, title, "
		"description, location_unit_id, address, reporter_name, reporter_phone, unit_id, responsible_unit_id, "
		"responsible_person, responsible_phone, urgency, urgency_rank, measures, requirement, deadline, "
		"original_deadline, commitment, interim_measures, status, last_progress_on, created_at, created_by, "
		"updated_at, unit_path, responsible_path, child_lists, received_on, complex, time_limit_id, dispatched_at, "
		"sign_by, deadline_rule, commitment_due, limit_estimated) VALUES (?1, ?2, ?3, nullif(?4, ''), "
		"?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?21, ?22, ?23, 'open', ?24, "
		"?30, ?26, ?25, ?27, ?28, 0, nullif(?29, ''), ?31, nullif(?32, 0), ?25, nullif(?33, ''), ?34, ?35, ?36)";
	/* Repeats are looked for in the new ticket's own street only: a link shows each ticket to
	 * whoever may see the other, and marks it for supervision. */
	static const char q_repeat[] = "SELECT id FROM tickets WHERE location_unit_id = ?1 AND domain_id = ?2 AND id <> ?3 "
				       "AND created_at >= ?4 AND unit_id = ?5";
	static const char q_link[] = "INSERT OR IGNORE INTO ticket_links (ticket_id, other_id, reason) VALUES (?1, ?2, ?3)";
	static const char q_supervise[] = "UPDATE tickets SET supervised = 1 WHERE id = ?1";
	struct ticket_input *t = arg;
	time_t now = clock_now();
	char at[32], today[11], since[32];
	time_format_rfc3339(now, at, sizeof at);
	time_format_date(now, today, sizeof today);
	time_format_rfc3339(now - 90 * 86400, since, sizeof since);

	if (*t->source_ref) {
		sqlite3_stmt *st = db_prepare(w, q_dup);
		if (st) {
			sqlite3_bind_int64(st, 1, t->source_id);
			sqlite3_bind_text(st, 2, t->source_ref, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				/* Another street's ticket is not named to someone who may not see it. */
				struct ticket_scope other = { db_text(st, 2), db_text(st, 3), db_text(st, 4) };
				if (authz_in_scope(&t->creator, &other)) {
					err_set(e, 409, "duplicate", "source_ref", "原工单号 %s 已登记为问题 %s", t->source_ref,
						db_text(st, 0));
					t->duplicate_of = sqlite3_column_int64(st, 1);
					str_copy(t->duplicate_code, sizeof t->duplicate_code, db_text(st, 0));
				} else {
					t->duplicate_elsewhere = sqlite3_column_int64(st, 1);
					err_set(e, 409, "duplicate", "source_ref",
						"原工单号 %s 已由其他单位登记，不能重复登记；已告知区级调度人员核查", t->source_ref);
				}
				db_done(st);
				return -1;
			}
			db_done(st);
		}
	}
	sqlite3_stmt *st = db_prepare(w, q_seq);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, t->unit_id);
	sqlite3_bind_int(st, 2, atoi(today));
	long long seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	if (!seq)
		goto dberr;
	char code[80];
	snprintf(code, sizeof code, "%s-%.4s-%06lld", t->unit_code, today, seq);

	st = db_prepare(w, q_insert);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if (t->campaign_id)
		sqlite3_bind_int64(st, 2, t->campaign_id);
	sqlite3_bind_int64(st, 3, t->source_id);
	sqlite3_bind_text(st, 4, t->source_ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, t->category_id);
	sqlite3_bind_int64(st, 6, t->domain_id);
	sqlite3_bind_text(st, 7, t->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, t->description, -1, SQLITE_STATIC);
	if (t->location_unit_id)
		sqlite3_bind_int64(st, 9, t->location_unit_id);
	sqlite3_bind_text(st, 10, t->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, t->reporter_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, t->reporter_phone, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, t->unit_id);
	sqlite3_bind_int64(st, 14, t->responsible_unit_id);
	sqlite3_bind_text(st, 15, t->responsible_person, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, t->responsible_phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, t->urgency, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 18, urgency_rank(t->urgency));
	sqlite3_bind_text(st, 19, t->measures, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 20, t->requirement, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 21, t->deadline, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 22, t->commitment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 23, t->interim_measures, -1, SQLITE_STATIC);
	/* Logged now, or kept from an import's file: progress is counted from when it was logged. */
	const char *created = t->created_at[0] ? t->created_at : at;
	char created_day[11];
	str_copy(created_day, sizeof created_day, created);
	sqlite3_bind_text(st, 24, created_day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 25, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 30, created, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 31, t->complex);
	sqlite3_bind_int64(st, 32, t->time_limit_id);
	sqlite3_bind_text(st, 33, t->sign_by, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 34, t->deadline_rule);
	sqlite3_bind_int(st, 35, t->commitment_due);
	sqlite3_bind_int(st, 36, t->limit_estimated);
	if (t->who.id)
		sqlite3_bind_int64(st, 26, t->who.id);
	sqlite3_bind_text(st, 27, t->unit_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 28, t->responsible_path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 29, t->received_on ? t->received_on : "", -1, SQLITE_STATIC);
	if (step_done(w, st, e) != 0)
		return -1;
	t->id = sqlite3_last_insert_rowid(db_handle(w));
	if (fts_refresh(w, t->id, e) != 0 || contact_refresh(w, t->id, e) != 0)
		return -1;

	/* A repeat complaint (same place and domain within 90 days) is linked and supervised. */
	int repeats = 0;
	if (t->location_unit_id) {
		st = db_prepare(w, q_repeat);
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, t->location_unit_id);
		sqlite3_bind_int64(st, 2, t->domain_id);
		sqlite3_bind_int64(st, 3, t->id);
		sqlite3_bind_text(st, 4, since, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, t->unit_id);
		long long others[64];
		int n = 0;
		while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
			others[n++] = sqlite3_column_int64(st, 0);
		db_done(st);
		for (int i = 0; i < n; i++) {
			for (int dir = 0; dir < 2; dir++) {
				st = db_prepare(w, q_link);
				if (!st)
					goto dberr;
				sqlite3_bind_int64(st, 1, dir ? others[i] : t->id);
				sqlite3_bind_int64(st, 2, dir ? t->id : others[i]);
				sqlite3_bind_text(st, 3, "repeat", -1, SQLITE_STATIC);
				if (step_done(w, st, e) != 0)
					return -1;
			}
		}
		repeats = n;
		if (n > 0) {
			st = db_prepare(w, q_supervise);
			if (st)
				sqlite3_bind_int64(st, 1, t->id);
			if (step_done(w, st, e) != 0)
				return -1;
		}
	}
	char sent[32];
	time_format_rfc3339(clock_now(), sent, sizeof sent);
	if (t->co.n && co_units_set(w, t->id, &t->co, sent, e) != 0)
		return -1;
	json_t *after = snapshot(w, t->id);
	if (repeats)
		json_object_set_new(after, "repeat_of", json_integer(repeats));
	long long ev = audit_append(w, &t->who, "ticket", t->id, "create", NULL, after, e);
	json_decref(after);
	if (ev < 0)
		return -1;
	/* Creating a ticket dispatches it to its responsible unit (SPEC section 8). */
	if (dispatch_record(w, t->id, sent, e) != 0 || notify_ticket(w, t->id, "dispatched", NULL, e) < 0)
		return -1;
	return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

int ticket_duplicate_notice_job(struct db *w, void *arg, struct err *e)
{
	struct ticket_input *t = arg;
	if (!t->duplicate_elsewhere)
		return 0;
	json_t *after = json_pack("{s:s,s:s,s:{s:s}}", "source_ref", t->source_ref, "unit", t->unit_code, "input",
				  "note", "其他单位尝试以相同原工单号重复登记，请区级调度人员核查");
	long long ev = audit_append(w, &t->who, "ticket", t->duplicate_elsewhere, "duplicate_ref", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : 0;
}

int ticket_create(struct ticket_input *t, struct err *e)
{
	t->duplicate_elsewhere = 0;
	int rc = db_write(ticket_create_job, t, e);
	if (rc != 0 && t->duplicate_elsewhere) {
		struct err ne = { 0 };
		if (db_write(ticket_duplicate_notice_job, t, &ne) != 0)
			log_error("duplicate 原工单号 not recorded: %s", ne.message);
		log_warn("duplicate 原工单号 %s from %s: the ticket is outside their scope", t->source_ref, t->who.login);
	}
	return rc;
}

/* ---------------------------------------------------------------- actions */

/* unit_id: the co-unit the author writes for (0: the lead, or not staff). */
static int add_note(struct db *w, long long id, const char *kind, const char *note, const struct actor *who,
		    long long unit_id, struct err *e)
{
	static const char q[] = "INSERT INTO progress (ticket_id, on_date, at, author_id, kind, note, unit_id) "
				"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	char at[32], today[11];
	time_format_rfc3339(clock_now(), at, sizeof at);
	time_format_date(clock_now(), today, sizeof today);
	sqlite3_stmt *st = db_prepare(w, q);
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, at, -1, SQLITE_TRANSIENT);
		if (who->id)
			sqlite3_bind_int64(st, 4, who->id);
		sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, note, -1, SQLITE_STATIC);
		if (unit_id)
			sqlite3_bind_int64(st, 7, unit_id);
	}
	return step_done(w, st, e);
}

static int fx_needs(const struct transition *tr, unsigned effect)
{
	return (tr->effects & effect) != 0;
}

int ticket_action_job(struct db *w, void *arg, struct err *e)
{
	static const char q_state[] = "SELECT status, extension_deadline IS NOT NULL, deadline, unsatisfied_count, "
				      "callback_count, coalesce(closed_on, ''), suspend_pending, suspended_on, "
				      "coalesce(dispatched_at, created_at), responsible_unit_id, source_id, category_id, urgency, "
				      "coalesce(campaign_id, 0) FROM tickets WHERE id = ?1";
	static const char q_attachments[] = "SELECT count(*) FROM attachments WHERE ticket_id = ?1";
	static const char q_commitment[] = "SELECT commitment_due AND (commitment = '' OR interim_measures = '') "
					   "FROM tickets WHERE id = ?1";
	static const char q_update[] =
		"UPDATE tickets SET status = ?2, return_count = return_count + ?3, unsatisfied_count = ?4, "
		"callback_count = ?5, color = ?6, supervised = max(supervised, ?7), relapsed = max(relapsed, ?8), "
		"deadline = coalesce(?9, deadline), "
		"extension_deadline = CASE WHEN ?15 THEN extension_deadline ELSE ?10 END, "
		"extension_reason = CASE WHEN ?15 THEN extension_reason ELSE ?11 END, "
		"last_progress_on = coalesce(?12, last_progress_on), closed_on = ?13, updated_at = ?14, "
		"reopened_on = coalesce(?16, reopened_on), reopen_reason = coalesce(?17, reopen_reason), "
		"deadline_pending = CASE WHEN ?16 IS NOT NULL THEN 1 WHEN ?9 IS NOT NULL THEN 0 ELSE deadline_pending END, "
		"signed_late = CASE WHEN ?23 THEN 0 WHEN ?18 AND signed_at IS NULL THEN coalesce(sign_by < ?14, 0) "
		"ELSE signed_late END, "
		"signed_at = CASE WHEN ?23 THEN NULL WHEN ?18 THEN coalesce(signed_at, ?14) ELSE signed_at END, "
		"urge_count = urge_count + ?22, "
		"dispatched_at = CASE WHEN ?23 THEN ?14 ELSE dispatched_at END, "
		"sign_by = CASE WHEN ?23 THEN ?24 ELSE sign_by END, "
		"responsible_unit_id = coalesce(?25, responsible_unit_id), responsible_path = coalesce(?26, responsible_path), "
		"responsible_person = CASE WHEN ?25 IS NOT NULL THEN coalesce(?27, '') ELSE responsible_person END, "
		"responsible_phone = CASE WHEN ?25 IS NOT NULL THEN '' ELSE responsible_phone END, "
		"original_deadline = coalesce(?28, original_deadline), "
		"deadline_rule = CASE WHEN ?28 IS NOT NULL THEN 1 ELSE deadline_rule END, "
		"time_limit_id = CASE WHEN ?23 AND ?29 > 0 THEN ?29 ELSE time_limit_id END, "
		"merged_into = coalesce(?30, merged_into), "
		"suspend_pending = CASE WHEN ?19 & 1 THEN 1 WHEN ?19 & 4 THEN 0 ELSE suspend_pending END, "
		"suspend_reason = CASE WHEN ?19 & 1 THEN ?20 ELSE suspend_reason END, "
		"suspended_on = CASE WHEN ?19 & 2 THEN ?21 WHEN ?19 & 8 THEN NULL ELSE suspended_on END, "
		"version = version + 1 WHERE id = ?1";
	static const char q_keep_ext[] = "SELECT extension_deadline, extension_reason, closed_on FROM tickets WHERE id = ?1";
	static const char q_callback[] = "INSERT INTO callbacks (ticket_id, at, by_id, result, method, note, resolved) "
					 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	struct ticket_action *a = arg;
	const struct transition *tr = a->tr;
	sqlite3_stmt *st = db_prepare(w, q_state);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, a->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_done(st);
		err_set(e, 404, "not_found", NULL, "您访问的问题不存在");
		return -1;
	}
	int status = status_from_code(db_text(st, 0));
	int pending = sqlite3_column_int(st, 1);
	long deadline = date_parse_days(db_text(st, 2));
	int unsatisfied = sqlite3_column_int(st, 3), callbacks = sqlite3_column_int(st, 4);
	char was_closed_on[11], paused_on[11] = "";
	snprintf(was_closed_on, sizeof was_closed_on, "%s", db_text(st, 5));
	enum pause_state pause = sqlite3_column_type(st, 7) != SQLITE_NULL ? PAUSE_PAUSED
				 : sqlite3_column_int(st, 6)		     ? PAUSE_REQUESTED
									     : PAUSE_NONE;
	str_copy(paused_on, sizeof paused_on, db_text(st, 7));
	char dispatched_at[32];
	str_copy(dispatched_at, sizeof dispatched_at, db_text(st, 8));
	long long unit_now = sqlite3_column_int64(st, 9), source_id = sqlite3_column_int64(st, 10),
		  category_id = sqlite3_column_int64(st, 11), campaign_id = sqlite3_column_int64(st, 13);
	char urgency[16];
	str_copy(urgency, sizeof urgency, db_text(st, 12));
	db_done(st);

	/* Checked here, in the writer, so that two people acting at once cannot both pass. */
	if (!workflow_applies(tr, (enum status)status, pending, pause)) {
		const char *paused_why = (tr->from & ST_BIT(status)) ? workflow_pause_refusal(tr, pause) : NULL;
		if (paused_why)
			err_set(e, 409, "invalid_transition", NULL, "%s", paused_why);
		else if (tr->pending == PENDING_NEEDED && !pending && (tr->from & ST_BIT(status)))
			err_set(e, 409, "invalid_transition", NULL, "该问题没有待审批的延期申请，不能%s", tr->label);
		else if (tr->pending == PENDING_REFUSED && pending && (tr->from & ST_BIT(status)))
			err_set(e, 409, "invalid_transition", NULL, "该问题已有待审批的延期申请，请等待审批");
		else
			err_set(e, 409, "invalid_transition", NULL, "问题当前状态为“%s”，不能进行“%s”操作",
				status_label((enum status)status), tr->label);
		return -1;
	}
	if (fx_needs(tr, EFF_RETURN_ASK)) {
		/* Only the unit dispatched to sends a dispatch back (the owning street of a
		 * department's ticket does not). */
		static const char q_mine[] = "SELECT 1 FROM users u JOIN units n ON n.id = u.unit_id, tickets t "
					     "WHERE u.id = ?1 AND t.id = ?2 "
					     "AND substr(t.responsible_path, 1, length(n.path)) = n.path";
		st = db_prepare(w, q_mine);
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, a->who.id);
		sqlite3_bind_int64(st, 2, a->id);
		int mine = sqlite3_step(st) == SQLITE_ROW;
		db_done(st);
		if (!mine) {
			err_set(e, 403, "forbidden", NULL, "只有责任单位可以申请退单");
			return -1;
		}
		/* 退单 is for a dispatch just received: within the window after it (SPEC section 9). */
		char day[11];
		str_copy(day, sizeof day, dispatched_at);
		long end = return_window_end(calendar_of(w), date_parse_days(day), NULL);
		if (date_today_days() > end) {
			char end_s[11];
			time_format_date((time_t)end * 86400, end_s, sizeof end_s);
			err_set(e, 409, "invalid_transition", NULL,
				"退单须在派单后 %d 个工作日内（%s 前）提出，现已超过时限；如确属误派，请联系区级调度中心改派",
				RETURN_WINDOW_WORKDAYS, end_s);
			return -1;
		}
	}
	/* The row's fields: given, not too long, and as their check asks. */
	static const char *const check_messages[] = {
		[CHECK_CALLBACK_RESULT] = "回访结果须为满意、基本满意或不满意",
		[CHECK_CALLBACK_METHOD] = "回访方式须为电话、走访、短信或其他",
		[CHECK_RETURN_REASON] = "退单原因须为属地不符、权属不清、职能交叉或其他",
	};
	struct unit_info to_unit = { 0 };
	long long into_id = 0; /* 合并: the primary ticket */
	int into_merged = 0;
	const char *f[2] = { NULL, NULL };
	for (int i = 0; i < 2; i++) {
		const char *name = tr->fields[i];
		if (!name)
			continue;
		const char *v = str_in(a->body, name, a->errors);
		f[i] = v;
		if (v && !*v) {
			field_error(a->errors, name, "请填写此项");
			continue;
		}
		if (v && utf8_chars(v) > 5000)
			field_error(a->errors, name, "不能超过 5000 个字");
		if (!v)
			continue;
		if (tr->checks[i] == CHECK_LATER_DATE) {
			long d = date_parse_days(v);
			if (d < 0)
				field_error(a->errors, name, "延期后的时限须为有效日期（YYYY-MM-DD）");
			else if (d <= deadline)
				field_error(a->errors, name, "延期后的时限须晚于当前时限");
		} else if (tr->checks[i] == CHECK_TICKET) {
			/* A ticket outside the actor's scope is unknown to them, as on every page. */
			static const char q_into[] = "SELECT id, status, unit_path, responsible_path, " TICKET_CO_PATHS
						     " FROM tickets t WHERE code = ?1";
			sqlite3_stmt *q = db_prepare(w, q_into);
			if (q) {
				sqlite3_bind_text(q, 1, v, -1, SQLITE_STATIC);
				if (sqlite3_step(q) == SQLITE_ROW) {
					struct ticket_scope other = { db_text(q, 2), db_text(q, 3), db_text(q, 4) };
					if (authz_in_scope(&a->subject, &other)) {
						into_id = sqlite3_column_int64(q, 0);
						into_merged = !strcmp(db_text(q, 1), "merged");
					}
				}
				db_done(q);
			}
			if (!into_id)
				field_error(a->errors, name, "问题编号“%s”不存在", v);
			else if (into_id == a->id)
				field_error(a->errors, name, "不能合并到问题本身");
			else if (into_merged)
				field_error(a->errors, name, "问题 %s 已合并到其他问题，请合并到主问题", v);
		} else if (tr->checks[i] == CHECK_UNIT) {
			if (!unit_info(w, v, &to_unit) || strcmp(to_unit.kind, "district") == 0)
				field_error(a->errors, name, "责任单位“%s”不存在", v);
			else if (to_unit.id == unit_now)
				field_error(a->errors, name, "改派的责任单位须与当前责任单位不同");
		} else if (!workflow_value_ok(tr->checks[i], v)) {
			field_error(a->errors, name, "%s", check_messages[tr->checks[i]]);
		}
	}
	const char *note_opt = str_in(a->body, "note", a->errors);
	/* 解决率: whether the callback found the problem solved (true/false; a form's 1/0); absent:
	 * not recorded, and the callback is left out of the rate. */
	int resolved = -1;
	if (tr->effects & EFF_CALLBACK) {
		json_t *rv = json_object_get(a->body, "resolved");
		const char *rs = json_string_value(rv);
		if (json_is_boolean(rv))
			resolved = json_is_true(rv);
		else if (rs && (!strcmp(rs, "1") || !strcmp(rs, "true")))
			resolved = 1;
		else if (rs && (!strcmp(rs, "0") || !strcmp(rs, "false")))
			resolved = 0;
		else if (rs && !*rs) /* the form's choice left at 请选择 */
			field_error(a->errors, "resolved", "请选择问题是否已解决");
		else if (rv && !json_is_null(rv))
			field_error(a->errors, "resolved", "是否解决须为已解决或未解决");
	}
	const char *person = (tr->effects & EFF_NEW_UNIT) ? str_in(a->body, "responsible_person", a->errors) : NULL;
	/* A reassignment may name the co-units anew (given: they replace the old; absent: kept). */
	struct co_list co = { 0 };
	json_t *co_given = (tr->effects & EFF_CO_SET) ? json_object_get(a->body, "co_units") : NULL;
	if (json_is_string(co_given) && !*json_string_value(co_given))
		co_given = NULL; /* a form's empty field: kept as they are ([] clears them) */
	if (co_given)
		co_units_parse(w, co_given, to_unit.id ? to_unit.id : unit_now, &co, a->errors, "co_units");
	if (person && utf8_chars(person) > 50)
		field_error(a->errors, "responsible_person", "不能超过 50 个字");
	if (json_object_size(a->errors)) {
		err_set(e, 422, "validation", NULL, "填写的内容有误，请按提示修改");
		return -1;
	}
	if (tr->effects & EFF_NEEDS_EVIDENCE) {
		st = db_prepare(w, q_attachments);
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, a->id);
		int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
		db_done(st);
		if (n == 0) {
			field_error(a->errors, "file", "申请销号须上传至少一份证明材料");
			err_set(e, 422, "evidence_required", "file", "申请销号须上传至少一份证明材料");
			return -1;
		}
	}

	if (fx_needs(tr, EFF_NEEDS_COMMITMENT)) {
		st = db_prepare(w, q_commitment);
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, a->id);
		int due = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
		db_done(st);
		if (due) {
			err_set(e, 422, "commitment_required", "commitment",
				"办理时限超出集中整改阶段，签收前须补充向群众公开的整改承诺和应急措施（在“修改信息”中填写）");
			return -1;
		}
	}

	/* 协办: the lead closes only when every co-unit's part is done. */
	if (fx_needs(tr, EFF_NEEDS_CO_DONE)) {
		int waiting = co_units_pending(w, a->id);
		if (waiting < 0)
			goto dberr;
		if (waiting > 0) {
			err_set(e, 409, "co_units_pending", NULL, "尚有 %d 个协办单位未报告协办完成，暂不能申请销号", waiting);
			return -1;
		}
	}
	/* A co-unit's staff write for their unit (the note names it). */
	long long co_unit = (tr->effects & EFF_NOTE) && !(tr->effects & EFF_CO_DONE) ? co_unit_of(w, a->id, a->who.id) : 0;

	json_t *before = snapshot(w, a->id);
	char at[32], today[11];
	time_format_rfc3339(clock_now(), at, sizeof at);
	time_format_date(clock_now(), today, sizeof today);

	/* The row's effects, in one pass: its children first, then the ticket's own columns. */
	const unsigned fx = tr->effects;
	struct ticket_marks was = { .status = status, .unsatisfied = unsatisfied, .callbacks = callbacks };
	struct ticket_marks now = workflow_outcome(tr, &was, (fx & EFF_CALLBACK) ? f[0] : NULL);
	if ((fx & (EFF_CO_ACCEPT | EFF_CO_DONE)) &&
	    co_units_step(w, a->id, a->who.id, (fx & EFF_CO_DONE) != 0, f[0], at, &co_unit, e) != 0)
		goto fail;
	if ((fx & EFF_NOTE) && add_note(w, a->id, tr->note_kind, f[0], &a->who, co_unit, e) != 0)
		goto fail;
	if (fx & EFF_CALLBACK) {
		st = db_prepare(w, q_callback);
		if (st) {
			sqlite3_bind_int64(st, 1, a->id);
			sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
			if (a->who.id)
				sqlite3_bind_int64(st, 3, a->who.id);
			sqlite3_bind_text(st, 4, f[0], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, f[1], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 6, note_opt ? note_opt : "", -1, SQLITE_STATIC);
			if (resolved >= 0)
				sqlite3_bind_int(st, 7, resolved);
		}
		if (step_done(w, st, e) != 0)
			goto fail;
	}
	char granted[11] = "";
	if (fx & EFF_EXTENSION_GRANT) {
		st = db_prepare(w, q_keep_ext);
		if (st) {
			sqlite3_bind_int64(st, 1, a->id);
			if (sqlite3_step(st) == SQLITE_ROW)
				str_copy(granted, sizeof granted, db_text(st, 0));
			db_done(st);
		}
	}
	int keep_ext = !(fx & (EFF_EXTENSION_ASK | EFF_EXTENSION_CLOSE));
	int next = now.status;

	/* Dispatched anew: the rule in force now gives the time to sign, and to a new unit the
	 * deadline too (a new dispatch for that unit, original deadline included). */
	struct dispatch_times dt = { .handle_due = -1 };
	char fresh_deadline[11] = "";
	if (fx & EFF_DISPATCH) {
		long end = campaign_id ? rectify_end(w, campaign_id) : 0;
		dispatch_times_of(w, source_id, category_id, urgency, end, clock_now(), &dt);
		if ((fx & EFF_NEW_UNIT) && dt.handle_due >= 0) {
			time_format_date(dt.handle_due, fresh_deadline, sizeof fresh_deadline);
			str_copy(granted, sizeof granted, fresh_deadline);
		}
	}
	if (fx & (EFF_RETURN_ASK | EFF_RETURN_GRANT | EFF_RETURN_REFUSE)) {
		static const char q_ask[] =
			"UPDATE dispatches SET outcome = 'asked', reason_code = ?2, reason = ?3, asked_at = ?4 "
			"WHERE id = (SELECT max(id) FROM dispatches WHERE ticket_id = ?1)";
		static const char q_decide[] = "UPDATE dispatches SET outcome = ?2, decision = ?3, decided_at = ?4 "
					       "WHERE ticket_id = ?1 AND outcome = 'asked'";
		int ask = (fx & EFF_RETURN_ASK) != 0;
		st = db_prepare(w, ask ? q_ask : q_decide);
		if (st) {
			sqlite3_bind_int64(st, 1, a->id);
			if (ask) {
				sqlite3_bind_text(st, 2, f[0], -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 3, f[1], -1, SQLITE_STATIC);
			} else {
				sqlite3_bind_text(st, 2, (fx & EFF_RETURN_GRANT) ? "granted" : "refused", -1, SQLITE_STATIC);
				const char *why = (fx & EFF_RETURN_REFUSE) ? f[0] : note_opt;
				sqlite3_bind_text(st, 3, why ? why : "", -1, SQLITE_STATIC);
			}
			sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
		}
		if (step_done(w, st, e) != 0)
			goto fail;
	}

	st = db_prepare(w, q_update);
	if (!st)
		goto dberr_before;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, status_code((enum status)next), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, now.returned);
	sqlite3_bind_int(st, 4, now.unsatisfied);
	sqlite3_bind_int(st, 5, now.callbacks);
	if (now.color)
		sqlite3_bind_text(st, 6, now.color, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, now.supervised);
	sqlite3_bind_int(st, 8, now.relapsed);
	/* Reopened: to be done again, from today, by a provisional deadline a reviewer is to set. */
	char redo[11] = "";
	if (workflow_reopens(status, next)) {
		time_format_date(clock_now() + (time_t)REOPEN_PROVISIONAL_DAYS * 86400, redo, sizeof redo);
		str_copy(granted, sizeof granted, redo);
		sqlite3_bind_text(st, 16, today, -1, SQLITE_STATIC);
		const char *why = (fx & EFF_CALLBACK) ? (note_opt && *note_opt ? note_opt : "回访群众不满意") : f[0];
		sqlite3_bind_text(st, 17, why ? why : "", -1, SQLITE_TRANSIENT);
	}
	if ((fx & EFF_RESUME) && paused_on[0]) {
		/* Later by the working days paused; original_deadline does not move (按期办结率 stays strict). */
		long moved = deadline_after_pause(calendar_of(w), deadline, date_parse_days(paused_on), date_today_days());
		time_format_date((time_t)moved * 86400, granted, sizeof granted);
	}
	if (granted[0])
		sqlite3_bind_text(st, 9, granted, -1, SQLITE_TRANSIENT);
	if (fx & EFF_EXTENSION_ASK) {
		sqlite3_bind_text(st, 10, f[0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, f[1], -1, SQLITE_STATIC);
	}
	if (fx & EFF_PROGRESS_TODAY)
		sqlite3_bind_text(st, 12, today, -1, SQLITE_STATIC);
	/* Closed now: today; still closed: the day it was closed; reopened: no closing day. */
	if (next == ST_CLOSED)
		sqlite3_bind_text(st, 13, status == ST_CLOSED && was_closed_on[0] ? was_closed_on : today, -1,
				  SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 14, at, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 15, keep_ext);
	sqlite3_bind_int(st, 18, (fx & EFF_SIGN) != 0);
	/* The pause: asked (1), granted from today (2), decided (4), over (8). */
	sqlite3_bind_int(st, 19, ((fx & EFF_SUSPEND_ASK) ? 1 : 0) | ((fx & EFF_SUSPEND_GRANT) ? 2 : 0) |
					 ((fx & EFF_SUSPEND_CLOSE) ? 4 : 0) | ((fx & EFF_RESUME) ? 8 : 0));
	if (fx & EFF_SUSPEND_ASK)
		sqlite3_bind_text(st, 20, f[0], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 21, today, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 22, (fx & EFF_URGE) != 0);
	sqlite3_bind_int(st, 23, (fx & EFF_DISPATCH) != 0);
	if (dt.sign_by[0])
		sqlite3_bind_text(st, 24, dt.sign_by, -1, SQLITE_STATIC);
	if (fx & EFF_NEW_UNIT) {
		sqlite3_bind_int64(st, 25, to_unit.id);
		sqlite3_bind_text(st, 26, to_unit.path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 27, person ? person : "", -1, SQLITE_STATIC);
	}
	if (fresh_deadline[0])
		sqlite3_bind_text(st, 28, fresh_deadline, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 29, dt.rule_id);
	if ((fx & EFF_MERGE) && into_id)
		sqlite3_bind_int64(st, 30, into_id);
	if (step_done(w, st, e) != 0)
		goto fail;
	if ((fx & EFF_NOTE) && fts_refresh(w, a->id, e) != 0) /* notes are searched */
		goto fail;
	if (co_given && co_units_set(w, a->id, &co, at, e) != 0)
		goto fail;
	if ((fx & EFF_NEW_UNIT) && co_units_drop_lead(w, a->id) != 0)
		goto dberr_before;
	if ((fx & EFF_NEW_UNIT) && (contact_refresh(w, a->id, e) != 0 || notify_prune(w, a->id, e) != 0))
		goto fail;
	if ((fx & EFF_DISPATCH) && dispatch_record(w, a->id, at, e) != 0)
		goto fail;

	json_t *after = snapshot(w, a->id);
	/* The event names the action's own input (reason, note, result) beside the new state. */
	json_t *input = json_deep_copy(a->body);
	json_object_set_new(after, "input", input ? input : json_object());
	long long ev = audit_append(w, &a->who, "ticket", a->id, tr->name, before, after, e);
	json_decref(before);
	json_decref(after);
	if (ev < 0)
		return -1;
	/* Who is to act next is told (a callback's only when it sends the ticket back). */
	if (tr->notify && !((fx & EFF_CALLBACK) && next == ST_CLOSED) &&
	    notify_ticket(w, a->id, tr->notify, NULL, e) < 0)
		return -1;
	return 0;
dberr_before:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
fail:
	json_decref(before);
	return -1;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

/* ---------------------------------------------------------------- edits */

int ticket_patch_job(struct db *w, void *arg, struct err *e)
{
	static const char q_version[] = "SELECT t.version, t.status, u.code FROM tickets t JOIN units u "
					"ON u.id = t.unit_id WHERE t.id = ?1";
	struct ticket_patch *p = arg;
	sqlite3_stmt *st = db_prepare(w, q_version);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, p->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_done(st);
		err_set(e, 404, "not_found", NULL, "您访问的问题不存在");
		return -1;
	}
	long long version = sqlite3_column_int64(st, 0);
	int frozen = workflow_facts_frozen((enum status)status_from_code(db_text(st, 1)));
	char owner[33];
	str_copy(owner, sizeof owner, db_text(st, 2));
	db_done(st);
	json_t *reason = json_object_get(p->changes, "reason");
	const char *why = json_is_string(reason) ? json_string_value(reason) : "";
	if (frozen && !p->may_correct) {
		err_set(e, 409, "frozen", NULL, "该问题已验收销号，内容已锁定；如需更正，请联系区级调度人员");
		return -1;
	}
	if (strlen(why) > 2000) {
		field_error(p->errors, "reason", "理由不能超过 2000 个字符");
		err_set(e, 422, "validation", NULL, "填写的内容有误，请按提示修改");
		return -1;
	}
	if (frozen && !*why) {
		field_error(p->errors, "reason", "更正已销号的问题须说明理由");
		err_set(e, 422, "validation", NULL, "填写的内容有误，请按提示修改");
		return -1;
	}
	if (version != p->version) {
		p->conflict = ticket_json(w, p->id, TICKET_UNMASKED, NULL);
		/* The fields as stored, not the tickets named beside it (kept to a viewer's scope). */
		json_object_del(p->conflict, "merged_into");
		json_object_del(p->conflict, "merged");
		err_set(e, 409, "conflict", NULL, "该问题在您编辑期间已被他人修改（当前版本 %lld），请查看最新内容后再保存",
			version);
		return -1;
	}
	json_t *before = snapshot(w, p->id);
	const char *key;
	json_t *val;
	json_t *co_given = NULL; /* 协办: set after the responsible unit, which they must differ from */
	json_object_foreach(p->changes, key, val)
	{
		if (!strcmp(key, "version") || !strcmp(key, "reason"))
			continue;
		const struct ticket_field *units = ticket_field_find(key);
		if (units && units->type == FT_UNITS) {
			if (!p->may_assign)
				field_error(p->errors, key, "只有区级调度人员可以调整协办单位");
			else
				co_given = val;
			continue;
		}
		if (!json_is_string(val) && !json_is_null(val)) {
			field_error(p->errors, key, "须为文本");
			continue;
		}
		const char *v = json_is_null(val) ? "" : json_string_value(val);
		/* What may change, who may change it and how it is checked: its row of the field table. */
		const struct ticket_field *f = ticket_field_find(key);
		char sql[200];
		long long ref = 0;
		if (!f || !f->column || !(f->edit & (EDIT_STAFF | EDIT_ASSIGN))) {
			field_error(p->errors, key, "该字段不能修改");
			continue;
		}
		if ((f->edit & EDIT_ASSIGN) && !p->may_assign) {
			field_error(p->errors, key, "只有区级调度人员可以调整责任单位、责任人和整改时限");
			continue;
		}
		if ((f->edit & EDIT_KEEP) && !*v) {
			field_error(p->errors, key, "请填写%s", f->label);
			continue;
		}
		switch (f->type) {
		case FT_TEXT:
		case FT_PHONE:
		case FT_DATE:
			if (!check_text(f, v, p->errors))
				continue;
			break;
		case FT_URGENCY:
			if (urgency_rank(v) < 0) {
				field_error(p->errors, key, "缓急须为紧急或一般");
				continue;
			}
			break;
		case FT_CATALOG:
			if (!(ref = db_lookup_id(w, catalog_query(f->name), v))) {
				field_error(p->errors, key, "%s“%s”不存在", f->label, v);
				continue;
			}
			break;
		case FT_UNIT: {
			/* Only the responsible unit and the place are edited (unit: the owning street, fixed). */
			struct unit_info ui;
			int responsible = f->edit & EDIT_ASSIGN;
			if (responsible && (!unit_info(w, v, &ui) || !strcmp(ui.kind, "district"))) {
				field_error(p->errors, key, "%s“%s”不存在", f->label, v);
				continue;
			}
			if (!responsible && *v &&
			    (!unit_info(w, v, &ui) || (strcmp(ui.kind, "community") && strcmp(ui.kind, "village")))) {
				field_error(p->errors, key, "%s不存在", f->label);
				continue;
			}
			if (!responsible && *v && strcmp(ui.parent, owner) != 0) {
				field_error(p->errors, key, "%s须属于属地单位", f->label);
				continue;
			}
			ref = *v ? ui.id : 0;
			break;
		}
		case FT_UNITS: /* above */
		case FT_DERIVED:
			field_error(p->errors, key, "该字段不能修改");
			continue;
		}
		const char *column = f->column;
		if (json_object_size(p->errors))
			continue;
		/* The column name comes from our own list above, never from the request. */
		snprintf(sql, sizeof sql, "UPDATE tickets SET %s = ?2 WHERE id = ?1", column);
		sqlite3_stmt *u = NULL;
		if (sqlite3_prepare_v2(db_handle(w), sql, -1, &u, NULL) != SQLITE_OK)
			goto dberr_before;
		sqlite3_bind_int64(u, 1, p->id);
		if (ref)
			sqlite3_bind_int64(u, 2, ref);
		else if (!*v && (f->type == FT_UNIT || f->type == FT_DATE || !strcmp(f->column, "source_ref")))
			sqlite3_bind_null(u, 2); /* emptied: no place, no date, no 原工单号 (unique when given) */
		else
			sqlite3_bind_text(u, 2, v, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(u);
		sqlite3_finalize(u);
		if (rc != SQLITE_DONE) {
			if (rc == SQLITE_CONSTRAINT)
				field_error(p->errors, key, "与已有问题重复");
			else
				goto dberr_before;
		}
	}
	if (json_object_size(p->errors)) {
		json_decref(before);
		err_set(e, 422, "validation", NULL, "填写的内容有误，请按提示修改");
		return -1;
	}
	/* Derived columns follow the edited ones; a deadline set before acceptance is the original. */
	static const char q_derive[] =
		"UPDATE tickets SET urgency_rank = CASE urgency WHEN 'urgent' THEN 0 ELSE 2 END, "
		"responsible_path = (SELECT path FROM units WHERE id = responsible_unit_id), "
		"original_deadline = CASE WHEN status = 'open' THEN deadline ELSE original_deadline END, "
		"deadline_pending = CASE WHEN ?3 THEN 0 ELSE deadline_pending END, "
		"deadline_rule = CASE WHEN ?3 THEN 0 ELSE deadline_rule END, "
		"commitment_due = commitment_due AND (commitment = '' OR interim_measures = ''), "
		"updated_at = ?2, version = version + 1 WHERE id = ?1";
	char at[32];
	time_format_rfc3339(clock_now(), at, sizeof at);
	st = db_prepare(w, q_derive);
	if (st) {
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, json_object_get(p->changes, "deadline") != NULL);
	}
	if (step_done(w, st, e) != 0 || fts_refresh(w, p->id, e) != 0 || contact_refresh(w, p->id, e) != 0) {
		json_decref(before);
		return -1;
	}
	int units_changed = co_given || json_object_get(p->changes, "responsible_unit");
	if (co_given) {
		static const char q_lead[] = "SELECT responsible_unit_id FROM tickets WHERE id = ?1";
		st = db_prepare(w, q_lead);
		long long lead = 0;
		if (st) {
			sqlite3_bind_int64(st, 1, p->id);
			if (sqlite3_step(st) == SQLITE_ROW)
				lead = sqlite3_column_int64(st, 0);
			db_done(st);
		}
		struct co_list co;
		if (co_units_parse(w, co_given, lead, &co, p->errors, "co_units") != 0) {
			json_decref(before);
			err_set(e, 422, "validation", NULL, "填写的内容有误，请按提示修改");
			return -1;
		}
		if (co_units_set(w, p->id, &co, at, e) != 0) {
			json_decref(before);
			return -1;
		}
	}
	/* A co-unit made the lead leaves the co-units; who no longer sees the ticket loses its
	 * notifications. */
	if (units_changed && (co_units_drop_lead(w, p->id) != 0 || notify_prune(w, p->id, e) != 0)) {
		json_decref(before);
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
		return -1;
	}
	json_t *after = snapshot(w, p->id);
	if (*why)
		json_object_set_new(after, "input", json_pack("{s:s}", "reason", why));
	long long ev = audit_append(w, &p->who, "ticket", p->id, "edit", before, after, e);
	json_decref(before);
	json_decref(after);
	return ev < 0 ? -1 : 0;
dberr_before:
	json_decref(before);
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

int ticket_attach_job(struct db *w, void *arg, struct err *e)
{
	static const char q[] = "INSERT INTO attachments (ticket_id, sha256, name, mime, size, has_thumb, at, uploaded_by) "
				"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	static const char q_touch[] = "UPDATE tickets SET version = version + 1, updated_at = ?2 WHERE id = ?1";
	static const char q_status[] = "SELECT status FROM tickets WHERE id = ?1";
	struct ticket_attachment *a = arg;
	char at[32];
	time_format_rfc3339(clock_now(), at, sizeof at);
	/* Checked again here, where no transition can come between: evidence after verify is
	 * not the staff's to add. */
	sqlite3_stmt *st = db_prepare(w, q_status);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, a->ticket_id);
	int frozen = sqlite3_step(st) == SQLITE_ROW && workflow_facts_frozen((enum status)status_from_code(db_text(st, 0)));
	db_done(st);
	if (frozen && !a->may_correct) {
		err_set(e, 409, "frozen", "file", "该问题已验收销号，不能再上传证明材料");
		return -1;
	}
	st = db_prepare(w, q);
	if (st) {
		sqlite3_bind_int64(st, 1, a->ticket_id);
		sqlite3_bind_text(st, 2, a->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, a->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, a->mime, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, a->size);
		sqlite3_bind_int(st, 6, a->has_thumb);
		sqlite3_bind_text(st, 7, at, -1, SQLITE_STATIC);
		if (a->who.id)
			sqlite3_bind_int64(st, 8, a->who.id);
	}
	if (step_done(w, st, e) != 0)
		return -1;
	a->id = sqlite3_last_insert_rowid(db_handle(w));
	st = db_prepare(w, q_touch);
	if (st) {
		sqlite3_bind_int64(st, 1, a->ticket_id);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	}
	if (step_done(w, st, e) != 0)
		return -1;
	json_t *after = json_pack("{s:I,s:s,s:s,s:s,s:I}", "attachment", a->id, "name", a->name, "mime", a->mime,
				  "sha256", a->sha256, "size", a->size);
	long long ev = audit_append(w, &a->who, "ticket", a->ticket_id, "attach", NULL, after, e);
	json_decref(after);
	return ev < 0 ? -1 : 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

/* ---------------------------------------------------------------- listing */

struct sqlq {
	struct buf sql;
	int n;
	const char *text[32];
	long long num[32];
	int is_num[32];
	char created_below[16]; /* the `to` date's bound: "YYYY-MM-DDU" */
	char refs[3][72];       /* a code's or 原工单号's bounds (ref_query) */
	char contact[700];      /* the keyword's match on the address and who reported it */
	char phone_tail[24];    /* the keyword as a phone's last digits (search_phone_tail) */
	char phone_like[32];    /* the same as a LIKE pattern over search_person_terms */
	char now[32];           /* this moment, for the time to sign */
};

/*
 * Whether q looks like a ledger code or a 原工单号 (one run of letters, digits, "-" and "_",
 * 3 to 64 long, with a digit): then refs gets the bounds of the codes it begins (q in
 * capitals, and that with its last character one higher) and the upper bound of the
 * 原工单号 it begins (q as typed, its last character one higher).
 */
static int ref_query(const char *q, char refs[3][72])
{
	size_t n = strlen(q);
	int digit = 0;
	if (n < 3 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = q[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		digit |= c >= '0' && c <= '9';
		refs[0][i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	refs[0][n] = '\0';
	memcpy(refs[1], refs[0], n + 1);
	memcpy(refs[2], q, n + 1);
	refs[1][n - 1]++; /* no character of the class is the last of ASCII */
	refs[2][n - 1]++;
	return digit;
}

static void bind_text(struct sqlq *q, const char *v)
{
	assert(q->n < (int)ARRAY_LEN(q->text));
	q->is_num[q->n] = 0;
	q->text[q->n++] = v;
	buf_printf(&q->sql, "?%d", q->n);
}

static void bind_num(struct sqlq *q, long long v)
{
	assert(q->n < (int)ARRAY_LEN(q->num));
	q->is_num[q->n] = 1;
	q->num[q->n++] = v;
	buf_printf(&q->sql, "?%d", q->n);
}

static void bind_all(struct sqlq *q, sqlite3_stmt *st)
{
	for (int i = 0; i < q->n; i++) {
		if (q->is_num[i])
			sqlite3_bind_int64(st, i + 1, q->num[i]);
		else
			sqlite3_bind_text(st, i + 1, q->text[i], -1, SQLITE_TRANSIENT);
	}
}

static int unit_path_of(struct db *db, const char *code, char *path, size_t n)
{
	struct unit_info u;
	if (!unit_info(db, code, &u))
		return 0;
	snprintf(path, n, "%s", u.path);
	return 1;
}

/* Whether the tickets with a unit path in [lo, hi) all have the same one; it goes to out. */
static int single_path(struct db *db, const char *lo, const char *hi, char *out, size_t n)
{
	static const char q[] = "SELECT min(unit_path), count(DISTINCT unit_path) FROM tallies "
				"WHERE kind = 'state' AND unit_path >= ?1 AND unit_path < ?2";
	/* Remembered while the ledger is unchanged: "=" and the path, or "" for not one path. */
	char key[600], got[300];
	snprintf(key, sizeof key, "single_path\x1f%s\x1f%s", lo, hi);
	if (db_memo_get_text(db, key, got, sizeof got)) {
		const char *path = got[0] ? got + 1 : "";
		size_t l = strnlen(path, n - 1);
		memcpy(out, path, l);
		out[l] = '\0';
		return got[0] == '=';
	}
	sqlite3_stmt *st = db_prepare(db, q);
	int one = 0;
	if (st) {
		sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 1) == 1) {
			snprintf(out, n, "%s", db_text(st, 0));
			one = 1;
		}
	}
	db_done(st);
	snprintf(got, sizeof got, "%s%s", one ? "=" : "", one ? out : "");
	db_memo_put_text(db, key, got);
	return one;
}

/*
 * Where a WHERE clause is used. WHERE_LIST: a page query over many matches, which should walk
 * the sort-order index and stop after one page; unit path, domain and source filters are then
 * written as +t.column so that SQLite does not range-scan a third of the ledger and sort it.
 * WHERE_COUNT: counts, and pages over few matches, which do want those indexes. WHERE_TALLY: over the tallies table (006_tallies.sql), whose columns
 * are named as in tickets except where tally_kind() says which kind holds the value.
 */
enum where_mode { WHERE_COUNT, WHERE_LIST, WHERE_TALLY };

/* A page over at most this many matches is found by the filters' indexes and sorted. */
#define SELECTIVE_ROWS 5000

/*
 * A search for a common word: the index would hand over every match (a single character is
 * in half the ledger) to be sorted. So the list first reads the text of a sample of
 * SEARCH_SAMPLE rows of its scope; where at least one in SEARCH_DENSE of them
 * match, the page walks the rows in order and tests each (search_has), stopping after a
 * page, and the total is the scope's count times the share that matched, shown as an
 * estimate. A rarer word goes through the index, exactly.
 */
#define SEARCH_SAMPLE 2000
#define SEARCH_DENSE 50
/* The progress notes of ticket alias a (the search index's third column), read only for
 * tickets that have any. */
#define NOTES_OF(a) "CASE WHEN " a ".child_lists & 1 THEN (SELECT group_concat(note, ' ') FROM progress WHERE ticket_id = " a ".id) END"

/* Whether the searcher may find tickets by who reported them (name, phone): whoever may see
 * personal data; the address is for everyone. */
static int search_personal(const struct ticket_filter *f)
{
	return f->who && authz_check(f->who, ACT_PERSONAL_DATA, NULL) == AUTHZ_OK;
}

/*
 * The keyword matched without the index, on the row alias a (with its address, reporter_name
 * and reporter_phone): the texts the two indexes hold, as search_has reads them, and a phone
 * by its last digits. The same answer as the indexes' (build_where), row by row.
 */
static void text_match(struct sqlq *q, const struct ticket_filter *f, const char *a)
{
	int personal = search_personal(f);
	buf_puts(&q->sql, "(search_has(");
	bind_text(q, f->q);
	buf_printf(&q->sql, ", %s.title, %s.description, ", a, a);
	if (!strcmp(a, "t"))
		buf_puts(&q->sql, NOTES_OF("t"));
	else
		buf_puts(&q->sql, NOTES_OF("s"));
	buf_printf(&q->sql, ", %s.address%s%s%s)", a, personal ? ", " : "", personal ? a : "", personal ? ".reporter_name" : "");
	char tail[24];
	if (personal && search_phone_tail(f->q, tail, sizeof tail)) {
		snprintf(q->phone_like, sizeof q->phone_like, "%% %s %%", tail);
		buf_printf(&q->sql, " OR (' ' || search_person_terms(%s.reporter_name, %s.reporter_phone) || ' ') LIKE ", a, a);
		bind_text(q, q->phone_like);
	}
	buf_puts(&q->sql, ")");
}

static int has(const char *s)
{
	return s && *s;
}

/* The kind of tally that can answer a count under f, or NULL when only the tickets can. */
static const char *tally_kind(const struct ticket_filter *f)
{
	if (has(f->q) || (has(f->status) && !strcmp(f->status, "merged")) || /* the tallies leave merged ones out */
	    has(f->dispatched) || has(f->assess) || f->supplement)
		return NULL;
	if (has(f->from) || has(f->to)) {
		/* Days alone, in a scope: the tickets logged each day (the "created" rows). */
		struct ticket_filter rest = *f;
		rest.from = rest.to = NULL;
		return tally_scope_only(&rest) ? "created" : NULL;
	}
	if (f->due || f->reopened || f->deadline_pending || f->ids || f->stock || has(f->place) || has(f->sign) ||
	    f->suspended || f->suspend_pending || (has(f->light) && !strcmp(f->light, "paused")) || has(f->co_unit) ||
	    f->co_todo || f->scope_part == SCOPE_CO_ONLY)
		/* two kinds of tally, or none: the tickets answer */
		return NULL;
	int flagged = f->returned || f->extension_pending || f->callbacks_due || f->on_time || has(f->color) ||
		      f->supervised >= 0;
	int dom = has(f->domain), src = has(f->source), cat = has(f->category), light = has(f->light),
	    stale = f->stale == 1;
	if (dom + src + cat + stale > 1 || (light && stale) || (flagged && (dom || src || cat || light || stale)))
		return NULL;
	return dom ? "domain" : src ? "source" : cat ? "category" : light ? "deadline" : stale ? "progress" : "state";
}

const char *ticket_filter_bad_date(const struct ticket_filter *f)
{
	if (has(f->from) && date_parse_days(f->from) < 0)
		return "from";
	if (has(f->to) && date_parse_days(f->to) < 0)
		return "to";
	if (has(f->dispatched) && !assess_month_ok(f->dispatched))
		return "dispatched";
	return NULL;
}

/* The days a filter compares with: today, the last deadline due soon and the first day of a
 * progress note that is not stale, on this connection's working-day calendar. */
static void mark_dates(struct db *db, char dates[3][11])
{
	struct day_marks m;
	calendar_marks_today(db, &m);
	time_format_date((time_t)m.today * 86400, dates[0], 11);
	time_format_date((time_t)m.due_soon_until * 86400, dates[1], 11);
	time_format_date((time_t)m.stale_before * 86400, dates[2], 11);
}

/* The condition of an indicator's part ("on_time", "on_time.den"), its @today and @now bound. */
static int assess_where(struct sqlq *q, const char *part, const char *today)
{
	char code[32];
	str_copy(code, sizeof code, part);
	char *dot = strchr(code, '.');
	int den = dot && !strcmp(dot, ".den");
	if (dot && !den)
		return -1;
	if (dot)
		*dot = 0;
	const struct indicator *ind = indicator_find(code);
	const char *cond = ind ? (den ? ind->den_sql : ind->num_sql) : NULL;
	if (!cond)
		return -1;
	buf_puts(&q->sql, " AND (");
	for (const char *p = cond; *p;) {
		const char *at = strchr(p, '@');
		if (!at) {
			buf_puts(&q->sql, p);
			break;
		}
		buf_append(&q->sql, p, (size_t)(at - p));
		if (!strncmp(at, "@today", 6)) {
			bind_text(q, today);
			p = at + 6;
		} else if (!strncmp(at, "@now", 4)) {
			time_format_rfc3339(clock_now(), q->now, sizeof q->now);
			bind_text(q, q->now);
			p = at + 4;
		} else {
			return -1;
		}
	}
	buf_puts(&q->sql, ")");
	return 0;
}

/* Whether f's own conditions name the states it may be in (then a merged ticket is out already). */
static int status_pinned(const struct ticket_filter *f)
{
	return has(f->status) || f->returned || f->reopened || f->callbacks_due || f->on_time || f->stale == 1 ||
	       f->co_todo || f->ids || (has(f->sign) && !strcmp(f->sign, "late"));
}

/* The WHERE clause for f; returns 0 if the filter can match nothing (unknown unit, say). */
static int build_where(struct db *db, const struct ticket_filter *f, struct sqlq *q, char paths[5][2][256],
		       char *qbuf, size_t qlen, char dates[3][11], enum where_mode mode)
{
	int tally = mode == WHERE_TALLY;
	if (tally && !tally_kind(f))
		return 0;
	/* In a page query only the sort-order indexes should be usable: other columns get a "+". */
	int list = mode == WHERE_LIST;
	const char *up = list ? "+t.unit_path" : "t.unit_path";
	const char *rp = list ? "+t.responsible_path" : "t.responsible_path";
	const char *deadline = tally ? "t.day" : list ? "+t.deadline" : "t.deadline";
	mark_dates(db, dates);
	buf_puts(&q->sql, "WHERE 1");
	if (f->who && f->who->role == ROLE_STAFF) {
		/* Staff: the tickets their subtree owns or is responsible for (the lead's), and
		 * those it co-handles (协办) unless only the lead's are asked; the tallies hold the
		 * lead's alone (ticket_count_by adds the others). */
		enum scope_part part = tally || f->lead ? SCOPE_LEAD : f->scope_part;
		snprintf(paths[0][0], 256, "%s", f->who->unit_path);
		path_end(paths[0][0], paths[0][1], 256);
		buf_puts(&q->sql, part == SCOPE_CO_ONLY ? " AND NOT (" : part == SCOPE_ALL ? " AND (" : " AND ");
		buf_printf(&q->sql, "((%s >= ", up);
		bind_text(q, paths[0][0]);
		buf_printf(&q->sql, " AND %s < ", up);
		bind_text(q, paths[0][1]);
		buf_printf(&q->sql, ") OR (%s >= ", rp);
		bind_text(q, paths[0][0]);
		buf_printf(&q->sql, " AND %s < ", rp);
		bind_text(q, paths[0][1]);
		buf_puts(&q->sql, "))");
		if (part != SCOPE_LEAD) {
			buf_puts(&q->sql, part == SCOPE_CO_ONLY ? ") AND " : " OR ");
			buf_puts(&q->sql, "t.id IN (SELECT ticket_id FROM co_units WHERE unit_path >= ");
			bind_text(q, paths[0][0]);
			buf_puts(&q->sql, " AND unit_path < ");
			bind_text(q, paths[0][1]);
			buf_puts(&q->sql, part == SCOPE_ALL ? "))" : ")");
		}
	}
	/* 协办: the tickets a unit (its subtree) co-handles; the co-units' parts still to do. */
	if (has(f->co_unit)) {
		if (tally || !unit_path_of(db, f->co_unit, paths[4][0], 256))
			return 0;
		path_end(paths[4][0], paths[4][1], 256);
		buf_puts(&q->sql, " AND t.id IN (SELECT ticket_id FROM co_units WHERE unit_path >= ");
		bind_text(q, paths[4][0]);
		buf_puts(&q->sql, " AND unit_path < ");
		bind_text(q, paths[4][1]);
		buf_puts(&q->sql, ")");
	}
	if (f->co_todo) {
		if (tally)
			return 0;
		buf_puts(&q->sql, " AND t.status IN ('open', 'rectifying') AND t.id IN (SELECT ticket_id FROM co_units "
				  "WHERE status <> 'done'");
		if (f->who && f->who->role == ROLE_STAFF) {
			buf_puts(&q->sql, " AND unit_path >= ");
			bind_text(q, paths[0][0]);
			buf_puts(&q->sql, " AND unit_path < ");
			bind_text(q, paths[0][1]);
		}
		buf_puts(&q->sql, ")");
	}
	struct {
		const char *value, *column;
		int slot;
	} subtree[] = { { f->unit, up, 1 }, { f->responsible_unit, rp, 2 } };
	/* A page of one street's tickets walks that street's part of the path index in order. */
	if (list && has(f->unit) && unit_path_of(db, f->unit, paths[1][0], 256)) {
		path_end(paths[1][0], paths[1][1], 256);
		if (single_path(db, paths[1][0], paths[1][1], paths[3][0], 256)) {
			buf_puts(&q->sql, " AND t.unit_path = ");
			bind_text(q, paths[3][0]);
			subtree[0].value = NULL;
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(subtree); i++) {
		if (!subtree[i].value || !*subtree[i].value)
			continue;
		char *lo = paths[subtree[i].slot][0], *hi = paths[subtree[i].slot][1];
		if (!unit_path_of(db, subtree[i].value, lo, 256))
			return 0;
		path_end(lo, hi, 256);
		buf_printf(&q->sql, " AND %s >= ", subtree[i].column);
		bind_text(q, lo);
		buf_printf(&q->sql, " AND %s < ", subtree[i].column);
		bind_text(q, hi);
	}
	if (f->status && *f->status) {
		if (status_from_code(f->status) < 0)
			return 0;
		buf_puts(&q->sql, " AND t.status = ");
		bind_text(q, f->status);
	} else if (!tally && !status_pinned(f)) {
		/* 合并: a merged ticket is in no list, total or rate but its own (the tallies leave it
		 * out by themselves, 028_merge.sql). By id, from the merged ones' small index, so that
		 * a count that reads an index alone still does (a status would be read per row). */
		buf_puts(&q->sql, " AND t.id NOT IN (SELECT id FROM tickets WHERE merged_into IS NOT NULL)");
	}
	if (f->domain && *f->domain) {
		buf_printf(&q->sql, " AND %s IN (SELECT id FROM domains WHERE code = ",
			   tally ? "t.dim" : list ? "+t.domain_id" : "t.domain_id");
		bind_text(q, f->domain);
		buf_puts(&q->sql, " OR parent_id = (SELECT id FROM domains WHERE code = ");
		bind_text(q, f->domain);
		buf_puts(&q->sql, "))");
	}
	if (f->source && *f->source) {
		buf_printf(&q->sql, " AND %s = (SELECT id FROM sources WHERE code = ",
			   tally ? "t.dim" : list ? "+t.source_id" : "t.source_id");
		bind_text(q, f->source);
		buf_puts(&q->sql, ")");
	}
	if (f->category && *f->category) {
		buf_printf(&q->sql, " AND %s = (SELECT id FROM categories WHERE code = ",
			   tally ? "t.dim" : list ? "+t.category_id" : "t.category_id");
		bind_text(q, f->category);
		buf_puts(&q->sql, ")");
	}
	if (f->campaign && *f->campaign) {
		buf_puts(&q->sql, " AND t.campaign_id = (SELECT id FROM campaigns WHERE code = ");
		bind_text(q, f->campaign);
		buf_puts(&q->sql, ")");
	}
	if (f->color && *f->color) {
		buf_printf(&q->sql, " AND %st.color = ", list ? "+" : "");
		bind_text(q, f->color);
	}
	if (f->light && *f->light) {
		buf_puts(&q->sql, " AND t.status <> 'closed' AND ");
		if (!strcmp(f->light, "red")) {
			buf_printf(&q->sql, "%s < ", deadline);
			bind_text(q, dates[0]);
		} else if (!strcmp(f->light, "yellow")) {
			buf_printf(&q->sql, "%s >= ", deadline);
			bind_text(q, dates[0]);
			buf_printf(&q->sql, " AND %s <= ", deadline);
			bind_text(q, dates[1]);
		} else if (!strcmp(f->light, "green")) {
			buf_printf(&q->sql, "%s > ", deadline);
			bind_text(q, dates[1]);
		} else if (!strcmp(f->light, "paused") && !tally) {
			buf_puts(&q->sql, "t.suspended_on IS NOT NULL");
		} else {
			return 0;
		}
		/* A paused ticket has no light but its own: the deadline tallies leave it out, the
		 * others mark it (023_pauses.sql). */
		if (strcmp(f->light, "paused"))
			buf_puts(&q->sql, tally ? " AND t.flags & 32 = 0" : " AND t.suspended_on IS NULL");
	}
	/* Literal values where a partial index is written for them (004_queue_indexes.sql). */
	if (f->supervised >= 0)
		buf_puts(&q->sql, f->supervised ? " AND t.supervised = 1" : " AND t.supervised = 0");
	if (f->stale == 1) {
		buf_printf(&q->sql, " AND t.status IN ('open', 'rectifying') AND %s < ",
			   tally ? "t.day" : list ? "+t.last_progress_on" : "t.last_progress_on");
		bind_text(q, dates[2]);
		if (!tally) /* the progress tallies leave paused tickets out */
			buf_puts(&q->sql, " AND t.suspended_on IS NULL");
	}
	/* Both read through their partial indexes (023_pauses.sql). */
	if (f->suspended)
		buf_puts(&q->sql, " AND t.suspended_on IS NOT NULL");
	if (f->suspend_pending)
		buf_puts(&q->sql, " AND t.suspend_pending = 1");
	if (ticket_filter_bad_date(f))
		return 0;
	if (tally) { /* the day a "created" row counts is the day its tickets were logged */
		if (has(f->from)) {
			buf_puts(&q->sql, " AND t.day >= ");
			bind_text(q, f->from);
		}
		if (has(f->to)) {
			buf_puts(&q->sql, " AND t.day <= ");
			bind_text(q, f->to);
		}
	} else {
		/* A page walks the order index, which carries created_at (024): each entry's day is
		 * compared there, and only the tickets in the range are read. */
		if (has(f->from)) {
			buf_printf(&q->sql, " AND %st.created_at >= ", list ? "+" : "");
			bind_text(q, f->from);
		}
		if (has(f->to)) {
			/* created_at is "YYYY-MM-DDThh:mm:ss+08:00": every time of that day sorts
			 * below "YYYY-MM-DDU" and every later day above it. A bound the column is
			 * compared with directly lets a count run inside an index's range
			 * (tickets_repeat, skipping over its first two columns), where substr() made
			 * it read from `from` to the ledger's end. */
			snprintf(q->created_below, sizeof q->created_below, "%sU", f->to);
			buf_printf(&q->sql, " AND %st.created_at < ", list ? "+" : "");
			bind_text(q, q->created_below);
		}
	}
	if (f->unclosed && f->supervised == 1)
		buf_puts(&q->sql, " AND t.supervised = 1 AND t.status <> 'closed'");
	else if (f->unclosed)
		buf_puts(&q->sql, " AND t.status <> 'closed'");
	/* The tallies' flags are these same conditions (006_tallies.sql). */
	if (f->returned)
		buf_puts(&q->sql, tally ? " AND t.flags & 4" : " AND t.status = 'rectifying' AND t.return_count > 0");
	if (f->extension_pending)
		buf_puts(&q->sql, tally ? " AND t.flags & 8" : " AND t.extension_deadline IS NOT NULL");
	if (f->callbacks_due)
		buf_puts(&q->sql, tally ? " AND t.flags & 16" : " AND t.status = 'closed' AND t.callback_count = 0");
	if (f->on_time)
		buf_puts(&q->sql, tally ? " AND t.flags & 1" : " AND t.status = 'closed' AND t.closed_on <= t.original_deadline");
	if (has(f->place)) {
		buf_puts(&q->sql, " AND t.location_unit_id = (SELECT id FROM units WHERE code = ");
		bind_text(q, f->place);
		buf_puts(&q->sql, ")");
	}
	if (f->stock) /* the ranking's 不满意存量 (reports.c), the same condition */
		buf_puts(&q->sql, " AND ((t.status <> 'closed' AND t.unsatisfied_count >= 1) OR "
				  "(t.status = 'closed' AND t.color = 'red'))");
	if (f->ids) {
		buf_puts(&q->sql, " AND t.id IN (SELECT value FROM json_each(");
		bind_text(q, f->ids);
		buf_puts(&q->sql, "))");
	}
	/* Both read through their partial indexes (018_reopened.sql), whose conditions these are. */
	if (f->reopened)
		buf_puts(&q->sql, " AND t.reopened_on IS NOT NULL AND t.status = 'rectifying'");
	if (f->deadline_pending)
		buf_puts(&q->sql, " AND t.deadline_pending = 1");
	if (f->supplement) /* through its partial index (033_filings.sql) */
		buf_puts(&q->sql, " AND t.supplement = 1");
	if (has(f->sign) && !strcmp(f->sign, "late")) {
		/* through the partial index of 022_time_limits.sql, whose condition this is */
		time_format_rfc3339(clock_now(), q->now, sizeof q->now);
		buf_puts(&q->sql, " AND t.status = 'open' AND t.signed_at IS NULL AND t.sign_by IS NOT NULL AND t.sign_by < ");
		bind_text(q, q->now);
	} else if (has(f->sign) && !strcmp(f->sign, "signed_late")) {
		buf_puts(&q->sql, " AND t.signed_late = 1");
	} else if (has(f->sign)) {
		return 0;
	}
	/* 考评: the month's cohort, and the tickets behind one part of an indicator (assess.h). */
	if (has(f->dispatched)) {
		if (!assess_month_ok(f->dispatched))
			return 0;
		buf_puts(&q->sql, " AND substr(coalesce(t.dispatched_at, t.created_at), 1, 7) = ");
		bind_text(q, f->dispatched);
	}
	if (has(f->assess) && assess_where(q, f->assess, dates[0]) != 0)
		return 0;
	if (f->due) { /* the denominator of 按期办结率 (stats.c): closed, or still open past the original deadline */
		buf_puts(&q->sql, " AND (t.status = 'closed' OR t.original_deadline < ");
		bind_text(q, dates[0]);
		buf_puts(&q->sql, ")");
	}
	if (f->q && *f->q) {
		/* Words through the bigram index (search.h); a query of punctuation alone is looked
		 * for in the text itself. */
		if (f->q_scan) {
			buf_puts(&q->sql, " AND ");
			text_match(q, f, "t");
		} else if (search_match(f->q, qbuf, qlen) > 0) {
			buf_puts(&q->sql, " AND (t.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ");
			bind_text(q, qbuf);
			buf_puts(&q->sql, ")");
			/* The address for everyone; who reported it (name, the phone's last digits) only
			 * for whoever may see personal data, so that no one learns a number by searching. */
			int personal = search_personal(f);
			snprintf(q->contact, sizeof q->contact, "%s : (%s)", personal ? "{address person}" : "address", qbuf);
			buf_puts(&q->sql, " OR t.id IN (SELECT rowid FROM tickets_contact_fts WHERE tickets_contact_fts MATCH ");
			bind_text(q, q->contact);
			buf_puts(&q->sql, ")");
			if (personal && search_phone_tail(f->q, q->phone_tail + 9, sizeof q->phone_tail - 9)) {
				memcpy(q->phone_tail, "person : ", 9);
				buf_puts(&q->sql, " OR t.id IN (SELECT rowid FROM tickets_contact_fts WHERE tickets_contact_fts MATCH ");
				bind_text(q, q->phone_tail);
				buf_puts(&q->sql, ")");
			}
			/* A ledger code or a 原工单号, whole or its first characters, by their indexes. */
			if (ref_query(f->q, q->refs)) {
				buf_puts(&q->sql, " OR (t.code >= ");
				bind_text(q, q->refs[0]);
				buf_puts(&q->sql, " AND t.code < ");
				bind_text(q, q->refs[1]);
				buf_puts(&q->sql, ") OR (t.source_ref >= ");
				bind_text(q, f->q);
				buf_puts(&q->sql, " AND t.source_ref < ");
				bind_text(q, q->refs[2]);
				buf_puts(&q->sql, ")");
			}
			buf_puts(&q->sql, ")");
		} else {
			/* The text as typed: % and _ are no wildcards here. */
			size_t n = 0;
			qbuf[n++] = '%';
			for (const char *p = f->q; *p && n + 3 < qlen; p++) {
				if (*p == '%' || *p == '_' || *p == '\\')
					qbuf[n++] = '\\';
				qbuf[n++] = *p;
			}
			qbuf[n++] = '%';
			qbuf[n] = '\0';
			buf_puts(&q->sql, " AND (t.title LIKE ");
			bind_text(q, qbuf);
			buf_puts(&q->sql, " ESCAPE '\\' OR t.description LIKE ");
			bind_text(q, qbuf);
			buf_puts(&q->sql, " ESCAPE '\\' OR t.id IN (SELECT ticket_id FROM progress WHERE note LIKE ");
			bind_text(q, qbuf);
			buf_puts(&q->sql, " ESCAPE '\\'))");
		}
	}
	return 1;
}

static void row_count(sqlite3_stmt *st, void *arg)
{
	*(long long *)arg = sqlite3_column_int64(st, 0);
}

/* What a count is remembered under: its SQL, its values and today (the dates ?91-?93 follow). */
static void memo_key(const struct sqlq *q, long today, struct buf *key)
{
	buf_puts(key, q->sql.data);
	for (int i = 0; i < q->n; i++) {
		if (q->is_num[i])
			buf_printf(key, "\x1f%lld", q->num[i]);
		else
			buf_printf(key, "\x1f%s", q->text[i]);
	}
	buf_printf(key, "\x1e%ld", today);
	if (strstr(q->sql.data, "?94") || strstr(q->sql.data, "?95")) { /* a count that depends on the time of day */
		char now[32];
		time_format_rfc3339(clock_now(), now, sizeof now);
		buf_printf(key, "\x1e%s", now);
	}
}

/* SELECT select FROM table t join WHERE <f> [AND t.kind IN (kinds)] tail, each row to row(). */
/*
 * The small partial index that holds every ticket f can match, for a count to read it alone:
 * the planner, weighing a staff scope's two path ranges against an index it has no statistics
 * for (an empty one writes none), walked a third of the ledger instead (0.3–4 s at a million).
 * Each index's condition is the one build_where writes for its filter, so SQLite can use it.
 */
static const char *partial_index(const struct ticket_filter *f)
{
	if (f->reopened)
		return "tickets_reopened"; /* 018 */
	if (f->deadline_pending)
		return "tickets_deadline_pending"; /* 018 */
	if (f->suspend_pending)
		return "tickets_suspend_pending"; /* 023 */
	if (has(f->sign) && !strcmp(f->sign, "late"))
		return "tickets_sign_waiting"; /* 025: it carries both paths */
	if (f->returned)
		return "tickets_returned"; /* 025: and the day of the last progress */
	return NULL;
}

static int aggregate(struct db *db, const struct ticket_filter *f, enum where_mode mode, const char *kinds,
		     const char *select, const char *join, const char *tail, void (*row)(sqlite3_stmt *st, void *arg),
		     void *arg)
{
	char paths[5][2][256], qbuf[1024], dates[3][11];
	struct sqlq q = { .n = 0 };
	buf_init(&q.sql);
	const char *index = mode == WHERE_COUNT ? partial_index(f) : NULL;
	buf_printf(&q.sql, "SELECT %s FROM %s t %s%s %s ", select, mode == WHERE_TALLY ? "tallies" : "tickets",
		   index ? "INDEXED BY " : "", index ? index : "", join ? join : "");
	if (!build_where(db, f, &q, paths, qbuf, sizeof qbuf, dates, mode)) {
		buf_free(&q.sql);
		return 0;
	}
	if (kinds)
		buf_printf(&q.sql, " AND t.kind IN (%s)", kinds);
	buf_printf(&q.sql, " %s", tail ? tail : "");
	long today = date_today_days();
	char now_text[32];
	time_format_rfc3339(clock_now(), now_text, sizeof now_text);
	/* A count is one number: every page shows some (totals, the to-do badge), and they stay
	 * true until someone writes, so they are remembered for this state of the ledger. */
	struct buf key;
	buf_init(&key);
	if (row == row_count) {
		memo_key(&q, today, &key);
		if (db_memo_get(db, key.data, arg)) {
			buf_free(&key);
			buf_free(&q.sql);
			return 0;
		}
	}
	sqlite3_stmt *st = db_prepare_text(db, q.sql.data);
	int rc = -1;
	if (st) {
		bind_all(&q, st);
		char d[3][11];
		mark_dates(db, d);
		/* Fixed numbers far above the filter's own ?1..?N: named parameters would be numbered
		 * in parse order and collide with them. */
		int top = sqlite3_bind_parameter_count(st);
		for (int i = 0; i < 3; i++)
			if (91 + i <= top)
				sqlite3_bind_text(st, 91 + i, d[i], -1, SQLITE_TRANSIENT);
		/* ?94, ?95: this moment, as text and in seconds (the time to sign is a time, not a
		 * day; the tallies keep it in seconds) */
		if (top >= 94)
			sqlite3_bind_text(st, 94, now_text, -1, SQLITE_TRANSIENT);
		if (top >= 95)
			sqlite3_bind_int64(st, 95, (sqlite3_int64)clock_now());
		int step;
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			row(st, arg);
		rc = step == SQLITE_DONE ? 0 : -1;
		if (rc == 0 && key.data)
			db_memo_put(db, key.data, *(long long *)arg);
	}
	db_done(st);
	buf_free(&key);
	buf_free(&q.sql);
	return rc;
}

int ticket_aggregate(struct db *db, const struct ticket_filter *f, const char *select, const char *join,
		     const char *tail, void (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
	return aggregate(db, f, WHERE_COUNT, NULL, select, join, tail, row, arg);
}

int tally_scope_only(const struct ticket_filter *f)
{
	return !has(f->status) && !has(f->domain) && !has(f->source) && !has(f->category) && !has(f->light) &&
	       !has(f->color) && !has(f->q) && !has(f->from) && !has(f->to) && f->supervised < 0 && f->stale != 1 &&
	       !f->unclosed && !f->returned && !f->extension_pending && !f->callbacks_due && !f->on_time && !f->due &&
	       !f->reopened && !f->deadline_pending && !f->ids && !f->stock && !has(f->place) && !has(f->sign) &&
	       !f->suspended && !f->suspend_pending && !has(f->co_unit) && !f->co_todo && f->scope_part != SCOPE_CO_ONLY &&
	       !has(f->dispatched) && !has(f->assess) && !f->supplement;
}

int tally_aggregate(struct db *db, const struct ticket_filter *f, const char *kinds, const char *select,
		    const char *join, const char *tail, void (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
	if (!tally_scope_only(f)) {
		log_error("tally_aggregate: a filter the tallies do not hold");
		return -1;
	}
	return aggregate(db, f, WHERE_TALLY, kinds, select, join, tail, row, arg);
}

long long ticket_count_by(struct db *db, const struct ticket_filter *f, int use_tallies)
{
	long long n = 0;
	const char *kind = use_tallies ? tally_kind(f) : NULL;
	if (!kind) {
		aggregate(db, f, WHERE_COUNT, NULL, "count(*)", NULL, NULL, row_count, &n);
		return n;
	}
	char kinds[24];
	snprintf(kinds, sizeof kinds, "'%s'", kind);
	aggregate(db, f, WHERE_TALLY, kinds, "coalesce(sum(t.n), 0)", NULL, NULL, row_count, &n);
	/* The tallies count a staff scope's own tickets; those it only co-handles are few, and
	 * counted from the co-units' index. */
	if (f->who && f->who->role == ROLE_STAFF && !f->lead) {
		struct ticket_filter co = *f;
		co.scope_part = SCOPE_CO_ONLY;
		long long extra = 0;
		aggregate(db, &co, WHERE_COUNT, NULL, "count(*)", NULL, NULL, row_count, &extra);
		n += extra;
	}
	return n;
}

long long ticket_count(struct db *db, const struct ticket_filter *f)
{
	return ticket_count_by(db, f, 1);
}

/* The list's order, or its reverse; plus ("+") keeps the order from steering the index choice. */
static void order_by(struct buf *sql, int desc, const char *plus)
{
	buf_printf(sql, desc ? " ORDER BY %st.urgency_rank DESC, %st.deadline DESC, %st.id DESC"
			     : " ORDER BY %st.urgency_rank, %st.deadline, %st.id",
		   plus, plus, plus);
}

/*
 * Where a page `offset` rows into the order starts: that row's order key, read from the
 * tickets alone. Skipping with OFFSET in the page's own query would join every skipped row
 * to its names first (seconds, a hundred thousand rows in); here SQLite skips entries of the
 * sort-order index. 0 when there is no such row.
 */
static int offset_start(struct db *db, const struct ticket_filter *f, enum where_mode mode, int desc,
			const char *plus, long offset, struct ticket_cursor *at)
{
	char paths[5][2][256], qbuf[1024], dates[3][11];
	struct sqlq q = { .n = 0 };
	buf_init(&q.sql);
	buf_puts(&q.sql, "SELECT t.urgency_rank, t.deadline, t.id FROM tickets t ");
	int found = 0;
	if (build_where(db, f, &q, paths, qbuf, sizeof qbuf, dates, mode)) {
		order_by(&q.sql, desc, plus);
		buf_puts(&q.sql, " LIMIT 1 OFFSET ");
		bind_num(&q, offset);
		sqlite3_stmt *st = db_prepare_text(db, q.sql.data);
		if (st) {
			bind_all(&q, st);
			if (sqlite3_step(st) == SQLITE_ROW) {
				at->rank = sqlite3_column_int(st, 0);
				snprintf(at->deadline, sizeof at->deadline, "%s", db_text(st, 1));
				at->id = sqlite3_column_int64(st, 2);
				found = 1;
			}
			db_done(st);
		}
	}
	buf_free(&q.sql);
	return found;
}

/* How many rows of f's scope (f without its words) a sample of at most SEARCH_SAMPLE has,
 * and how many of them hold f's words. */
static void search_sample(struct db *db, const struct ticket_filter *f, long long *rows, long long *hits)
{
	char paths[5][2][256], qbuf[1024], dates[3][11];
	struct ticket_filter scope = *f;
	scope.q = NULL;
	struct sqlq q = { .n = 0 };
	buf_init(&q.sql);
	buf_puts(&q.sql, "SELECT count(*), coalesce(sum(");
	text_match(&q, f, "s");
	buf_puts(&q.sql, "), 0) FROM (SELECT t.id, t.title, t.description, t.child_lists, t.address, t.reporter_name, "
			 "t.reporter_phone FROM tickets t ");
	*rows = *hits = 0;
	/* Any rows of the scope make the sample: the scope's own index finds them fastest. */
	if (build_where(db, &scope, &q, paths, qbuf, sizeof qbuf, dates, WHERE_COUNT)) {
		buf_puts(&q.sql, " LIMIT ");
		bind_num(&q, SEARCH_SAMPLE);
		buf_puts(&q.sql, ") s");
		sqlite3_stmt *st = db_prepare_text(db, q.sql.data);
		if (st) {
			bind_all(&q, st);
			if (sqlite3_step(st) == SQLITE_ROW) {
				*rows = sqlite3_column_int64(st, 0);
				*hits = sqlite3_column_int64(st, 1);
			}
			db_done(st);
		}
	}
	buf_free(&q.sql);
}

/* How many tickets match f: exactly, or (a common word over a large scope) estimated, when
 * *g is set to walk the rows (q_scan). */
static long long list_total(struct db *db, const struct ticket_filter *f, struct ticket_filter *g, int *estimated)
{
	char expr[1024];
	*g = *f;
	*estimated = 0;
	char refs[3][72];
	if (!has(f->q) || search_match(f->q, expr, sizeof expr) <= 0 || ref_query(f->q, refs))
		return ticket_count(db, f);
	long long rows, hits;
	search_sample(db, f, &rows, &hits);
	if (rows < SEARCH_SAMPLE) {
		/* The whole scope was read: its count is exact, and walking it is cheap. */
		g->q_scan = 1;
		return hits;
	}
	if (hits * SEARCH_DENSE < rows)
		return ticket_count(db, f);
	g->q_scan = 1;
	struct ticket_filter scope = *f;
	scope.q = NULL;
	*estimated = 1;
	long long est = ticket_count(db, &scope) * hits / rows;
	return est > 0 ? est : 1;
}

/*
 * One page of the list: calls row() with the statement on each row, in the order read.
 * Returns 1 when that order is the page's reversed (read from the end), 0 otherwise.
 */
static int list_rows(struct db *db, const struct ticket_filter *f, enum list_shape shape, enum list_dir dir,
		     const struct ticket_cursor *at, long offset, int limit, long long *total, int *more,
		     void (*row)(sqlite3_stmt *st, const struct codebook *cb, void *arg), void *arg)
{
	char paths[5][2][256], qbuf[1024], dates[3][11];
	*more = 0;
	if (total)
		*total = 0;
	struct sqlq q = { .n = 0 };
	buf_init(&q.sql);
	/* Few matches: let SQLite find them by the filter's own index and sort them. Many: walk
	 * the sort-order index and stop after one page (see enum where_mode). */
	struct ticket_filter walk;
	int estimated;
	long long matching = list_total(db, f, &walk, &estimated);
	if (f->estimated)
		*f->estimated = estimated;
	f = &walk;
	if (total)
		*total = matching;
	if (matching == 0)
		return 0;
	/* The last page holds what the pages before it leave, as its number says. */
	if (dir == LIST_LAST && !estimated && matching % limit)
		limit = (int)(matching % limit);
	int selective = matching <= SELECTIVE_ROWS;
	if (!selective && (has(f->from) || has(f->to)) && !f->q_scan) {
		/* A range of days that is a small share of its scope: by the range's index (015). */
		struct ticket_filter scope = *f;
		scope.from = scope.to = NULL;
		selective = matching * 5 < ticket_count(db, &scope);
	}
	int brief = shape == LIST_BRIEF;
	buf_puts(&q.sql, brief ? "SELECT " BRIEF_COLUMNS TICKET_FROM : "SELECT " TICKET_COLUMNS TICKET_FROM);
	/* Selective: the page's keys first, found by the filters' indexes and sorted (a sort of
	 * keys, not of joined rows), then those rows. */
	if (selective)
		buf_puts(&q.sql, "WHERE t.id IN (SELECT t.id FROM tickets t ");
	if (!build_where(db, f, &q, paths, qbuf, sizeof qbuf, dates, selective ? WHERE_COUNT : WHERE_LIST)) {
		buf_free(&q.sql);
		return 0;
	}

	int desc = dir == LIST_BEFORE || dir == LIST_LAST;
	/* A page past the middle is counted from the end, so that the last page costs what the
	 * first does: the rows before it are never read. */
	int from_end = 0;
	if (dir == LIST_FIRST && offset > 0 && !estimated) {
		if (offset >= matching) {
			buf_free(&q.sql);
			return 0;
		}
		if (offset > matching / 2) {
			from_end = 1;
			desc = 1;
			long long rest = matching - offset; /* rows from this page's start to the end */
			*more = rest > limit;
			if (rest > limit) {
				offset = (long)(rest - limit);
			} else {
				offset = 0;
				limit = (int)rest;
			}
		}
	}
	/* "+t.column" is not the indexed column: the order then cannot steer the choice of index. */
	const char *plus = selective ? "+" : "";
	const struct ticket_cursor *from = dir == LIST_AFTER || dir == LIST_BEFORE ? at : NULL;
	const char *op = dir == LIST_AFTER ? ">" : "<";
	struct ticket_cursor start;
	if (dir == LIST_FIRST && offset > 0) {
		/* From the row the offset lands on, that row included. */
		if (!offset_start(db, f, selective ? WHERE_COUNT : WHERE_LIST, desc, plus, offset, &start)) {
			buf_free(&q.sql);
			return desc;
		}
		from = &start;
		op = desc ? "<=" : ">=";
	}
	if (from) {
		buf_printf(&q.sql, " AND (t.urgency_rank, t.deadline, t.id) %s (", op);
		bind_num(&q, from->rank);
		buf_puts(&q.sql, ", ");
		bind_text(&q, from->deadline);
		buf_puts(&q.sql, ", ");
		bind_num(&q, from->id);
		buf_puts(&q.sql, ")");
	}
	order_by(&q.sql, desc, plus);
	buf_puts(&q.sql, " LIMIT ");
	bind_num(&q, limit + 1);
	if (selective) {
		buf_puts(&q.sql, ")");
		order_by(&q.sql, desc, "");
	}
	sqlite3_stmt *st = db_prepare_text(db, q.sql.data);
	if (!st) {
		buf_free(&q.sql);
		return 0;
	}
	bind_all(&q, st);
	int n = 0;
	const struct codebook *cb = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == limit) {
			*more = !from_end || *more;
			break;
		}
		if (n == 0)
			cb = codebook_get(db); /* now that the statement's snapshot has begun */
		row(st, cb, arg);
		n++;
	}
	db_done(st);
	buf_free(&q.sql);
	return desc;
}

struct json_rows {
	json_t *items;
	int brief;
	const struct subject *viewer;
};

static void json_row(sqlite3_stmt *st, const struct codebook *cb, void *arg)
{
	struct json_rows *j = arg;
	json_t *row, *cursor = json_object();
	if (j->brief) {
		struct ticket_brief b;
		brief_read(st, cb, &b);
		row = brief_json(&b);
	} else {
		row = row_json(st, cb, TICKET_MASKED, j->viewer);
	}
	put(cursor, "rank", json_integer(sqlite3_column_int(st, j->brief ? BRIEF_RANK : FULL_RANK)));
	put(cursor, "deadline", db_str(st, j->brief ? BRIEF_DEADLINE : FULL_DEADLINE));
	put(cursor, "id", json_integer(sqlite3_column_int64(st, 0)));
	put(row, "cursor", cursor);
	json_array_append_new(j->items, row);
}

/* The items come out in the page's order: a page read from its end is turned round. */
static void json_array_reverse(json_t *a)
{
	for (size_t i = 0, k = json_array_size(a); i + 1 < k; i++, k--) {
		json_t *x = json_incref(json_array_get(a, i));
		json_array_set(a, i, json_array_get(a, k - 1));
		json_array_set_new(a, k - 1, x);
	}
}

json_t *ticket_list(struct db *db, const struct ticket_filter *f, enum list_shape shape, enum list_dir dir,
		    const struct ticket_cursor *at, long offset, int limit, long long *total, int *more)
{
	struct json_rows j = { json_array(), shape == LIST_BRIEF, f->who };
	if (list_rows(db, f, shape, dir, at, offset, limit, total, more, json_row, &j))
		json_array_reverse(j.items);
	return j.items;
}

struct text_rows {
	struct buf rows;
	size_t *ends; /* where each row's text ends in rows */
	int n, cap;
	const struct subject *viewer;
};

static void text_row(sqlite3_stmt *st, const struct codebook *cb, void *arg)
{
	struct text_rows *t = arg;
	struct out o = { .b = &t->rows, .cb = cb, .viewer = t->viewer };
	row_out(st, TICKET_MASKED, &o);
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->ends = xrealloc(t->ends, (size_t)t->cap * sizeof *t->ends);
	}
	t->ends[t->n++] = t->rows.len;
}

void ticket_list_write(struct db *db, const struct ticket_filter *f, long offset, int limit, long long *total,
		       int *more, struct buf *out)
{
	struct text_rows t = { .n = 0, .viewer = f->who };
	buf_init(&t.rows);
	buf_reserve(&t.rows, (size_t)limit * 1400); /* a ticket is about 1.3 KB of JSON: no copies while it grows */
	int reversed = list_rows(db, f, LIST_FULL, LIST_FIRST, NULL, offset, limit, total, more, text_row, &t);
	buf_reserve(out, t.rows.len + (size_t)t.n + 2);
	buf_putc(out, '[');
	for (int k = 0; k < t.n; k++) {
		int i = reversed ? t.n - 1 - k : k;
		size_t start = i ? t.ends[i - 1] : 0;
		if (k)
			buf_putc(out, ',');
		buf_append(out, t.rows.data + start, t.ends[i] - start);
	}
	buf_putc(out, ']');
	buf_free(&t.rows);
	free(t.ends);
}

struct brief_rows {
	void (*row)(const struct ticket_brief *b, void *arg);
	void *arg;
};

static void brief_row(sqlite3_stmt *st, const struct codebook *cb, void *arg)
{
	struct brief_rows *br = arg;
	struct ticket_brief b;
	brief_read(st, cb, &b);
	br->row(&b, br->arg);
}

int ticket_list_brief(struct db *db, const struct ticket_filter *f, enum list_dir dir, const struct ticket_cursor *at,
		      int limit, long long *total, int *more, void (*row)(const struct ticket_brief *b, void *arg),
		      void *arg)
{
	struct brief_rows br = { row, arg };
	return list_rows(db, f, LIST_BRIEF, dir, at, 0, limit, total, more, brief_row, &br);
}

/* The orders a person may ask of the ledger page besides its own: name, ORDER BY. */
static const struct {
	const char *name, *order;
} list_orders[] = {
	{ "code", "t.code" },
	{ "-code", "t.code DESC" },
	{ "deadline", "t.deadline, t.id" },
	{ "-deadline", "t.deadline DESC, t.id DESC" },
	{ "created", "t.created_at, t.id" },
	{ "-created", "t.created_at DESC, t.id DESC" },
	/* the workflow's order of the states, then the ledger's own */
	{ "status", "(by state, in the workflow's order: ticket_list_sorted)" },
};

int ticket_order_known(const char *sort)
{
	for (size_t i = 0; sort && i < ARRAY_LEN(list_orders); i++)
		if (!strcmp(list_orders[i].name, sort))
			return 1;
	return 0;
}

/* One page of the tickets matching walk in this order (a constant of list_orders). */
static int sorted_page(struct db *db, const struct ticket_filter *walk, const char *order, long offset, int limit,
		       void (*row)(const struct ticket_brief *b, void *arg), void *arg)
{
	char paths[5][2][256], qbuf[1024], dates[3][11];
	struct sqlq q = { .n = 0 };
	buf_init(&q.sql);
	buf_puts(&q.sql, "SELECT " BRIEF_COLUMNS TICKET_FROM);
	if (!build_where(db, walk, &q, paths, qbuf, sizeof qbuf, dates, WHERE_COUNT)) {
		buf_free(&q.sql);
		return 0;
	}
	buf_printf(&q.sql, " ORDER BY %s LIMIT ", order); /* order: a constant, never input */
	bind_num(&q, limit);
	buf_puts(&q.sql, " OFFSET ");
	bind_num(&q, offset);
	sqlite3_stmt *st = db_prepare_text(db, q.sql.data);
	buf_free(&q.sql);
	if (!st)
		return -1;
	bind_all(&q, st);
	struct brief_rows br = { row, arg };
	const struct codebook *cb = NULL;
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!cb)
			cb = codebook_get(db);
		brief_row(st, cb, &br);
		n++;
	}
	db_done(st);
	return n;
}

int ticket_list_sorted(struct db *db, const struct ticket_filter *f, const char *sort, long offset, int limit,
		       long long *total, void (*row)(const struct ticket_brief *b, void *arg), void *arg)
{
	const char *order = NULL;
	for (size_t i = 0; sort && i < ARRAY_LEN(list_orders); i++)
		if (!strcmp(list_orders[i].name, sort))
			order = list_orders[i].order;
	if (!order)
		return -1;
	struct ticket_filter walk;
	int estimated;
	*total = list_total(db, f, &walk, &estimated);
	if (f->estimated)
		*f->estimated = estimated;
	if (*total == 0 || offset >= *total)
		return 0;
	if (strcmp(sort, "status") != 0)
		return sorted_page(db, &walk, order, offset, limit, row, arg);
	/* By state: each state's tickets in the ledger's own order, through the state's index
	 * (tickets_status), the states in the workflow's order; a state's count (kept, or from
	 * the tallies) says where the page begins. A sort of every ticket by an expression would
	 * read the whole ledger. */
	static const char *const states[] = { "open", "rectifying", "verifying", "closed" };
	int n = 0;
	for (size_t i = 0; i < ARRAY_LEN(states) && n < limit; i++) {
		if (has(walk.status) && strcmp(walk.status, states[i]))
			continue;
		struct ticket_filter one = walk;
		one.status = states[i];
		one.estimated = NULL;
		long long count = ticket_count(db, &one);
		if (offset >= count) {
			offset -= (long)count;
			continue;
		}
		int got = sorted_page(db, &one, "t.urgency_rank, t.deadline, t.id", offset, limit - n, row, arg);
		if (got < 0)
			return -1;
		n += got;
		offset = 0;
	}
	return n;
}
