/*
 * notify.c — dispatches, cards and notifications. Each notification kind is a row below: who
 * it is for and the words it says.
 */
#include "notify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "labels.h"
#include "util.h"
#include "utf8.h"
#include "workflow.h"

/* The staff of the responsible unit and of its co-units (协办), of the responsible unit alone,
 * or every reviewer. */
enum audience { TO_UNIT, TO_LEAD, TO_REVIEWERS };

/* What a notification's text may name of its ticket. */
struct about {
	char code[40], title[256], sign_by[32], deadline[11], extension[11], unit[104], reason[32];
	long long urges;
};

static void text_dispatched(const struct about *a, struct buf *b)
{
	char when[40];
	time_text_minute(a->sign_by, when, sizeof when);
	buf_printf(b, "新派单：%s「%s」", a->code, a->title);
	if (a->sign_by[0])
		buf_printf(b, "，请于 %s 前签收", when);
	else
		buf_puts(b, "，请及时签收");
}

static void text_sign_overdue(const struct about *a, struct buf *b)
{
	char when[40];
	time_text_minute(a->sign_by, when, sizeof when);
	buf_printf(b, "超时未签收：%s「%s」应于 %s 前签收，请立即签收或申请退单", a->code, a->title, when);
}

static void text_yellow(const struct about *a, struct buf *b)
{
	buf_printf(b, "黄牌：%s「%s」距整改时限（%s）仅剩 1 个工作日", a->code, a->title, a->deadline);
}

static void text_red(const struct about *a, struct buf *b)
{
	buf_printf(b, "红牌：%s「%s」已超过整改时限（%s），请立即办理", a->code, a->title, a->deadline);
}

static void text_returned(const struct about *a, struct buf *b)
{
	buf_printf(b, "退回重办：%s「%s」验收未通过，请重新整改", a->code, a->title);
}

static void text_unsatisfied(const struct about *a, struct buf *b)
{
	buf_printf(b, "群众不满意：%s「%s」回访不满意，已重新进入整改", a->code, a->title);
}

static void text_urged(const struct about *a, struct buf *b)
{
	buf_printf(b, "催办：%s「%s」已被催办 %lld 次，请抓紧办理", a->code, a->title, a->urges);
}

static void text_return_requested(const struct about *a, struct buf *b)
{
	buf_printf(b, "退单申请：%s申请退回 %s「%s」（%s），请审核改派", a->unit, a->code, a->title,
		   a->reason[0] ? a->reason : "其他");
}

static void text_extension(const struct about *a, struct buf *b)
{
	buf_printf(b, "延期申请：%s申请将 %s「%s」的整改时限延至 %s，请审批", a->unit, a->code, a->title, a->extension);
}

static void text_suspend(const struct about *a, struct buf *b)
{
	buf_printf(b, "挂起申请：%s申请挂起 %s「%s」，请审批", a->unit, a->code, a->title);
}

static const struct kind {
	const char *code;
	enum audience to;
	void (*text)(const struct about *, struct buf *);
} kinds[] = {
	{ "dispatched", TO_UNIT, text_dispatched },
	{ "sign_overdue", TO_LEAD, text_sign_overdue },
	{ "yellow_card", TO_UNIT, text_yellow },
	{ "red_card", TO_UNIT, text_red },
	{ "returned", TO_UNIT, text_returned },
	{ "unsatisfied", TO_UNIT, text_unsatisfied },
	{ "urged", TO_UNIT, text_urged },
	{ "return_requested", TO_REVIEWERS, text_return_requested },
	{ "extension_requested", TO_REVIEWERS, text_extension },
	{ "suspend_requested", TO_REVIEWERS, text_suspend },
};

static const struct kind *kind_of(const char *code)
{
	for (size_t i = 0; code && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].code, code) == 0)
			return &kinds[i];
	return NULL;
}

int notify_kind_known(const char *kind)
{
	return kind_of(kind) != NULL;
}

int dispatch_record(struct db *w, long long ticket_id, const char *at, struct err *e)
{
	static const char q[] = "INSERT INTO dispatches (ticket_id, unit_id, unit_path, at) "
				"SELECT id, responsible_unit_id, responsible_path, ?2 FROM tickets WHERE id = ?1";
	sqlite3_stmt *st = db_prepare(w, q);
	if (st) {
		sqlite3_bind_int64(st, 1, ticket_id);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE) {
			db_done(st);
			return 0;
		}
	}
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	db_done(st);
	return -1;
}

