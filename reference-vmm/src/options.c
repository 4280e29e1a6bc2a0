/* SPDX-License-Identifier: Apache-2.0 */
#include "options.h"
#include "exit-codes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rvmm_options_usage(FILE *f)
{
	(void)fprintf(
	    f,
	    "usage: reference-vmm --kernel IMAGE [options]\n"
	    "\n"
	    "Boot a Linux kernel (or the probe guest) on KVM.\n"
	    "\n"
	    "  --kernel IMAGE        bzImage, or ELF vmlinux with a PVH note\n"
	    "                        (told apart by their magic numbers)\n"
	    "  --initrd FILE         initial ramdisk\n"
	    "  --cmdline LINE        kernel command line (default \"%s\")\n"
	    "  --mem MIB             guest memory in MiB (default %u, %u..%u)\n"
	    "  --vcpus N             vCPUs (default 1, at most %u)\n"
	    "  --cpu-template SPEC   mask CPUID features: a named template\n"
	    "                        (T2-like, no-avx512, no-tsx, no-nested)\n"
	    "                        and/or no-<feature> items, "
	    "comma-separated\n"
	    "  --serial DEST         COM1 output: stdout (default), "
	    "file:PATH,\n"
	    "                        none; stdin feeds COM1 input\n"
	    "  --boot-timeout S      end the VM after S seconds (0: never)\n"
	    "  --boot-protocol P     auto (default: bzImage 64-bit, ELF PVH),\n"
	    "                        linux64, or pvh (a bzImage's payload is\n"
	    "                        extracted and booted through its PVH "
	    "note)\n"
	    "  --kvm-device PATH     the KVM device (default /dev/kvm)\n"
	    "  --disk PATH[,ro]      a virtio-blk disk on the file PATH (its\n"
	    "                        size a multiple of 512 bytes; ro: the\n"
	    "                        guest cannot write it); repeatable\n"
	    "  --net tap=NAME        a virtio-net device on the tap interface\n"
	    "                        NAME (created if it does not exist)\n"
	    "  --rng                 a virtio-rng device fed by getrandom(2)\n"
	    "  --console DEST        a virtio console: its output to "
	    "file:PATH\n"
	    "                        (appended), stdout or none; no input\n"
	    "                        (at most %u virtio devices in all; they\n"
	    "                        are found through the ACPI DSDT)\n"
	    "  --no-seccomp          do not install the seccomp filter\n"
	    "  --help                this text\n"
	    "\n"
	    "Exit status, how the guest ended:\n"
	    "  %d  reset requested (i8042 0xFE, KVM_SYSTEM_EVENT_RESET)\n"
	    "  %d  VMM error while the guest ran\n"
	    "  %d  setup error (bad arguments, no /dev/kvm, bad kernel)\n"
	    "  %d  triple fault (KVM_EXIT_SHUTDOWN)\n"
	    "  %d  KVM internal error or VM entry failure\n"
	    "  %d  emulation failure (instruction bytes reported)\n"
	    "  %d  --boot-timeout passed\n"
	    "  %d  guest powered off (ACPI S5 to the sleep control register,\n"
	    "      port 0x600; KVM_SYSTEM_EVENT_SHUTDOWN)\n"
	    "  %d  stopped by SIGINT or SIGTERM\n",
	    RVMM_DEFAULT_LINE, RVMM_DEFAULT_MEM, RVMM_MEM_MIN_MIB,
	    RVMM_MEM_MAX_MIB, RVMM_VCPUS_MAX, RVMM_VIRTIO_MAX, RVMM_EXIT_RESET,
	    RVMM_EXIT_VMM_ERROR, RVMM_EXIT_SETUP, RVMM_EXIT_SHUTDOWN,
	    RVMM_EXIT_INTERNAL, RVMM_EXIT_EMULATION, RVMM_EXIT_TIMEOUT,
	    RVMM_EXIT_POWEROFF, RVMM_EXIT_SIGNAL);
}

/* A decimal integer in [min, max], nothing else. */
static int parse_u32(const char *opt, const char *s, uint32_t min, uint32_t max,
		     uint32_t *out, struct rvmm_err *e)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return rvmm_fail(e, -EINVAL, "%s: '%s' is not a number", opt,
				 s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return rvmm_fail(e, -EINVAL, "%s: '%s' is not a number", opt,
				 s);
	if (errno == ERANGE || v < min || v > max)
		return rvmm_fail(e, -EINVAL, "%s: %s is out of range %u..%u",
				 opt, s, min, max);
	*out = (uint32_t)v;
	return 0;
}

