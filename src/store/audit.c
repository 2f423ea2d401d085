/*
 * audit.c — appending to and verifying the BLAKE2b event chain.
 *
 * hash = BLAKE2b-256(prev_hash || field_1 || ... || field_n), where each field is written
 * as its decimal length, ':' and its bytes, so no two different events encode alike. The
 * id is one of the fields: moving an event to another place changes its hash.
 */
#include "audit.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BYTES 32
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

static void field(crypto_generichash_state *st, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;
	int l = snprintf(len, sizeof len, "%zu:", n);
	crypto_generichash_update(st, (const unsigned char *)len, (unsigned long long)l);
	if (n)
		crypto_generichash_update(st, (const unsigned char *)s, n);
}

static void event_hash(long long id, const char *at, long long actor_id, const char *actor, const char *entity,
		       long long entity_id, const char *action, const char *before, const char *after,
		       const char *prev_hex, char out_hex[HASH_BYTES * 2 + 1])
{
	crypto_generichash_state st;
	unsigned char h[HASH_BYTES];
	char num[3][24];
	snprintf(num[0], sizeof num[0], "%lld", id);
	snprintf(num[1], sizeof num[1], "%lld", actor_id);
	snprintf(num[2], sizeof num[2], "%lld", entity_id);
	crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
	field(&st, prev_hex);
	field(&st, num[0]);
	field(&st, at);
	field(&st, num[1]);
	field(&st, actor);
	field(&st, entity);
	field(&st, num[2]);
	field(&st, action);
	field(&st, before);
	field(&st, after);
	crypto_generichash_final(&st, h, HASH_BYTES);
	sodium_bin2hex(out_hex, HASH_BYTES * 2 + 1, h, HASH_BYTES);
}

long long audit_append(struct db *w, const struct actor *who, const char *entity, long long entity_id,
		       const char *action, json_t *before, json_t *after, struct err *e)
{
	char at[32];
	time_format_rfc3339(clock_now(), at, sizeof at);
	return audit_append_at(w, who, entity, entity_id, action, before, after, at, e);
}

long long audit_append_at(struct db *w, const struct actor *who, const char *entity, long long entity_id,
			  const char *action, json_t *before, json_t *after, const char *at, struct err *e)
{
	static const char q_head[] = "SELECT last_id, last_hash FROM audit_head WHERE id = 1";
	static const char q_insert[] = "INSERT INTO events (id, at, actor_id, actor, entity, entity_id, action, before, "
				       "after, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	static const char q_set_head[] = "INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, ?1, ?2) "
					 "ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, "
					 "last_hash = excluded.last_hash";
	long long last_id = 0;
	char prev[HASH_BYTES * 2 + 1] = GENESIS, hash[HASH_BYTES * 2 + 1];
	sqlite3_stmt *st = db_prepare(w, q_head);
	if (!st)
		goto dberr;
	if (sqlite3_step(st) == SQLITE_ROW) {
		last_id = sqlite3_column_int64(st, 0);
		snprintf(prev, sizeof prev, "%s", db_text(st, 1));
	}
	db_done(st);

	long long id = last_id + 1;
	char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	char *a = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	event_hash(id, at, who->id, who->login, entity, entity_id, action, b, a, prev, hash);

	st = db_prepare(w, q_insert);
	int rc = SQLITE_ERROR;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
		if (who->id)
			sqlite3_bind_int64(st, 3, who->id);
		sqlite3_bind_text(st, 4, who->login, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, entity, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, entity_id);
		sqlite3_bind_text(st, 7, action, -1, SQLITE_STATIC);
		if (b)
			sqlite3_bind_text(st, 8, b, -1, SQLITE_STATIC);
		if (a)
			sqlite3_bind_text(st, 9, a, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, prev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, hash, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		db_done(st);
	}
	free(b);
	free(a);
	if (rc != SQLITE_DONE)
		goto dberr;
	st = db_prepare(w, q_set_head);
	if (!st)
		goto dberr;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	return id;
dberr:
	err_set(e, 500, "db_error", NULL, "记录操作日志失败：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

int audit_verify(struct db *db, FILE *out)
{
	static const char q_all[] = "SELECT id, at, coalesce(actor_id, 0), actor, entity, entity_id, action, before, after, "
				    "prev_hash, hash FROM events ORDER BY id";
	static const char q_head[] = "SELECT last_id, last_hash FROM audit_head WHERE id = 1";
	sqlite3_stmt *st = db_prepare(db, q_all);
	if (!st)
		return -1;
	char prev[HASH_BYTES * 2 + 1] = GENESIS, calc[HASH_BYTES * 2 + 1];
	long long expect_id = 1, count = 0;
	int bad = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		const char *before = sqlite3_column_type(st, 7) == SQLITE_NULL ? NULL : db_text(st, 7);
		const char *after = sqlite3_column_type(st, 8) == SQLITE_NULL ? NULL : db_text(st, 8);
		if (id != expect_id) {
			fprintf(out, "事件链断裂：应为事件 #%lld，实际为 #%lld（事件被删除或移动）\n", expect_id, id);
			bad = 1;
			break;
		}
		if (strcmp(db_text(st, 9), prev) != 0) {
			fprintf(out, "事件链断裂：事件 #%lld 的前序哈希与事件 #%lld 不符（之前的事件被改动或删除）\n", id,
				id - 1);
			bad = 1;
			break;
		}
		event_hash(id, db_text(st, 1), sqlite3_column_int64(st, 2), db_text(st, 3), db_text(st, 4),
			   sqlite3_column_int64(st, 5), db_text(st, 6), before, after, prev, calc);
		if (strcmp(calc, db_text(st, 10)) != 0) {
			fprintf(out, "事件链断裂：事件 #%lld 的内容与其哈希不符（该事件被改动）\n", id);
			bad = 1;
			break;
		}
		snprintf(prev, sizeof prev, "%s", calc);
		expect_id++;
		count++;
	}
	db_done(st);
	if (bad)
		return 1;
	st = db_prepare(db, q_head);
	if (!st)
		return -1;
	long long head_id = 0;
	char head_hash[HASH_BYTES * 2 + 1] = GENESIS;
	if (sqlite3_step(st) == SQLITE_ROW) {
		head_id = sqlite3_column_int64(st, 0);
		snprintf(head_hash, sizeof head_hash, "%s", db_text(st, 1));
	}
	db_done(st);
	if (head_id != count || strcmp(head_hash, prev) != 0) {
		fprintf(out, "事件链断裂：链尾应为事件 #%lld，实际只有 %lld 条（末尾的事件被删除）\n", head_id, count);
		return 1;
	}
	fprintf(out, "事件链完整：共 %lld 条事件，链尾哈希 %s\n", count, prev);
	return 0;
}

int audit_export_job(struct db *w, void *arg, struct err *e)
{
	struct {
		struct actor who;
		json_t *detail;
	} *ev = arg;
	return audit_append(w, &ev->who, "export", 0, "export-unmasked", NULL, ev->detail, e) < 0 ? -1 : 0;
}
