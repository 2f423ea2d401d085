/*
 * test_workdays.c — the working-day module (src/lib/workdays.c) and the reading of holiday
 * notices (src/domain/calendar.c), without SQL or HTTP.
 *
 * Usage: test_workdays DIR, DIR holding chinese-days' year files (2023.json …). Every day of
 * 2023–2026 is checked against the files as read here, independently of calendar_parse; the
 * hand-worked cases of SPEC section 8 follow.
 */
#include <jansson.h>

#include "calendar.h"
#include "test.h"
#include "util.h"
#include "workdays.h"

static long D(const char *s)
{
	long d = date_parse_days(s);
	if (d < 0) {
		fprintf(stderr, "bad date in test: %s\n", s);
		exit(2);
	}
	return d;
}

static const char *text_of(long day)
{
	static char out[4][11];
	static int k;
	k = (k + 1) % 4;
	time_format_date((time_t)day * 86400, out[k], 11);
	return out[k];
}

/* Reads DIR/YEAR.json through calendar_parse into c. */
static int load_year(struct workcal *c, const char *dir, int year)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/%d.json", dir, year);
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		fprintf(stderr, "cannot read %s\n", path);
		return -1;
	}
	struct calendar_year y;
	int rc = calendar_parse(text, len, &y, err, sizeof err);
	free(text);
	if (rc) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	workcal_loaded(c, y.year);
	for (size_t i = 0; i < y.n; i++)
		workcal_set(c, y.days[i].day, y.days[i].off);
	calendar_year_free(&y);
	return 0;
}

/* Every day of the year against the file, read here with jansson alone: a working day is a
 * weekday not among the holidays, or one of the workdays. */
static void check_year_against_file(const struct workcal *c, const char *dir, int year)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%d.json", dir, year);
	json_t *v = json_load_file(path, 0, NULL);
	json_t *hol = json_object_get(v, "holidays"), *work = json_object_get(v, "workdays");
	CHECK(json_object_size(hol) > 0);
	char first[11], last[11];
	snprintf(first, sizeof first, "%d-01-01", year);
	snprintf(last, sizeof last, "%d-12-31", year);
	int wrong = 0, working = 0;
	for (long d = D(first); d <= D(last); d++) {
		const char *s = text_of(d);
		long wd = ((d + 3) % 7 + 7) % 7;
		int want = (wd < 5 && !json_object_get(hol, s)) || json_object_get(work, s) != NULL;
		int est = 0;
		int got = workcal_is_working(c, d, &est);
		working += got;
		if (got != want || est) {
			if (wrong++ < 5)
				fprintf(stderr, "%s: working %d, the file says %d (estimated %d)\n", s, got, want, est);
		}
	}
	CHECK(wrong == 0);
	/* A year has about 250 working days (2023: 249 by the notice). */
	CHECK(working > 240 && working < 255);
	long count = workcal_count(c, D(first) - 1, D(last), NULL);
	CHECK(count == working);
	json_decref(v);
}

/* add and count agree with a walk over the days, from every day of a span. */
static void check_against_walk(const struct workcal *c, const char *from, const char *to)
{
	int bad = 0;
	for (long d = D(from); d <= D(to); d++) {
		long n = 0, x = d;
		while (n < 12) {
			x++;
			if (workcal_is_working(c, x, NULL)) {
				n++;
				if (workcal_add(c, d, n, NULL) != x || workcal_count(c, d, x, NULL) != n)
					bad++;
				if (workcal_add(c, x, -n, NULL) > d || !workcal_is_working(c, workcal_add(c, x, -n, NULL), NULL))
					bad++;
			}
		}
	}
	CHECK(bad == 0);
}

