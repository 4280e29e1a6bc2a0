/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel command line, built piece by piece and checked as it grows.
 *
 * The line has two parts: kernel parameters, then optionally " -- " and
 * arguments for init. Parameters added after init arguments are inserted
 * before the " -- ", so the order of calls does not matter.
 *
 * Quoting follows the kernel's parser (next_arg() in the kernel): words are
 * separated by spaces, a double quote toggles quoting, and a quoted value is
 * written key="a b". There is no escape character, so no word may contain a
 * double quote of its own; this builder adds the quotes itself whenever a
 * value (or init argument) contains a space, and refuses:
 *   - bytes outside printable ASCII (0x20..0x7e) (-EINVAL);
 *   - keys that are empty or contain ' ', '=' or '"' (-EINVAL);
 *   - values or init arguments containing '"' (-EINVAL);
 *   - a bare "--" as a parameter (use the init-argument call) (-EINVAL);
 *   - growth past the capacity, normally the kernel's cmdline_size
 *     (-ENOSPC, and the line is left as it was).
 *
 * Ownership: cvmm_ll_cmdline_init() allocates the buffer, owned by the
 * struct until cvmm_ll_cmdline_destroy(). Not thread-safe.
 */
#ifndef CVMM_LL_CMDLINE_H
#define CVMM_LL_CMDLINE_H

#include <cvmm/ll.h>

struct cvmm_ll_cmdline {
	char *buf;	   /* NUL-terminated line */
	size_t len;	   /* strlen(buf) */
	size_t capacity;   /* longest line allowed, NUL excluded */
	size_t kernel_len; /* bytes of kernel parameters (before " -- ") */
	bool has_init_args;
};

/*
 * An empty line that may grow to capacity bytes (NUL excluded), e.g. the
 * kernel's cmdline_size. -EINVAL for capacity 0 or larger than 1 MiB,
 * -ENOMEM.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_cmdline_init(struct cvmm_ll_cmdline *cl,
					    size_t capacity,
					    struct cvmm_ll_error *err);

/* Free the buffer; the struct may be initialised again. */
void cvmm_ll_cmdline_destroy(struct cvmm_ll_cmdline *cl);

/* Add the parameter key=value (value may be empty: "key="). */
CVMM_LL_MUST_CHECK int cvmm_ll_cmdline_add(struct cvmm_ll_cmdline *cl,
					   const char *key, const char *value,
					   struct cvmm_ll_error *err);

/* Add a parameter without a value ("quiet"). */
CVMM_LL_MUST_CHECK int cvmm_ll_cmdline_add_flag(struct cvmm_ll_cmdline *cl,
						const char *key,
						struct cvmm_ll_error *err);

/* Add an argument for init, after " -- " (added by the first call). */
CVMM_LL_MUST_CHECK int cvmm_ll_cmdline_add_init_arg(struct cvmm_ll_cmdline *cl,
						    const char *arg,
						    struct cvmm_ll_error *err);

/*
 * Add a whole user-supplied line such as "console=ttyS0 quiet -- single":
 * it is split into words the way the kernel splits it, each word is
 * validated (printable ASCII, balanced quotes) and added as it stands, and
 * words after a "--" become init arguments. All or nothing.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_cmdline_append(struct cvmm_ll_cmdline *cl,
					      const char *text,
					      struct cvmm_ll_error *err);

/* The line (borrowed from cl; valid until the next change). */
const char *cvmm_ll_cmdline_str(const struct cvmm_ll_cmdline *cl);

/* Its length in bytes, NUL excluded. */
size_t cvmm_ll_cmdline_len(const struct cvmm_ll_cmdline *cl);

#endif
