/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The probe's virtio driver (vdrv.c) and DSDT reader (vdrv-acpi.c) on the
 * host, against the real pieces they meet in a VMM: acpi-tables' DSDT, and
 * virtio-devices' transport with its rng, console and block devices over
 * vm-memory's mmap backend. The guest runs the same code through MMIO.
 */
#define _POSIX_C_SOURCE 200809L
#include "vdrv.h"

#include <cvmm/acpi.h>
#include <cvmm/mem-mmap.h>
#include <cvmm/vdev-block.h>
#include <cvmm/vdev-console.h>
#include <cvmm/vdev-mmio.h>
#include <cvmm/vdev-net.h>
#include <cvmm/vdev-rng.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- the DSDT ---- */

static void build(const struct cvmm_acpi_virtio_mmio *dev, size_t n,
		  uint8_t **dsdt, uint32_t *len)
{
	struct cvmm_acpi_config cfg;
	struct cvmm_acpi_layout l;
	static uint8_t buf[8192];
	size_t total;

	cvmm_acpi_config_init(&cfg, 0xe0000, 2);
	cfg.virtio = dev;
	cfg.virtio_count = n;
	cfg.sleep_control = (struct cvmm_acpi_reg){CVMM_ACPI_SPACE_IO, 0x600};
	cfg.sleep_status = (struct cvmm_acpi_reg){CVMM_ACPI_SPACE_IO, 0x601};
	assert_int_equal(cvmm_acpi_layout(&cfg, &l), 0);
	assert_int_equal(cvmm_acpi_build(&cfg, buf, sizeof(buf), &total), 0);
	*dsdt = buf + (l.dsdt - cfg.base);
	*len = l.dsdt_len;
}

static void test_acpi_finds_devices(void **state)
{
	struct cvmm_acpi_virtio_mmio dev[CVMM_ACPI_VIRTIO_MAX];
	struct vdrv_acpi_dev found[VDRV_ACPI_MAX];
	const char *why = "unset";
	uint8_t *dsdt;
	uint32_t len;

	/* The IOAPIC pins no timer or legacy device uses: 19 of them. */
	static const uint32_t pins[] = {3,  5,	6,  7,	9,  10, 11, 12, 13, 14,
					15, 16, 17, 18, 19, 20, 21, 22, 23};

	(void)state;
	for (uint32_t n = 0; n <= 19; n += n < 15 ? 5 : 4) {
		for (uint32_t i = 0; i < n; i++)
			dev[i] = (struct cvmm_acpi_virtio_mmio){
			    0xd0000000u + i * 0x1000u, 0x1000, pins[i]};
		build(dev, n, &dsdt, &len);
		assert_int_equal(vdrv_acpi_find(dsdt + 36, len - 36, found,
						VDRV_ACPI_MAX, &why),
				 (int)n);
		assert_null(why);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(found[i].uid, i);
			assert_int_equal(found[i].base, dev[i].base);
			assert_int_equal(found[i].size, 0x1000);
			assert_int_equal(found[i].gsi, dev[i].gsi);
		}
	}
	/* More devices than room: an error that says so. */
	build(dev, 5, &dsdt, &len);
	assert_int_equal(vdrv_acpi_find(dsdt + 36, len - 36, found, 4, &why),
			 -1);
	assert_non_null(strstr(why, "more LNRO0005 devices"));
}

/* Every truncation and many byte changes of a real DSDT: an answer or a
 * reason, and never a read outside the bytes given (the copy is exactly
 * as long, so AddressSanitizer sees any overrun). */