/* s with every occurrence of what (when it says something) replaced by stars. */
static void mask_out(struct buf *s, const char *what)
{
	size_t n = what ? strlen(what) : 0;
	if (n < 2 || !s->data || strchr(what, '*'))
		return;
	char *p;
	while ((p = strstr(s->data, what)) != NULL) {
		memset(p, '*', n);
	}
}

/* The ticket's facts a text may use; its reporter's name and phone into who[2] to mask. */
static int about_load(struct db *w, long long id, struct about *a, char who[2][128])
{
	static const char q[] =
		"SELECT t.code, t.title, coalesce(t.sign_by, ''), t.deadline, coalesce(t.extension_deadline, ''), u.name, "
		"t.urge_count, t.reporter_name, t.reporter_phone, "
		"coalesce((SELECT d.reason_code FROM dispatches d WHERE d.ticket_id = t.id ORDER BY d.id DESC LIMIT 1), '') "
		"FROM tickets t JOIN units u ON u.id = t.responsible_unit_id WHERE t.id = ?1";
	sqlite3_stmt *st = db_prepare(w, q);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		str_copy(a->code, sizeof a->code, db_text(st, 0));
		/* A long title is cut (at 120 bytes, some 40 characters), on a character boundary. */
		const char *title = db_text(st, 1);
		size_t cut = utf8_cut(title, strlen(title), 120);
		snprintf(a->title, sizeof a->title, "%.*s%s", (int)cut, title, title[cut] ? "…" : "");
		str_copy(a->sign_by, sizeof a->sign_by, db_text(st, 2));
		str_copy(a->deadline, sizeof a->deadline, db_text(st, 3));
		str_copy(a->extension, sizeof a->extension, db_text(st, 4));
		str_copy(a->unit, sizeof a->unit, db_text(st, 5));
		a->urges = sqlite3_column_int64(st, 6);
		str_copy(who[0], 128, db_text(st, 7));
		str_copy(who[1], 128, db_text(st, 8));
		str_copy(a->reason, sizeof a->reason, vs_label(&VS_RETURN_REASON, db_text(st, 9)));
		rc = 0;
	}
	db_done(st);
	return rc;
}

static _Atomic int outbox_on;

void notify_outbox_enable(int on)
{
	outbox_on = on;
}

/* The notification nid's text as the group robot's message, due now. */
static int outbox_add(struct db *w, long long nid, const char *text, const char *at)
{
	static const char q[] = "INSERT INTO outbox (notification_id, body, created_at, next_at) VALUES (?1, ?2, ?3, ?4)";
	json_t *msg = json_pack("{s:s,s:{s:s}}", "msgtype", "text", "text", "content", text);
	char *body = msg ? json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(msg);
	sqlite3_stmt *st = body ? db_prepare(w, q) : NULL;
	int rc = -1;
	if (st) {
		sqlite3_bind_int64(st, 1, nid);
		sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL)); /* retries keep the machine's time, not the ledger's */
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	}
	db_done(st);
	free(body);
	return rc;
}

