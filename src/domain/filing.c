/*
 * filing.c — see filing.h.
 *
 * A filing reads the street's tickets on a reader connection (one snapshot, outside the
 * writer), hashes them there, and hands the writer only the rows to store; the root is signed
 * with the key read at start.
 */
#include "filing.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "merkle.h"
#include "util.h"

#define CANONICAL_TAG "ledger-ticket-v1"
#define CANONICAL_COLUMNS                                                                                   \
	"t.code, t.version, t.status, t.source_id, t.source_ref, t.category_id, t.domain_id, t.title, "         \
	"t.description, t.location_unit_id, t.address, t.reporter_name, t.reporter_phone, t.unit_id, "          \
	"t.responsible_unit_id, t.responsible_person, t.responsible_phone, t.urgency, t.measures, "             \
	"t.requirement, t.deadline, t.original_deadline, t.commitment, t.interim_measures, t.received_on, "     \
	"t.closed_on, t.created_at"
enum { CANONICAL_COUNT = 27 };

static unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
static char public_hex[2 * crypto_sign_PUBLICKEYBYTES + 1];
static int key_loaded;

int filing_key_load(const char *data_dir, struct err *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/filing.key", data_dir);
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, secret_key, sizeof secret_key);
		close(fd);
		if (n != (ssize_t)sizeof secret_key) {
			err_set(e, 500, "filing_key", NULL, "签名密钥文件 %s 已损坏", path);
			return -1;
		}
		crypto_sign_ed25519_sk_to_pk(pk, secret_key);
	} else if (errno == ENOENT) {
		/* First start: a new key, written whole and flushed before it is used. */
		crypto_sign_keypair(pk, secret_key);
		char tmp[4200];
		snprintf(tmp, sizeof tmp, "%s.new", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, secret_key, sizeof secret_key) != (ssize_t)sizeof secret_key || fsync(fd) != 0 ||
		    close(fd) != 0 || rename(tmp, path) != 0) {
			if (fd >= 0)
				close(fd);
			err_set(e, 500, "filing_key", NULL, "无法写入签名密钥文件 %s：%s", path, strerror(errno));
			return -1;
		}
		int dir = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir >= 0) {
			fsync(dir);
			close(dir);
		}
	} else {
		err_set(e, 500, "filing_key", NULL, "无法读取签名密钥文件 %s：%s", path, strerror(errno));
		return -1;
	}
	merkle_hex(pk, sizeof pk, public_hex);
	key_loaded = 1;
	return 0;
}

const char *filing_public_key(void)
{
	return key_loaded ? public_hex : NULL;
}

/* The item hash of the row st holds (CANONICAL_COLUMNS from column 0). */
static void item_hash(sqlite3_stmt *st, unsigned char out[MERKLE_HASH_BYTES])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, MERKLE_HASH_BYTES);
	char len[24];
	int n = snprintf(len, sizeof len, "%zu:", strlen(CANONICAL_TAG));
	crypto_generichash_update(&h, (const unsigned char *)len, (size_t)n);
	crypto_generichash_update(&h, (const unsigned char *)CANONICAL_TAG ",", strlen(CANONICAL_TAG) + 1);
	for (int c = 0; c < CANONICAL_COUNT; c++) {
		if (sqlite3_column_type(st, c) == SQLITE_NULL) {
			crypto_generichash_update(&h, (const unsigned char *)"~", 1);
			continue;
		}
		const unsigned char *v = sqlite3_column_text(st, c);
		size_t vn = (size_t)sqlite3_column_bytes(st, c);
		n = snprintf(len, sizeof len, "%zu:", vn);
		crypto_generichash_update(&h, (const unsigned char *)len, (size_t)n);
		crypto_generichash_update(&h, v, vn);
		crypto_generichash_update(&h, (const unsigned char *)",", 1);
	}
	crypto_generichash_final(&h, out, MERKLE_HASH_BYTES);
}

/* ---------------------------------------------------------------- filing */