static void test_acpi_bad_tables(void **state)
{
	struct cvmm_acpi_virtio_mmio dev[3] = {{0xd0000000u, 0x1000, 5},
					       {0xd0001000u, 0x1000, 6},
					       {0xd0002000u, 0x200, 7}};
	struct vdrv_acpi_dev found[VDRV_ACPI_MAX];
	const char *why;
	uint8_t *dsdt;
	uint32_t len, refused = 0;

	(void)state;
	build(dev, 3, &dsdt, &len);
	for (uint32_t cut = 0; cut < len - 36; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		int n;

		assert_non_null(copy);
		memcpy(copy, dsdt + 36, cut);
		n = vdrv_acpi_find(copy, cut, found, VDRV_ACPI_MAX, &why);
		assert_true(n >= -1 && n <= 3);
		if (n < 0) {
			assert_non_null(why);
			refused++;
		}
		free(copy);
	}
	assert_true(refused > 0);
	for (uint32_t at = 0; at < len - 36; at++) {
		static const uint8_t values[] = {0x00, 0x01, 0x3f, 0x40,
						 0x7f, 0x80, 0xc0, 0xff};

		for (size_t v = 0; v < sizeof(values); v++) {
			uint8_t *copy = malloc(len - 36);
			int n;

			assert_non_null(copy);
			memcpy(copy, dsdt + 36, len - 36);
			copy[at] = values[v];
			n = vdrv_acpi_find(copy, len - 36, found, VDRV_ACPI_MAX,
					   &why);
			assert_true(n >= -1 && n <= 3);
			assert_true(n >= 0 || why != NULL);
			free(copy);
		}
	}
}

/* AML as QEMU writes it around its virtio-mmio devices: a Method, a
 * device with an OperationRegion and a Field, a Processor; the reader
 * skips them by their lengths and still finds the device. Hand-assembled:
 * every PkgLength here takes two bytes (a valid encoding of any length
 * below 4096). */
struct aml {
	uint8_t b[256];
	uint32_t n;
};

static void put(struct aml *a, const void *p, uint32_t n)
{
	assert_true(a->n + n <= sizeof(a->b));
	memcpy(a->b + a->n, p, n);
	a->n += n;
}

static uint32_t open_pkg(struct aml *a, const void *op, uint32_t oplen)
{
	put(a, op, oplen);
	put(a, "\0\0", 2); /* PkgLength, filled by close_pkg() */
	return a->n - 2;
}

static void close_pkg(struct aml *a, uint32_t at)
{
	uint32_t len = a->n - at;

	assert_true(len < 4096);
	a->b[at] = (uint8_t)(0x40u | (len & 0xfu));
	a->b[at + 1] = (uint8_t)(len >> 4);
}

static void qemu_like(struct aml *a, bool lnro_region)
{
	static const uint8_t crs[] = {
	    0x11, 0x1a, 0x0a, 0x17,			    /* Buffer */
	    0x86, 0x09, 0x00, 0x01, 0x00, 0x2e, 0xb0, 0xfe, /* Mem32Fixed */
	    0x00, 0x02, 0x00, 0x00,			    /* 0x200 */
	    0x89, 0x06, 0x00, 0x03, 0x01, 0x2f, 0x00, 0x00, 0x00, /* GSI 47 */
	    0x79, 0x00};
	static const uint8_t region[] = {0x5b, 0x80, 'E',  'R',	 'E',
					 'G',  0x00, 0x0c, 0x00, 0x00,
					 0xa0, 0xfe, 0x0a, 0x04};
	uint32_t scope, m, dev, field, cpu, vr;

	a->n = 0;
	scope = open_pkg(a, "\x10", 1);
	put(a, "\\_SB_", 5);
	m = open_pkg(a, "\x14", 1); /* Method (FOO_, 0) { Return (One) } */
	put(a, "FOO_\x00\xa4\x01", 7);
	close_pkg(a, m);
	dev = open_pkg(a, "\x5b\x82", 2); /* Device (GED0) */
	put(a, "GED0", 4);
	put(a,
	    "\x08_HID\x0d"
	    "ACPI0013",
	    15);
	put(a, region, sizeof(region));
	field = open_pkg(a, "\x5b\x81", 2); /* Field (EREG, ...) */
	put(a, "EREG\x01\x45\x56\x54\x5f\x20", 10);
	close_pkg(a, field);
	close_pkg(a, dev);
	cpu = open_pkg(a, "\x5b\x83", 2); /* Processor (C000, 0, 0, 0) */
	put(a, "C000\x00\x00\x00\x00\x00\x00", 10);
	close_pkg(a, cpu);
	vr = open_pkg(a, "\x5b\x82", 2); /* Device (VR23) */
	put(a, "VR23", 4);
	put(a,
	    "\x08_HID\x0d"
	    "LNRO0005",
	    15);
	put(a, "\x08_UID\x0a\x17", 7);
	if (lnro_region)
		put(a, region, sizeof(region));
	put(a, "\x08_CRS", 5);
	put(a, crs, sizeof(crs));
	close_pkg(a, vr);
	close_pkg(a, scope);
	put(a, "\x08_S5_\x12\x07\x04\x0a\x05\x00\x00\x00", 13);
}

