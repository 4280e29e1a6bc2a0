/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvmm linux-loader: what every loader header shares.
 *
 *   cvmm/ll.h          errors and the image-source interface (this file);
 *   cvmm/ll-bzimage.h  the x86 bzImage (boot protocol 2.06 to 2.15);
 *   cvmm/ll-elf.h      ELF64 vmlinux, with the PVH entry note;
 *   cvmm/ll-payload.h  the vmlinux compressed inside a bzImage;
 *   cvmm/ll-cmdline.h  the kernel command line;
 *   cvmm/ll-boot.h     e820 table, initrd placement, zero page (boot_params);
 *   cvmm/ll-pvh.h      the PVH hvm_start_info block and its memory map.
 *
 * Guest memory is written only through the vm-memory interface
 * (struct cvmm_mem), so any backend works.
 *
 * Errors. Every fallible function returns 0 or a negative errno and, when
 * given a struct cvmm_ll_error, fills it with the same errno and a message
 * that names the field at fault and its values, e.g. "setup_sects=200 puts
 * the end of setup at 102912, beyond the 81920-byte file". The classes:
 *   -ENOEXEC          not an image of the expected kind (magic numbers, ELF
 *                     class, machine or type);
 *   -EPROTONOSUPPORT  a kind this loader does not handle: boot protocol
 *                     version, a zImage, no 64-bit entry when one is
 *                     required, a compression without a decoder;
 *   -ERANGE           a field places data outside the file (an offset or
 *                     size past its end);
 *   -EOVERFLOW        an offset + size or address + size wraps;
 *   -EBADMSG          a field's value is invalid or contradicts another
 *                     (alignment not a power of two, p_filesz > p_memsz,
 *                     overlapping segments, a malformed note, corrupt
 *                     compressed data, a size trailer that does not match);
 *   -E2BIG            more of something than the format or the loader allows
 *                     (program headers, e820 entries);
 *   -ENOSPC           it does not fit (command line, initrd);
 *   -EFBIG            decompressed output over the caller's limit;
 *   -ENOENT           something required is absent (the PVH note);
 *   -EINVAL           a caller error (bad option, unaligned address);
 *   -EIO              the image source failed or returned short;
 *   -ENOMEM           allocation failed;
 *   and any errno of vm-memory (-EFAULT, -EACCES, ...) for guest memory
 *   that is not there or not writable.
 * A function that fails leaves its output structs untouched unless its
 * header says otherwise.
 *
 * Ownership. The library keeps no global state; every struct is the
 * caller's. Sources borrow what they read from (see below).
 */
#ifndef CVMM_LL_H
#define CVMM_LL_H

#include <cvmm/mem.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CVMM_LL_MUST_CHECK __attribute__((warn_unused_result))

/* Size of the message buffer in struct cvmm_ll_error. */
#define CVMM_LL_ERROR_MSG_SIZE 256

/*
 * Where a failing call explains itself. Owned by the caller, usually on the
 * stack; every function accepts NULL when the caller wants the errno only.
 * A successful call sets code to 0 and msg to "".
 */
struct cvmm_ll_error {
	int code;			  /* the negative errno returned */
	char msg[CVMM_LL_ERROR_MSG_SIZE]; /* NUL-terminated, one line */
};

/*
 * The image-source interface: a kernel, payload or initrd read at an
 * offset, so an image can come from a file, a memory buffer or a fuzzer.
 *   read:  copy exactly len bytes at offset off into dst; 0 or a negative
 *          errno. The loaders only ask for ranges inside [0, size).
 *   close: release ctx (may be NULL for sources that own nothing).
 * size is the image's length in bytes, fixed for the source's lifetime.
 */
struct cvmm_ll_source_ops {
	int (*read)(void *ctx, uint64_t off, void *dst, size_t len);
	void (*close)(void *ctx);
};

struct cvmm_ll_source {
	const struct cvmm_ll_source_ops *ops;
	void *ctx;
	uint64_t size;
};

/*
 * Read len bytes at off from src into dst: -ERANGE if [off, off + len) is
 * not inside the source (checked without wrapping), otherwise the source's
 * own result, with a short or failed read reported as -EIO when the source
 * returned something else than 0 or a negative errno.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_source_read(const struct cvmm_ll_source *src,
					   uint64_t off, void *dst, size_t len);

/*
 * A source over len bytes at data, which it borrows: data must stay valid
 * and unchanged while the source is used. Nothing is allocated; closing it
 * is allowed and does nothing.
 */
struct cvmm_ll_source cvmm_ll_source_buffer(const void *data, size_t len);

/*
 * Open the file at path as a source (read-only, read with pread). On
 * success *out owns an open descriptor and a small allocation: release them
 * with cvmm_ll_source_close(). Errors: the errno of open() or fstat(),
 * -EINVAL if path is not a regular file, -ENOMEM. *out is untouched on
 * failure.
 */
CVMM_LL_MUST_CHECK int cvmm_ll_source_open(const char *path,
					   struct cvmm_ll_source *out,
					   struct cvmm_ll_error *err);

/* Release a source (calls ops->close if set); NULL or closed is allowed. */
void cvmm_ll_source_close(struct cvmm_ll_source *src);

/* A guest address range [start, start + size). */
struct cvmm_ll_range {
	cvmm_mem_gpa start;
	uint64_t size;
};

#endif
