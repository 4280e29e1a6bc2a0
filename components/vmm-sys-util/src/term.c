/* SPDX-License-Identifier: Apache-2.0 */
/* Terminal raw mode and restoration. */
#define _GNU_SOURCE
#include <cvmm/sys-term.h>

#include <unistd.h>

int cvmm_sys_term_raw(int fd, unsigned flags, struct cvmm_sys_term *term)
{
	struct termios saved, raw;

	if (flags & ~CVMM_SYS_TERM_KEEP_SIGNALS)
		return -EINVAL;
	if (term->saved)
		return -EBUSY;
	if (tcgetattr(fd, &saved) < 0)
		return -errno;
	raw = saved;
	raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
				   IGNCR | ICRNL | IXON | IXOFF);
	raw.c_oflag &= ~(tcflag_t)OPOST;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
	if (!(flags & CVMM_SYS_TERM_KEEP_SIGNALS))
		raw.c_lflag &= ~(tcflag_t)ISIG;
	raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return -errno;
	term->fd = fd;
	term->mode = saved;
	term->saved = true;
	return 0;
}

int cvmm_sys_term_restore(struct cvmm_sys_term *term)
{
	if (!term->saved)
		return 0;
	if (tcsetattr(term->fd, TCSANOW, &term->mode) < 0)
		return -errno;
	term->saved = false;
	return 0;
}
