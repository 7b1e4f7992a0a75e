/* check.h — the minimal assertion harness every unit test uses.
 * CHECK records a failure with file:line and goes on; the test's exit status is check_done(). */
#ifndef WS_TEST_CHECK_H
#define WS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		check_count++;                                                             \
		if (!(cond)) {                                                             \
			check_failures++;                                                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                                     \
	do {                                                                               \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);            \
		check_count++;                                                             \
		if (check_a_ != check_b_) {                                                \
			check_failures++;                                                  \
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", \
				__FILE__, __LINE__, #a, check_a_, #b, check_b_);           \
		}                                                                          \
	} while (0)

/* Stop at once: for failures that make the rest of the test meaningless. */
#define REQUIRE(cond)                                                                      \
	do {                                                                               \
		check_count++;                                                             \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                           \
		}                                                                          \
	} while (0)

static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures == 0 ? 0 : 1;
}

#endif
