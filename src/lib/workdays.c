/*
 * workdays.c — working days on the Chinese calendar (workdays.h).
 *
 * Every question reduces to W(x), the number of working days from the index's first day up to,
 * not including, day x (negative before it), read from the running counts inside the index
 * and counted by the weekday rule outside. W only grows, so "the n-th working day after" is a
 * binary search on it.
 */
#include "workdays.h"

#include <string.h>

/* Monday 0 … Sunday 6; day 0 (1970-01-01) was a Thursday. */
static int weekday(long day)
{
	long r = (day + 3) % 7;
	return (int)(r < 0 ? r + 7 : r);
}

/* Monday–Friday days in [a, b), a <= b. */
static long weekdays_in(long a, long b)
{
	long n = b - a, full = n / 7, count = full * 5;
	for (long d = a + full * 7; d < b; d++)
		count += weekday(d) < 5;
	return count;
}

int workcal_year_of(long day)
{
	/* Civil from days (Howard Hinnant's algorithm), the year only. */
	long z = day + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	return (int)(mp < 10 ? y : y + 1);
}

void workcal_init(struct workcal *c)
{
	memset(c, 0, sizeof *c);
	c->first = 10957; /* 2000-01-01 */
}

int workcal_loaded(struct workcal *c, int y)
{
	if (y < WORKCAL_FIRST_YEAR || y > WORKCAL_LAST_YEAR)
		return -1;
	c->loaded[y - WORKCAL_FIRST_YEAR] = 1;
	c->finished = 0;
	return 0;
}

int workcal_set(struct workcal *c, long day, int off)
{
	long i = day - c->first;
	if (i < 0 || i >= WORKCAL_DAYS)
		return -1;
	int rule_working = weekday(day) < 5;
	c->kind[i] = off ? (rule_working ? WD_OFF : WD_RULE) : (rule_working ? WD_RULE : WD_WORKING);
	c->finished = 0;
	return 0;
}

static int index_working(const struct workcal *c, long i)
{
	if (c->kind[i] == WD_OFF)
		return 0;
	if (c->kind[i] == WD_WORKING)
		return 1;
	return weekday(c->first + i) < 5;
}

void workcal_finish(struct workcal *c)
{
	c->working[0] = c->unknown[0] = 0;
	for (long i = 0; i < WORKCAL_DAYS; i++) {
		c->working[i + 1] = c->working[i] + index_working(c, i);
		int y = workcal_year_of(c->first + i);
		c->unknown[i + 1] = c->unknown[i] + !c->loaded[y - WORKCAL_FIRST_YEAR];
	}
	c->finished = 1;
	static unsigned long generations;
	c->generation = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
}

/* W(x): working days in [first, x), negative (minus those in [x, first)) before the index. */
static long W(const struct workcal *c, long x)
{
	long end = c->first + WORKCAL_DAYS;
	if (x < c->first)
		return -weekdays_in(x, c->first);
	if (x <= end)
		return c->working[x - c->first];
	return c->working[WORKCAL_DAYS] + weekdays_in(end, x);
}

/* U(x): the same for the days of years not loaded (every day outside the index). */
static long U(const struct workcal *c, long x)
{
	long end = c->first + WORKCAL_DAYS;
	if (x < c->first)
		return -(c->first - x);
	if (x <= end)
		return c->unknown[x - c->first];
	return c->unknown[WORKCAL_DAYS] + (x - end);
}

/* Marks *estimated when any day of [a, b) is in a year not loaded. */
static void note_estimate(const struct workcal *c, long a, long b, int *estimated)
{
	if (estimated && a < b && U(c, b) - U(c, a) > 0)
		*estimated = 1;
}

int workcal_year_loaded(const struct workcal *c, int y)
{
	return y >= WORKCAL_FIRST_YEAR && y <= WORKCAL_LAST_YEAR && c->loaded[y - WORKCAL_FIRST_YEAR];
}

int workcal_is_working(const struct workcal *c, long day, int *estimated)
{
	note_estimate(c, day, day + 1, estimated);
	return (int)(W(c, day + 1) - W(c, day));
}

long workcal_count(const struct workcal *c, long from, long to, int *estimated)
{
	if (to < from)
		return -workcal_count(c, to, from, estimated);
	note_estimate(c, from + 1, to + 1, estimated);
	return W(c, to + 1) - W(c, from + 1);
}

/* The smallest x in [lo, hi] with W(x) >= target (hi when none is smaller). */
static long first_reaching(const struct workcal *c, long lo, long hi, long target)
{
	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		if (W(c, mid) >= target)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The largest x in [lo, hi] with W(x) <= target (lo when none is larger). */
static long last_within(const struct workcal *c, long lo, long hi, long target)
{
	while (lo < hi) {
		long mid = lo + (hi - lo + 1) / 2;
		if (W(c, mid) <= target)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* A span of days sure to hold n working days: no notice stops work for three weeks. */
static long span_for(long n)
{
	return 3 * n + 40;
}

long workcal_add(const struct workcal *c, long day, long n, int *estimated)
{
	if (n == 0)
		return day;
	if (n > 0) {
		long target = W(c, day + 1) + n;
		long d = first_reaching(c, day + 1, day + 1 + span_for(n), target) - 1;
		note_estimate(c, day + 1, d + 1, estimated);
		return d;
	}
	long target = W(c, day) + n; /* n < 0 */
	long d = last_within(c, day - span_for(-n), day, target);
	note_estimate(c, d, day, estimated);
	return d;
}

long workcal_days_left(const struct workcal *c, long today, long deadline, int *estimated)
{
	return deadline >= today ? workcal_count(c, today, deadline, estimated)
				 : -workcal_count(c, deadline, today, estimated);
}

long workcal_due_soon_until(const struct workcal *c, long today, long n, int *estimated)
{
	return workcal_add(c, today, n + 1, estimated) - 1;
}

long workcal_stale_before(const struct workcal *c, long today, long n, int *estimated)
{
	/* Stale: W(today + 1) - W(last + 1) > n, i.e. W(last + 1) < W(today + 1) - n. */
	long target = W(c, today + 1) - n;
	long x0 = first_reaching(c, today + 1 - span_for(n + 1), today + 1, target);
	note_estimate(c, x0 - 1, today + 1, estimated);
	return x0 - 1;
}
