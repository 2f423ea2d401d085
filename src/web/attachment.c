/*
 * attachment.c — evidence: uploads told apart by their content (libmagic), stored under
 * their SHA-256 in the data folder, photos given a thumbnail once (thumb.c), and served
 * back with their type, a download name that ends as the type does, and nosniff.
 */
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers.h"
#include "thumb.h"
#include "utf8.h"
#include "ticket.h"

/* The types we accept, as libmagic names them, with a label for messages and the name
 * endings that fit them (the first is added to a name that ends otherwise). */
static const struct {
	const char *mime, *label;
	int photo;
	const char *ext[3];
} accepted[] = {
	{ "image/jpeg", "JPEG 图片", 1, { "jpg", "jpeg" } },
	{ "image/png", "PNG 图片", 1, { "png" } },
	{ "application/pdf", "PDF 文档", 0, { "pdf" } },
	{ "application/msword", "Word 文档", 0, { "doc" } },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档", 0, { "docx" } },
	{ "application/vnd.ms-excel", "Excel 表格", 0, { "xls" } },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格", 0, { "xlsx" } },
	{ "application/CDFV2", "Word/Excel 文档", 0, { "doc", "xls" } }, /* the legacy Office container */
};

/*
 * libmagic handles are not thread-safe: one per worker thread, loaded on first use and
 * closed by the key's destructor when the thread ends.
 */
static pthread_key_t magic_key;
static pthread_once_t magic_once = PTHREAD_ONCE_INIT;

static void magic_release(void *m)
{
	magic_close((magic_t)m);
}

static void magic_key_create(void)
{
	pthread_key_create(&magic_key, magic_release);
}

static const char *sniff(const char *path)
{
	pthread_once(&magic_once, magic_key_create);
	magic_t m = pthread_getspecific(magic_key);
	if (!m) {
		m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
		if (!m || magic_load(m, NULL) != 0) {
			log_error("libmagic: cannot load its database");
			if (m)
				magic_close(m);
			return NULL;
		}
		pthread_setspecific(magic_key, m);
	}
	return magic_file(m, path);
}

static int find_accepted(const char *mime)
{
	for (size_t i = 0; mime && i < ARRAY_LEN(accepted); i++)
		if (strcmp(mime, accepted[i].mime) == 0)
			return (int)i;
	return -1;
}

/*
 * The name a file of type mime is kept and downloaded under: its own, when it ends in one of
 * the type's endings (case aside); else with the type's first ending added, so that a PNG sent
 * as "poly.html" downloads as "poly.html.png" and no browser or desktop opens it as a page.
 */
static void name_for_type(const char *name, const char *mime, char *out, size_t n)
{
	int kind = find_accepted(mime);
	const char *dot = strrchr(name, '.');
	if (kind < 0) {
		snprintf(out, n, "%s", name);
		return;
	}
	for (int i = 0; dot && i < 3 && accepted[kind].ext[i]; i++) {
		if (strcasecmp(dot + 1, accepted[kind].ext[i]) == 0) {
			snprintf(out, n, "%s", name);
			return;
		}
	}
	size_t ext = strlen(accepted[kind].ext[0]) + 1, keep = strlen(name);
	if (keep + ext + 1 > n)
		keep = utf8_cut(name, keep, n > ext + 1 ? n - ext - 1 : 0);
	snprintf(out, n, "%.*s.%s", (int)keep, name, accepted[kind].ext[0]);
}

static void stored_path(const char *data_dir, const char *sha, char *out, size_t n)
{
	snprintf(out, n, "%s/%.2s/%s", data_dir, sha, sha);
}

/*
 * Puts the uploaded file in place under its hash, durably: the file was synced when its
 * upload ended (http.c), the rename and a new folder are synced here, all before the
 * ticket's row is written, so an acknowledged attachment survives a power cut.
 */
static int store_file(struct req *r, char *final, size_t n)
{
	char dir[4200];
	if (r->upload.unsynced)
		return -1;
	snprintf(dir, sizeof dir, "%s/%.2s", http_data_dir(r), r->upload.sha256);
	int made = mkdir(dir, 0750) == 0;
	if (!made && errno != EEXIST)
		return -1;
	if (made && fsync_dir_of(dir) != 0)
		return -1;
	snprintf(final, n, "%s/%s", dir, r->upload.sha256);
	if (access(final, F_OK) == 0) {
		unlink(r->upload.tmp_path); /* the same file is kept once */
	} else if (rename(r->upload.tmp_path, final) != 0 || fsync_dir_of(final) != 0) {
		return -1;
	}
	free(r->upload.tmp_path);
	r->upload.tmp_path = NULL;
	return 0;
}

/*
 * Stores the request's uploaded file as evidence of ticket_id (the caller has authorized
 * the upload, and passes the ticket's ref it loaded for that; NULL for a ticket this request
 * has just created, which is open). Returns the new attachment as JSON, or NULL with e set
 * (422 for a missing or refused file, 409 for a ticket whose facts are frozen).
 */
