/*
 * xlsx.c — the first worksheet of a workbook as rows of text cells (see xlsx.h).
 *
 * Three small parts lead to the sheet: xl/workbook.xml names the first sheet's relationship,
 * xl/_rels/workbook.xml.rels gives its part; xl/sharedStrings.xml holds the text the cells
 * point to. Each is parsed by expat as it is inflated by libzip.
 */
#include "xlsx.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "util.h"

int xlsx_looks_like(const void *data, size_t len)
{
	return len >= 4 && memcmp(data, "PK\3\4", 4) == 0;
}

/* An element's name without its namespace prefix ("x:row" → "row"). */
static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
	for (int i = 0; atts[i]; i += 2)
		if (!strcmp(local(atts[i]), name))
			return atts[i + 1];
	return NULL;
}

/* ---------------------------------------------------------------- one part, streamed */

struct part {
	XML_Parser p;
	size_t limit, done, total;
	const struct xlsx_sink *sink; /* progress, for the sheet */
	int stop;                     /* a handler found the input unacceptable */
	char *why;
	size_t why_n;
};

static void part_fail(struct part *pt, const char *msg)
{
	if (!pt->stop)
		snprintf(pt->why, pt->why_n, "%s", msg);
	pt->stop = 1;
	XML_StopParser(pt->p, XML_FALSE);
}

/* Inflates name from the archive into the parser. 1 done, 0 the part is missing, -1 failed. */
static int part_parse(zip_t *za, const char *name, struct part *pt)
{
	zip_stat_t st;
	zip_stat_init(&st);
	if (zip_stat(za, name, ZIP_FL_NOCASE, &st) != 0)
		return 0;
	pt->total = (st.valid & ZIP_STAT_SIZE) ? (size_t)st.size : 0;
	if (pt->total > pt->limit) {
		snprintf(pt->why, pt->why_n, "工作簿内容过大（解压后超过 %zu MB），请分成几个文件导入", pt->limit >> 20);
		return -1;
	}
	zip_file_t *zf = zip_fopen(za, name, ZIP_FL_NOCASE);
	if (!zf) {
		snprintf(pt->why, pt->why_n, "工作簿已损坏，无法读取 %s", name);
		return -1;
	}
	char buf[64 * 1024];
	int rc = 1;
	for (;;) {
		zip_int64_t n = zip_fread(zf, buf, sizeof buf);
		if (n < 0) {
			snprintf(pt->why, pt->why_n, "工作簿已损坏，无法读取 %s", name);
			rc = -1;
			break;
		}
		pt->done += (size_t)n;
		if (pt->done > pt->limit) { /* the size in the directory may lie */
			snprintf(pt->why, pt->why_n, "工作簿内容过大（解压后超过 %zu MB），请分成几个文件导入", pt->limit >> 20);
			rc = -1;
			break;
		}
		if (XML_Parse(pt->p, buf, (int)n, n == 0) != XML_STATUS_OK) {
			if (!pt->stop)
				snprintf(pt->why, pt->why_n, "工作簿中的 %s 格式有误（第 %lu 行：%s）", name,
					 (unsigned long)XML_GetCurrentLineNumber(pt->p), XML_ErrorString(XML_GetErrorCode(pt->p)));
			rc = -1;
			break;
		}
		if (pt->sink && pt->sink->progress)
			pt->sink->progress(pt->sink->arg, pt->done, pt->total);
		if (n == 0)
			break;
	}
	zip_fclose(zf);
	return rc;
}

/* ---------------------------------------------------------------- workbook and relationships */

struct first_sheet {
	struct part *pt;
	char rid[128];
	char target[512];
	int found;
};

static void wb_start(void *arg, const char *name, const char **atts)
{
	struct first_sheet *s = arg;
	const char *id = attr(atts, "id");
	if (!s->rid[0] && !strcmp(local(name), "sheet") && id)
		snprintf(s->rid, sizeof s->rid, "%s", id);
}

static void rels_start(void *arg, const char *name, const char **atts)
{
	struct first_sheet *s = arg;
	const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
	if (s->found || strcmp(local(name), "Relationship") || !id || !target || strcmp(id, s->rid))
		return;
	/* Targets are relative to xl/ unless absolute within the package. */
	if (target[0] == '/')
		snprintf(s->target, sizeof s->target, "%s", target + 1);
	else
		snprintf(s->target, sizeof s->target, "xl/%s", target);
	s->found = 1;
}

static XML_Parser parser(void *arg, XML_StartElementHandler start, XML_EndElementHandler end,
			 XML_CharacterDataHandler text)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	if (!p)
		return NULL;
	XML_SetUserData(p, arg);
	XML_SetElementHandler(p, start, end);
	XML_SetCharacterDataHandler(p, text);
	return p;
}

