/*
 * test_xlsx.c — the workbook reader: a workbook written by libxlsxwriter (as the export
 * writes one, in constant memory with inline strings, and in the ordinary way with shared
 * strings) read back cell by cell, gaps and left-out rows kept in place; dates as serials;
 * what is not a workbook refused with a reason.
 */
#include <stdlib.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "test.h"
#include "util.h"
#include "xlsx.h"

struct got {
	char cells[8][8][64];
	int number[8][8];
	unsigned long rows[8];
	int nrows;
	unsigned last_col;
};

static void on_cell(void *arg, unsigned col, const char *text, size_t len, int number)
{
	struct got *g = arg;
	if (g->nrows < 8 && col < 8) {
		snprintf(g->cells[g->nrows][col], sizeof g->cells[0][0], "%.*s", (int)len, text);
		g->number[g->nrows][col] = number;
	}
	g->last_col = col;
}

static void on_row(void *arg, unsigned long row)
{
	struct got *g = arg;
	if (g->nrows < 8)
		g->rows[g->nrows] = row;
	g->nrows++;
}

/* Writes a small workbook the way the export does (or not), reads it back. */
static int round_trip(int constant_memory, struct got *g, char *why)
{
	char path[] = "/tmp/test-xlsx-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	lxw_workbook_options o = { .constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE, .tmpdir = "/tmp" };
	lxw_workbook *wb = workbook_new_opt(path, &o);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "问题整改台账");
	workbook_add_worksheet(wb, "其他"); /* the first sheet is the one read */
	lxw_format *date = workbook_add_format(wb);
	format_set_num_format(date, "yyyy-mm-dd hh:mm");
	worksheet_write_string(ws, 0, 0, "兴仁街道 问题整改台账  截至 2023-09-10 10:00", NULL);
	worksheet_write_string(ws, 1, 0, "序号", NULL);
	worksheet_write_string(ws, 1, 1, "问题标题", NULL);
	worksheet_write_string(ws, 1, 3, "登记时间", NULL); /* C2 left empty */
	worksheet_write_number(ws, 2, 0, 1, NULL);
	worksheet_write_string(ws, 2, 1, "前进村停水 & <三天>", NULL);
	lxw_datetime dt = { 2023, 9, 27, 10, 30, 0 };
	worksheet_write_datetime(ws, 2, 3, &dt, date);
	/* Row 4 left out entirely: row 5 keeps its own number. */
	worksheet_write_string(ws, 4, 1, "第二件", NULL);
	worksheet_write_boolean(ws, 4, 2, 1, NULL);
	lxw_error err = workbook_close(wb);
	CHECK(err == LXW_NO_ERROR);
	size_t len;
	char *data = read_file(path, &len);
	unlink(path);
	memset(g, 0, sizeof *g);
	struct xlsx_sink sink = { on_cell, on_row, NULL, g };
	CHECK(xlsx_looks_like(data, len));
	int rc = xlsx_read(data, len, &sink, why, 200);
	free(data);
	return rc;
}

int main(void)
{
	char why[200];
	for (int cm = 0; cm < 2; cm++) {
		struct got g;
		CHECK(round_trip(cm, &g, why) == 0);
		CHECK(g.nrows == 4);
		CHECK(g.rows[0] == 1 && g.rows[1] == 2 && g.rows[2] == 3 && g.rows[3] == 5);
		CHECK_STR(g.cells[0][0], "兴仁街道 问题整改台账  截至 2023-09-10 10:00");
		CHECK_STR(g.cells[1][1], "问题标题");
		CHECK_STR(g.cells[1][2], ""); /* the gap stays a gap */
		CHECK_STR(g.cells[1][3], "登记时间");
		CHECK_STR(g.cells[2][0], "1");
		CHECK(g.number[2][0] && !g.number[2][1]);
		CHECK_STR(g.cells[2][1], "前进村停水 & <三天>");
		CHECK(g.number[2][3]);
		long days;
		int secs;
		CHECK(xlsx_serial_time(g.cells[2][3], &days, &secs) == 0);
		CHECK(days == date_parse_days("2023-09-27") && secs == 10 * 3600 + 30 * 60);
		CHECK_STR(g.cells[3][1], "第二件");
		CHECK_STR(g.cells[3][2], "TRUE");
	}

	/* Dates: 45194 is 2023-09-25; before 1990 or past 2199 is no ledger's date. */
	long days;
	int secs;
	CHECK(xlsx_serial_time("45194", &days, &secs) == 0 && days == date_parse_days("2023-09-25") && secs == 0);
	CHECK(xlsx_serial_time("45194.75", &days, &secs) == 0 && secs == 18 * 3600);
	CHECK(xlsx_serial_time("12", &days, &secs) < 0);
	CHECK(xlsx_serial_time("200000", &days, &secs) < 0);
	CHECK(xlsx_serial_time("45194x", &days, &secs) < 0);
	CHECK(xlsx_serial_time("", &days, &secs) < 0);

	/* Not a workbook: a reason, nothing read. */
	struct got g = { 0 };
	struct xlsx_sink sink = { on_cell, on_row, NULL, &g };
	CHECK(!xlsx_looks_like("a,b\r\n", 5));
	CHECK(xlsx_read("PK\3\4garbage", 11, &sink, why, sizeof why) < 0);
	CHECK(strstr(why, "不是有效的 Excel 工作簿") != NULL);
	CHECK(g.nrows == 0);
	return test_summary("test_xlsx");
}
