/* SPDX-License-Identifier: Apache-2.0 */
#include "err.h"
#include "exit-codes.h"

#include <stdarg.h>
#include <stdio.h>

int rvmm_fail(struct rvmm_err *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		(void)vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *rvmm_exit_name(int code)
{
	switch (code) {
	case RVMM_EXIT_RESET:
		return "reset";
	case RVMM_EXIT_VMM_ERROR:
		return "VMM error";
	case RVMM_EXIT_SETUP:
		return "setup error";
	case RVMM_EXIT_SHUTDOWN:
		return "triple fault";
	case RVMM_EXIT_INTERNAL:
		return "KVM internal error";
	case RVMM_EXIT_EMULATION:
		return "emulation failure";
	case RVMM_EXIT_TIMEOUT:
		return "timeout";
	case RVMM_EXIT_POWEROFF:
		return "power off";
	case RVMM_EXIT_SIGNAL:
		return "signal";
	default:
		return "?";
	}
}
