/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp allowlists through libseccomp. */
#define _GNU_SOURCE
#include <cvmm/sys-seccomp.h>

#include <seccomp.h>
#include <stdlib.h>

struct cvmm_sys_seccomp {
	scmp_filter_ctx ctx;
};

static int default_action(const struct cvmm_sys_seccomp_config *c,
			  uint32_t *out)
{
	switch (c->default_action) {
	case CVMM_SYS_SECCOMP_KILL_PROCESS:
		*out = SCMP_ACT_KILL_PROCESS;
		return 0;
	case CVMM_SYS_SECCOMP_KILL_THREAD:
		*out = SCMP_ACT_KILL_THREAD;
		return 0;
	case CVMM_SYS_SECCOMP_ERRNO:
		if (c->errno_value < 1 || c->errno_value > 4095)
			return -EINVAL;
		*out = SCMP_ACT_ERRNO((uint32_t)c->errno_value);
		return 0;
	case CVMM_SYS_SECCOMP_TRAP:
		*out = SCMP_ACT_TRAP;
		return 0;
	case CVMM_SYS_SECCOMP_LOG:
		*out = SCMP_ACT_LOG;
		return 0;
	default:
		return -EINVAL;
	}
}

static int compare(enum cvmm_sys_seccomp_cmp op, enum scmp_compare *out)
{
	static const enum scmp_compare map[] = {
	    [CVMM_SYS_SECCOMP_EQ] = SCMP_CMP_EQ,
	    [CVMM_SYS_SECCOMP_NE] = SCMP_CMP_NE,
	    [CVMM_SYS_SECCOMP_LT] = SCMP_CMP_LT,
	    [CVMM_SYS_SECCOMP_LE] = SCMP_CMP_LE,
	    [CVMM_SYS_SECCOMP_GT] = SCMP_CMP_GT,
	    [CVMM_SYS_SECCOMP_GE] = SCMP_CMP_GE,
	    [CVMM_SYS_SECCOMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};

	if ((unsigned)op >= sizeof(map) / sizeof(map[0]))
		return -EINVAL;
	*out = map[op];
	return 0;
}

/* Translate and add one rule. */
static int add_rule(scmp_filter_ctx ctx, const struct cvmm_sys_seccomp_rule *r)
{
	struct scmp_arg_cmp cmp[CVMM_SYS_SECCOMP_MAX_ARGS];
	int nr, rc;

	if (r->syscall == NULL || r->n_args > CVMM_SYS_SECCOMP_MAX_ARGS)
		return -EINVAL;
	for (unsigned i = 0; i < r->n_args; i++) {
		const struct cvmm_sys_seccomp_arg *a = &r->args[i];

		if (a->index >= CVMM_SYS_SECCOMP_MAX_ARGS)
			return -EINVAL;
		rc = compare(a->op, &cmp[i].op);
		if (rc != 0)
			return rc;
		cmp[i].arg = a->index;
		/* libseccomp's MASKED_EQ takes the mask first. */
		if (a->op == CVMM_SYS_SECCOMP_MASKED_EQ) {
			cmp[i].datum_a = a->mask;
			cmp[i].datum_b = a->value;
		} else {
			cmp[i].datum_a = a->value;
			cmp[i].datum_b = 0;
		}
	}
	nr = seccomp_syscall_resolve_name(r->syscall);
	if (nr == __NR_SCMP_ERROR)
		return -ENOENT;
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, r->n_args, cmp);
}

int cvmm_sys_seccomp_build(const struct cvmm_sys_seccomp_rule *rules, size_t n,
			   const struct cvmm_sys_seccomp_config *config,
			   struct cvmm_sys_seccomp **out, size_t *bad_rule)
{
	struct cvmm_sys_seccomp *f;
	uint32_t action;
	int rc;

	if (bad_rule != NULL)
		*bad_rule = n;
	if (config == NULL || (config->flags & ~CVMM_SYS_SECCOMP_TSYNC))
		return -EINVAL;
	if (rules == NULL && n > 0)
		return -EINVAL;
	rc = default_action(config, &action);
	if (rc != 0)
		return rc;
	f = malloc(sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	/* libseccomp says only "no": the kernel lacks the default action,
	 * or memory ran out. */
	f->ctx = seccomp_init(action);
	if (f->ctx == NULL) {
		free(f);
		return -EOPNOTSUPP;
	}
	if (config->flags & CVMM_SYS_SECCOMP_TSYNC) {
		rc = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_TSYNC, 1);
		if (rc != 0)
			goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		rc = add_rule(f->ctx, &rules[i]);
		if (rc != 0) {
			if (bad_rule != NULL)
				*bad_rule = i;
			goto fail;
		}
	}
	*out = f;
	return 0;
fail:
	seccomp_release(f->ctx);
	free(f);
	return rc;
}

int cvmm_sys_seccomp_apply(const struct cvmm_sys_seccomp *filter)
{
	return seccomp_load(filter->ctx);
}

int cvmm_sys_seccomp_export_bpf(const struct cvmm_sys_seccomp *filter, int fd)
{
	return seccomp_export_bpf(filter->ctx, fd);
}

void cvmm_sys_seccomp_destroy(struct cvmm_sys_seccomp *filter)
{
	if (filter == NULL)
		return;
	seccomp_release(filter->ctx);
	free(filter);
}