static int parse_serial(const char *s, struct rvmm_options *o,
			struct rvmm_err *e)
{
	if (strcmp(s, "stdout") == 0) {
		o->serial = RVMM_SERIAL_STDOUT;
	} else if (strcmp(s, "none") == 0) {
		o->serial = RVMM_SERIAL_NONE;
	} else if (strncmp(s, "file:", 5) == 0 && s[5] != '\0') {
		o->serial = RVMM_SERIAL_FILE;
		o->serial_path = s + 5;
	} else {
		return rvmm_fail(e, -EINVAL,
				 "--serial: '%s' is not stdout, file:PATH or "
				 "none",
				 s);
	}
	return 0;
}

/* --disk PATH[,ro]: the text after the last comma is a flag. */
static int parse_disk(const char *s, struct rvmm_options *o, struct rvmm_err *e)
{
	const char *comma = strrchr(s, ',');
	struct rvmm_disk *d;

	if (o->ndisks == RVMM_VIRTIO_MAX)
		return rvmm_fail(e, -EINVAL,
				 "--disk: too many disks (at most %u virtio "
				 "devices)",
				 RVMM_VIRTIO_MAX);
	if (comma && strcmp(comma + 1, "ro") != 0)
		return rvmm_fail(e, -EINVAL,
				 "--disk: unknown flag '%s' in '%s' (PATH or "
				 "PATH,ro)",
				 comma + 1, s);
	if (*s == '\0' || comma == s)
		return rvmm_fail(e, -EINVAL, "--disk: empty path in '%s'", s);
	d = &o->disks[o->ndisks++];
	d->path = s;
	d->path_len = comma ? (size_t)(comma - s) : strlen(s);
	d->read_only = comma != NULL;
	if (d->path_len >= RVMM_PATH_MAX)
		return rvmm_fail(e, -EINVAL,
				 "--disk: path longer than %u bytes",
				 RVMM_PATH_MAX - 1);
	return 0;
}

/* Linux's rules for an interface name (dev_valid_name). */
static bool tap_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > RVMM_TAP_NAME_MAX || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] <= ' ' ||
		    name[i] == 0x7f)
			return false;
	return true;
}

static int parse_net(const char *s, struct rvmm_options *o, struct rvmm_err *e)
{
	if (strncmp(s, "tap=", 4) != 0)
		return rvmm_fail(e, -EINVAL, "--net: '%s' is not tap=NAME", s);
	if (!tap_name_valid(s + 4))
		return rvmm_fail(e, -EINVAL,
				 "--net: '%s' is not a valid interface name "
				 "(1 to %u bytes, no '/', ':' or spaces)",
				 s + 4, RVMM_TAP_NAME_MAX);
	o->net_tap = s + 4;
	return 0;
}

static int parse_console(const char *s, struct rvmm_options *o,
			 struct rvmm_err *e)
{
	if (strcmp(s, "stdout") == 0) {
		o->vconsole = RVMM_VCONSOLE_STDOUT;
	} else if (strcmp(s, "none") == 0) {
		o->vconsole = RVMM_VCONSOLE_NONE;
	} else if (strncmp(s, "file:", 5) == 0 && s[5] != '\0') {
		o->vconsole = RVMM_VCONSOLE_FILE;
		o->vconsole_path = s + 5;
	} else {
		return rvmm_fail(e, -EINVAL,
				 "--console: '%s' is not file:PATH, stdout or "
				 "none",
				 s);
	}
	return 0;
}

static int parse_protocol(const char *s, struct rvmm_options *o,
			  struct rvmm_err *e)
{
	if (strcmp(s, "auto") == 0)
		o->protocol = RVMM_PROTOCOL_AUTO;
	else if (strcmp(s, "linux64") == 0)
		o->protocol = RVMM_PROTOCOL_LINUX64;
	else if (strcmp(s, "pvh") == 0)
		o->protocol = RVMM_PROTOCOL_PVH;
	else
		return rvmm_fail(e, -EINVAL,
				 "--boot-protocol: '%s' is not auto, linux64 "
				 "or pvh",
				 s);
	return 0;
}

static int parse_template(const char *s, struct rvmm_options *o,
			  struct rvmm_err *e)
{
	char msg[256];
	int rc;

	rc = cvmm_x86_template_parse(s, &o->tmpl, msg, sizeof(msg));
	if (rc)
		return rvmm_fail(e, -EINVAL, "--cpu-template: %s", msg);
	o->cpu_template = s;
	return 0;
}

/* Options that take a value, in the order of --help. */
enum opt_id {
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_MEM,
	OPT_VCPUS,
	OPT_TEMPLATE,
	OPT_SERIAL,
	OPT_TIMEOUT,
	OPT_PROTOCOL,
	OPT_KVM,
	OPT_DISK,
	OPT_NET,
	OPT_CONSOLE,
	OPT_COUNT_
};

