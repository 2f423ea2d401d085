/*
 * test_util.c — the clock (LEDGER_NOW, Shanghai dates), date validation, buffers and escaping,
 * masking, forms, the per-thread kept pieces, UTF-8 and the buffered log: src/lib.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "form.h"
#include "kept.h"
#include "mask.h"
#include "test.h"
#include "utf8.h"
#include "util.h"

static void test_dates(void)
{
	CHECK(date_parse_days("1970-01-01") == 0);
	CHECK(date_parse_days("2023-09-25") - date_parse_days("2023-09-06") == 19);
	CHECK(date_parse_days("2024-02-29") > 0);
	CHECK(date_parse_days("2023-02-29") == -1);
	CHECK(date_parse_days("2023-13-01") == -1);
	CHECK(date_parse_days("2023-9-1") == -1);
	CHECK(date_parse_days("2023-09-01x") == -1);
	CHECK(date_parse_days("") == -1);
	CHECK(date_parse_days(NULL) == -1);

	time_t t;
	CHECK(time_parse_rfc3339("2023-09-26T10:00:00+08:00", &t) == 0);
	CHECK(t == 1695693600);
	CHECK(time_parse_rfc3339("2023-09-26T02:00:00Z", &t) == 0 && t == 1695693600);
	CHECK(time_parse_rfc3339("2023-09-26 10:00:00", &t) == -1);
	CHECK(time_parse_rfc3339("2023-09-26T25:00:00+08:00", &t) == -1);

	/* 23:30 UTC is already the next day in Shanghai. */
	char s[32];
	CHECK(time_parse_rfc3339("2023-09-25T23:30:00Z", &t) == 0);
	time_format_date(t, s, sizeof s);
	CHECK_STR(s, "2023-09-26");
	time_format_rfc3339(t, s, sizeof s);
	CHECK_STR(s, "2023-09-26T07:30:00+08:00");

	clock_fix("2023-09-26T10:00:00+08:00");
	CHECK(clock_now() == 1695693600);
	CHECK(date_today_days() == date_parse_days("2023-09-26"));
	clock_fix("garbage");
	CHECK(clock_now() > 1695693600); /* an unreadable value falls back to the real clock */
	clock_fix(NULL);
}

static void test_buf(void)
{
	struct buf b;
	buf_init(&b);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	CHECK(b.len == 3890);
	CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
	buf_free(&b);
	buf_html_escape(&b, "<script>alert('x&y')</script>", 29);
	CHECK_STR(b.data, "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;");
	buf_free(&b);
	/* text_hash is FNV-1a, 64 bits (the published values for "" and "a"). */
	CHECK(text_hash("") == 0xcbf29ce484222325ULL);
	CHECK(text_hash("a") == 0xaf63dc4c8601ec8cULL);
	/* str_copy: whole when it fits, cut to n - 1 bytes when not, always terminated. */
	char small[5];
	memset(small, 'x', sizeof small);
	str_copy(small, sizeof small, "GET");
	CHECK_STR(small, "GET");
	str_copy(small, sizeof small, "DELETE");
	CHECK_STR(small, "DELE");
	str_copy(small, sizeof small, "");
	CHECK_STR(small, "");
	str_copy(small, 1, "abc");
	CHECK(small[0] == '\0');
}

/* The escaping one byte at a time, as the JSON grammar states it. */
static void json_reference(const char *s, size_t n, struct buf *out)
{
	buf_putc(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_putc(out, '\\');
			buf_putc(out, (char)c);
		} else if (c == '\n') {
			buf_puts(out, "\\n");
		} else if (c == '\r') {
			buf_puts(out, "\\r");
		} else if (c == '\t') {
			buf_puts(out, "\\t");
		} else if (c == '\b') {
			buf_puts(out, "\\b");
		} else if (c == '\f') {
			buf_puts(out, "\\f");
		} else if (c < 0x20) {
			buf_printf(out, "\\u%04x", c);
		} else {
			buf_putc(out, (char)c);
		}
	}
	buf_putc(out, '"');
}

/* buf_json_string skips eight bytes at a time: every character needing escape, at every
 * place relative to those blocks, among plain ASCII and multi-byte UTF-8. */
/* The escaper against a byte-at-a-time reference: every position within and across the
 * sixteen-byte blocks, and bytes above 0x7F (UTF-8) beside the special characters. */
