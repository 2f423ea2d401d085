/*
 * calendar.h — the State Council's holiday notices in the ledger (SPEC section 8): year files
 * read, checked and stored, and the working-day calendar every figure counts with.
 *
 * A year file is chinese-days' (`dist/years/YYYY.json`: holidays, workdays, inLieuDays, each a
 * map from date to "English,中文,N") or holiday-cn's (`{"year", "days": [{name, date,
 * isOffDay}]}`). What is stored are the year's exceptions to Monday–Friday: weekdays off and
 * weekend days worked (calendar_days), and that the year is in (calendar_years).
 */
#ifndef LEDGER_CALENDAR_H
#define LEDGER_CALENDAR_H

#include <stddef.h>

#include "audit.h"
#include "db.h"
#include "workdays.h"

struct calendar_day {
	long day;      /* day number */
	int off;       /* 1: a weekday off; 0: a weekend day worked */
	char name[64]; /* the holiday's Chinese name, "国庆节" */
};

struct calendar_year {
	int year;
	size_t n; /* exceptions to Monday–Friday, in date order */
	struct calendar_day *days;
	size_t holidays; /* every day off the notice names, weekends included */
};

/*
 * Reads a year file of either format into y (free with calendar_year_free). Returns 0, or -1
 * with a message in Chinese in err: not JSON, neither format, a bad date, dates of more than
 * one year, a day both off and worked, no day at all.
 */
int calendar_parse(const char *text, size_t len, struct calendar_year *y, char *err, size_t errlen);
void calendar_year_free(struct calendar_year *y);

/*
 * On the writer: replaces the year's days with y's, records where it came from (source: a
 * file name, "chinese-days 1.5.7") and appends the event calendar.load. 0 or -1 with e set.
 */
int calendar_store(struct db *w, const struct calendar_year *y, const char *source, const struct actor *who,
		   struct err *e);

/* Reads, checks and stores one year file on db, in the caller's transaction: 0, or -1 with
 * a message in Chinese in msg (nothing stored). info says what was loaded. */
struct calendar_year_info {
	int year;
	size_t holidays, exceptions;
};
int calendar_file_store(struct db *db, const char *path, const char *source, const struct actor *who,
			struct calendar_year_info *info, char *msg, size_t n);

/* Loads every year file (*.json) in dir that is not in yet (force: every one); prints what it
 * did to out. Returns how many were loaded, or -1 (reported). */
int calendar_load_dir(struct db *db, const char *dir, const char *source, int force, FILE *out);

/* The calendar as this connection's transaction sees it (kept with the catalog, codebook.h);
 * a Monday–Friday calendar with nothing loaded when it cannot be read. */
const struct workcal *calendar_of(struct db *db);
/* The same from a codebook already in hand (NULL: the Monday–Friday calendar). */
struct codebook;
const struct workcal *calendar_in(const struct codebook *cb);
/* Today's marks for the lights (workflow.h) on this connection's calendar. */
struct day_marks;
void calendar_marks_today(struct db *db, struct day_marks *m);

/* Where the build installs chinese-days' year files, under the resource root. */
#define CALENDAR_PACKAGE_DIR "calendar/node_modules/chinese-days/dist/years"

#endif