struct sealed {
	long long unit_id, campaign_id;
	char phase[128], kind[16], due[11], at[32];
	int on_time, dated; /* dated: the event takes the filing's time (the seed's) */
	size_t n, cap, stored; /* items, and how many of them are in the database */
	long long *ids, *versions;
	char (*codes)[80];
	unsigned char (*hashes)[MERKLE_HASH_BYTES];
	char root[2 * MERKLE_HASH_BYTES + 1], signature[2 * crypto_sign_BYTES + 1], fingerprint[20];
	struct actor who;
	long long id;
};

/* Items stored by one writer job: a street of a third of a million is stored in parts, the
 * writer serving other requests between them. */
enum { FILING_PART = 5000 };

/* Filings being stored by this process, counted on the writer thread only. */
static int storing;

static void sealed_free(struct sealed *s)
{
	free(s->ids);
	free(s->versions);
	free(s->codes);
	free(s->hashes);
}

static int delete_filing(struct db *w, long long id)
{
	sqlite3_stmt *st = db_prepare(w, "DELETE FROM filing_items WHERE filing_id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	db_done(st);
	st = db_prepare(w, "DELETE FROM filings WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = rc == SQLITE_DONE ? sqlite3_step(st) : rc;
	db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One part of a filing: the first also writes the filing itself (pending while parts remain;
 * filings left pending by a stopped process are removed then), the last the event. Run as a
 * writer job, or directly inside the seed's transaction. */
static int store_part(struct db *w, void *arg, struct err *e)
{
	struct sealed *s = arg;
	sqlite3_stmt *st;
	if (!s->id) {
		if (!storing) {
			st = db_prepare(w, "SELECT id FROM filings WHERE pending = 1");
			while (st && sqlite3_step(st) == SQLITE_ROW)
				if (delete_filing(w, sqlite3_column_int64(st, 0)) != 0) {
					db_done(st);
					goto dberr;
				}
			db_done(st);
		}
		st = db_prepare(w, "INSERT INTO filings (unit_id, campaign_id, phase, kind, filed_at, filed_by, due, "
				   "on_time, ticket_count, root, signature, fingerprint, pending) VALUES (?1, ?2, ?3, ?4, "
				   "?5, nullif(?6, 0), ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, s->unit_id);
		sqlite3_bind_int64(st, 2, s->campaign_id);
		sqlite3_bind_text(st, 3, s->phase, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, s->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, s->at, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, s->who.id);
		sqlite3_bind_text(st, 7, s->due, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 8, s->on_time);
		sqlite3_bind_int64(st, 9, (long long)s->n);
		sqlite3_bind_text(st, 10, s->root, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 11, s->signature, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 12, s->fingerprint, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 13, s->n > FILING_PART);
		int rc = sqlite3_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			goto dberr;
		s->id = sqlite3_last_insert_rowid(db_handle(w));
		storing++;
	}
	st = db_prepare(w, "INSERT INTO filing_items (filing_id, code, ticket_id, version, hash) VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!st)
		goto dberr;
	size_t to = s->stored + FILING_PART < s->n ? s->stored + FILING_PART : s->n;
	for (size_t i = s->stored; i < to; i++) {
		char hex[2 * MERKLE_HASH_BYTES + 1];
		merkle_hex(s->hashes[i], MERKLE_HASH_BYTES, hex);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, s->id);
		sqlite3_bind_text(st, 2, s->codes[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, s->ids[i]);
		sqlite3_bind_int64(st, 4, s->versions[i]);
		sqlite3_bind_text(st, 5, hex, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_done(st);
			goto dberr;
		}
	}
	db_done(st);
	s->stored = to;
	if (s->stored < s->n)
		return 0;
	if (s->n > FILING_PART) {
		st = db_prepare(w, "UPDATE filings SET pending = 0 WHERE id = ?1");
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, s->id);
		int rc = sqlite3_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			goto dberr;
	}
	json_t *after = json_pack("{s:I,s:I,s:s,s:s,s:b,s:I,s:s,s:s,s:s}", "unit_id", s->unit_id, "campaign_id",
				  s->campaign_id, "phase", s->phase, "kind", s->kind, "on_time", s->on_time, "ticket_count",
				  (json_int_t)s->n, "root", s->root, "signature", s->signature, "fingerprint", s->fingerprint);
	long long ev = s->dated ? audit_append_at(w, &s->who, "filing", s->id, "file", NULL, after, s->at, e)
			       : audit_append(w, &s->who, "filing", s->id, "file", NULL, after, e);
	json_decref(after);
	if (ev < 0)
		return -1;
	storing--;
	return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
	return -1;
}

/* A filing whose parts did not all go in is taken out again. */
static int discard_job(struct db *w, void *arg, struct err *e)
{
	struct sealed *s = arg;
	storing--;
	if (delete_filing(w, s->id) != 0) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(w)));
		return -1;
	}
	return 0;
}

/* Finds the street, the campaign and its phase of the request on db, into s; path gets the
 * street's path. 0, or -1 with e set. */
static int seal_target(struct db *db, const struct filing_request *r, struct sealed *s, char *path, size_t np,
		       struct err *e)
{
	static const char q_unit[] = "SELECT id, path, kind FROM units WHERE code = ?1 AND active = 1";
	static const char q_phase[] = "SELECT c.id, p.end_date, p.name FROM campaigns c JOIN campaign_phases p "
				      "ON p.campaign_id = c.id WHERE c.code = ?1 AND p.name = ?2";
	if (!r->kind || (strcmp(r->kind, "ledger") && strcmp(r->kind, "progress"))) {
		err_set(e, 422, "validation", "kind", "报送类型须为 ledger（问题台账）或 progress（整改进展）");
		return -1;
	}
	str_copy(s->kind, sizeof s->kind, r->kind);
	sqlite3_stmt *st = db_prepare(db, q_unit);
	if (st) {
		sqlite3_bind_text(st, 1, r->unit ? r->unit : "", -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && !strcmp(db_text(st, 2), "street")) {
			s->unit_id = sqlite3_column_int64(st, 0);
			str_copy(path, np, db_text(st, 1));
		}
		db_done(st);
	}
	if (!s->unit_id) {
		err_set(e, 422, "validation", "unit", "报送单位须为街道（填写街道编码）");
		return -1;
	}
	st = db_prepare(db, q_phase);
	if (st) {
		sqlite3_bind_text(st, 1, r->campaign ? r->campaign : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->phase ? r->phase : "", -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			s->campaign_id = sqlite3_column_int64(st, 0);
			str_copy(s->due, sizeof s->due, db_text(st, 1));
			str_copy(s->phase, sizeof s->phase, db_text(st, 2));
		}
		db_done(st);
	}
	if (!s->campaign_id) {
		err_set(e, 422, "validation", "phase", "专项行动“%s”没有名为“%s”的阶段", r->campaign ? r->campaign : "",
			r->phase ? r->phase : "");
		return -1;
	}
	return 0;
}

/* The snapshot: one statement over the street's tickets (for the seed's filings, those logged
 * by s->at), hashed as they are read, the root over them signed. 0, or -1 with e set. */
static int seal(struct db *db, const char *path, struct sealed *s, struct err *e)
{
	static const char q_tickets[] = "SELECT " CANONICAL_COLUMNS ", t.id FROM tickets t WHERE t.campaign_id = ?1 AND "
					"t.unit_path >= ?2 AND t.unit_path < ?3 AND t.status <> 'merged' AND "
					"t.created_at <= ?4 ORDER BY t.code";
	sqlite3_stmt *st = db_prepare(db, q_tickets);
	if (!st) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, s->campaign_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	char upper[256]; /* the street's subtree */
	path_end(path, upper, sizeof upper);
	sqlite3_bind_text(st, 3, upper, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->dated ? s->at : "9999", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 1024;
			s->ids = xrealloc(s->ids, s->cap * sizeof *s->ids);
			s->versions = xrealloc(s->versions, s->cap * sizeof *s->versions);
			s->codes = xrealloc(s->codes, s->cap * sizeof *s->codes);
			s->hashes = xrealloc(s->hashes, s->cap * sizeof *s->hashes);
		}
		str_copy(s->codes[s->n], sizeof s->codes[s->n], db_text(st, 0));
		s->versions[s->n] = sqlite3_column_int64(st, 1);
		s->ids[s->n] = sqlite3_column_int64(st, CANONICAL_COUNT);
		item_hash(st, s->hashes[s->n]);
		s->n++;
	}
	db_done(st);
	/* The root over a copy (merkle_root builds its levels in place). */
	unsigned char root[MERKLE_HASH_BYTES], sig[crypto_sign_BYTES];
	unsigned char (*work)[MERKLE_HASH_BYTES] = xmalloc((s->n ? s->n : 1) * MERKLE_HASH_BYTES);
	if (s->n)
		memcpy(work, s->hashes, s->n * MERKLE_HASH_BYTES);
	merkle_root(work, s->n, root);
	free(work);
	crypto_sign_detached(sig, NULL, root, sizeof root, secret_key);
	merkle_hex(root, sizeof root, s->root);
	merkle_hex(sig, sizeof sig, s->signature);
	merkle_fingerprint(s->root, s->fingerprint);
	return 0;
}

