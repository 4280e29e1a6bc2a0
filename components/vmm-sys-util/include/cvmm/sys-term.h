/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terminal raw mode for a serial console on the VMM's terminal, and the
 * restoration of the mode it replaced (cvmm/sys.h has the conventions).
 *
 * Raw mode: no line editing or echo, no CR/NL translation in or out, no
 * flow control (Ctrl-S/Ctrl-Q), 8-bit characters, reads return as soon as
 * one byte is there. Ctrl-C and Ctrl-Z reach the guest as bytes unless
 * CVMM_SYS_TERM_KEEP_SIGNALS keeps them as signals to the VMM.
 *
 * Ownership. struct cvmm_sys_term is the caller's (on its stack or in its
 * state); it holds the saved mode and the descriptor, which it borrows:
 * the descriptor must stay open until cvmm_sys_term_restore(). Restore
 * before exiting, including on error paths, or the user's shell is left
 * raw.
 */
#ifndef CVMM_SYS_TERM_H
#define CVMM_SYS_TERM_H

#include <cvmm/sys.h>

#include <termios.h>

/* Flags for cvmm_sys_term_raw(). */
#define CVMM_SYS_TERM_KEEP_SIGNALS 0x1u

/* The mode to restore. Zero-initialize it; only this component writes it. */
struct cvmm_sys_term {
	int fd;
	bool saved;
	struct termios mode;
};

/*
 * Save fd's terminal mode into *term and switch fd to raw mode. Errors:
 * -ENOTTY if fd is not a terminal; -EINVAL for unknown flags; -EBUSY if
 * *term already holds a saved mode (restore it first); those of
 * tcgetattr(3)/tcsetattr(3). On failure the terminal and *term are
 * unchanged.
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_term_raw(int fd, unsigned flags,
					  struct cvmm_sys_term *term);

/*
 * Put back the mode *term saved, once: a second call, or a call on a
 * zeroed *term, does nothing and returns 0. Errors: those of tcsetattr(3)
 * (the mode stays saved, so the call can be retried).
 */
CVMM_SYS_MUST_CHECK int cvmm_sys_term_restore(struct cvmm_sys_term *term);

#endif