int notify_ticket(struct db *w, long long ticket_id, const char *kind, const char *key, struct err *e)
{
	static const char q_add[] = "INSERT OR IGNORE INTO notifications (ticket_id, kind, text, created_at, key) "
				    "VALUES (?1, ?2, ?3, ?4, ?5)";
	/* The staff of the unit (?3: and of the co-units) and of the units above it. */
	static const char q_staff[] =
		"INSERT INTO inbox (user_id, notification_id) SELECT u.id, ?1 FROM users u JOIN units n ON n.id = u.unit_id "
		"WHERE u.role = 'staff' AND u.active = 1 AND (substr(?2, 1, length(n.path)) = n.path OR (?3 AND EXISTS "
		"(SELECT 1 FROM co_units c WHERE c.ticket_id = ?4 AND substr(c.unit_path, 1, length(n.path)) = n.path)))";
	static const char q_reviewers[] = "INSERT INTO inbox (user_id, notification_id) SELECT id, ?1 FROM users "
					  "WHERE role = 'reviewer' AND active = 1";
	static const char q_path[] = "SELECT responsible_path FROM tickets WHERE id = ?1";
	const struct kind *k = kind_of(kind);
	if (!k) {
		err_set(e, 500, "notify", NULL, "未知的消息类型：%s", kind ? kind : "");
		return -1;
	}
	struct about a = { 0 };
	char who[2][128] = { "", "" };
	if (about_load(w, ticket_id, &a, who) != 0) {
		err_set(e, 404, "not_found", NULL, "您访问的问题不存在");
		return -1;
	}
	struct buf text;
	buf_init(&text);
	k->text(&a, &text);
	mask_out(&text, who[0]);
	mask_out(&text, who[1]);
	char at[32];
	time_format_rfc3339(clock_now(), at, sizeof at);

	sqlite3_stmt *st = db_prepare(w, q_add);
	int rc = -1;
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, ticket_id);
	sqlite3_bind_text(st, 2, k->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text.data ? text.data : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
	if (key)
		sqlite3_bind_text(st, 5, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	db_done(st);
	st = NULL;
	if (sqlite3_changes(db_handle(w)) == 0) {
		rc = 0; /* made before, for this key */
		goto out;
	}
	long long nid = sqlite3_last_insert_rowid(db_handle(w));
	char path[256] = "";
	if (k->to != TO_REVIEWERS) {
		st = db_prepare(w, q_path);
		if (!st)
			goto out;
		sqlite3_bind_int64(st, 1, ticket_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			str_copy(path, sizeof path, db_text(st, 0));
		db_done(st);
	}
	st = db_prepare(w, k->to != TO_REVIEWERS ? q_staff : q_reviewers);
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, nid);
	if (k->to != TO_REVIEWERS) {
		sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, k->to == TO_UNIT);
		sqlite3_bind_int64(st, 4, ticket_id);
	}
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 1;
	if (rc == 1 && outbox_on && outbox_add(w, nid, text.data ? text.data : "", at) != 0)
		rc = -1;
out:
	if (rc < 0)
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	db_done(st);
	buf_free(&text);
	return rc;
}

/* ---------------------------------------------------------------- what the server does by itself */

/* Ids and keys of up to `max` tickets a query finds (?1, ?2 the range, ?3 the limit). */
struct found {
	long long id[SWEEP_BATCH];
	char key[SWEEP_BATCH][32];
	int n;
};

static int find(struct db *w, const char *q, const char *lo, const char *hi, const char *kind, int max,
		const struct sweep_cursor *after, struct found *f)
{
	sqlite3_stmt *st = db_prepare(w, q);
	f->n = 0;
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, max);
	if (kind)
		sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	if (after) {
		sqlite3_bind_text(st, 5, after->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, after->id);
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && f->n < max) {
		f->id[f->n] = sqlite3_column_int64(st, 0);
		str_copy(f->key[f->n], sizeof f->key[0], db_text(st, 1));
		f->n++;
	}
	db_done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static void day_text(long day, char out[11])
{
	time_format_date((time_t)day * 86400, out, 11);
}

/* Cards of one kind for the deadlines in [lo, hi]: a row, an event and a notification each. */
static int issue_cards(struct db *w, const char *kind, long lo, long hi, int room, struct sweep *s, struct err *e)
{
	/* The unclosed tickets' deadlines (the partial index of 004, whose condition is here),
	 * from where the last job of this pass stopped: a pass reads each ticket in range once. */
	static const char q_due[] =
		"SELECT id, deadline FROM tickets INDEXED BY tickets_open_deadline "
		"WHERE status <> 'closed' AND deadline BETWEEN ?1 AND ?2 AND (deadline, id) > (?5, ?6) "
		"AND status IN ('open', 'rectifying') AND suspended_on IS NULL "
		"AND NOT EXISTS (SELECT 1 FROM cards c WHERE c.ticket_id = tickets.id AND c.kind = ?4 "
		"AND c.deadline = tickets.deadline) ORDER BY deadline, id LIMIT ?3";
	static const char q_card[] = "INSERT INTO cards (ticket_id, kind, deadline, unit_id, at) "
				     "SELECT id, ?2, deadline, responsible_unit_id, ?3 FROM tickets WHERE id = ?1";
	if (hi < lo || room <= 0)
		return 0;
	char los[11], his[11], at[32], today[11];
	day_text(lo, los);
	day_text(hi, his);
	time_format_rfc3339(clock_now(), at, sizeof at);
	time_format_date(clock_now(), today, sizeof today);
	static __thread struct found f;
	struct sweep_cursor *cur = strcmp(kind, "red") == 0 ? &s->red : &s->yellow;
	if (find(w, q_due, los, his, kind, room, cur, &f) != 0)
		goto dberr;
	if (f.n) {
		str_copy(cur->key, sizeof cur->key, f.key[f.n - 1]);
		cur->id = f.id[f.n - 1];
	}
	for (int i = 0; i < f.n; i++) {
		sqlite3_stmt *st = db_prepare(w, q_card);
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, f.id[i]);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
		int ok = sqlite3_step(st) == SQLITE_DONE;
		db_done(st);
		if (!ok)
			goto dberr;
		json_t *after = json_pack("{s:{s:s,s:s,s:s}}", "card", "kind", kind, "deadline", f.key[i], "day", today);
		long long ev = audit_append(w, &ACTOR_SYSTEM, "ticket", f.id[i], "card", NULL, after, e);
		json_decref(after);
		if (ev < 0)
			return -1;
		if (notify_ticket(w, f.id[i], strcmp(kind, "red") == 0 ? "red_card" : "yellow_card", f.key[i], e) < 0)
			return -1;
		s->cards++;
	}
	if (f.n == room)
		s->more = 1;
	return f.n;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

