/*
 * t.h: a tiny unit-test harness.  Each test file defines tests with
 * TEST(name) and lists them in main() through RUN(name); T_ASSERT and friends
 * record a failure and return from the test.  t_done() prints the closing
 * line "N passed, N failed" and returns the exit status.
 */
#ifndef T_H
#define T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_passed, t_failed, t_cur_failed;

#define TEST(name) static void name(void)

#define RUN(name) do {							\
	t_cur_failed = 0;						\
	name();								\
	if (t_cur_failed) {						\
		t_failed++;						\
		printf("FAIL %s\n", #name);				\
	} else {							\
		t_passed++;						\
		printf("ok   %s\n", #name);				\
	}								\
} while (0)

#define T_FAIL(...) do {						\
	printf("  %s:%d: ", __FILE__, __LINE__);			\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	t_cur_failed = 1;						\
	return;								\
} while (0)

#define T_ASSERT(c) do {						\
	if (!(c))							\
		T_FAIL("assertion failed: %s", #c);			\
} while (0)

#define T_EQ_INT(a, b) do {						\
	long long t_a_ = (long long)(a), t_b_ = (long long)(b);	\
	if (t_a_ != t_b_)						\
		T_FAIL("%s == %lld, expected %s == %lld", #a, t_a_, #b, t_b_); \
} while (0)

#define T_EQ_STR(a, b) do {						\
	const char *t_a_ = (a), *t_b_ = (b);				\
	if (t_a_ == NULL || t_b_ == NULL ? t_a_ != t_b_ : strcmp(t_a_, t_b_) != 0) \
		T_FAIL("%s == \"%s\", expected \"%s\"", #a,		\
		    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");	\
} while (0)

static inline int
t_done(void)
{
	printf("%d passed, %d failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}

#endif