static void test_acpi_other_objects(void **state)
{
	struct vdrv_acpi_dev found[4];
	const char *why = "unset";
	struct aml a;

	(void)state;
	qemu_like(&a, false);
	assert_int_equal(vdrv_acpi_find(a.b, a.n, found, 4, &why), 1);
	assert_null(why);
	assert_int_equal(found[0].uid, 23);
	assert_int_equal(found[0].base, 0xfeb02e00u);
	assert_int_equal(found[0].size, 0x200);
	assert_int_equal(found[0].gsi, 47);
	/* In an LNRO0005 Device only Names are expected: a reason. */
	qemu_like(&a, true);
	assert_int_equal(vdrv_acpi_find(a.b, a.n, found, 4, &why), -1);
	assert_non_null(strstr(why, "in an LNRO0005 Device"));
	/* An object the reader cannot size (OperationRegion) at the top. */
	a.n = 0;
	put(&a,
	    "\x5b\x80"
	    "EREG\x00\x0a\x10\x0a\x04",
	    11);
	assert_int_equal(vdrv_acpi_find(a.b, a.n, found, 4, &why), -1);
	assert_non_null(strstr(why, "unexpected AML opcode"));
}

/* ---- the driver against the real transport ---- */

#define MEM_SIZE   0x100000u
#define ARENA_GPA  0x10000u
#define ARENA_SIZE 0x8000u
#define OUTSIDE	   0x40000000u

struct host {
	struct cvmm_mem_mmap *mm;
	struct cvmm_mem mem;
	uint8_t *ram;
	struct cvmm_vdev_mmio *t;
	struct cvmm_vdev_rng *rng;
	struct cvmm_vdev_console *con;
	struct cvmm_vdev_block *blk;
	struct cvmm_vdev_net *net;
	/* The net backend: what the device sent, what it may receive. */
	uint8_t sent[128], pending[128];
	size_t sent_len, pending_len;
	char disk[64];
	int polls, limit;
	int refused; /* register accesses the transport refused */
	uint8_t out[256];
	size_t out_len;
	uint32_t counter;
	struct vdrv_dev d;
};

static uint32_t h_read(void *ctx, uint32_t off, uint32_t size)
{
	struct host *h = ctx;
	uint8_t b[4] = {0, 0, 0, 0};

	if (cvmm_vdev_mmio_read(h->t, off, b, size) != 0)
		h->refused++;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static void h_write(void *ctx, uint32_t off, uint32_t size, uint32_t v)
{
	struct host *h = ctx;
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};

	if (cvmm_vdev_mmio_write(h->t, off, b, size) != 0)
		h->refused++;
}

static void h_deadline(void *ctx, uint32_t seconds)
{
	struct host *h = ctx;

	h->polls = 0;
	h->limit = (int)seconds * 1000;
}

static bool h_expired(void *ctx)
{
	struct host *h = ctx;

	return ++h->polls > h->limit;
}

