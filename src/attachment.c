/*
 * attachment.c — evidence: uploads told apart by their content (libmagic), stored under
 * their SHA-256 in the data folder, photos given a thumbnail once (libgd), and served back
 * with their type, a download name and nosniff.
 */
#include <errno.h>
#include <fcntl.h>
#include <gd.h>
#include <magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers.h"
#include "ticket.h"

#define THUMB_WIDTH 320
#define THUMB_MAX_PIXELS (40L * 1000 * 1000) /* larger images get no thumbnail (decompression bombs) */

/* The types we accept, as libmagic names them, with a label for messages. */
static const struct {
	const char *mime, *label;
	int photo;
} accepted[] = {
	{ "image/jpeg", "JPEG 图片", 1 },
	{ "image/png", "PNG 图片", 1 },
	{ "application/pdf", "PDF 文档", 0 },
	{ "application/msword", "Word 文档", 0 },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档", 0 },
	{ "application/vnd.ms-excel", "Excel 表格", 0 },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格", 0 },
	{ "application/CDFV2", "Word/Excel 文档", 0 }, /* the legacy Office container */
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

/* Width and height from a PNG or JPEG header, without decoding; 0 if unknown. */
static void image_size(const char *path, long *w, long *h)
{
	*w = *h = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	unsigned char b[32];
	size_t n = fread(b, 1, 24, f);
	if (n >= 24 && memcmp(b, "\x89PNG", 4) == 0) {
		*w = (long)b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
		*h = (long)b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
	} else if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
		fseek(f, 2, SEEK_SET);
		for (int guard = 0; guard < 1000; guard++) {
			int c = fgetc(f);
			if (c != 0xFF)
				break;
			int marker = fgetc(f);
			while (marker == 0xFF)
				marker = fgetc(f);
			if (marker == EOF)
				break;
			unsigned char len[2];
			if (fread(len, 1, 2, f) != 2)
				break;
			long seglen = len[0] << 8 | len[1];
			if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
				unsigned char sof[5];
				if (fread(sof, 1, 5, f) == 5) {
					*h = sof[1] << 8 | sof[2];
					*w = sof[3] << 8 | sof[4];
				}
				break;
			}
			if (seglen < 2 || fseek(f, seglen - 2, SEEK_CUR) != 0)
				break;
		}
	}
	fclose(f);
}

/* Writes data/thumbs/<sha>.jpg once; returns 1 if there is a thumbnail. */
static int make_thumb(const char *data_dir, const char *path, const char *sha, const char *mime)
{
	char out[4200];
	snprintf(out, sizeof out, "%s/thumbs/%s.jpg", data_dir, sha);
	if (access(out, F_OK) == 0)
		return 1;
	long w, h;
	image_size(path, &w, &h);
	if (w <= 0 || h <= 0 || w * h > THUMB_MAX_PIXELS)
		return 0;
	/* Decoded by the sniffed type: stored files have no extension to go by. */
	FILE *in = fopen(path, "rb");
	if (!in)
		return 0;
	gdImagePtr im = strcmp(mime, "image/png") == 0 ? gdImageCreateFromPng(in) : gdImageCreateFromJpeg(in);
	fclose(in);
	if (!im)
		return 0;
	int tw = gdImageSX(im) > THUMB_WIDTH ? THUMB_WIDTH : gdImageSX(im);
	int th = (int)((long)gdImageSY(im) * tw / (gdImageSX(im) ? gdImageSX(im) : 1));
	if (th < 1)
		th = 1;
	gdImageSetInterpolationMethod(im, GD_BILINEAR_FIXED);
	gdImagePtr small = gdImageScale(im, (unsigned)tw, (unsigned)th);
	gdImageDestroy(im);
	if (!small)
		return 0;
	char tmp[4300];
	snprintf(tmp, sizeof tmp, "%s.part", out);
	FILE *f = fopen(tmp, "wb");
	int ok = 0;
	if (f) {
		gdImageJpeg(small, f, 80);
		ok = fclose(f) == 0 && rename(tmp, out) == 0;
		if (!ok)
			unlink(tmp);
	}
	gdImageDestroy(small);
	return ok;
}

static void stored_path(const char *data_dir, const char *sha, char *out, size_t n)
{
	snprintf(out, n, "%s/%.2s/%s", data_dir, sha, sha);
}

/*
 * Stores the request's uploaded file as evidence of ticket_id (the caller has authorized
 * the upload). Returns the new attachment as JSON, or NULL with e set (422 for a missing
 * or refused file).
 */
json_t *attachment_store(struct req *r, long long ticket_id, struct err *e)
{
	if (!r->upload.present || r->upload.size == 0) {
		err_set(e, 422, "validation", "file", "请选择要上传的文件");
		return NULL;
	}
	const char *mime = sniff(r->upload.tmp_path);
	int kind = find_accepted(mime);
	if (kind < 0) {
		log_warn("upload refused: %s is %s", r->upload.name, mime ? mime : "unknown");
		err_set(e, 422, "unsupported_type", "file", "文件内容不是 JPEG、PNG 图片，也不是 PDF、Word 或 Excel 文档");
		return NULL;
	}
	/* Stored under its hash: the same file uploaded twice is kept once. */
	char dir[4200], final[4300];
	snprintf(dir, sizeof dir, "%s/%.2s", http_data_dir(r), r->upload.sha256);
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		err_set(e, 500, "storage", NULL, "无法保存文件");
		return NULL;
	}
	stored_path(http_data_dir(r), r->upload.sha256, final, sizeof final);
	if (access(final, F_OK) == 0) {
		unlink(r->upload.tmp_path);
	} else if (rename(r->upload.tmp_path, final) != 0) {
		err_set(e, 500, "storage", NULL, "无法保存文件");
		return NULL;
	}
	free(r->upload.tmp_path);
	r->upload.tmp_path = NULL;
	int thumb = accepted[kind].photo && make_thumb(http_data_dir(r), final, r->upload.sha256, accepted[kind].mime);

	/* The name as given, without any folder part. */
	const char *name = strrchr(r->upload.name, '/');
	name = name ? name + 1 : r->upload.name;
	const char *bs = strrchr(name, '\\');
	name = bs ? bs + 1 : name;
	struct ticket_attachment a = { .ticket_id = ticket_id, .sha256 = r->upload.sha256, .name = *name ? name : "file",
				       .mime = accepted[kind].mime, .size = r->upload.size, .has_thumb = thumb,
				       .who = http_actor(r) };
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
	json_t *a = attachment_store(r, t.id, &e);
	if (!a) {
		if (e.status == 422)
			http_json(r, 422, json_pack("{s:{s:s,s:s,s:{s:s}}}", "error", "code", e.code, "message", e.message,
						    "fields", "file", e.message));
		else
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
	if (!ticket || !ticket_ref_load(db, ticket, &t)) {
		if (http_authorize(r, ACT_SIGNED_IN, NULL))
			http_error(r, 404, "not_found", "您访问的文件不存在");
		return 0;
	}
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
	buf_puts(&cd, "attachment; filename=\"attachment\"; filename*=UTF-8''");
	buf_url_encode(&cd, name, ".-_");
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
