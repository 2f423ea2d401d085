/*
 * xlsx.h — reading the first worksheet of an .xlsx workbook, row by row, as text cells.
 *
 * The workbook is a ZIP (libzip) of XML parts (expat, streamed): the sheet is decompressed
 * and parsed a piece at a time, so a large sheet costs the memory of its shared strings,
 * not of the sheet. Limits guard against a small file that inflates without end.
 */
#ifndef LEDGER_XLSX_H
#define LEDGER_XLSX_H

#include <stddef.h>

/* The limits: uncompressed bytes of the sheet and of the shared strings, and of one cell. */
#define XLSX_MAX_SHEET (1024UL * 1024 * 1024)
#define XLSX_MAX_STRINGS (256UL * 1024 * 1024)
#define XLSX_MAX_CELL 32767
#define XLSX_MAX_COLUMNS 16384

struct xlsx_sink {
	/* One cell of the current row: its column (0 = A), its text (a number as Excel wrote it,
	 * e.g. a date as its serial "45200.5"), and whether it is a number. */
	void (*cell)(void *arg, unsigned col, const char *text, size_t len, int number);
	/* The end of a row: its number in the sheet (1 = the first row). */
	void (*row_end)(void *arg, unsigned long row);
	/* Bytes of the sheet read so far, of about total (may be NULL). */
	void (*progress)(void *arg, size_t done, size_t total);
	void *arg;
};

/* Whether data starts like a ZIP file (and so may be a workbook). */
int xlsx_looks_like(const void *data, size_t len);

/* Reads the workbook in data. 0, or -1 with a reason in Chinese in why. */
int xlsx_read(const void *data, size_t len, const struct xlsx_sink *sink, char *why, size_t why_n);

/* An Excel date serial (1900 system) as days since 1970-01-01 and seconds into the day;
 * -1 when it is not a date a ledger holds (before 1990 or after 2199). */
int xlsx_serial_time(const char *text, long *days, int *seconds);

#endif
