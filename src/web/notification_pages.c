/*
 * notification_pages.c — notifications (消息提醒, SPEC section 10) on the web: /notifications
 * lists a user's, newest first, with links to the tickets; /api/v1/notifications gives the
 * same; both mark them read. The navigation's unread count is unread_count.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "notify.h"

#define NOTES_PER_PAGE 30

/* Staff see notifications of tickets in their scope only; the other roles all theirs. */
static const char *staff_path(struct req *r)
{
	struct subject who = http_subject(r);
	return who.role == ROLE_STAFF ? who.unit_path : NULL;
}

long long unread_count(struct req *r)
{
	struct actor who = http_actor(r);
	struct db *db = who.id ? db_reader() : NULL;
	return db ? notify_unread(db, who.id) : 0;
}

static long page_of(struct req *r)
{
	const char *s = http_query(r, "page");
	long page = s ? strtol(s, NULL, 10) : 1;
	return page < 1 || page > 100000 ? 1 : page;
}

/* GET /api/v1/notifications[?unread=1&offset=&limit=] */
void api_notifications(struct req *r)
{
	if (!http_authorize(r, ACT_DASHBOARD, NULL))
		return;
	struct db *db = db_reader();
	if (!db) {
		http_error(r, 503, "db_unavailable", "数据库暂不可用");
		return;
	}
	const char *u = http_query(r, "unread"), *o = http_query(r, "offset"), *l = http_query(r, "limit");
	long offset = o ? strtol(o, NULL, 10) : 0, limit = l ? strtol(l, NULL, 10) : 50;
	if (offset < 0 || limit < 1 || limit > 200) {
		http_error(r, 400, "bad_request", "offset 须不小于 0，limit 须在 1 到 200 之间");
		return;
	}
	http_json(r, 200, notify_list(db, http_actor(r).id, staff_path(r), u && !strcmp(u, "1"), offset, (int)limit));
}

/* The ids of {ids:[...]} (positive integers), or NULL with all set for {all:true}; 0 if bad. */
static int read_request(json_t *body, json_t **ids)
{
	*ids = NULL;
	if (!json_is_object(body))
		return 0;
	if (json_is_true(json_object_get(body, "all")))
		return 1;
	json_t *list = json_object_get(body, "ids");
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 500)
		return 0;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) if (!json_is_integer(v) || json_integer_value(v) < 1) return 0;
	*ids = list;
	return 1;
}

/* POST /api/v1/notifications/read {ids:[...]} or {all:true} */
void api_notifications_read(struct req *r)
{
	if (!http_authorize(r, ACT_DASHBOARD, NULL))
		return;
	json_t *body = http_json_body(r);
	if (!body)
		return; /* answered: not JSON */
	struct notify_read nr = { .user_id = http_actor(r).id };
	if (!read_request(body, &nr.ids)) {
		json_decref(body);
		http_error(r, 422, "validation", "请以 ids（消息编号的数组）或 all: true 指明要标记为已读的消息");
		return;
	}
	struct err e = { 0 };
	int rc = db_write(notify_read_job, &nr, &e);
	json_decref(body); /* nr.ids was a part of it */
	if (rc != 0) {
		http_error(r, e.status ? e.status : 500, e.code[0] ? e.code : "db_error", e.message);
		return;
	}
	http_json(r, 200, json_pack("{s:i,s:I}", "marked", nr.marked, "unread",
				    (json_int_t)notify_unread(db_reader(), nr.user_id)));
}

/* GET /notifications[?page=N&unread=1] */
void page_notifications(struct req *r)
{
	if (!http_authorize(r, ACT_DASHBOARD, NULL))
		return;
	struct db *db = db_reader();
	if (!db) {
		http_error(r, 503, "db_unavailable", "数据库暂不可用");
		return;
	}
	const char *u = http_query(r, "unread");
	int unread_only = u && !strcmp(u, "1");
	long page = page_of(r);
	long long me = http_actor(r).id;
	json_t *list = notify_list(db, me, staff_path(r), unread_only, (page - 1) * NOTES_PER_PAGE, NOTES_PER_PAGE);
	/* Times as a person reads them (2023-09-10 10:00). */
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		char when[40];
		time_text_minute(json_string_value(json_object_get(it, "created_at")), when, sizeof when);
		json_object_set_new(it, "when", json_string(when));
	}
	long long total = json_integer_value(json_object_get(list, "total"));
	long pages = total ? (long)((total + NOTES_PER_PAGE - 1) / NOTES_PER_PAGE) : 1;
	json_object_set_new(list, "page", json_integer(page));
	json_object_set_new(list, "pages", json_integer(pages));
	json_object_set_new(list, "unread_only", json_boolean(unread_only));
	if (page > 1)
		json_object_set_new(list, "prev_page", json_integer(page - 1));
	if (page < pages)
		json_object_set_new(list, "next_page", json_integer(page + 1));
	const char *done = http_query(r, "done");
	if (done && !strcmp(done, "read"))
		json_object_set_new(list, "notice", json_string("已全部标记为已读。"));
	http_page(r, 200, "notifications", list);
}

/* POST /notifications/read (all: the form's button) and POST /notifications/{id}/open (one:
 * marked read, then the ticket). */
void page_notifications_read(struct req *r)
{
	if (!http_authorize(r, ACT_DASHBOARD, NULL))
		return;
	struct notify_read nr = { .user_id = http_actor(r).id };
	struct err e = { 0 };
	if (db_write(notify_read_job, &nr, &e) != 0) {
		http_error(r, e.status ? e.status : 500, "db_error", e.message);
		return;
	}
	http_redirect(r, "/notifications?done=read");
}

void page_notification_open(struct req *r)
{
	if (!http_authorize(r, ACT_DASHBOARD, NULL))
		return;
	const char *s = http_param(r, "id");
	char *end;
	long long id = s ? strtoll(s, &end, 10) : 0;
	const struct form *f = http_form(r);
	const char *t = form_text(f, "ticket");
	long long ticket = t ? strtoll(t, NULL, 10) : 0;
	if (!s || *end || id < 1 || ticket < 1) {
		http_error(r, 404, "not_found", "没有这条消息");
		return;
	}
	json_t *ids = json_pack("[I]", (json_int_t)id);
	struct notify_read nr = { .user_id = http_actor(r).id, .ids = ids };
	struct err e = { 0 };
	int rc = db_write(notify_read_job, &nr, &e);
	json_decref(ids);
	if (rc != 0) {
		http_error(r, e.status ? e.status : 500, "db_error", e.message);
		return;
	}
	/* The ticket page checks the scope itself: a ticket that left it is 404 there. */
	char loc[64];
	snprintf(loc, sizeof loc, "/tickets/%lld", ticket);
	http_redirect(r, loc);
}