static void sheet_part(zip_t *za, char *out, size_t n, char *why, size_t why_n)
{
	snprintf(out, n, "xl/worksheets/sheet1.xml");
	struct first_sheet s = { 0 };
	struct part pt = { .limit = 16 << 20, .why = why, .why_n = why_n };
	s.pt = &pt;
	pt.p = parser(&s, wb_start, NULL, NULL);
	int rc = pt.p ? part_parse(za, "xl/workbook.xml", &pt) : -1;
	XML_ParserFree(pt.p);
	if (rc <= 0 || !s.rid[0])
		return;
	struct part pr = { .limit = 16 << 20, .why = why, .why_n = why_n };
	s.pt = &pr;
	pr.p = parser(&s, rels_start, NULL, NULL);
	rc = pr.p ? part_parse(za, "xl/_rels/workbook.xml.rels", &pr) : -1;
	XML_ParserFree(pr.p);
	if (rc > 0 && s.found)
		snprintf(out, n, "%s", s.target);
	why[0] = '\0';
}

/* ---------------------------------------------------------------- shared strings */

struct strings {
	struct part *pt;
	struct buf text;  /* every string, each ending in NUL */
	size_t *at;       /* offsets into text */
	size_t n, cap;
	int in_si, in_t, in_rph; /* inside <si>, <t>, and a phonetic run (not part of the text) */
	size_t si_start;
};

static void ss_start(void *arg, const char *name, const char **atts)
{
	(void)atts;
	struct strings *s = arg;
	const char *l = local(name);
	if (!strcmp(l, "si")) {
		s->in_si = 1;
		s->si_start = s->text.len;
	} else if (!strcmp(l, "rPh")) {
		s->in_rph = 1;
	} else if (!strcmp(l, "t") && s->in_si && !s->in_rph) {
		s->in_t = 1;
	}
}

static void ss_end(void *arg, const char *name)
{
	struct strings *s = arg;
	const char *l = local(name);
	if (!strcmp(l, "t")) {
		s->in_t = 0;
	} else if (!strcmp(l, "rPh")) {
		s->in_rph = 0;
	} else if (!strcmp(l, "si") && s->in_si) {
		s->in_si = 0;
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 1024;
			s->at = xrealloc(s->at, s->cap * sizeof *s->at);
		}
		s->at[s->n++] = s->si_start;
		buf_putc(&s->text, '\0');
	}
}

static void ss_text(void *arg, const char *t, int len)
{
	struct strings *s = arg;
	if (!s->in_t)
		return;
	if (s->text.len - s->si_start + (size_t)len > XLSX_MAX_CELL) {
		part_fail(s->pt, "工作簿中有超过 32767 个字符的单元格，无法导入");
		return;
	}
	buf_append(&s->text, t, (size_t)len);
}

/* ---------------------------------------------------------------- the sheet */

struct sheet {
	struct part *pt;
	const struct strings *ss;
	const struct xlsx_sink *sink;
	struct buf v;            /* the current cell's value */
	char type[16];           /* its t attribute */
	long col, next_col;      /* its column; the one after the last cell of the row */
	unsigned long row, next_row;
	int in_cell, in_value, in_rph;
};

/* "BC12" → 54 (0-based), -1 if there are no letters. */
static long column_of(const char *ref)
{
	long c = 0;
	int any = 0;
	for (; *ref >= 'A' && *ref <= 'Z'; ref++) {
		c = c * 26 + (*ref - 'A' + 1);
		any = 1;
		if (c > XLSX_MAX_COLUMNS)
			return XLSX_MAX_COLUMNS;
	}
	return any ? c - 1 : -1;
}

static void sh_start(void *arg, const char *name, const char **atts)
{
	struct sheet *s = arg;
	const char *l = local(name);
	if (!strcmp(l, "row")) {
		const char *r = attr(atts, "r");
		long n = r ? atol(r) : 0;
		s->row = n > 0 && (unsigned long)n >= s->next_row ? (unsigned long)n : s->next_row;
		s->next_col = 0;
	} else if (!strcmp(l, "c")) {
		const char *r = attr(atts, "r"), *t = attr(atts, "t");
		long c = r ? column_of(r) : -1;
		s->col = c >= s->next_col ? c : s->next_col;
		if (s->col >= XLSX_MAX_COLUMNS) {
			part_fail(s->pt, "工作表的列数超过 16384，无法导入");
			return;
		}
		snprintf(s->type, sizeof s->type, "%s", t ? t : "n");
		s->v.len = 0;
		s->in_cell = 1;
	} else if (s->in_cell && !strcmp(l, "rPh")) {
		s->in_rph = 1;
	} else if (s->in_cell && !s->in_rph && (!strcmp(l, "v") || !strcmp(l, "t"))) {
		s->in_value = 1;
	}
}

