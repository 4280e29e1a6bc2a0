/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic fuzzer run from a conformance registration: the seeds it
 * writes, the registration's arg reaching create, everything destroyed, and
 * a device that keeps a chain caught by the invariants (in a child process,
 * since a broken invariant aborts).
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>

#include <cmocka.h>
#include <cvmm/virtqueue.h>

#include "../../vdev-conformance/example/echo.h"
#include "vdev-fuzz-conformance.h"

/* What create and destroy saw, through the registration's arg. */
struct counts {
	int created;
	int destroyed;
	bool lose_chains;
};

/* The echo device, optionally with a notify that takes one chain and
 * never returns it. */
struct inst {
	struct counts *c;
	struct echo *e;
	struct cvmm_vdev inner;
	struct cvmm_vq *vq;
	struct cvmm_vdev_ops ops;
};

static int lossy_activate(void *ctx, const struct cvmm_vdev_activation *act)
{
	struct inst *i = ctx;

	i->vq = act->queues[0];
	return i->inner.ops->activate(i->inner.ctx, act);
}

static int lossy_notify(void *ctx, uint32_t queue)
{
	struct inst *i = ctx;
	struct cvmm_vq_chain chain;

	(void)queue;
	if (cvmm_vq_pop(i->vq, &chain) != 0)
		return 0;
	return 0; /* the chain is kept */
}

#define FWD(name, ret, params, args)                                           \
	static ret fwd_##name params                                           \
	{                                                                      \
		struct inst *i = ctx;                                          \
		return i->inner.ops->name args;                                \
	}
FWD(ack_features, int, (void *ctx, uint64_t f), (i->inner.ctx, f))
FWD(config_read, int, (void *ctx, uint32_t o, uint8_t *d, uint32_t l),
    (i->inner.ctx, o, d, l))
FWD(config_write, int, (void *ctx, uint32_t o, const uint8_t *d, uint32_t l),
    (i->inner.ctx, o, d, l))
FWD(save, int, (void *ctx, uint8_t *b, uint32_t c, uint32_t *l),
    (i->inner.ctx, b, c, l))
FWD(restore, int, (void *ctx, const uint8_t *b, uint32_t l),
    (i->inner.ctx, b, l))

static void fwd_info(void *ctx, struct cvmm_vdev_info *info)
{
	struct inst *i = ctx;

	i->inner.ops->info(i->inner.ctx, info);
}

static void fwd_reset(void *ctx)
{
	struct inst *i = ctx;

	i->inner.ops->reset(i->inner.ctx);
}

static int create(void *arg, struct cvmm_vdev *dev, void **instance)
{
	struct inst *i = calloc(1, sizeof(*i));

	if (i == NULL)
		return -ENOMEM;
	if (echo_create(&i->e) != 0) {
		free(i);
		return -ENOMEM;
	}
	i->c = arg;
	i->c->created++;
	i->inner = echo_device(i->e);
	i->ops = (struct cvmm_vdev_ops){
	    .info = fwd_info,
	    .ack_features = fwd_ack_features,
	    .config_read = fwd_config_read,
	    .config_write = fwd_config_write,
	    .activate = lossy_activate,
	    .notify = i->c->lose_chains ? lossy_notify : NULL,
	    .reset = fwd_reset,
	    .save = fwd_save,
	    .restore = fwd_restore,
	};
	if (!i->c->lose_chains)
		*dev = i->inner;
	else
		*dev = (struct cvmm_vdev){&i->ops, i};
	*instance = i;
	return 0;
}

static void destroy(void *instance)
{
	struct inst *i = instance;

	i->c->destroyed++;
	echo_destroy(i->e);
	free(i);
}

/* A request: 16 readable bytes, 64 writable. */
static int request(void *instance, uint32_t queue,
		   struct cvmm_vdev_conf_request *req)
{
	static const uint8_t msg[16] = "adapter request";

	(void)instance;
	(void)queue;
	req->bufs[0].addr = req->area;
	req->bufs[0].len = sizeof(msg);
	req->bufs[1].addr = req->area + 0x100;
	req->bufs[1].len = 64;
	req->bufs[1].writable = true;
	req->nbufs = 2;
	return cvmm_mem_write(req->mem, cvmm_mem_gpa_from(req->area), msg,
			      sizeof(msg));
}

static struct cvmm_vdev_conf_device reg(struct counts *c)
{
	struct cvmm_vdev_conf_device d = {
	    .name = "echo (adapter test)",
	    .arg = c,
	    .create = create,
	    .destroy = destroy,
	    .request = request,
	};

