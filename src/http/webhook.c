/*
 * webhook.c — posts the outbox's notifications (see webhook.h). libcurl does the HTTP(S): the
 * robots of 企业微信 and 钉钉 are served over TLS, and a sender of our own would be a client
 * we would have to keep correct.
 */
#include "webhook.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "notify.h"
#include "util.h"

#define POST_TIMEOUT_S 10L

static char *target;

void webhook_configure(const char *url)
{
	free(target);
	target = url && *url ? xstrdup(url) : NULL;
}

void webhook_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void webhook_global_cleanup(void)
{
	curl_global_cleanup();
	free(target);
	target = NULL;
}

/* The answer's body, kept short: 企业微信 and 钉钉 answer 200 with {"errcode":N} where N <> 0
 * is a refusal. */
struct answer {
	char text[512];
	size_t len;
};

static size_t keep_answer(char *data, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t got = size * n, room = sizeof a->text - 1 - a->len;
	size_t take = got < room ? got : room;
	memcpy(a->text + a->len, data, take);
	a->len += take;
	a->text[a->len] = '\0';
	return got;
}

/* 0 when the receiver took it; else the reason into why. */
static int post(CURL *c, const char *body, char *why, size_t n)
{
	struct answer a = { .len = 0 };
	a.text[0] = '\0';
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, target);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, POST_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		snprintf(why, n, "%s", curl_easy_strerror(rc));
		return -1;
	}
	if (status < 200 || status > 299) {
		snprintf(why, n, "HTTP %ld", status);
		return -1;
	}
	json_t *j = json_loads(a.text, 0, NULL);
	json_t *code = json_object_get(j, "errcode");
	int refused = json_is_integer(code) && json_integer_value(code) != 0;
	if (refused)
		snprintf(why, n, "errcode %lld: %.200s", (long long)json_integer_value(code),
			 json_string_value(json_object_get(j, "errmsg")) ? json_string_value(json_object_get(j, "errmsg")) : "");
	json_decref(j);
	return refused ? -1 : 0;
}

void webhook_pass(void)
{
	if (!target)
		return;
	struct db *db = db_reader();
	CURL *c = db ? curl_easy_init() : NULL;
	if (!c)
		return;
	struct outbox_item items[OUTBOX_BATCH];
	int n;
	/* Until nothing is due; a failure waits for its back-off, so the loop ends. */
	while ((n = outbox_due(db, (long long)time(NULL), items, OUTBOX_BATCH)) > 0) {
		int delivered = 0, failed = 0;
		for (int i = 0; i < n && !failed; i++) {
			char why[256] = "";
			struct outbox_result r = { .id = items[i].id, .attempts = items[i].attempts };
			r.ok = post(c, items[i].body, why, sizeof why) == 0;
			r.error = why;
			struct err e = { 0 };
			if (db_write(outbox_result_job, &r, &e) != 0)
				log_error("webhook: recording item %lld: %s", r.id, e.message);
			if (!r.ok)
				log_error("webhook: item %lld not taken (try %d): %s", r.id, items[i].attempts + 1, why);
			delivered += r.ok;
			failed = !r.ok; /* the receiver is failing: the rest waits, in order, for the next pass */
		}
		outbox_items_free(items, n);
		if (delivered)
			log_info("webhook: %d delivered", delivered);
		if (failed)
			break;
	}
	curl_easy_cleanup(c);
}