static void sh_end(void *arg, const char *name)
{
	struct sheet *s = arg;
	const char *l = local(name);
	if (!strcmp(l, "v") || !strcmp(l, "t")) {
		s->in_value = 0;
	} else if (!strcmp(l, "rPh")) {
		s->in_rph = 0;
	} else if (!strcmp(l, "c") && s->in_cell) {
		s->in_cell = 0;
		s->next_col = s->col + 1;
		buf_putc(&s->v, '\0');
		s->v.len--;
		const char *text = s->v.data ? s->v.data : "";
		size_t len = s->v.len;
		int number = 0;
		if (!strcmp(s->type, "s")) {
			char *end;
			unsigned long i = strtoul(text, &end, 10);
			if (end == text || *end || i >= s->ss->n) {
				part_fail(s->pt, "工作簿已损坏：单元格引用了不存在的共享文本");
				return;
			}
			text = s->ss->text.data + s->ss->at[i];
			len = strlen(text);
		} else if (!strcmp(s->type, "b")) {
			text = strcmp(text, "1") == 0 ? "TRUE" : "FALSE";
			len = strlen(text);
		} else if (!strcmp(s->type, "n")) {
			number = len > 0;
		}
		if (len)
			s->sink->cell(s->sink->arg, (unsigned)s->col, text, len, number);
	} else if (!strcmp(l, "row")) {
		s->sink->row_end(s->sink->arg, s->row);
		s->next_row = s->row + 1;
	}
}

static void sh_text(void *arg, const char *t, int len)
{
	struct sheet *s = arg;
	if (!s->in_value)
		return;
	if (s->v.len + (size_t)len > XLSX_MAX_CELL) {
		part_fail(s->pt, "工作簿中有超过 32767 个字符的单元格，无法导入");
		return;
	}
	buf_append(&s->v, t, (size_t)len);
}

/* ---------------------------------------------------------------- the whole */

int xlsx_read(const void *data, size_t len, const struct xlsx_sink *sink, char *why, size_t why_n)
{
	why[0] = '\0';
	zip_error_t zerr;
	zip_error_init(&zerr);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &zerr);
	zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &zerr) : NULL;
	zip_error_fini(&zerr);
	if (!za) {
		if (src)
			zip_source_free(src);
		snprintf(why, why_n, "文件不是有效的 Excel 工作簿（.xlsx），请用 Excel 重新保存后再导入");
		return -1;
	}
	int rc = -1;
	char name[512];
	sheet_part(za, name, sizeof name, why, why_n);

	struct strings ss = { 0 };
	buf_init(&ss.text);
	struct part pss = { .limit = XLSX_MAX_STRINGS, .why = why, .why_n = why_n };
	ss.pt = &pss;
	pss.p = parser(&ss, ss_start, ss_end, ss_text);
	int got = pss.p ? part_parse(za, "xl/sharedStrings.xml", &pss) : -1;
	XML_ParserFree(pss.p);
	if (got < 0)
		goto out;

	struct sheet sh = { .ss = &ss, .sink = sink, .next_row = 1 };
	buf_init(&sh.v);
	struct part psh = { .limit = XLSX_MAX_SHEET, .sink = sink, .why = why, .why_n = why_n };
	sh.pt = &psh;
	psh.p = parser(&sh, sh_start, sh_end, sh_text);
	got = psh.p ? part_parse(za, name, &psh) : -1;
	XML_ParserFree(psh.p);
	buf_free(&sh.v);
	if (got == 0)
		snprintf(why, why_n, "工作簿中没有工作表");
	else if (got > 0)
		rc = 0;
out:
	buf_free(&ss.text);
	free(ss.at);
	zip_discard(za);
	return rc;
}

int xlsx_serial_time(const char *text, long *days, int *seconds)
{
	char *end;
	double v = strtod(text, &end);
	/* 32874 is 1990-01-01, 109574 is 2200-01-01; 25569 is 1970-01-01 (the 1900 system). */
	if (end == text || *end || v < 32874 || v >= 109574)
		return -1;
	long whole = (long)v;
	*days = whole - 25569;
	*seconds = (int)((v - (double)whole) * 86400.0 + 0.5);
	if (*seconds >= 86400)
		*seconds = 86399;
	return 0;
}