int sweep_job(struct db *w, void *arg, struct err *e)
{
	/* The tickets past their time to sign, not yet told (the partial index of 022), from
	 * the oldest: a notice made leaves the set, so the next job starts at its beginning. */
	static const char q_waiting[] =
		"SELECT id, sign_by FROM tickets INDEXED BY tickets_sign_waiting "
		"WHERE status = 'open' AND signed_at IS NULL AND sign_by IS NOT NULL AND sign_by BETWEEN ?1 AND ?2 "
		"AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.ticket_id = tickets.id AND n.kind = 'sign_overdue' "
		"AND n.key = tickets.sign_by) ORDER BY sign_by LIMIT ?3";
	struct sweep *s = arg;
	s->cards = s->overdue = s->more = 0; /* the cursors go on from the job before */
	const struct workcal *cal = calendar_of(w);
	long today = date_today_days(), red_lo, red_hi, yellow_hi;
	card_ranges(cal, today, &red_lo, &red_hi, &yellow_hi);
	int room = SWEEP_BATCH, n;
	if ((n = issue_cards(w, "red", red_lo, red_hi, room, s, e)) < 0)
		return -1;
	room -= n;
	if ((n = issue_cards(w, "yellow", today, yellow_hi, room, s, e)) < 0)
		return -1;
	room -= n;
	if (room <= 0)
		return 0;

	char lo[32], hi[32];
	time_format_rfc3339(clock_now() - (time_t)CARD_LOOKBACK_DAYS * 86400, lo, sizeof lo);
	time_format_rfc3339(clock_now(), hi, sizeof hi);
	static __thread struct found f;
	if (find(w, q_waiting, lo, hi, NULL, room, NULL, &f) != 0) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
		return -1;
	}
	for (int i = 0; i < f.n; i++) {
		int made = notify_ticket(w, f.id[i], "sign_overdue", f.key[i], e);
		if (made < 0)
			return -1;
		s->overdue += made;
	}
	if (f.n == room)
		s->more = 1;
	return 0;
}

void sweep_run(void)
{
	int cards = 0, overdue = 0, passes = 0;
	double t0 = mono_ms();
	struct sweep s = { 0 };
	for (;;) {
		struct err e = { 0 };
		if (db_write(sweep_job, &s, &e) != 0) {
			log_warn("cards and reminders not issued: %s", e.message);
			return;
		}
		cards += s.cards;
		overdue += s.overdue;
		passes++;
		if (!s.more)
			break;
	}
	log_info("sweep: issued %d cards and %d sign-overdue notices in %d jobs, %.0f ms", cards, overdue, passes,
		 mono_ms() - t0);
}

/* ---------------------------------------------------------------- reading */

long long notify_unread(struct db *db, long long user_id)
{
	static const char q[] = "SELECT n FROM inbox_unread WHERE user_id = ?1";
	sqlite3_stmt *st = db_prepare(db, q);
	long long n = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, user_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
	}
	db_done(st);
	return n;
}

/* A staff member's notifications name only tickets in their scope (a ticket reassigned since
 * takes its notifications away: notify_prune); ?5 is their unit's path, NULL for the others. */
