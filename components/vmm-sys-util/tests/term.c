/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of terminal raw mode on a pseudo-terminal. */
#define _GNU_SOURCE
#include <cvmm/sys-term.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* tcsetattr, wrapped (ld --wrap) so a test can make it fail. */
int __real_tcsetattr(int fd, int action, const struct termios *t);
int __wrap_tcsetattr(int fd, int action, const struct termios *t);
static int tcsetattr_error;

int __wrap_tcsetattr(int fd, int action, const struct termios *t)
{
	if (tcsetattr_error != 0) {
		errno = tcsetattr_error;
		return -1;
	}
	return __real_tcsetattr(fd, action, t);
}

/* Open a pseudo-terminal pair; skip the test where there is none. */
static int open_pty(int *master)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY), s;

	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
		print_message("no pseudo-terminal here (/dev/ptmx): skipped\n");
		if (m >= 0)
			close(m);
		skip();
	}
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	assert_true(s >= 0);
	*master = m;
	return s;
}

static void raw_and_restore(void **state)
{
	struct cvmm_sys_term term = {0};
	struct termios before, raw, after;
	int m, s = open_pty(&m);

	(void)state;
	/* A cooked terminal, as a shell leaves it. */
	assert_int_equal(tcgetattr(s, &before), 0);
	before.c_lflag |= ICANON | ECHO | ISIG;
	before.c_iflag |= ICRNL;
	before.c_oflag |= OPOST;
	assert_int_equal(tcsetattr(s, TCSANOW, &before), 0);
	assert_int_equal(tcgetattr(s, &before), 0);

	assert_int_equal(cvmm_sys_term_raw(s, 0, &term), 0);
	assert_int_equal(tcgetattr(s, &raw), 0);
	assert_false(raw.c_lflag & (ICANON | ECHO | ISIG | IEXTEN));
	assert_false(raw.c_iflag & (ICRNL | IXON));
	assert_false(raw.c_oflag & OPOST);
	assert_int_equal(raw.c_cflag & CSIZE, CS8);
	assert_int_equal(raw.c_cc[VMIN], 1);
	assert_int_equal(raw.c_cc[VTIME], 0);
	/* A second raw without a restore would lose the saved mode. */
	assert_int_equal(cvmm_sys_term_raw(s, 0, &term), -EBUSY);

	assert_int_equal(cvmm_sys_term_restore(&term), 0);
	assert_int_equal(tcgetattr(s, &after), 0);
	assert_true(after.c_lflag == before.c_lflag);
	assert_true(after.c_iflag == before.c_iflag);
	assert_true(after.c_oflag == before.c_oflag);
	assert_true(after.c_cflag == before.c_cflag);
	/* Restoring twice is harmless. */
	assert_int_equal(cvmm_sys_term_restore(&term), 0);

	/* A failing tcsetattr leaves the terminal and *term as they were. */
	{
		struct cvmm_sys_term other = {0};

		tcsetattr_error = EIO;
		assert_int_equal(cvmm_sys_term_raw(s, 0, &other), -EIO);
		tcsetattr_error = 0;
		assert_false(other.saved);
		assert_int_equal(tcgetattr(s, &after), 0);
		assert_true(after.c_lflag == before.c_lflag);
	}

	/* Keeping signals: Ctrl-C still interrupts the VMM. */
	assert_int_equal(
	    cvmm_sys_term_raw(s, CVMM_SYS_TERM_KEEP_SIGNALS, &term), 0);
	assert_int_equal(tcgetattr(s, &raw), 0);
	assert_true(raw.c_lflag & ISIG);
	assert_false(raw.c_lflag & ICANON);
	/* A failed restore keeps the mode saved, to retry. */
	close(s);
	assert_int_equal(cvmm_sys_term_restore(&term), -EBADF);
	assert_true(term.saved);
	close(m);
}

static void refuses_what_is_not_a_terminal(void **state)
{
	struct cvmm_sys_term term = {0};
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(cvmm_sys_term_raw(p[0], 0, &term), -ENOTTY);
	assert_false(term.saved);
	assert_int_equal(cvmm_sys_term_raw(p[0], 0x2, &term), -EINVAL);
	assert_int_equal(cvmm_sys_term_raw(-1, 0, &term), -EBADF);
	close(p[0]);
	close(p[1]);
	/* Restoring what was never saved does nothing. */
	assert_int_equal(cvmm_sys_term_restore(&term), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(raw_and_restore),
	    cmocka_unit_test(refuses_what_is_not_a_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