static const struct vdrv_ops h_ops = {h_read, h_write, h_deadline, h_expired};

/* A deterministic entropy source: a counter (two reads differ). */
static int counter_source(void *arg, uint8_t *buf, size_t len)
{
	struct host *h = arg;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(h->counter++ * 151u + 7u);
	return 0;
}

static int sink(void *arg, const uint8_t *buf, size_t len)
{
	struct host *h = arg;

	if (len > sizeof(h->out) - h->out_len)
		len = sizeof(h->out) - h->out_len;
	memcpy(h->out + h->out_len, buf, len);
	h->out_len += len;
	return 0;
}

static int setup_host(void **state)
{
	static const struct cvmm_mem_range map[] = {{{0}, MEM_SIZE, 0}};
	struct host *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	assert_int_equal(cvmm_mem_mmap_create(map, 1, &h->mm), 0);
	h->mem = cvmm_mem_mmap_iface(h->mm);
	h->ram = cvmm_mem_regions_at(cvmm_mem_mmap_regions(h->mm), 0)->host;
	*state = h;
	return 0;
}

static int teardown_host(void **state)
{
	struct host *h = *state;

	cvmm_vdev_mmio_destroy(h->t);
	cvmm_vdev_rng_destroy(h->rng);
	cvmm_vdev_console_destroy(h->con);
	cvmm_vdev_block_destroy(h->blk);
	cvmm_vdev_net_destroy(h->net);
	if (h->disk[0])
		unlink(h->disk);
	cvmm_mem_mmap_destroy(h->mm);
	free(h);
	return 0;
}

static void attach(struct host *h, struct cvmm_vdev dev)
{
	struct cvmm_vdev_mmio_config cfg;
	struct vdrv_arena ar = {h->ram + ARENA_GPA, ARENA_GPA, ARENA_SIZE, 0};

	memset(&cfg, 0, sizeof(cfg));
	cfg.device = dev;
	assert_int_equal(cvmm_vdev_mmio_create(&h->mem, &cfg, &h->t), 0);
	assert_int_equal(vdrv_probe(&h->d, &h_ops, h, &ar), VDRV_OK);
}

static void *scratch(struct host *h, uint64_t *gpa)
{
	void *p = vdrv_alloc(&h->d, 4096, 16, gpa);

	assert_non_null(p);
	return p;
}

static void rng_device(struct host *h)
{
	struct cvmm_vdev_rng_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.source = counter_source;
	cfg.source_arg = h;
	assert_int_equal(cvmm_vdev_rng_create(&cfg, &h->rng), 0);
	attach(h, cvmm_vdev_rng_device(h->rng));
	assert_int_equal(h->d.device_id, VDRV_ID_RNG);
}

static void test_rng(void **state)
{
	struct host *h = *state;
	uint64_t gpa;
	uint8_t *s;
	uint32_t len = 0;

	rng_device(h);
	assert_int_equal(vdrv_negotiate(&h->d, VDRV_F_INDIRECT_DESC), VDRV_OK);
	assert_true(h->d.features & VDRV_F_VERSION_1);
	assert_true(h->d.features & VDRV_F_INDIRECT_DESC);
	assert_int_equal(vdrv_queue_setup(&h->d, 0, 16), VDRV_OK);
	/* The rng has one queue: the second does not exist. */
	assert_int_equal(vdrv_queue_setup(&h->d, 1, 16), VDRV_E_NOQUEUE);
	assert_int_equal(vdrv_driver_ok(&h->d), VDRV_OK);
	s = scratch(h, &gpa);
	for (int k = 0; k < 2; k++) {
		struct vdrv_buf b = {gpa + (uint64_t)64 * (unsigned)k, 64,
				     true};

		assert_int_equal(vdrv_submit(&h->d, 0, &b, 1), VDRV_OK);
		assert_int_equal(vdrv_wait(&h->d, 0, 1, &len), VDRV_OK);
		assert_int_equal(len, 64);
	}
	assert_memory_not_equal(s, s + 64, 64);
	/* Nothing more comes: the wait ends at its deadline. */
	assert_int_equal(vdrv_wait(&h->d, 0, 1, &len), VDRV_E_TIMEOUT);
	assert_int_equal(h->polls, 1001);
	assert_int_equal(h->refused, 0);
}