static const char *const opt_names[OPT_COUNT_] = {
    "--kernel",	       "--initrd",	 "--cmdline", "--mem",
    "--vcpus",	       "--cpu-template", "--serial",  "--boot-timeout",
    "--boot-protocol", "--kvm-device",	 "--disk",    "--net",
    "--console",
};

static int set_value(enum opt_id id, const char *v, struct rvmm_options *o,
		     struct rvmm_err *e)
{
	const char *name = opt_names[id];

	switch (id) {
	case OPT_KERNEL:
	case OPT_INITRD:
	case OPT_KVM:
		if (*v == '\0')
			return rvmm_fail(e, -EINVAL, "%s: empty path", name);
		if (id == OPT_KERNEL)
			o->kernel = v;
		else if (id == OPT_INITRD)
			o->initrd = v;
		else
			o->kvm_path = v;
		return 0;
	case OPT_CMDLINE:
		o->cmdline = v;
		return 0;
	case OPT_MEM:
		return parse_u32(name, v, RVMM_MEM_MIN_MIB, RVMM_MEM_MAX_MIB,
				 &o->mem_mib, e);
	case OPT_VCPUS:
		return parse_u32(name, v, 1, RVMM_VCPUS_MAX, &o->vcpus, e);
	case OPT_TEMPLATE:
		return parse_template(v, o, e);
	case OPT_SERIAL:
		return parse_serial(v, o, e);
	case OPT_TIMEOUT:
		return parse_u32(name, v, 0, RVMM_TIMEOUT_MAX,
				 &o->boot_timeout_s, e);
	case OPT_PROTOCOL:
		return parse_protocol(v, o, e);
	case OPT_DISK:
		return parse_disk(v, o, e);
	case OPT_NET:
		return parse_net(v, o, e);
	case OPT_CONSOLE:
		return parse_console(v, o, e);
	case OPT_COUNT_:
		break;
	}
	return rvmm_fail(e, -EINVAL, "internal: option %d", (int)id);
}

static int check_virtio_count(const struct rvmm_options *o, struct rvmm_err *e)
{
	uint32_t n = o->ndisks + (o->net_tap != NULL) + o->rng +
		     (o->vconsole != RVMM_VCONSOLE_OFF);

	if (n > RVMM_VIRTIO_MAX)
		return rvmm_fail(e, -EINVAL,
				 "too many virtio devices: %u (--disk, --net, "
				 "--rng, --console; at most %u)",
				 n, RVMM_VIRTIO_MAX);
	return 0;
}

/* "--mem=64" or "--mem" "64": the option's id and value, or -1. */
static int match(const char *arg, const char **value)
{
	for (int i = 0; i < OPT_COUNT_; i++) {
		size_t n = strlen(opt_names[i]);

		if (strncmp(arg, opt_names[i], n) != 0)
			continue;
		if (arg[n] == '\0') {
			*value = NULL;
			return i;
		}
		if (arg[n] == '=') {
			*value = arg + n + 1;
			return i;
		}
	}
	return -1;
}

int rvmm_options_parse(int argc, char *const argv[], struct rvmm_options *o,
		       struct rvmm_err *e)
{
	bool seen[OPT_COUNT_] = {false};
	int rc;

	*o = (struct rvmm_options){
	    .cmdline = RVMM_DEFAULT_LINE,
	    .mem_mib = RVMM_DEFAULT_MEM,
	    .vcpus = 1,
	    .cpu_template = "",
	    .serial = RVMM_SERIAL_STDOUT,
	    .protocol = RVMM_PROTOCOL_AUTO,
	    .kvm_path = "/dev/kvm",
	    .seccomp = true,
	};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		int id;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			o->help = true;
			return 0;
		}
		if (strcmp(arg, "--no-seccomp") == 0) {
			o->seccomp = false;
			continue;
		}
		if (strcmp(arg, "--rng") == 0) {
			if (o->rng)
				return rvmm_fail(e, -EINVAL,
						 "--rng given twice");
			o->rng = true;
			continue;
		}
		id = match(arg, &value);
		if (id < 0)
			return rvmm_fail(e, -EINVAL,
					 "unknown option '%s' (see --help)",
					 arg);
		if (!value) {
			if (i + 1 >= argc)
				return rvmm_fail(e, -EINVAL, "%s needs a value",
						 arg);
			value = argv[++i];
		}
		/* Each --disk is one more disk. */
		if (seen[id] && id != OPT_DISK)
			return rvmm_fail(e, -EINVAL, "%s given twice",
					 opt_names[id]);
		seen[id] = true;
		rc = set_value((enum opt_id)id, value, o, e);
		if (rc)
			return rc;
	}
	if (!o->kernel)
		return rvmm_fail(e, -EINVAL,
				 "--kernel is required (see --help)");
	return check_virtio_count(o, e);
}