static void hand_cases(const struct workcal *c, const struct workcal *plain)
{
	int est = 0;
	/* SPEC section 8: dispatched 2023-09-27, 5 working days: due 10-10 (09-29 to 10-06 off,
	 * Saturday 10-07 and Sunday 10-08 worked); Monday–Friday would say 10-04, a holiday. */
	CHECK_STR(text_of(workcal_add(c, D("2023-09-27"), 5, &est)), "2023-10-10");
	CHECK(est == 0);
	CHECK_STR(text_of(workcal_add(plain, D("2023-09-27"), 5, &est)), "2023-10-04");
	CHECK(est == 1);
	CHECK(!workcal_is_working(c, D("2023-10-04"), NULL));
	/* 调休: the weekend days worked, and the weekdays off. */
	CHECK(workcal_is_working(c, D("2023-10-07"), NULL));
	CHECK(workcal_is_working(c, D("2023-10-08"), NULL));
	CHECK(!workcal_is_working(c, D("2023-09-29"), NULL));
	CHECK(!workcal_is_working(c, D("2023-10-14"), NULL)); /* an ordinary Saturday */
	/* One working day: the next, not the same day ("自收到转办件的次日起"). */
	CHECK_STR(text_of(workcal_add(c, D("2023-09-26"), 1, NULL)), "2023-09-27");
	CHECK_STR(text_of(workcal_add(c, D("2023-09-28"), 1, NULL)), "2023-10-07");
	CHECK_STR(text_of(workcal_add(c, D("2023-10-10"), -5, NULL)), "2023-09-27");
	CHECK(workcal_count(c, D("2023-09-27"), D("2023-10-10"), NULL) == 5);
	CHECK(workcal_count(c, D("2023-10-10"), D("2023-09-27"), NULL) == -5);
	CHECK(workcal_add(c, D("2023-10-10"), 0, NULL) == D("2023-10-10"));
	/* A limit ending on the last day of a year, and one crossing into the next. */
	CHECK_STR(text_of(workcal_add(c, D("2025-12-25"), 4, NULL)), "2025-12-31");
	CHECK_STR(text_of(workcal_add(c, D("2025-12-31"), 1, NULL)), "2026-01-04"); /* 元旦 01-01 to 01-03 off, Sunday 01-04 worked */
	/* A year not loaded: Monday–Friday, and said to be an estimate. */
	est = 0;
	CHECK_STR(text_of(workcal_add(c, D("2026-12-31"), 1, &est)), "2027-01-01");
	CHECK(est == 1);
	est = 0;
	CHECK_STR(text_of(workcal_add(c, D("2026-12-24"), 5, &est)), "2026-12-31");
	CHECK(est == 0);
	est = 0;
	CHECK(workcal_count(c, D("2027-03-01"), D("2027-03-08"), &est) == 5);
	CHECK(est == 1);
	CHECK(!workcal_year_loaded(c, 2027) && workcal_year_loaded(c, 2023));
	/* Outside the index altogether. */
	est = 0;
	CHECK_STR(text_of(workcal_add(c, D("1999-12-30"), 2, &est)), "2000-01-03");
	CHECK(est == 1);
	CHECK_STR(text_of(workcal_add(c, D("2099-12-31"), 1, NULL)), "2100-01-01");

	/* Working days left: 0 on the deadline day, 1 the working day before, −1 on the first
	 * working day after; the holiday week in between counts nothing. */
	CHECK(workcal_days_left(c, D("2023-10-10"), D("2023-10-10"), NULL) == 0);
	CHECK(workcal_days_left(c, D("2023-10-09"), D("2023-10-10"), NULL) == 1);
	CHECK(workcal_days_left(c, D("2023-10-11"), D("2023-10-10"), NULL) == -1);
	CHECK(workcal_days_left(c, D("2023-09-28"), D("2023-10-10"), NULL) == 4);
	CHECK(workcal_days_left(c, D("2023-10-02"), D("2023-09-28"), NULL) == 0); /* past, on a holiday */
	CHECK(workcal_days_left(c, D("2023-10-07"), D("2023-09-28"), NULL) == -1);
	/* Due soon (≤ 3 working days left): from 09-28, 10-07, 10-08 and 10-09 are the next three. */
	CHECK_STR(text_of(workcal_due_soon_until(c, D("2023-09-28"), 3, NULL)), "2023-10-09");
	/* From Monday 09-25: 09-26, 27 and 28 are the three; a deadline in the holiday after them
	 * also has three left (the fourth is 10-07). */
	CHECK_STR(text_of(workcal_due_soon_until(c, D("2023-09-25"), 3, NULL)), "2023-10-06");
	/* Stale: more than 5 working days without a note. A note on 09-28 is not stale on 10-08
	 * (two working days since), nor on 10-11 (10-07, 08, 09, 10, 11: five); on 10-12 it is. */
	CHECK(D("2023-09-28") >= workcal_stale_before(c, D("2023-10-08"), 5, NULL));
	CHECK(D("2023-09-28") >= workcal_stale_before(c, D("2023-10-11"), 5, NULL));
	CHECK(D("2023-09-28") < workcal_stale_before(c, D("2023-10-12"), 5, NULL));
	CHECK_STR(text_of(workcal_stale_before(c, D("2023-09-13"), 5, NULL)), "2023-09-06");
	/* On 10-12 a note of 10-06 has six working days after it (10-07 to 10-12), one of 10-07 five. */
	CHECK_STR(text_of(workcal_stale_before(c, D("2023-10-12"), 5, NULL)), "2023-10-07");
}

