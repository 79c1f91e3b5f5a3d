/*
 * check.h — the failure lines every C test prints, and their count.
 *
 *   FAIL("what: got %d, expected %d", got, want);   prints "FAIL: ..." and counts it
 *   CHECK(cond, "what ...", ...);                   FAIL(...) unless cond holds
 *
 * A test ends with `return failures ? 1 : 0;`, so ctest sees every FAIL line
 * as a failed test. One test is one translation unit, so `failures` is that
 * test's own. sp_add_c_test (tests/CMakeLists.txt) puts tests/lib/ on the
 * include path.
 */
#ifndef SP_TEST_CHECK_H
#define SP_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define FAIL(...) do { printf("FAIL: " __VA_ARGS__); printf("\n"); failures++; } while (0)
#define CHECK(cond, ...) do { if (!(cond)) FAIL(__VA_ARGS__); } while (0)

#endif