int filing_create(struct filing_request *r, struct err *e)
{
	if (!key_loaded) {
		err_set(e, 500, "filing_key", NULL, "服务器尚未载入签名密钥");
		return -1;
	}
	struct sealed s = { .who = r->who };
	struct db *db = db_reader();
	if (!db) {
		err_set(e, 503, "db_error", NULL, "数据库暂不可用");
		return -1;
	}
	char path[256] = "";
	if (seal_target(db, r, &s, path, sizeof path, e) != 0)
		return -1;
	time_t now = clock_now();
	time_format_rfc3339(now, s.at, sizeof s.at);
	char today[11];
	time_format_date(now, today, sizeof today);
	s.on_time = strcmp(today, s.due) <= 0;
	int rc = seal(db, path, &s, e);
	/* Stored in parts, each its own writer job; a part that fails takes the filing out. */
	while (rc == 0 && (!s.id || s.stored < s.n)) {
		rc = db_write(store_part, &s, e);
		if (rc != 0 && s.id) {
			struct err ignored = { 0 };
			db_write(discard_job, &s, &ignored);
		}
	}
	r->id = s.id;
	sealed_free(&s);
	return rc;
}

int filing_seed(struct db *db, struct filing_request *r, const char *at, struct err *e)
{
	if (!key_loaded) {
		err_set(e, 500, "filing_key", NULL, "服务器尚未载入签名密钥");
		return -1;
	}
	struct sealed s = { .who = r->who };
	char path[256] = "";
	if (seal_target(db, r, &s, path, sizeof path, e) != 0)
		return -1;
	str_copy(s.at, sizeof s.at, at);
	s.dated = 1;
	s.on_time = strncmp(at, s.due, 10) <= 0;
	int rc = seal(db, path, &s, e);
	while (rc == 0 && (!s.id || s.stored < s.n))
		rc = store_part(db, &s, e);
	r->id = s.id;
	sealed_free(&s);
	return rc;
}

