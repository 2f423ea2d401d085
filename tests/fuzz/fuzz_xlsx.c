/*
 * fuzz_xlsx.c — libFuzzer target: the workbook importer (libzip, expat, the first sheet's
 * rows, shared and inline strings, date serials, then the same row checks as CSV). An input
 * that is a ZIP is read as the workbook itself; any other input is taken as the sheet's XML,
 * packed into a workbook here with a few shared strings, so that the mutations reach the XML
 * rather than stopping at the archive's checksums.
 */
#include <stdint.h>
#include <string.h>
#include <zip.h>

#include "fuzz_common.h"
#include "handlers.h"

static const char shared[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	"<si><t>问题来源</t></si><si><t>类别</t></si><si><t>领域</t></si><si><t>问题标题</t></si><si><t>问题描述</t></si>"
	"<si><t>属地单位</t></si><si><t>12345政务服务热线</t></si><si><t>投诉举报</t></si><si><t>农村供水保障</t></si>"
	"<si><r><t>兴仁</t></r><r><t>街道</t></r><rPh><t>xingren</t></rPh></si><si><t>登记时间</t></si></sst>";

/* A workbook holding sheet as its first sheet; a new buffer in *out (caller frees), or 0. */
static size_t pack(const uint8_t *sheet, size_t size, char **out)
{
	zip_error_t er;
	zip_error_init(&er);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &er);
	zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &er) : NULL;
	zip_error_fini(&er);
	if (!za) {
		if (src)
			zip_source_free(src);
		return 0;
	}
	zip_source_keep(src);
	zip_file_add(za, "xl/worksheets/sheet1.xml", zip_source_buffer(za, sheet, size, 0), ZIP_FL_OVERWRITE);
	zip_file_add(za, "xl/sharedStrings.xml", zip_source_buffer(za, shared, strlen(shared), 0), ZIP_FL_OVERWRITE);
	size_t len = 0;
	*out = NULL;
	if (zip_close(za) == 0 && zip_source_open(src) == 0) {
		zip_source_seek(src, 0, SEEK_END);
		zip_int64_t n = zip_source_tell(src);
		zip_source_seek(src, 0, SEEK_SET);
		if (n > 0) {
			*out = malloc((size_t)n);
			len = zip_source_read(src, *out, (zip_uint64_t)n) == n ? (size_t)n : 0;
		}
		zip_source_close(src);
	} else {
		zip_discard(za);
	}
	zip_source_free(src);
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_writer("xlsx");
	struct subject who = { ROLE_REVIEWER, "/1/" };
	struct actor a = { 2, "fuzz" };
	struct err e = { 0 };
	char *book = NULL;
	size_t len = size;
	if (!(size >= 4 && !memcmp(data, "PK\3\4", 4)))
		len = pack(data, size, &book);
	if (book || len == size) {
		json_t *report = import_file(db_reader(), &who, a, book ? book : (const char *)data, len, size % 2, NULL, &e);
		json_decref(report);
	}
	free(book);
	return 0;
}
