/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The consumer side of the interface: dispatch through the ops table, and
 * little-endian fixed-size objects with optional acquire/release ordering.
 */
#include <cvmm/mem.h>

#include <stdatomic.h>
#include <string.h>

int cvmm_mem_read(const struct cvmm_mem *mem, cvmm_mem_gpa gpa, void *dst,
		  size_t len)
{
	return mem->ops->read(mem->ctx, gpa, dst, len);
}

int cvmm_mem_write(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
		   const void *src, size_t len)
{
	return mem->ops->write(mem->ctx, gpa, src, len);
}

int cvmm_mem_check(const struct cvmm_mem *mem, cvmm_mem_gpa gpa, uint64_t len,
		   unsigned access)
{
	return mem->ops->check(mem->ctx, gpa, len, access);
}

int cvmm_mem_translate(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
		       uint64_t len, unsigned access, void **host)
{
	return mem->ops->translate(mem->ctx, gpa, len, access, host);
}

/*
 * Little-endian encoding is done byte by byte so it is right on any host;
 * compilers turn these into single loads and stores on x86.
 */
static uint64_t le_decode(const uint8_t *b, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i > 0; i--)
		v = (v << 8) | b[i - 1];
	return v;
}

static void le_encode(uint8_t *b, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		b[i] = (uint8_t)(v & 0xff);
}

static int read_le(const struct cvmm_mem *mem, cvmm_mem_gpa gpa, uint64_t *out,
		   size_t n)
{
	uint8_t b[8];
	int rc = cvmm_mem_read(mem, gpa, b, n);

	if (rc == 0)
		*out = le_decode(b, n);
	return rc;
}

static int write_le(const struct cvmm_mem *mem, cvmm_mem_gpa gpa, uint64_t v,
		    size_t n)
{
	uint8_t b[8];

	le_encode(b, v, n);
	return cvmm_mem_write(mem, gpa, b, n);
}

int cvmm_mem_read_u8(const struct cvmm_mem *mem, cvmm_mem_gpa gpa, uint8_t *out)
{
	return cvmm_mem_read(mem, gpa, out, 1);
}

int cvmm_mem_read_le16(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
		       uint16_t *out)
{
	uint64_t v;
	int rc = read_le(mem, gpa, &v, 2);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

int cvmm_mem_read_le32(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
		       uint32_t *out)
{
	uint64_t v;
	int rc = read_le(mem, gpa, &v, 4);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

int cvmm_mem_read_le64(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
		       uint64_t *out)
{
	return read_le(mem, gpa, out, 8);
}

int cvmm_mem_write_u8(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
		      uint8_t value)
{
	return cvmm_mem_write(mem, gpa, &value, 1);
}

int cvmm_mem_write_le16(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
			uint16_t value)
{
	return write_le(mem, gpa, value, 2);
}

int cvmm_mem_write_le32(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
			uint32_t value)
{
	return write_le(mem, gpa, value, 4);
}

int cvmm_mem_write_le64(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
			uint64_t value)
{
	return write_le(mem, gpa, value, 8);
}

/*
 * The backends load aligned objects with a relaxed atomic access; a fence
 * after it (before it, for a store) upgrades that access to acquire
 * (release) in the C11 memory model.
 */
int cvmm_mem_read_le16_acquire(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
			       uint16_t *out)
{
	int rc = cvmm_mem_read_le16(mem, gpa, out);

	atomic_thread_fence(memory_order_acquire);
	return rc;
}

int cvmm_mem_read_le32_acquire(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
			       uint32_t *out)
{
	int rc = cvmm_mem_read_le32(mem, gpa, out);

	atomic_thread_fence(memory_order_acquire);
	return rc;
}

int cvmm_mem_write_le16_release(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
				uint16_t value)
{
	atomic_thread_fence(memory_order_release);
	return cvmm_mem_write_le16(mem, gpa, value);
}

int cvmm_mem_write_le32_release(const struct cvmm_mem *mem, cvmm_mem_gpa gpa,
				uint32_t value)
{
	atomic_thread_fence(memory_order_release);
	return cvmm_mem_write_le32(mem, gpa, value);
}

const char *cvmm_mem_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EFAULT:
		return "range is not guest memory";
	case -EOVERFLOW:
		return "range wraps past the top of the address space";
	case -EACCES:
		return "write to read-only guest memory";
	case -EXDEV:
		return "range crosses a region boundary (no single host "
		       "pointer)";
	case -EINVAL:
		return "invalid argument";
	case -ENOMEM:
		return "out of memory";
	default:
		return "guest memory access failed";
	}
}