#define IN_SCOPE                                                                                                      \
	"(?5 IS NULL OR substr(t.unit_path, 1, length(?5)) = ?5 OR substr(t.responsible_path, 1, length(?5)) = ?5 OR "     \
	"EXISTS (SELECT 1 FROM co_units c WHERE c.ticket_id = t.id AND substr(c.unit_path, 1, length(?5)) = ?5))"

json_t *notify_list(struct db *db, long long user_id, const char *staff_path, int unread_only, long offset,
		    int limit)
{
	static const char q_list[] =
		"SELECT n.id, n.kind, t.id, t.code, t.title, n.text, n.created_at, i.read_at IS NOT NULL "
		"FROM inbox i JOIN notifications n ON n.id = i.notification_id JOIN tickets t ON t.id = n.ticket_id "
		"WHERE i.user_id = ?1 AND (?2 = 0 OR i.read_at IS NULL) AND " IN_SCOPE " "
		"ORDER BY i.notification_id DESC LIMIT ?3 OFFSET ?4";
	static const char q_total[] =
		"SELECT count(*) FROM inbox i JOIN notifications n ON n.id = i.notification_id "
		"JOIN tickets t ON t.id = n.ticket_id WHERE i.user_id = ?1 AND (?2 = 0 OR i.read_at IS NULL) AND " IN_SCOPE;
	json_t *items = json_array();
	sqlite3_stmt *st = db_prepare(db, q_list);
	if (st) {
		sqlite3_bind_int64(st, 1, user_id);
		sqlite3_bind_int(st, 2, unread_only);
		sqlite3_bind_int(st, 3, limit);
		sqlite3_bind_int64(st, 4, offset);
		if (staff_path)
			sqlite3_bind_text(st, 5, staff_path, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(
				items, json_pack("{s:I,s:s,s:{s:I,s:s,s:s},s:s,s:s,s:b}", "id",
						 (json_int_t)sqlite3_column_int64(st, 0), "kind", db_text(st, 1), "ticket",
						 "id", (json_int_t)sqlite3_column_int64(st, 2), "code", db_text(st, 3),
						 "title", db_text(st, 4), "text", db_text(st, 5), "created_at",
						 db_text(st, 6), "read", sqlite3_column_int(st, 7)));
	}
	db_done(st);
	long long total = 0;
	st = db_prepare(db, q_total);
	if (st) {
		sqlite3_bind_int64(st, 1, user_id);
		sqlite3_bind_int(st, 2, unread_only);
		if (staff_path)
			sqlite3_bind_text(st, 5, staff_path, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			total = sqlite3_column_int64(st, 0);
	}
	db_done(st);
	return json_pack("{s:o,s:I,s:I}", "items", items, "total", (json_int_t)total, "unread",
			 (json_int_t)notify_unread(db, user_id));
}

int notify_read_job(struct db *w, void *arg, struct err *e)
{
	static const char q_all[] = "UPDATE inbox SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL";
	static const char q_one[] =
		"UPDATE inbox SET read_at = ?2 WHERE user_id = ?1 AND notification_id = ?3 AND read_at IS NULL";
	struct notify_read *r = arg;
	char at[32];
	time_format_rfc3339(clock_now(), at, sizeof at);
	r->marked = 0;
	size_t n = r->ids ? json_array_size(r->ids) : 1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = db_prepare(w, r->ids ? q_one : q_all);
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, r->user_id);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
		if (r->ids)
			sqlite3_bind_int64(st, 3, json_integer_value(json_array_get(r->ids, i)));
		int ok = sqlite3_step(st) == SQLITE_DONE;
		db_done(st);
		if (!ok)
			goto dberr;
		r->marked += sqlite3_changes(db_handle(w));
	}
	return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

int notify_prune(struct db *w, long long ticket_id, struct err *e)
{
	/* Staff whose unit covers neither the ticket's owning nor its responsible unit nor a co-unit. */
	static const char q[] =
		"DELETE FROM inbox WHERE notification_id IN (SELECT id FROM notifications WHERE ticket_id = ?1) "
		"AND user_id IN (SELECT u.id FROM users u JOIN units n ON n.id = u.unit_id, tickets t "
		"WHERE t.id = ?1 AND u.role = 'staff' AND substr(t.unit_path, 1, length(n.path)) <> n.path "
		"AND substr(t.responsible_path, 1, length(n.path)) <> n.path AND NOT EXISTS (SELECT 1 FROM co_units c "
		"WHERE c.ticket_id = t.id AND substr(c.unit_path, 1, length(n.path)) = n.path))";
	sqlite3_stmt *st = db_prepare(w, q);
	int ok = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, ticket_id);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	db_done(st);
	if (ok)
		return 0;
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

/* ---------------------------------------------------------------- the webhook outbox */

int outbox_due(struct db *db, long long now, struct outbox_item *items, int max)
{
	static const char q[] = "SELECT id, attempts, body FROM outbox WHERE delivered_at IS NULL AND next_at <= ?1 "
				"ORDER BY id LIMIT ?2"; /* in the order they were made */
	sqlite3_stmt *st = db_prepare(db, q);
	int n = 0;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		items[n].id = sqlite3_column_int64(st, 0);
		items[n].attempts = sqlite3_column_int(st, 1);
		items[n].body = xstrdup(db_text(st, 2));
		n++;
	}
	db_done(st);
	return n;
}

