/* SPDX-License-Identifier: Apache-2.0 */
#include "alloc-fail.h"

#include <stddef.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __real_free(void *p);
void __wrap_free(void *p);

static uint64_t count;
static uint64_t fail_at;
static int fired;
/* Successful allocations minus frees of non-NULL pointers. */
static int64_t live;

void cvmm_alloc_fail_nth(uint64_t nth)
{
	fail_at = nth != 0 ? count + nth : 0;
	fired = 0;
}

int cvmm_alloc_fail_fired(void)
{
	return fired;
}

uint64_t cvmm_alloc_fail_count(void)
{
	return count;
}

int64_t cvmm_alloc_fail_live(void)
{
	return live;
}

static int should_fail(void)
{
	count++;
	if (fail_at != 0 && count == fail_at) {
		fired = 1;
		return 1;
	}
	return 0;
}

static void *counted(void *p)
{
	live += p != NULL;
	return p;
}

void *__wrap_malloc(size_t size)
{
	return should_fail() ? NULL : counted(__real_malloc(size));
}

void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : counted(__real_calloc(n, size));
}

void *__wrap_realloc(void *p, size_t size)
{
	void *q;

	if (should_fail())
		return NULL;
	q = __real_realloc(p, size);
	/* A new block from NULL is an allocation; realloc(p, 0) freeing p
	 * (returning NULL) is a free; a moved block is neither. */
	if (p == NULL)
		return counted(q);
	live -= q == NULL && size == 0;
	return q;
}

void __wrap_free(void *p)
{
	live -= p != NULL;
	__real_free(p);
}
