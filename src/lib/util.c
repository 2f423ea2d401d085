/*
 * util.c — buffers, checked allocation, errors, the application clock and logging.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

unsigned long long text_hash(const char *s)
{
	unsigned long long h = 14695981039346656037ULL; /* the offset basis */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void str_copy(char *dst, size_t n, const char *s)
{
	size_t len = strnlen(s, n - 1);
	memcpy(dst, s, len);
	dst[len] = '\0';
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}



void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}



void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

#if defined(__SSE2__)
/*
 * How many bytes from s pass special(), which marks the bytes of a sixteen-byte block that
 * need escaping: a block at a time. The last block is read overlapping the one before (its
 * bytes there are known to pass), and a string shorter than a block from a padded copy.
 */
static inline size_t plain_run(const char *s, size_t n, unsigned (*special)(const char *))
{
	unsigned bits;
	if (n < 16) {
		char pad[16];
		memset(pad, 'a', sizeof pad);
		memcpy(pad, s, n);
		bits = special(pad) & ((1u << n) - 1);
		return bits ? (size_t)__builtin_ctz(bits) : n;
	}
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		if ((bits = special(s + i)) != 0)
			return i + (size_t)__builtin_ctz(bits);
	if (i < n && (bits = special(s + n - 16)) != 0)
		return n - 16 + (size_t)__builtin_ctz(bits);
	return n;
}

/* Which of the sixteen bytes at p need escaping in HTML (& < > " '), as a bit each. */
static unsigned html_special_bits(const char *p)
{
	const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>');
	const __m128i quot = _mm_set1_epi8('"'), apos = _mm_set1_epi8('\'');
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)),
				   _mm_or_si128(_mm_cmpeq_epi8(v, gt),
						_mm_or_si128(_mm_cmpeq_epi8(v, quot), _mm_cmpeq_epi8(v, apos))));
	return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* How many bytes from s need no escaping in HTML, as plain_run reads them where it can. */
static size_t html_plain_run(const char *s, size_t n)
{
#if defined(__SSE2__)
	return plain_run(s, n, html_special_bits);
#else
	for (size_t i = 0; i < n; i++)
		switch (s[i]) {
		case '&': case '<': case '>': case '"': case '\'':
			return i;
		}
	return n;
#endif
}

void buf_html_escape(struct buf *b, const char *s, size_t n)
{
	for (;;) {
		size_t run = html_plain_run(s, n);
		buf_append(b, s, run);
		if (run == n)
			return;
		switch (s[run]) {
		case '&': buf_append(b, "&amp;", 5); break;
		case '<': buf_append(b, "&lt;", 4); break;
		case '>': buf_append(b, "&gt;", 4); break;
		case '"': buf_append(b, "&quot;", 6); break;
		default: buf_append(b, "&#39;", 5); break;
		}
		s += run + 1;
		n -= run + 1;
	}
}

const char *int_text(long long v, char digits[INT_TEXT], size_t *len)
{
	char *p = digits + INT_TEXT;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	*len = (size_t)(digits + INT_TEXT - p);
	return p;
}

#if defined(__SSE2__)
/* Which of the sixteen bytes at p need escaping in a JSON string (", \\ and bytes below 0x20),
 * as a bit each. */
static unsigned json_special_bits(const char *p)
{
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), below = _mm_set1_epi8(0x1f);
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* Below 0x20 as unsigned bytes: the minimum of v and 0x1f is v itself. */
	__m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, below), v);
	__m128i hit = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
	return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/* How many bytes from s need no escaping in a JSON string, as plain_run reads them where it can. */
static size_t json_plain_run(const char *s, size_t n)
{
#if defined(__SSE2__)
	return plain_run(s, n, json_special_bits);
#else
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == '"' || c == '\\')
			return i;
	}
	return n;
#endif
}

/* A JSON string: quotes, backslashes and control characters escaped, the rest (valid UTF-8,
 * as every string here is) as it is — what jansson writes, without its per-character work. */
