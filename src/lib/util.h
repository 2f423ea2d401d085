/*
 * util.h — small shared pieces: growable buffers, checked allocation, errors as values,
 * the application clock (LEDGER_NOW) and the log line format.
 */
#ifndef LEDGER_UTIL_H
#define LEDGER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot return NULL: out of memory aborts, as nothing sensible can follow. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A 64-bit FNV-1a hash of s: for caches that compare keys by it before comparing the text. */
unsigned long long text_hash(const char *s);
/* Copies s into dst of n bytes (n > 0), cut to fit, always NUL-terminated (snprintf "%s"). */
void str_copy(char *dst, size_t n, const char *s);

/* A growable byte buffer, always NUL-terminated after any append. The owner frees with buf_free. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_init(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
/* Inline: pages and answers are written a few bytes at a time. */
static inline void buf_append(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}
void buf_puts(struct buf *b, const char *s);
static inline void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Appends s with & < > " ' replaced by HTML entities. */
void buf_html_escape(struct buf *b, const char *s, size_t n);
/* Appends s percent-encoded: letters, digits and the characters in keep stay as they are. */
void buf_url_encode(struct buf *b, const char *s, const char *keep);
/* One CSV field: quoted when it holds , " or a line break. defuse: a leading = + - @ (or ')
 * gets a ' before it inside quotes, so that a spreadsheet runs no formula (an import takes
 * exactly one ' away). */
void buf_csv_field(struct buf *b, const char *s, int defuse);
/* v in decimal, written at the end of digits (no NUL): returns where it starts, sets *len.
 * For lists that write thousands of numbers, where printf's parsing shows. */
#define INT_TEXT 24
const char *int_text(long long v, char digits[INT_TEXT], size_t *len);
/* s (n bytes of valid UTF-8) as a quoted JSON string. */
void buf_json_string(struct buf *b, const char *s, size_t n);
/* Hands the bytes to the caller (who frees them) and resets the buffer. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

/*
 * An error travels up the stack as a value: a stable code for machines, a Chinese message
 * for a person, the field at fault (or empty) and the HTTP status it maps to.
 */
struct err {
	int status;
	char code[48];
	char field[48];
	char message[256];
};
void err_set(struct err *e, int status, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Reads a whole file; returns NULL (errno set) on failure. Caller frees. */
char *read_file(const char *path, size_t *len_out);

/*
 * The application clock. LEDGER_NOW (RFC 3339, e.g. 2023-09-26T10:00:00+08:00) fixes it
 * for tests and drills; otherwise the system clock. All calendar logic is in Asia/Shanghai
 * (UTC+8, no daylight saving), whatever the machine's zone.
 */
time_t clock_now(void);
/* Fixes the clock as LEDGER_NOW would (NULL or an unreadable text: the system clock). LEDGER_NOW
 * is read at the first clock_now; tests change the clock with this. */
void clock_fix(const char *text);
/* Parses RFC 3339 with a numeric offset or Z; returns 0 on success. */
int time_parse_rfc3339(const char *s, time_t *out);
/* Formats t as RFC 3339 in +08:00 into out (at least 26 bytes). */
void time_format_rfc3339(time_t t, char *out, size_t n);
/* Formats the Shanghai calendar date of t as YYYY-MM-DD into out (at least 11 bytes). */
void time_format_date(time_t t, char *out, size_t n);
/* "2026-12-03 14:13" of an RFC 3339 time ("2026-12-03T14:13:05+08:00") as people read it;
 * a text of another shape is copied as it is (cut to n). */
void time_text_minute(const char *rfc3339, char *out, size_t n);
/* Validates YYYY-MM-DD and returns its day number (days since 1970-01-01); -1 if invalid. */
long date_parse_days(const char *s);
/* Today's Shanghai day number according to clock_now(). */
long date_today_days(void);

/* A unit path's subtree as a range: "/1/2/" → "/1/20" ('0' follows '/'), the bound every
 * path below it sorts under. */
void path_end(const char *path, char *out, size_t n);

/* Monotonic milliseconds, for durations in logs. */
double mono_ms(void);

/* Writes all n bytes to fd (again after a signal or a short write): 0, or -1 on an error. */
int write_all(int fd, const void *data, size_t n);

/* fsync of the folder that holds path, so that a file renamed or created there survives a
 * power cut: 0, or -1 on an error. */
int fsync_dir_of(const char *path);

/* Hands memory the allocator keeps cached back to the system (tcmalloc, when linked; a no-op
 * otherwise): after a burst that needed much of it (a password hash, a thumbnail). */
void mem_release_free(void);

/* One log line to stderr: time, level, message. Thread-safe; a line is never split. */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line of n bytes (no newline in it), as log_msg writes it. */
void log_text(const char *level, const char *text, size_t n);
/* From start to stop, info lines wait in memory up to 10 ms and are written together by one
 * thread; warnings and errors are written at once, after everything before them. stop writes
 * what waits. The server runs with this; other commands write each line as it comes. */
void log_buffer_start(void);
void log_buffer_stop(void);
#define log_info(...) log_msg("info", __VA_ARGS__)
#define log_warn(...) log_msg("warn", __VA_ARGS__)
#define log_error(...) log_msg("error", __VA_ARGS__)

/* The folder holding templates/, static/ and migrations/ (see util.c for how it is found). */
const char *resource_root(void);
void resource_root_set(const char *dir);

#endif