/* ---------------------------------------------------------------- reading */

#define FILING_COLUMNS                                                                                      \
	"f.id, u.code, c.code, f.phase, f.kind, f.filed_at, f.on_time, f.ticket_count, f.root, f.signature, "   \
	"f.fingerprint, u.path, u.name, f.due FROM filings f JOIN units u ON u.id = f.unit_id "                 \
	"JOIN campaigns c ON c.id = f.campaign_id WHERE f.pending = 0 "

static json_t *filing_row(sqlite3_stmt *st)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:I,s:s,s:s,s:s,s:s}", "id", sqlite3_column_int64(st, 0), "unit",
			 db_text(st, 1), "unit_name", db_text(st, 12), "campaign", db_text(st, 2), "phase", db_text(st, 3),
			 "kind", db_text(st, 4), "filed_at", db_text(st, 5), "on_time", sqlite3_column_int(st, 6),
			 "ticket_count", sqlite3_column_int64(st, 7), "root", db_text(st, 8), "signature", db_text(st, 9),
			 "fingerprint", db_text(st, 10), "due", db_text(st, 13));
}

json_t *filing_json(struct db *db, long long id, int items, char *unit_path, size_t n)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " FILING_COLUMNS "AND f.id = ?1");
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	json_t *v = NULL;
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = filing_row(st);
		if (unit_path)
			str_copy(unit_path, n, db_text(st, 11));
	}
	db_done(st);
	if (v && items) {
		json_t *a = json_array();
		st = db_prepare(db, "SELECT code, version, hash FROM filing_items WHERE filing_id = ?1 ORDER BY code");
		if (st) {
			sqlite3_bind_int64(st, 1, id);
			while (sqlite3_step(st) == SQLITE_ROW)
				json_array_append_new(a, json_pack("{s:s,s:I,s:s}", "code", db_text(st, 0), "version",
								   sqlite3_column_int64(st, 1), "hash", db_text(st, 2)));
			db_done(st);
		}
		json_object_set_new(v, "items", a);
	}
	return v;
}