void buf_json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (b->len + n + 3 > b->cap)
		buf_reserve(b, n + 2);
	b->data[b->len++] = '"';
	for (;;) {
		size_t run = json_plain_run(s, n);
		buf_append(b, s, run);
		if (run == n)
			break;
		unsigned char c = (unsigned char)s[run];
		switch (c) {
		case '"': buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		case '\b': buf_append(b, "\\b", 2); break;
		case '\f': buf_append(b, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_append(b, u, 6);
		}
		}
		s += run + 1;
		n -= run + 1;
	}
	buf_putc(b, '"');
}

void buf_csv_field(struct buf *b, const char *s, int defuse)
{
	int lead = defuse && *s && strchr("=+-@'", *s);
	if (!lead && !strpbrk(s, ",\"\r\n")) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	if (lead)
		buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

void buf_url_encode(struct buf *b, const char *s, const char *keep)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr(keep, *p))
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%02X", *p);
	}
}

char *buf_take(struct buf *b)
{
	if (!b->data)
		buf_reserve(b, 0), b->data[0] = '\0';
	char *p = b->data;
	buf_init(b);
	return p;
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void err_set(struct err *e, int status, const char *code, const char *field, const char *fmt, ...)
{
	if (!e)
		return;
	e->status = status;
	snprintf(e->code, sizeof e->code, "%s", code);
	snprintf(e->field, sizeof e->field, "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

char *read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		buf_free(&b);
		errno = EIO;
		return NULL;
	}
	if (len_out)
		*len_out = b.len;
	return buf_take(&b);
}

/* ---- clock ---- */

#define SHANGHAI_OFFSET (8 * 3600)

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long yy = (long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned dd = doy - (153 * mp + 2) / 5 + 1;
	unsigned mm = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int parse_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

long date_parse_days(const char *s)
{
	int y, m, d;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	if (parse_digits(s, 4, &y) || parse_digits(s + 5, 2, &m) || parse_digits(s + 8, 2, &d))
		return -1;
	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	return days_from_civil(y, (unsigned)m, (unsigned)d);
}

int time_parse_rfc3339(const char *s, time_t *out)
{
	int y, mo, d, h, mi, se;
	if (!s || strlen(s) < 20)
		return -1;
	if (parse_digits(s, 4, &y) || s[4] != '-' || parse_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    parse_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || parse_digits(s + 11, 2, &h) ||
	    s[13] != ':' || parse_digits(s + 14, 2, &mi) || s[16] != ':' || parse_digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	long off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (parse_digits(p + 1, 2, &oh) || p[3] != ':' || parse_digits(p + 4, 2, &om))
			return -1;
		off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	long days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	*out = (time_t)(days * 86400L + h * 3600L + mi * 60L + se - off);
	return 0;
}

/* LEDGER_NOW, read once: -1 not yet, 0 unset or unreadable, 1 fixed at clock_fixed. */
static _Atomic int clock_state = -1;
static _Atomic time_t clock_fixed;

void clock_fix(const char *text)
{
	time_t t;
	int fixed = text && *text && time_parse_rfc3339(text, &t) == 0;
	if (fixed)
		clock_fixed = t;
	clock_state = fixed;
}

time_t clock_now(void)
{
	if (clock_state < 0)
		clock_fix(getenv("LEDGER_NOW"));
	return clock_state ? clock_fixed : time(NULL);
}

void time_format_rfc3339(time_t t, char *out, size_t n)
{
	long local = (long)t + SHANGHAI_OFFSET;
	long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	long secs = local - days * 86400;
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02dT%02ld:%02ld:%02ld+08:00", y, m, d, secs / 3600, secs / 60 % 60,
		 secs % 60);
}

void time_format_date(time_t t, char *out, size_t n)
{
	long local = (long)t + SHANGHAI_OFFSET;
	long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

void path_end(const char *path, char *out, size_t n)
{
	snprintf(out, n, "%s", path);
	size_t l = strlen(out);
	if (l)
		out[l - 1] = '0';
}

long date_today_days(void)
{
	long local = (long)clock_now() + SHANGHAI_OFFSET;
	return local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
}

double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The line's start: the time (its text made once a second: the access log writes a line per
 * request) and the level. Returns its length; line has room for 64 bytes. */
static size_t log_start(const char *level, char *line)
{
	static __thread char stamp[32];
	static __thread time_t stamped = -1;
	time_t now = time(NULL);
	if (now != stamped) {
		time_format_rfc3339(now, stamp, sizeof stamp);
		stamped = now;
	}
	size_t sl = strlen(stamp), ll = strnlen(level, 16);
	memcpy(line, stamp, sl);
	line[sl] = ' ';
	memcpy(line + sl + 1, level, ll);
	line[sl + ll + 1] = ' ';
	return sl + ll + 2;
}

/*
 * The server's log is buffered: between log_buffer_start() and log_buffer_stop(), lines wait in
 * memory and one thread writes them together, LOG_FLUSH_MS after the first of them (as nginx's
 * "access_log ... buffer= flush="). A write to a file costs more than a ticket page's rendering,
 * and the access log writes a line per request. Warnings and errors are written at once, after
 * every line before them. A process killed outright loses at most the last LOG_FLUSH_MS of lines.
 */
enum { LOG_BUFFER = 64 * 1024, LOG_FLUSH_MS = 10 };

static struct {
	pthread_mutex_t mu;	/* the buffer being filled */
	pthread_mutex_t out_mu; /* one writer at a time, so lines leave in the order they came */
	pthread_cond_t wake;
	char *fill, *spare;
	size_t len;
	int on, waiting, stop;
	pthread_t thread;
} lb = {.mu = PTHREAD_MUTEX_INITIALIZER, .out_mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

int fsync_dir_of(const char *path)
{
	char dir[4352];
	const char *slash = strrchr(path, '/');
	if (!slash)
		str_copy(dir, sizeof dir, ".");
	else if (slash == path)
		str_copy(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* tcmalloc's call, present when the server is linked with it. */
extern void MallocExtension_ReleaseFreeMemory(void) __attribute__((weak));

void mem_release_free(void)
{
	if (MallocExtension_ReleaseFreeMemory)
		MallocExtension_ReleaseFreeMemory();
}

int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes what waits in the buffer; the caller holds out_mu, which alone touches spare. */
static void log_flush_locked(void)
{
	pthread_mutex_lock(&lb.mu);
	char *full = lb.fill;
	size_t n = lb.len;
	lb.fill = lb.spare;
	lb.len = 0;
	pthread_mutex_unlock(&lb.mu);
	write_all(STDERR_FILENO, full, n);
	lb.spare = full;
}

static void log_flush(void)
{
	pthread_mutex_lock(&lb.out_mu);
	log_flush_locked();
	pthread_mutex_unlock(&lb.out_mu);
}

static void *log_writer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lb.mu);
		while (lb.len == 0 && !lb.stop) {
			lb.waiting = 1;
			pthread_cond_wait(&lb.wake, &lb.mu);
			lb.waiting = 0;
		}
		int stop = lb.stop;
		pthread_mutex_unlock(&lb.mu);
		if (!stop) {
			/* Lines that come meanwhile go out with this one. */
			struct timespec ts = {0, LOG_FLUSH_MS * 1000000L};
			while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
				;
		}
		log_flush();
		if (stop)
			return NULL;
	}
}

/* A process that exits without log_buffer_stop (a fatal error) still writes what waits. */
static void log_flush_at_exit(void)
{
	if (__atomic_load_n(&lb.on, __ATOMIC_ACQUIRE))
		log_flush();
}

void log_buffer_start(void)
{
	static char a[LOG_BUFFER], b[LOG_BUFFER];
	static int exit_flush;
	if (__atomic_load_n(&lb.on, __ATOMIC_ACQUIRE))
		return;
	if (!exit_flush++)
		atexit(log_flush_at_exit);
	lb.fill = a;
	lb.spare = b;
	lb.len = 0;
	lb.stop = 0;
	if (pthread_create(&lb.thread, NULL, log_writer, NULL) != 0)
		return; /* lines are written one by one, as before */
	__atomic_store_n(&lb.on, 1, __ATOMIC_RELEASE);
}

void log_buffer_stop(void)
{
	if (!__atomic_load_n(&lb.on, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&lb.mu);
	lb.stop = 1;
	pthread_cond_signal(&lb.wake);
	pthread_mutex_unlock(&lb.mu);
	pthread_join(lb.thread, NULL);
	__atomic_store_n(&lb.on, 0, __ATOMIC_RELEASE);
	log_flush();
}

/* One whole line (with its newline); an urgent line is written before this returns. */
static void log_put(const char *line, size_t n, int urgent)
{
	if (!__atomic_load_n(&lb.on, __ATOMIC_ACQUIRE)) {
		write_all(STDERR_FILENO, line, n);
		return;
	}
	pthread_mutex_lock(&lb.mu);
	if (lb.len + n <= LOG_BUFFER) {
		memcpy(lb.fill + lb.len, line, n);
		lb.len += n;
		if (lb.waiting && lb.len == n)
			pthread_cond_signal(&lb.wake);
		pthread_mutex_unlock(&lb.mu);
		if (urgent)
			log_flush();
		return;
	}
	pthread_mutex_unlock(&lb.mu);
	/* The buffer is full: what waits goes first, then this line. */
	pthread_mutex_lock(&lb.out_mu);
	log_flush_locked();
	write_all(STDERR_FILENO, line, n);
	pthread_mutex_unlock(&lb.out_mu);
}

void log_text(const char *level, const char *text, size_t n)
{
	/* A line that fits is made on the stack, without an allocation. */
	char line[1024];
	size_t at = log_start(level, line);
	int urgent = strcmp(level, "info") != 0;
	if (at + n + 1 <= sizeof line) {
		memcpy(line + at, text, n);
		line[at + n] = '\n';
		log_put(line, at + n + 1, urgent);
		return;
	}
	struct buf b;
	buf_init(&b);
	buf_append(&b, line, at);
	buf_append(&b, text, n);
	buf_putc(&b, '\n');
	log_put(b.data, b.len, urgent);
	buf_free(&b);
}

void log_msg(const char *level, const char *fmt, ...)
{
	char text[960];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof text) {
		log_text(level, text, (size_t)n);
		return;
	}
	struct buf b;
	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	log_text(level, b.data, b.len);
	buf_free(&b);
}

/* ---- resources ---- */

static char g_root[PATH_MAX];

void resource_root_set(const char *dir)
{
	snprintf(g_root, sizeof g_root, "%s", dir);
}

/*
 * LEDGER_ROOT wins; otherwise the nearest folder above the running binary that holds
 * templates/ (build/ledger and build/asan/ledger live in the source tree); otherwise the
 * current directory.
 */
const char *resource_root(void)
{
	if (g_root[0])
		return g_root;
	const char *env = getenv("LEDGER_ROOT");
	if (env && *env) {
		resource_root_set(env);
		return g_root;
	}
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n > 0) {
		dir[n] = '\0';
		for (int up = 0; up < 4; up++) {
			char *slash = strrchr(dir, '/');
			if (!slash || slash == dir)
				break;
			*slash = '\0';
			char probe[PATH_MAX + 32];
			snprintf(probe, sizeof probe, "%s/templates", dir);
			if (access(probe, R_OK) == 0) {
				resource_root_set(dir);
				return g_root;
			}
		}
	}
	resource_root_set(".");
	return g_root;
}

void time_text_minute(const char *v, char *out, size_t n)
{
	if (!n)
		return;
	if (!v || strlen(v) < 16 || v[10] != 'T' || n < 17) {
		snprintf(out, n, "%s", v ? v : "");
		return;
	}
	memcpy(out, v, 16);
	out[10] = ' ';
	out[16] = '\0';
}
