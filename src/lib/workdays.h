/*
 * workdays.h — working days on the Chinese calendar (SPEC section 8), as pure functions over a
 * day index built once.
 *
 * A working day is Monday–Friday, unless the year's holiday notice makes it a holiday, plus
 * the weekend days the notice makes working days (调休). The notice's exceptions are set
 * day by day (workcal_set) for each year loaded (workcal_loaded), then workcal_finish builds
 * running counts, after which every question is answered without a loop over days. A day in a
 * year with no notice loaded is counted Monday–Friday, and every answer that rests on such a
 * day sets *estimated (when the pointer is not NULL) to 1; answers never clear it, so one flag
 * can gather a whole page's figures.
 *
 * Days are day numbers (days since 1970-01-01, as date_parse_days gives them). The index
 * covers WORKCAL_FIRST_YEAR to WORKCAL_LAST_YEAR; days outside it count Monday–Friday and are
 * estimated.
 */
#ifndef LEDGER_WORKDAYS_H
#define LEDGER_WORKDAYS_H

#define WORKCAL_FIRST_YEAR 2000
#define WORKCAL_LAST_YEAR 2099
#define WORKCAL_YEARS (WORKCAL_LAST_YEAR - WORKCAL_FIRST_YEAR + 1)
#define WORKCAL_DAYS 36525 /* 2000-01-01 to 2099-12-31 */

enum workcal_day { WD_RULE = 0, WD_OFF = 1, WD_WORKING = 2 };

struct workcal {
	long first;                         /* day number of WORKCAL_FIRST_YEAR-01-01 */
	unsigned char kind[WORKCAL_DAYS];   /* enum workcal_day: an exception, or the weekday rule */
	unsigned char loaded[WORKCAL_YEARS]; /* 1: the year's notice is in */
	/* After workcal_finish: working[i] = working days among the index's days before i;
	 * unknown[i] = days of years not loaded before i. */
	int working[WORKCAL_DAYS + 1];
	int unknown[WORKCAL_DAYS + 1];
	int finished;
	unsigned long generation; /* set by workcal_finish, unique in the process: names this content */
};

/* An empty calendar: nothing loaded, every day by the weekday rule. */
void workcal_init(struct workcal *c);
/* Records that the notice of year y is in (its exceptions set or to be set). 0, or -1 when y is
 * outside the index. */
int workcal_loaded(struct workcal *c, int y);
/* Makes day an exception: off (a holiday on a weekday) or working (a 调休 weekend day). A
 * holiday on a weekend or a working weekday is no exception and is stored as the rule. 0, or
 * -1 when the day is outside the index. */
int workcal_set(struct workcal *c, long day, int off);
/* Builds the running counts; call after the last workcal_set, before any question. */
void workcal_finish(struct workcal *c);

/* Whether the year's notice is in. */
int workcal_year_loaded(const struct workcal *c, int y);
/* Whether day is a working day. */
int workcal_is_working(const struct workcal *c, long day, int *estimated);
/* The number of working days d with from < d <= to (negative, the same count, when to < from). */
long workcal_count(const struct workcal *c, long from, long to, int *estimated);
/* The n-th working day after day (n > 0; day itself is not counted), or before it (n < 0);
 * n == 0 gives day itself. */
long workcal_add(const struct workcal *c, long day, long n, int *estimated);

/*
 * Working days left (SPEC section 8): the working days after today up to and including the
 * deadline — 0 on the deadline day — or, past the deadline, minus the working days since
 * (−1 on the first working day after it).
 */
long workcal_days_left(const struct workcal *c, long today, long deadline, int *estimated);
/* The last deadline that is due soon (0 ≤ working days left ≤ n) seen from today: a deadline
 * from today up to this day is yellow, a later one green. */
long workcal_due_soon_until(const struct workcal *c, long today, long n, int *estimated);
/* The first day of a last progress note that is not stale today: a note before it leaves more
 * than n working days without one (a stale ticket). */
long workcal_stale_before(const struct workcal *c, long today, long n, int *estimated);

/* The calendar year of a day number. */
int workcal_year_of(long day);

#endif