json_t *filing_list(struct db *db, const char *campaign, const char *unit, const struct subject *who)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " FILING_COLUMNS "AND (?1 = '' OR c.code = ?1) AND "
					  "(?2 = '' OR u.code = ?2) ORDER BY f.id DESC");
	json_t *a = json_array();
	if (!st)
		return a;
	sqlite3_bind_text(st, 1, campaign ? campaign : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, unit ? unit : "", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct ticket_scope scope = { db_text(st, 11), db_text(st, 11), NULL };
		if (authz_check(who, ACT_FILINGS_VIEW, &scope) == AUTHZ_OK)
			json_array_append_new(a, filing_row(st));
	}
	db_done(st);
	return a;
}

json_t *filing_leads(struct db *db, long long id)
{
	static const char q_filing[] = "SELECT f.campaign_id, substr(f.filed_at, 1, 10), u.path FROM filings f "
				       "JOIN units u ON u.id = f.unit_id WHERE f.id = ?1 AND f.pending = 0";
	/* The street's outside-channel tickets of the campaign received by the filing's day, through
	 * 035's index, less those the filing holds. */
	static const char q_leads[] = "SELECT t.id, t.code, t.title, s.name, t.received_on, t.created_at, t.status, u.name "
				      "FROM tickets t INDEXED BY tickets_received JOIN sources s ON s.id = t.source_id "
				      "JOIN units u ON u.id = t.unit_id WHERE t.campaign_id = ?1 AND t.received_on IS NOT NULL "
				      "AND t.received_on <= ?2 AND s.outside = 1 AND t.unit_path >= ?3 AND t.unit_path < ?4 "
				      "AND t.status <> 'merged' AND NOT EXISTS (SELECT 1 FROM filing_items i "
				      "WHERE i.filing_id = ?5 AND i.code = t.code) ORDER BY t.received_on, t.code";
	sqlite3_stmt *st = db_prepare(db, q_filing);
	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	long long campaign = 0;
	char day[11] = "", path[256] = "", upper[256];
	if (sqlite3_step(st) == SQLITE_ROW) {
		campaign = sqlite3_column_int64(st, 0);
		str_copy(day, sizeof day, db_text(st, 1));
		str_copy(path, sizeof path, db_text(st, 2));
	}
	db_done(st);
	if (!campaign)
		return NULL;
	path_end(path, upper, sizeof upper);
	json_t *a = json_array();
	st = db_prepare(db, q_leads);
	if (!st)
		return a;
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, upper, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id", sqlite3_column_int64(st, 0),
						   "code", db_text(st, 1), "title", db_text(st, 2), "source", db_text(st, 3),
						   "received_on", db_text(st, 4), "created_at", db_text(st, 5), "status",
						   db_text(st, 6), "unit", db_text(st, 7)));
	db_done(st);
	return a;
}

/* ---------------------------------------------------------------- verification */

static int hex_to(const char *hex, unsigned char *out, size_t n)
{
	size_t got = 0;
	return sodium_hex2bin(out, n, hex, strlen(hex), NULL, &got, NULL) == 0 && got == n ? 0 : -1;
}