static void test_html_escape_blocks(void)
{
	static const char alphabet[] = "a&<>\"'\xe4\xb8\xad ";
	unsigned seed = 12345;
	int same = 1;
	for (int round = 0; round < 2000; round++) {
		char in[80];
		size_t n = (size_t)(round % 70);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (seed >> 16) % 5 ? 'x' : alphabet[(seed >> 8) % (sizeof alphabet - 1)];
		}
		struct buf got, want;
		buf_init(&got);
		buf_init(&want);
		buf_html_escape(&got, in, n);
		for (size_t i = 0; i < n; i++) {
			switch (in[i]) {
			case '&': buf_puts(&want, "&amp;"); break;
			case '<': buf_puts(&want, "&lt;"); break;
			case '>': buf_puts(&want, "&gt;"); break;
			case '"': buf_puts(&want, "&quot;"); break;
			case '\'': buf_puts(&want, "&#39;"); break;
			default: buf_putc(&want, in[i]); break;
			}
		}
		if (got.len != want.len || (got.len && memcmp(got.data, want.data, got.len) != 0))
			same = 0;
		buf_free(&got);
		buf_free(&want);
	}
	CHECK(same);
}

static void test_json_string(void)
{
	const char specials[] = { '"', '\\', '\n', '\r', '\t', '\b', '\f', 0x01, 0x1f, 0x7f, ' ', '!', '#', '[', ']' };
	int bad = 0;
	for (size_t len = 0; len <= 24; len++) {
		for (size_t at = 0; at < len || (len == 0 && at == 0); at++) {
			for (size_t k = 0; k < sizeof specials; k++) {
				char s[64];
				for (size_t i = 0; i < len; i++)
					s[i] = (char)(i % 3 == 0 ? 'a' + (int)i : "\xe5\x8f\xb0"[i % 3]);
				if (len)
					s[at] = specials[k];
				struct buf got, want;
				buf_init(&got);
				buf_init(&want);
				buf_json_string(&got, s, len);
				json_reference(s, len, &want);
				if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0) {
					bad++;
					fprintf(stderr, "json string len %zu at %zu char %d: %s vs %s\n", len, at, specials[k],
						got.data, want.data);
				}
				buf_free(&got);
				buf_free(&want);
			}
		}
	}
	CHECK(bad == 0);
	struct buf b;
	buf_init(&b);
	buf_json_string(&b, "群众反映：\"供水\"不足\\两小时\n", strlen("群众反映：\"供水\"不足\\两小时\n"));
	CHECK_STR(b.data, "\"群众反映：\\\"供水\\\"不足\\\\两小时\\n\"");
	buf_free(&b);
}

static void test_mask(void)
{
	const struct {
		const char *in, *name, *phone;
	} cases[] = {
		{ "张三", "张*", NULL },
		{ "欧阳娜娜", "欧***", NULL },
		{ "王", "王*", NULL },
		{ "Li Lei", "L*****", NULL },
		{ "", "", NULL },
		{ "13812345678", NULL, "138****5678" },
		{ "0632-3311234", NULL, "063*****1234" },
		{ "3311234", NULL, "***1234" },
		{ "110", NULL, "***" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf b;
		buf_init(&b);
		if (cases[i].name) {
			mask_name(cases[i].in, &b);
			CHECK_STR(b.data ? b.data : "", cases[i].name);
		} else {
			mask_phone(cases[i].in, &b);
			CHECK_STR(b.data ? b.data : "", cases[i].phone);
		}
		buf_free(&b);
	}
}

static void test_form(void)
{
	struct form f;
	const char *body = "login=xingren&password=Demo%232023&name=%E5%BC%A0+%E4%B8%89&empty=&flag&login=second";
	CHECK(form_parse(body, strlen(body), &f) == 0);
	CHECK_STR(form_get(&f, "login"), "xingren");
	CHECK_STR(form_get(&f, "password"), "Demo#2023");
	CHECK_STR(form_get(&f, "name"), "张 三");
	CHECK_STR(form_get(&f, "empty"), "");
	CHECK_STR(form_get(&f, "flag"), "");
	CHECK(form_get(&f, "missing") == NULL);
	CHECK(f.n == 6);
	form_free(&f);

	const char *bad[] = { "a=%zz", "a=%4", "a=%", "a=%00", "a=%FF%FE", "a=%C0%AF", "a=%ED%A0%80" };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		CHECK(form_parse(bad[i], strlen(bad[i]), &f) == -1);
		CHECK(f.n == 0);
	}
	CHECK(form_parse("", 0, &f) == 0 && f.n == 0);
	CHECK(form_parse("&&&", 3, &f) == 0 && f.n == 0);
	/* More pairs than we hold is refused rather than cut. */
	struct buf many;
	buf_init(&many);
	for (int i = 0; i < FORM_MAX_PAIRS + 1; i++)
		buf_printf(&many, "k%d=v&", i);
	CHECK(form_parse(many.data, many.len, &f) == -1);
	buf_free(&many);

	CHECK(utf8_valid("问题整改台账", strlen("问题整改台账")));
	CHECK(!utf8_valid("\xe9\x97", 2));
	CHECK(!utf8_valid("\xf5\x80\x80\x80", 4));
}