static void test_console(void **state)
{
	struct host *h = *state;
	struct cvmm_vdev_console_config cfg;
	static const char msg[] = "CVMM-PROBE-VCONSOLE hello\n";
	uint64_t gpa;
	uint8_t *s;
	uint32_t len;

	memset(&cfg, 0, sizeof(cfg));
	cfg.sink = sink;
	cfg.sink_arg = h;
	assert_int_equal(cvmm_vdev_console_create(&cfg, &h->con), 0);
	attach(h, cvmm_vdev_console_device(h->con));
	assert_int_equal(h->d.device_id, VDRV_ID_CONSOLE);
	assert_int_equal(vdrv_negotiate(&h->d, 0), VDRV_OK);
	assert_int_equal(vdrv_queue_setup(&h->d, 0, 16), VDRV_OK);
	assert_int_equal(vdrv_queue_setup(&h->d, 1, 16), VDRV_OK);
	assert_int_equal(vdrv_driver_ok(&h->d), VDRV_OK);
	s = scratch(h, &gpa);
	memcpy(s, msg, sizeof(msg) - 1);
	{
		struct vdrv_buf b = {gpa, sizeof(msg) - 1, false};

		assert_int_equal(vdrv_submit(&h->d, 1, &b, 1), VDRV_OK);
	}
	assert_int_equal(vdrv_wait(&h->d, 1, 1, &len), VDRV_OK);
	assert_int_equal(h->out_len, sizeof(msg) - 1);
	assert_memory_equal(h->out, msg, sizeof(msg) - 1);
}

static uint8_t blk_io(struct host *h, uint8_t *s, uint64_t gpa, uint32_t type,
		      uint64_t sector, uint32_t dlen, bool dwrite)
{
	struct vdrv_buf b[3];
	uint32_t n = 0, len;

	memset(s, 0, 16);
	s[0] = (uint8_t)type;
	memcpy(s + 8, &sector, 8);
	s[16] = 0xff;
	b[n++] = (struct vdrv_buf){gpa, 16, false};
	if (dlen)
		b[n++] = (struct vdrv_buf){gpa + 512, dlen, dwrite};
	b[n++] = (struct vdrv_buf){gpa + 16, 1, true};
	assert_int_equal(vdrv_submit(&h->d, 0, b, n), VDRV_OK);
	assert_int_equal(vdrv_wait(&h->d, 0, 1, &len), VDRV_OK);
	return s[16];
}

