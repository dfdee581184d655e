/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cu.h - the little each CUnit test program shares: run one suite of named tests, print a
 * verbose report, exit non-zero on any failure (meson counts the program as one test).
 */
#ifndef SL_TEST_CU_H
#define SL_TEST_CU_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <stdint.h>

static inline int cu_run(const char *suite, CU_TestInfo *tests)
{
	CU_SuiteInfo suites[] = {
		{(char *)suite, NULL, NULL, NULL, NULL, tests},
		CU_SUITE_INFO_NULL,
	};
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_error() != CUE_SUCCESS)
		failed++;
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

/*
 * Fixed-seed xorshift32 (Marsaglia): each test program keeps its own seed in *state, so the
 * same "random" inputs come on every run and a failure can be replayed.
 */
static inline uint32_t cu_xorshift32(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

#endif /* SL_TEST_CU_H */