static int verify_one(struct db *db, long long id, const char *root_hex, const char *sig_hex, long long count,
		      const unsigned char *pk, FILE *out)
{
	unsigned char root[MERKLE_HASH_BYTES], sig[crypto_sign_BYTES];
	if (hex_to(root_hex, root, sizeof root) != 0 || hex_to(sig_hex, sig, sizeof sig) != 0 ||
	    crypto_sign_verify_detached(sig, root, sizeof root, pk) != 0) {
		fprintf(out, "filing %lld: 签名与台账根不符（根或签名被改动）\n", id);
		return 1;
	}
	static const char q_items[] = "SELECT i.code, i.version, i.hash, i.ticket_id, t.id IS NOT NULL, t.version "
				      "FROM filing_items i LEFT JOIN tickets t ON t.id = i.ticket_id "
				      "WHERE i.filing_id = ?1 ORDER BY i.code";
	static const char q_ticket[] = "SELECT " CANONICAL_COLUMNS " FROM tickets t WHERE t.id = ?1";
	/* First the stored items against the signed root, then each item against its ticket. */
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_stmt *st = db_prepare(db, q_items);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, id);
		size_t n = 0, cap = 0;
		unsigned char (*leaves)[MERKLE_HASH_BYTES] = NULL;
		int bad = 0;
		while (!bad && sqlite3_step(st) == SQLITE_ROW) {
			const char *code = db_text(st, 0);
			if (pass == 0) {
				if (n == cap) {
					cap = cap ? cap * 2 : 1024;
					leaves = xrealloc(leaves, cap * MERKLE_HASH_BYTES);
				}
				if (hex_to(db_text(st, 2), leaves[n++], MERKLE_HASH_BYTES) != 0) {
					fprintf(out, "filing %lld: 问题 %s 的内容哈希已损坏\n", id, code);
					bad = 1;
				}
				continue;
			}
			if (!sqlite3_column_int(st, 4)) {
				fprintf(out, "filing %lld: 问题 %s 已不在台账中（被删除）\n", id, code);
				bad = 1;
				break;
			}
			/* Unchanged since (the same version): its content must hash as it did. */
			if (sqlite3_column_int64(st, 5) != sqlite3_column_int64(st, 1))
				continue;
			unsigned char was[MERKLE_HASH_BYTES], now[MERKLE_HASH_BYTES];
			int same = 0;
			sqlite3_stmt *t = db_prepare(db, q_ticket);
			if (t && hex_to(db_text(st, 2), was, sizeof was) == 0) {
				sqlite3_bind_int64(t, 1, sqlite3_column_int64(st, 3));
				if (sqlite3_step(t) == SQLITE_ROW) {
					item_hash(t, now);
					same = memcmp(now, was, sizeof now) == 0;
				}
			}
			db_done(t);
			if (!same) {
				fprintf(out, "filing %lld: 问题 %s 的内容与报送时不同，但版本号未变（绕过系统改动）\n", id, code);
				bad = 1;
			}
		}
		db_done(st);
		if (pass == 0 && !bad && (long long)n != count) {
			fprintf(out, "filing %lld: 报送了 %lld 个问题，现存 %zu 条记录\n", id, count, n);
			bad = 1;
		}
		if (pass == 0 && !bad) {
			unsigned char again[MERKLE_HASH_BYTES];
			merkle_root(leaves, n, again);
			if (memcmp(again, root, sizeof root) != 0) {
				fprintf(out, "filing %lld: 各问题的哈希算出的根与报送的根不同（记录被改动）\n", id);
				bad = 1;
			}
		}
		free(leaves);
		if (bad)
			return 1;
	}
	return 0;
}

int filing_verify(struct db *db, const char *data_dir, FILE *out)
{
	struct err e = { 0 };
	char path[4096];
	snprintf(path, sizeof path, "%s/filing.key", data_dir);
	if (access(path, R_OK) != 0) {
		fprintf(out, "没有签名密钥 %s\n", path);
		return -1;
	}
	if (filing_key_load(data_dir, &e) != 0) {
		fprintf(out, "%s\n", e.message);
		return -1;
	}
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	if (hex_to(public_hex, pk, sizeof pk) != 0)
		return -1;
	sqlite3_stmt *st = db_prepare(db, "SELECT id, root, signature, ticket_count FROM filings WHERE pending = 0 ORDER BY id");
	if (!st)
		return -1;
	long long checked = 0;
	int rc = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		rc = verify_one(db, sqlite3_column_int64(st, 0), db_text(st, 1), db_text(st, 2), sqlite3_column_int64(st, 3),
				pk, out);
		checked += rc == 0;
	}
	db_done(st);
	if (rc == 0)
		fprintf(out, "%lld filings verified: signatures, roots and items agree with the ledger\n", checked);
	return rc;
}