static void test_block(void **state)
{
	struct host *h = *state;
	struct cvmm_vdev_block_config cfg = cvmm_vdev_block_default_config();
	uint8_t sector[512], *s;
	uint64_t gpa;
	FILE *f;
	int fd;

	strcpy(h->disk, "/tmp/test-vdrv-disk.XXXXXX");
	fd = mkstemp(h->disk);
	assert_true(fd >= 0);
	memset(sector, 0, sizeof(sector));
	memcpy(sector, "CVMM-DISK-IMAGE\n", sizeof("CVMM-DISK-IMAGE\n"));
	for (int k = 0; k < 32; k++)
		assert_int_equal(write(fd, sector, 512), 512);
	memset(sector, 0, 16);
	close(fd);
	cfg.path = h->disk;
	strcpy(cfg.serial, "probe-disk");
	assert_int_equal(cvmm_vdev_block_create(&cfg, &h->blk), 0);
	attach(h, cvmm_vdev_block_device(h->blk));
	assert_int_equal(vdrv_negotiate(&h->d, UINT64_C(1) << 9), VDRV_OK);
	assert_true(h->d.features & (UINT64_C(1) << 9));
	assert_int_equal(vdrv_queue_setup(&h->d, 0, 16), VDRV_OK);
	assert_int_equal(vdrv_driver_ok(&h->d), VDRV_OK);
	assert_int_equal(vdrv_config(&h->d, 0, 4), 32); /* capacity */
	s = scratch(h, &gpa);
	assert_int_equal(blk_io(h, s, gpa, 0, 0, 512, true), 0);
	assert_memory_equal(s + 512, "CVMM-DISK-IMAGE\n", 16);
	memset(s + 512, 0xa5, 512);
	assert_int_equal(blk_io(h, s, gpa, 1, 9, 512, false), 0);
	assert_int_equal(blk_io(h, s, gpa, 4, 0, 0, false), 0);
	memset(s + 512, 0, 512);
	assert_int_equal(blk_io(h, s, gpa, 0, 9, 512, true), 0);
	assert_int_equal(s[512], 0xa5);
	assert_int_equal(s[1023], 0xa5);
	assert_int_equal(blk_io(h, s, gpa, 8, 0, 20, true), 0);
	assert_string_equal((char *)s + 512, "probe-disk");
	/* And on the file. */
	f = fopen(h->disk, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 9L * 512, SEEK_SET), 0);
	assert_int_equal(fread(sector, 1, 512, f), 512);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(sector[0], 0xa5);
}

/* The payloads (not strings: no NUL goes on the wire). */
static const uint8_t ping[19] = "CVMM-PROBE-NET ping";
static const uint8_t pong[19] = "CVMM-PROBE-NET pong";
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x01};

/* A backend like tap-peer: a frame carrying the ping is answered with the
 * pong, to the sender. */
static int net_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct host *h = ctx;

	assert_true(len <= sizeof(h->sent));
	memcpy(h->sent, frame, len);
	h->sent_len = len;
	if (len >= 14 + 19 && memcmp(frame + 14, ping, sizeof(ping)) == 0) {
		memset(h->pending, 0, 60);
		memcpy(h->pending, frame + 6, 6);
		memcpy(h->pending + 6, peer_mac, 6);
		h->pending[12] = 0x88;
		h->pending[13] = 0xb5;
		memcpy(h->pending + 14, pong, sizeof(pong));
		h->pending_len = 60;
	}
	return 0;
}

static int net_recv(void *ctx, uint8_t *buf, size_t cap, size_t *len)
{
	struct host *h = ctx;

	if (h->pending_len == 0)
		return -EAGAIN;
	assert_true(h->pending_len <= cap);
	memcpy(buf, h->pending, h->pending_len);
	*len = h->pending_len;
	h->pending_len = 0;
	return 0;
}

static const struct cvmm_vdev_net_backend_ops net_ops = {net_send, net_recv};

static void net_device(struct host *h)
{
	struct cvmm_vdev_net_config cfg;
	static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = (struct cvmm_vdev_net_backend){&net_ops, h};
	memcpy(cfg.mac, mac, 6);
	assert_int_equal(cvmm_vdev_net_create(&cfg, &h->net), 0);
	attach(h, cvmm_vdev_net_device(h->net));
	assert_int_equal(h->d.device_id, VDRV_ID_NET);
}

/* The probe's net check: the MAC from config space, a receive buffer, the
 * ping out on the transmitq, the pong in on the receiveq. */