/* Kept pieces (kept.c): found by every field of their typed key, and only by it. */
static void *kept_other_thread(void *arg)
{
	return kept_get(arg); /* another thread keeps its own */
}

static void test_kept(void)
{
	const struct kept_key nav = { .kind = KEPT_NAV, .n = { 2, 3, 17 } };
	const struct kept_key nav_other_count = { .kind = KEPT_NAV, .n = { 2, 3, 18 } };
	const struct kept_key user = { .kind = KEPT_USER, .s = { "xingren", "张专员", "staff", "兴仁街道" } };
	const struct kept_key user_renamed = { .kind = KEPT_USER, .s = { "xingren", "张专员", "staff", "兴仁街道办事处" } };
	const struct kept_key split = { .kind = KEPT_USER, .s = { "xingre", "n张专员", "staff", "兴仁街道" } };
	static const char q[] = "SELECT 1";
	const struct kept_key opt_empty = { .kind = KEPT_OPTIONS, .p = q, .n = { 5 }, .s = { NULL } };
	const struct kept_key opt_blank = { .kind = KEPT_OPTIONS, .p = q, .n = { 5 }, .s = { "" } };
	CHECK(kept_get(&nav) == NULL);
	json_t *v = kept_put(&nav, json_string("nav"));
	json_decref(v);
	json_t *got = kept_get(&nav);
	CHECK(got && strcmp(json_string_value(got), "nav") == 0);
	json_decref(got);
	CHECK(kept_get(&nav_other_count) == NULL);
	json_decref(kept_put(&user, json_string("user")));
	CHECK(kept_get(&user_renamed) == NULL);
	CHECK(kept_get(&split) == NULL); /* strings are not run together */
	json_decref(kept_put(&opt_empty, json_string("opt")));
	got = kept_get(&opt_blank); /* NULL is the empty string */
	CHECK(got != NULL);
	json_decref(got);
	pthread_t th;
	void *other = (void *)1;
	pthread_create(&th, NULL, kept_other_thread, (void *)&nav);
	pthread_join(th, &other);
	CHECK(other == NULL);
	/* The oldest goes when room is needed: after 48 more, the first is gone. */
	for (int i = 0; i < 48; i++) {
		const struct kept_key k = { .kind = KEPT_ACTIONS, .n = { i } };
		json_decref(kept_put(&k, json_integer(i)));
	}
	CHECK(kept_get(&nav) == NULL);
}

/* The one decoder (utf8.c): strict forms, counting, cutting, encoding. */
static void test_utf8(void)
{
	static const struct {
		const char *s;
		int valid;
	} cases[] = {
		{ "abc", 1 }, { "台账", 1 }, { "\xf0\x9f\x98\x80", 1 }, /* U+1F600 */
		{ "\xc0\xaf", 0 },					   /* overlong "/" */
		{ "\xe0\x80\xaf", 0 },				   /* overlong, three bytes */
		{ "\xed\xa0\x80", 0 },				   /* a surrogate */
		{ "\xf4\x90\x80\x80", 0 },				   /* past U+10FFFF */
		{ "\x80", 0 },						   /* a lone continuation */
		{ "\xe5\x8f", 0 },					   /* cut short */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		CHECK(utf8_valid(cases[i].s, strlen(cases[i].s)) == cases[i].valid);
	CHECK(utf8_chars("满意台账ab") == 6);
	CHECK(utf8_chars("\xff\xfe") == 2); /* stray bytes count one each */
	CHECK(utf8_first_len("台") == 3 && utf8_first_len("a") == 1 && utf8_first_len("\xe5x") == 1);
	/* Cutting never splits a character. */
	CHECK(utf8_cut("台账", 6, 5) == 3);
	CHECK(utf8_cut("台账", 6, 6) == 6);
	CHECK(utf8_cut("台账", 6, 2) == 0);
	CHECK(utf8_cut("a台", 4, 3) == 1);
	/* Every code point that may be encoded comes back the same. */
	int round = 1;
	for (unsigned long cp = 1; cp <= 0x10FFFF; cp += cp < 0x3000 ? 1 : 97) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char out[5];
		size_t n = utf8_encode(cp, out), at = 0;
		out[n] = '\0';
		round &= utf8_next((const unsigned char *)out, n, &at) == (long)cp && at == n;
	}
	CHECK(round);
}

