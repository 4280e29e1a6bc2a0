/* SPDX-License-Identifier: Apache-2.0 */
/* cmocka checks shared by the unit tests. Include after cmocka.h. */
#ifndef CVMM_LL_TEST_EXPECT_H
#define CVMM_LL_TEST_EXPECT_H

#include <string.h>

/* The call returned code, err says so, and its message holds substr. */
#define check_err(call, err, want, substr)                                     \
	do {                                                                   \
		int rc_ = (call);                                              \
		if (rc_ != (want) || (err).code != (want) ||                   \
		    strstr((err).msg, (substr)) == NULL)                       \
			fail_msg("got %d \"%s\", expected %d with \"%s\"",     \
				 rc_, (err).msg, (want), (substr));            \
	} while (0)

/* The call succeeded and err is clear. */
#define check_ok(call, err)                                                    \
	do {                                                                   \
		int rc_ = (call);                                              \
		if (rc_ != 0 || (err).code != 0 || (err).msg[0] != '\0')       \
			fail_msg("got %d \"%s\", expected success", rc_,       \
				 (err).msg);                                   \
	} while (0)

#endif