static void test_net(void **state)
{
	struct host *h = *state;
	uint8_t mac[6], *s;
	uint64_t gpa;
	uint32_t len;

	net_device(h);
	assert_int_equal(vdrv_negotiate(&h->d, UINT64_C(1) << 5), VDRV_OK);
	assert_true(h->d.features & (UINT64_C(1) << 5));
	assert_int_equal(vdrv_queue_setup(&h->d, 0, 16), VDRV_OK);
	assert_int_equal(vdrv_queue_setup(&h->d, 1, 16), VDRV_OK);
	for (uint32_t k = 0; k < 6; k++)
		mac[k] = (uint8_t)vdrv_config(&h->d, k, 1);
	assert_memory_equal(mac, "\x52\x54\x00\x12\x34\x56", 6);
	assert_int_equal(vdrv_driver_ok(&h->d), VDRV_OK);
	s = scratch(h, &gpa);
	{
		struct vdrv_buf rx = {gpa + 2048, 12 + 1514, true};

		assert_int_equal(vdrv_submit(&h->d, 0, &rx, 1), VDRV_OK);
	}
	memset(s, 0, 12 + 60);
	memset(s + 12, 0xff, 6);
	memcpy(s + 18, mac, 6);
	s[24] = 0x88;
	s[25] = 0xb5;
	memcpy(s + 26, ping, sizeof(ping));
	{
		struct vdrv_buf tx = {gpa, 12 + 60, false};

		assert_int_equal(vdrv_submit(&h->d, 1, &tx, 1), VDRV_OK);
	}
	assert_int_equal(vdrv_wait(&h->d, 1, 1, &len), VDRV_OK);
	assert_int_equal(h->sent_len, 60);
	assert_memory_equal(h->sent + 6, mac, 6);
	/* The VMM's event loop: the backend is readable. */
	assert_int_equal(cvmm_vdev_net_backend_readable(h->net), 0);
	assert_int_equal(vdrv_wait(&h->d, 0, 1, &len), VDRV_OK);
	assert_int_equal(len, 12 + 60);
	assert_memory_equal(s + 2048 + 12, mac, 6);
	assert_memory_equal(s + 2048 + 12 + 14, pong, sizeof(pong));
}

static void corruptions(struct host *h, uint32_t q, uint64_t want)
{
	for (uint32_t c = 0; c < VDRV_C_COUNT; c++) {
		struct vdrv_buf good;
		uint64_t gpa;
		uint16_t used;
		uint32_t len;

		assert_int_equal(vdrv_negotiate(&h->d, want), VDRV_OK);
		for (uint32_t k = 0; k <= q; k++)
			assert_int_equal(vdrv_queue_setup(&h->d, k, 16),
					 VDRV_OK);
		assert_int_equal(vdrv_driver_ok(&h->d), VDRV_OK);
		(void)scratch(h, &gpa);
		/* rng: a buffer to fill; net: a frame to send. */
		good = (struct vdrv_buf){gpa, 64, q == 0};
		vdrv_corrupt(&h->d.q[q], &good, 1, (enum vdrv_corruption)c,
			     OUTSIDE, h->ram + gpa + 2048, gpa + 2048);
		vdrv_notify(&h->d, q);
		assert_true(vdrv_wait_needs_reset(&h->d, 1));
		assert_true(vdrv_used_clean(&h->d.q[q], (enum vdrv_corruption)c,
					    &used));
		if (c == VDRV_C_JUMP || c == VDRV_C_HEAD)
			assert_int_equal(used, 0);
		assert_true(vdrv_ack(&h->d) & 2u); /* config change */
		/* Reset, and a good request works again. */
		assert_int_equal(vdrv_negotiate(&h->d, 0), VDRV_OK);
		assert_int_equal(vdrv_status(&h->d) & VDRV_S_DEVICE_NEEDS_RESET,
				 0);
		for (uint32_t k = 0; k <= q; k++)
			assert_int_equal(vdrv_queue_setup(&h->d, k, 16),
					 VDRV_OK);
		assert_int_equal(vdrv_driver_ok(&h->d), VDRV_OK);
		(void)scratch(h, &gpa);
		good = (struct vdrv_buf){gpa, 64, q == 0};
		assert_int_equal(vdrv_submit(&h->d, q, &good, 1), VDRV_OK);
		assert_int_equal(vdrv_wait(&h->d, q, 1, &len), VDRV_OK);
		vdrv_reset(&h->d);
	}
}

