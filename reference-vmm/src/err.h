/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One error message per failed setup step: every function of the VMM that
 * can fail takes a struct rvmm_err (the caller's, usually on main's stack)
 * and fills it with a one-line message naming what failed and why.
 */
#ifndef RVMM_ERR_H
#define RVMM_ERR_H

#include <stddef.h>

#define RVMM_MUST_CHECK __attribute__((warn_unused_result))

struct rvmm_err {
	char msg[512];
};

/*
 * Format the message into e (when not NULL) and return rc, a negative
 * errno, so a failing step reads `return rvmm_fail(e, rc, "...", ...);`.
 */
__attribute__((format(printf, 3, 4))) int rvmm_fail(struct rvmm_err *e, int rc,
						    const char *fmt, ...);

#endif