static void parse_cases(void)
{
	char err[256];
	struct calendar_year y;
	/* holiday-cn's format, with a weekend worked and a weekend holiday (no exception). */
	const char cn[] = "{\"year\":2027,\"days\":[{\"name\":\"元旦\",\"date\":\"2027-01-01\",\"isOffDay\":true},"
			  "{\"name\":\"元旦\",\"date\":\"2027-01-02\",\"isOffDay\":true},"
			  "{\"name\":\"春节\",\"date\":\"2027-02-06\",\"isOffDay\":false}]}";
	CHECK(calendar_parse(cn, sizeof cn - 1, &y, err, sizeof err) == 0);
	CHECK(y.year == 2027 && y.n == 2 && y.holidays == 2);
	if (y.n == 2) {
		CHECK_STR(text_of(y.days[0].day), "2027-01-01");
		CHECK(y.days[0].off == 1);
		CHECK_STR(y.days[0].name, "元旦");
		CHECK_STR(text_of(y.days[1].day), "2027-02-06");
		CHECK(y.days[1].off == 0);
	}
	calendar_year_free(&y);
	/* chinese-days' names are "English,中文,N": the Chinese kept. */
	const char cd[] = "{\"holidays\":{\"2027-10-01\":\"National Day,国庆节,7\"},\"workdays\":{},\"inLieuDays\":{}}";
	CHECK(calendar_parse(cd, sizeof cd - 1, &y, err, sizeof err) == 0);
	CHECK(y.n == 1 && !strcmp(y.days[0].name, "国庆节"));
	calendar_year_free(&y);
	/* Malformed files: each refused with a message. */
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "not json", "不是有效的节假日文件" },
		{ "[1,2]", "不是有效的节假日文件" },
		{ "{\"foo\":1}", "应为 chinese-days" },
		{ "{\"holidays\":{\"2027-13-01\":\"x\"},\"workdays\":{}}", "日期“2027-13-01”无效" },
		{ "{\"holidays\":{\"2027-01-01\":\"x\",\"2028-01-03\":\"y\"},\"workdays\":{}}", "只能是一年" },
		{ "{\"holidays\":{\"2027-01-04\":\"x\"},\"workdays\":{\"2027-01-04\":\"x\"}}", "既是假日又是工作日" },
		{ "{\"holidays\":{},\"workdays\":{}}", "没有任何日期" },
		{ "{\"holidays\":{\"2027-01-04\":1},\"workdays\":{}}", "应为文字" },
		{ "{\"year\":2028,\"days\":[{\"name\":\"x\",\"date\":\"2027-01-04\",\"isOffDay\":true}]}", "文件写明 2028 年" },
		{ "{\"year\":2027,\"days\":[{\"name\":\"x\",\"date\":\"2027-01-04\"}]}", "isOffDay" },
		{ "{\"holidays\":{\"2123-01-04\":\"x\"},\"workdays\":{}}", "超出可用范围" },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		int rc = calendar_parse(bad[i].text, strlen(bad[i].text), &y, err, sizeof err);
		CHECK(rc == -1);
		if (!strstr(err, bad[i].says))
			fprintf(stderr, "case %zu: \"%s\" does not say \"%s\"\n", i, err, bad[i].says);
		CHECK(strstr(err, bad[i].says) != NULL);
		CHECK(y.days == NULL && y.n == 0);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_workdays DIR (chinese-days' dist/years)\n");
		return 2;
	}
	static struct workcal c, plain;
	workcal_init(&c);
	workcal_init(&plain);
	workcal_finish(&plain);
	for (int y = 2023; y <= 2026; y++)
		CHECK(load_year(&c, argv[1], y) == 0);
	workcal_finish(&c);
	for (int y = 2023; y <= 2026; y++)
		check_year_against_file(&c, argv[1], y);
	check_against_walk(&c, "2023-09-01", "2024-02-29");
	check_against_walk(&c, "2026-12-01", "2027-01-31");
	hand_cases(&c, &plain);
	parse_cases();
	return test_summary("test_workdays");
}