/* The whole of a file, read again each call. */
static char *file_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	buf_init(&b);
	char chunk[8192];
	size_t n;
	while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	if (f)
		fclose(f);
	buf_putc(&b, '\0');
	return b.data;
}

static void *log_many(void *arg)
{
	int t = *(int *)arg;
	for (int i = 0; i < 3000; i++)
		log_info("thread %d line %04d %s", t, i, "…………………………………………………………");
	return NULL;
}

/* A line "thread T line NNNN" of each thread, each once and in its thread's order. */
static int log_lines_in_order(const char *text, int t)
{
	char want[32];
	const char *at = text;
	for (int i = 0; i < 3000; i++) {
		snprintf(want, sizeof want, "thread %d line %04d ", t, i);
		const char *hit = strstr(at, want);
		if (!hit || strstr(hit + 1, want))
			return 0;
		at = hit;
	}
	return 1;
}

static void test_log_buffer(void)
{
	char path[] = "/tmp/ledger-log-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	CHECK(fd >= 0 && saved >= 0);
	if (fd < 0 || saved < 0)
		return;
	/* While stderr is the file, results are kept and checked after it is back. */
	int warned_in_order, alone_seen, thread1, thread2, last, after_stop;
	dup2(fd, STDERR_FILENO);
	close(fd);

	log_buffer_start();
	log_info("first of three");
	log_info("second of three");
	log_info("third of three");
	log_warn("a warning");
	/* A warning is written before log_warn returns, after every line before it. */
	char *text = file_text(path);
	const char *w = strstr(text, "warn a warning\n");
	const char *a = strstr(text, "info first of three\n"), *b = strstr(text, "info second of three\n"),
		   *c = strstr(text, "info third of three\n");
	warned_in_order = w && a && b && c && a < b && b < c && c < w;
	free(text);

	/* An info line alone is written by the log's thread within its flush interval. */
	log_info("alone");
	alone_seen = 0;
	for (int i = 0; i < 400 && !alone_seen; i++) {
		text = file_text(path);
		alone_seen = strstr(text, "info alone\n") != NULL;
		free(text);
		if (!alone_seen)
			usleep(5000);
	}

	/* Two threads write about 700 KB, ten times the buffer: each line once, in order. */
	pthread_t th[2];
	int ids[2] = {1, 2};
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, log_many, &ids[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	log_info("last buffered");
	log_buffer_stop();
	text = file_text(path);
	thread1 = log_lines_in_order(text, 1);
	thread2 = log_lines_in_order(text, 2);
	last = strstr(text, "info last buffered\n") != NULL;
	free(text);

	/* Stopped, each line is written as it comes. */
	log_info("after the stop");
	text = file_text(path);
	after_stop = strstr(text, "info after the stop\n") != NULL;
	free(text);

	/* A process that exits with lines waiting (no log_buffer_stop) still writes them. */
	int exited_written = 0;
	pid_t child = fork();
	if (child == 0) {
		log_buffer_start();
		log_info("written at exit");
		exit(0);
	}
	if (child > 0) {
		int status;
		waitpid(child, &status, 0);
		text = file_text(path);
		exited_written = strstr(text, "info written at exit\n") != NULL;
		free(text);
	}

	dup2(saved, STDERR_FILENO);
	close(saved);
	unlink(path);
	CHECK(exited_written);
	CHECK(warned_in_order);
	CHECK(alone_seen);
	CHECK(thread1);
	CHECK(thread2);
	CHECK(last);
	CHECK(after_stop);
}

int main(void)
{
	test_dates();
	test_buf();
	test_utf8();
	test_kept();
	test_json_string();
	test_mask();
	test_form();
	test_html_escape_blocks();
	test_log_buffer();
	return test_summary("test_util");
}
