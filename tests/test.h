/*
 * test.h — the smallest test harness that does the job: CHECK records a failure with its
 * place and goes on; test_summary prints "N passed, M failed" and gives the exit code.
 */
#ifndef LEDGER_TEST_H
#define LEDGER_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (cond) {                                                            \
			test_passed++;                                                 \
		} else {                                                               \
			test_failed++;                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                      \
	} while (0)

#define CHECK_STR(got, want)                                                                  \
	do {                                                                                  \
		const char *g_ = (got), *w_ = (want);                                         \
		if (g_ && w_ && strcmp(g_, w_) == 0) {                                        \
			test_passed++;                                                        \
		} else {                                                                      \
			test_failed++;                                                        \
			fprintf(stderr, "%s:%d: %s\n  got:  \"%s\"\n  want: \"%s\"\n", __FILE__, __LINE__, \
				#got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");                 \
		}                                                                             \
	} while (0)

/* Removes a test's temporary directory and all in it. */
static inline void test_remove_dir(const char *dir)
{
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static inline int test_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, test_passed, test_failed);
	return test_failed ? 1 : 0;
}

#endif