void outbox_items_free(struct outbox_item *items, int n)
{
	for (int i = 0; i < n; i++)
		free(items[i].body);
}

long long outbox_backoff(int attempts)
{
	long long s = OUTBOX_FIRST_RETRY;
	for (int i = 1; i < attempts && s < OUTBOX_MAX_RETRY; i++)
		s *= 2;
	return s < OUTBOX_MAX_RETRY ? s : OUTBOX_MAX_RETRY;
}

int outbox_result_job(struct db *w, void *arg, struct err *e)
{
	static const char q_ok[] = "UPDATE outbox SET delivered_at = ?2, attempts = attempts + 1, last_error = NULL "
				   "WHERE id = ?1 AND delivered_at IS NULL";
	static const char q_fail[] = "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_at = ?3 "
				     "WHERE id = ?1 AND delivered_at IS NULL";
	const struct outbox_result *r = arg;
	sqlite3_stmt *st = db_prepare(w, r->ok ? q_ok : q_fail);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, r->id);
	if (r->ok) {
		char at[32];
		time_format_rfc3339(clock_now(), at, sizeof at);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_text(st, 2, r->error ? r->error : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)(time(NULL) + outbox_backoff(r->attempts + 1)));
	}
	int ok = sqlite3_step(st) == SQLITE_DONE;
	db_done(st);
	if (ok)
		return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

json_t *outbox_state(struct db *db, int limit)
{
	static const char q_counts[] =
		"SELECT coalesce(sum(delivered_at IS NULL), 0), coalesce(sum(delivered_at IS NULL AND attempts > 0), 0), "
		"coalesce(sum(delivered_at IS NOT NULL), 0), min(CASE WHEN delivered_at IS NULL THEN created_at END) "
		"FROM outbox";
	static const char q_items[] = "SELECT id, json_extract(body, '$.text.content'), created_at, attempts, next_at, "
				      "delivered_at, last_error FROM outbox ORDER BY id DESC LIMIT ?1";
	json_t *out = json_object();
	sqlite3_stmt *st = db_prepare(db, q_counts);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		json_object_set_new(out, "pending", json_integer(sqlite3_column_int64(st, 0)));
		json_object_set_new(out, "failing", json_integer(sqlite3_column_int64(st, 1)));
		json_object_set_new(out, "delivered", json_integer(sqlite3_column_int64(st, 2)));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			json_object_set_new(out, "oldest_pending", json_string(db_text(st, 3)));
	}
	db_done(st);
	json_t *items = json_array();
	st = db_prepare(db, q_items);
	if (st) {
		sqlite3_bind_int(st, 1, limit);
		while (sqlite3_step(st) == SQLITE_ROW) {
			char next[32] = "";
			time_format_rfc3339((time_t)sqlite3_column_int64(st, 4), next, sizeof next);
			json_t *it = json_pack("{s:I,s:s,s:s,s:i,s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0), "text",
					       db_text(st, 1), "created_at", db_text(st, 2), "attempts",
					       sqlite3_column_int(st, 3), "next_at", next);
			if (sqlite3_column_type(st, 5) != SQLITE_NULL)
				json_object_set_new(it, "delivered_at", json_string(db_text(st, 5)));
			if (sqlite3_column_type(st, 6) != SQLITE_NULL)
				json_object_set_new(it, "last_error", json_string(db_text(st, 6)));
			json_array_append_new(items, it);
		}
	}
	db_done(st);
	json_object_set_new(out, "items", items);
	return out;
}