	return d;
}

static void read_seed(const char *dir, const char *name, uint8_t *buf,
		      size_t cap, size_t *len)
{
	char path[4096];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(buf, 1, cap, f);
	(void)fclose(f);
	assert_true(*len > 0 && *len < cap);
}

static bool contains(const uint8_t *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t k = 0; k + n <= len; k++)
		if (memcmp(buf + k, s, n) == 0)
			return true;
	return false;
}

static void remove_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	for (int k = 0; k < n; k++) {
		char path[4096];

		(void)snprintf(path, sizeof(path), "%s/%s", dir,
			       names[k]->d_name);
		if (names[k]->d_name[0] != '.')
			(void)unlink(path);
		free(names[k]);
	}
	if (n >= 0)
		free(names);
	(void)rmdir(dir);
}

static void seeds_written_and_replayed(void **state)
{
	char dir[] = "/tmp/cvmm-vfz-adapter-XXXXXX";
	struct counts c = {0, 0, false};
	struct cvmm_vdev_conf_device d = reg(&c);
	struct dirent **names;
	uint8_t buf[8192];
	size_t len;
	int n, requests = 0;
	char *paths[1];

	(void)state;
	assert_non_null(mkdtemp(dir));
	n = cvmm_vdev_fuzz_conformance_seeds(&d, dir);
	/* 4 bring-ups, 2 hook requests (direct, indirect), 3 hostile. */
	assert_int_equal(n, 9);
	assert_int_equal(c.created, 1);
	assert_int_equal(c.destroyed, 1);
	n = scandir(dir, &names, NULL, alphasort);
	assert_int_equal(n, 2 + 9);
	for (int k = 0; k < n; k++) {
		requests += strncmp(names[k]->d_name, "request-", 8) == 0;
		free(names[k]);
	}
	free(names);
	assert_int_equal(requests, 2);
	/* The hook's readable bytes travel in the seed. */
	read_seed(dir, "request-0", buf, sizeof(buf), &len);
	assert_true(contains(buf, len, "adapter request"));
	/* Each input creates the device through the arg and destroys it. */
	assert_int_equal(cvmm_vdev_fuzz_conformance_one(&d, buf, len), 0);
	assert_int_equal(c.created, 2);
	assert_int_equal(c.destroyed, 2);
	paths[0] = dir;
	assert_int_equal(cvmm_vdev_fuzz_conformance_replay(&d, 1, paths), 0);
	assert_int_equal(c.created, 2 + 9);
	assert_int_equal(c.destroyed, 2 + 9);
	remove_dir(dir);
}

static void registration_checked(void **state)
{
	struct cvmm_vdev_conf_device d = {.name = "no create"};
	char path[] = "/nonexistent/cvmm-vfz";
	char *missing[1] = {path};
	struct counts c = {0, 0, false};
	struct cvmm_vdev_conf_device ok = reg(&c);

	(void)state;
	assert_int_equal(cvmm_vdev_fuzz_conformance_seeds(&d, "/tmp"), -EINVAL);
	assert_int_equal(cvmm_vdev_fuzz_conformance_seeds(&ok, "/nonexistent"),
			 -EIO);
	assert_int_equal(cvmm_vdev_fuzz_conformance_replay(&ok, 1, missing), 1);
	assert_int_equal(cvmm_vdev_fuzz_conformance_replay(&ok, 0, missing), 1);
}

/* A device that keeps a chain aborts with head-returned. */
static void lost_chain_caught(void **state)
{
	char dir[] = "/tmp/cvmm-vfz-lossy-XXXXXX";
	struct counts c = {0, 0, false};
	struct cvmm_vdev_conf_device d = reg(&c);
	uint8_t buf[8192];
	char out[4096];
	size_t len;
	ssize_t got;
	int fds[2], status;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(cvmm_vdev_fuzz_conformance_seeds(&d, dir), 9);
	read_seed(dir, "bringup-0", buf, sizeof(buf), &len);
	remove_dir(dir);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		c.lose_chains = true;
		(void)dup2(fds[1], 2);
		(void)cvmm_vdev_fuzz_conformance_one(&d, buf, len);
		_exit(0);
	}
	(void)close(fds[1]);
	got = read(fds[0], out, sizeof(out) - 1);
	(void)close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(got > 0);
	out[got] = '\0';
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	assert_non_null(
	    strstr(out, "vdev-echo (adapter test): invariant: head-returned"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(seeds_written_and_replayed),
	    cmocka_unit_test(registration_checked),
	    cmocka_unit_test(lost_chain_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