/* Each corruption breaks the queue (DEVICE_NEEDS_RESET), leaves no used
 * entry for a garbage head, and a reset brings the device back: rng's
 * requestq, net's transmitq. */
static void test_corruptions(void **state)
{
	struct host *h = *state;

	rng_device(h);
	corruptions(h, 0, VDRV_F_INDIRECT_DESC);
}

static void test_net_corruptions(void **state)
{
	struct host *h = *state;

	net_device(h);
	corruptions(h, 1, VDRV_F_INDIRECT_DESC);
}

/* A queue layout outside guest memory is refused: QueueReady stays 0. */
static void test_layout_outside(void **state)
{
	struct host *h = *state;

	rng_device(h);
	assert_int_equal(vdrv_negotiate(&h->d, 0), VDRV_OK);
	vdrv_write(&h->d, VDRV_QUEUE_SEL, 0);
	vdrv_write(&h->d, VDRV_QUEUE_NUM, 16);
	vdrv_write(&h->d, VDRV_QUEUE_DESC_LOW, OUTSIDE);
	vdrv_write(&h->d, VDRV_QUEUE_DRIVER_LOW, OUTSIDE + 0x1000);
	vdrv_write(&h->d, VDRV_QUEUE_DEVICE_LOW, OUTSIDE + 0x2000);
	vdrv_write(&h->d, VDRV_QUEUE_READY, 1);
	assert_int_equal(vdrv_read(&h->d, VDRV_QUEUE_READY), 0);
	assert_true(vdrv_status(&h->d) & VDRV_S_DEVICE_NEEDS_RESET);
	assert_int_equal(h->refused, 1);
	vdrv_reset(&h->d);
	assert_int_equal(vdrv_status(&h->d), 0);
}

/* The driver's own refusals. */
static void test_driver_errors(void **state)
{
	struct host *h = *state;
	struct vdrv_buf b = {ARENA_GPA, 16, true};
	uint64_t gpa;
	uint32_t len;

	rng_device(h);
	assert_int_equal(vdrv_queue_setup(&h->d, 0, 3), VDRV_E_ARG);
	assert_int_equal(vdrv_queue_setup(&h->d, 2, 16), VDRV_E_ARG);
	assert_int_equal(vdrv_submit(&h->d, 0, &b, 1), VDRV_E_ARG);
	assert_int_equal(vdrv_wait(&h->d, 0, 1, &len), VDRV_E_ARG);
	assert_int_equal(vdrv_negotiate(&h->d, 0), VDRV_OK);
	assert_null(vdrv_alloc(&h->d, ARENA_SIZE + 1, 16, &gpa));
	assert_non_null(vdrv_alloc(&h->d, 16, 4096, &gpa));
	assert_int_equal(gpa & 0xfff, 0);
	for (int e = VDRV_OK; e >= VDRV_E_STATUS; e--)
		assert_non_null(vdrv_strerror(e));
	assert_string_equal(vdrv_strerror(-99), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_acpi_finds_devices),
	    cmocka_unit_test(test_acpi_bad_tables),
	    cmocka_unit_test(test_acpi_other_objects),
	    cmocka_unit_test_setup_teardown(test_rng, setup_host,
					    teardown_host),
	    cmocka_unit_test_setup_teardown(test_console, setup_host,
					    teardown_host),
	    cmocka_unit_test_setup_teardown(test_block, setup_host,
					    teardown_host),
	    cmocka_unit_test_setup_teardown(test_net, setup_host,
					    teardown_host),
	    cmocka_unit_test_setup_teardown(test_corruptions, setup_host,
					    teardown_host),
	    cmocka_unit_test_setup_teardown(test_net_corruptions, setup_host,
					    teardown_host),
	    cmocka_unit_test_setup_teardown(test_layout_outside, setup_host,
					    teardown_host),
	    cmocka_unit_test_setup_teardown(test_driver_errors, setup_host,
					    teardown_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
