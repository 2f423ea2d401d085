/*
 * static.c — files under static/: content types, ETag revalidation and caching, and no way
 * out of the folder. libmicrohttpd hands us the path already percent-decoded, so "%2e%2e"
 * and "%2f" arrive as ".." and "/" and are refused by the segment check; symbolic links
 * are refused by comparing the resolved path with the plain one.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handlers.h"

int static_path_ok(const char *rel)
{
	if (!rel || !*rel || rel[0] == '/')
		return 0;
	const char *seg = rel;
	for (;;) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)seg[i] < 0x20 || seg[i] == '\\' || seg[i] == 0x7f)
				return 0;
		if (!end)
			return 1;
		seg = end + 1;
	}
}

const char *static_content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".map", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" },
		{ ".webp", "image/webp" },
		{ ".ico", "image/x-icon" },
		{ ".woff2", "font/woff2" },
		{ ".woff", "font/woff" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".html", "text/html; charset=utf-8" },
		{ ".csv", "text/csv; charset=utf-8" },
		{ ".pdf", "application/pdf" },
	};
	const char *dot = strrchr(name, '.');
	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < ARRAY_LEN(types); i++)
			if (strcasecmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

void static_file(struct req *r)
{
	if (!http_authorize(r, ACT_PUBLIC, NULL))
		return;
	const char *rel = http_param(r, "path");
	if (!static_path_ok(rel)) {
		http_error(r, 404, "not_found", "您访问的文件不存在");
		return;
	}
	char root[PATH_MAX], full[PATH_MAX * 2], real[PATH_MAX];
	if (!realpath(http_static_dir(r), root)) {
		http_error(r, 404, "not_found", "您访问的文件不存在");
		return;
	}
	snprintf(full, sizeof full, "%s/%s", root, rel);
	/* A symbolic link anywhere on the way makes the resolved path differ from the plain one. */
	if (!realpath(full, real) || strcmp(real, full) != 0) {
		http_error(r, 404, "not_found", "您访问的文件不存在");
		return;
	}
	int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		http_error(r, 404, "not_found", "您访问的文件不存在");
		return;
	}
	char etag[96];
	snprintf(etag, sizeof etag, "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	http_header(r, "ETag", etag);
	http_header(r, "Cache-Control", "public, max-age=3600");
	const char *inm = http_request_header(r, "If-None-Match");
	if (inm && strstr(inm, etag)) {
		close(fd);
		http_not_modified(r);
		return;
	}
	http_file(r, fd, st.st_size, static_content_type(real));
}