json_t *attachment_store(struct req *r, const struct ticket_ref *t, long long ticket_id, struct err *e)
{
	if (!r->upload.present || r->upload.size == 0) {
		err_set(e, 422, "validation", "file", "请选择要上传的文件");
		return NULL;
	}
	if (r->upload.extra_parts) {
		err_set(e, 422, "validation", "file", "一次只能上传一个文件，请逐个上传");
		return NULL;
	}
	int may_correct = 0;
	if (t) {
		struct subject who = http_subject(r);
		struct ticket_scope scope = ticket_ref_scope(t);
		may_correct = authz_check(&who, ACT_TICKET_CORRECT, &scope) == AUTHZ_OK;
		if (workflow_facts_frozen(t->status) && !may_correct) {
			err_set(e, 409, "frozen", "file", "该问题已验收销号，不能再上传证明材料");
			return NULL;
		}
	}
	const char *mime = sniff(r->upload.tmp_path);
	int kind = find_accepted(mime);
	if (kind < 0) {
		log_warn("upload refused: %s is %s", r->upload.name, mime ? mime : "unknown");
		err_set(e, 422, "unsupported_type", "file", "文件内容不是 JPEG、PNG 图片，也不是 PDF、Word 或 Excel 文档");
		return NULL;
	}
	char final[4300];
	if (store_file(r, final, sizeof final) != 0) {
		log_error("cannot store an upload in %s", http_data_dir(r));
		err_set(e, 500, "storage", NULL, "无法保存文件");
		return NULL;
	}
	char thumb_path[4300];
	snprintf(thumb_path, sizeof thumb_path, "%s/thumbs/%s.jpg", http_data_dir(r), r->upload.sha256);
	int thumb = accepted[kind].photo && thumb_make(final, accepted[kind].mime, thumb_path);

	/* The name as given, without any folder part, ending as its type does. */
	const char *given = strrchr(r->upload.name, '/');
	given = given ? given + 1 : r->upload.name;
	const char *bs = strrchr(given, '\\');
	given = bs ? bs + 1 : given;
	char name[256];
	name_for_type(*given ? given : "file", accepted[kind].mime, name, sizeof name);
	struct ticket_attachment a = { .ticket_id = ticket_id, .sha256 = r->upload.sha256, .name = name,
				       .mime = accepted[kind].mime, .size = r->upload.size, .has_thumb = thumb,
				       .may_correct = may_correct, .who = http_actor(r) };
	if (db_write(ticket_attach_job, &a, e) != 0)
		return NULL;
	char url[64];
	snprintf(url, sizeof url, "/api/v1/attachments/%lld", a.id);
	return json_pack("{s:I,s:I,s:s,s:s,s:I,s:s,s:s,s:b}", "id", a.id, "ticket_id", ticket_id, "name", a.name, "mime",
			 a.mime, "size", a.size, "sha256", a.sha256, "url", url, "thumbnail", thumb);
}

/* POST /api/v1/tickets/{id}/attachments (multipart, field "file") */
void api_ticket_upload(struct req *r)
{
	struct ticket_ref t;
	if (!ticket_for(r, ACT_UPLOAD, &t))
		return;
	struct err e = { 0 };
	json_t *a = attachment_store(r, &t, t.id, &e);
	if (!a) {
		http_fail(r, &e);
		return;
	}
	http_header(r, "Location", json_string_value(json_object_get(a, "url")));
	http_json(r, 201, a);
}

/* Loads attachment {id} and authorizes viewing its ticket. */
static int attachment_for(struct req *r, char *sha, char *name, char *mime, int *thumb)
{
	static const char q[] = "SELECT ticket_id, sha256, name, mime, has_thumb FROM attachments WHERE id = ?1";
	const char *p = http_param(r, "id");
	char *end;
	long long id = strtoll(p, &end, 10);
	struct db *db = db_reader();
	sqlite3_stmt *st = *end == '\0' && id > 0 && db ? db_prepare(db, q) : NULL;
	long long ticket = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			ticket = sqlite3_column_int64(st, 0);
			snprintf(sha, 65, "%s", db_text(st, 1));
			snprintf(name, 256, "%s", db_text(st, 2));
			snprintf(mime, 128, "%s", db_text(st, 3));
			*thumb = sqlite3_column_int(st, 4);
		}
		db_done(st);
	}
	struct ticket_ref t;
	if (!ticket || !ticket_ref_load(db, ticket, &t))
		return http_authorize_missing(r, ACT_TICKET_VIEW); /* unknown and out of scope look alike */
	struct ticket_scope scope = ticket_ref_scope(&t);
	return http_authorize(r, ACT_TICKET_VIEW, &scope);
}

static void send_file(struct req *r, const char *path, const char *mime)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		http_error(r, 404, "not_found", "文件已不在存储中");
		return;
	}
	http_header(r, "Cache-Control", "private, max-age=3600");
	http_file(r, fd, st.st_size, mime);
}

/* GET /api/v1/attachments/{id} */
void api_attachment_get(struct req *r)
{
	char sha[65], name[256], mime[128], path[4300];
	int thumb;
	if (!attachment_for(r, sha, name, mime, &thumb))
		return;
	/* RFC 6266: an ASCII fallback and the UTF-8 name, percent-encoded. */
	struct buf cd;
	buf_init(&cd);
	char shown[256];
	name_for_type(name, mime, shown, sizeof shown); /* also for files kept before the rule */
	buf_puts(&cd, "attachment; filename=\"attachment\"; filename*=UTF-8''");
	buf_url_encode(&cd, shown, ".-_");
	http_header(r, "Content-Disposition", cd.data);
	buf_free(&cd);
	stored_path(http_data_dir(r), sha, path, sizeof path);
	send_file(r, path, mime);
}

/* GET /api/v1/attachments/{id}/thumb */
void api_attachment_thumb(struct req *r)
{
	char sha[65], name[256], mime[128], path[4300];
	int thumb;
	if (!attachment_for(r, sha, name, mime, &thumb))
		return;
	if (!thumb) {
		http_error(r, 404, "not_found", "该文件没有缩略图");
		return;
	}
	snprintf(path, sizeof path, "%s/thumbs/%s.jpg", http_data_dir(r), sha);
	send_file(r, path, "image/jpeg");
}
